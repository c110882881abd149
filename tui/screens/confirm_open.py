"""`o` on a job that is still running asks first: async-job-model.txt warns "Don't open
projects during processing ... Making changes while a job is running can cause conflicts."

`ConfirmOpenScreen(job)` dismisses with True (open anyway) or False. `needs_confirmation`
says whether to ask at all: only while the job is queued or running.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.api.models import Job
from tui.formatting import state_text
from tui.paths import style_paths

WARNING = (
    "Descript advises waiting for the job to complete before opening its project: making "
    "changes while a job is running can cause conflicts."
)


def needs_confirmation(job: Job) -> bool:
    """Ask before opening the project only while its job is still queued or running."""
    return not job.is_finished


class ConfirmOpenScreen(ModalScreen[bool]):
    """`ConfirmOpenScreen(job)`: True to open the project anyway, False to wait."""

    CSS_PATH: ClassVar[Any] = style_paths("triage.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Open anyway"),
        Binding("n", "answer(False)", "Wait"),
        Binding("escape", "answer(False)", "Wait"),
    ]

    def __init__(self, job: Job, *, project_name: str | None = None) -> None:
        super().__init__()
        self.job = job
        self.project_name = project_name

    def compose(self) -> ComposeResult:
        job = self.job
        project = self.project_name or job.project_id or "this project"
        with Vertical(id="open-dialog"):
            yield Static(Text("Open a project while its job runs?"), id="open-title")
            yield Static(
                Text.assemble(
                    "Project ", (project, "bold"), f"\n{job.kind} job {job.job_id} is ",
                    state_text(job.outcome),
                ),
                id="open-job",
            )
            yield Static(Text(WARNING), id="open-why")
            with Horizontal(id="open-buttons"):
                yield Button("Open anyway (y)", id="open-yes", variant="warning")
                yield Button("Wait (n)", id="open-no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#open-no", Button).focus()

    def action_answer(self, open_anyway: bool) -> None:
        self.dismiss(open_anyway)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "open-yes")
