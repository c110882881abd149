"""Confirm, send and prove a cancel: the modal shows the job, sends the DELETE on Yes, shows
what the server answered (status code and reason phrase, as received), re-reads the job and
shows its new state, counts down and dismisses with that `Job`.

A job that has already stopped cannot be cancelled: the modal says why and offers only Close.
A 403, 404 or 429 (or any other failure) is shown in the shared `ErrorPanel` with its remedy.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.api.client import DescriptClient
from tui.api.clock import Clock
from tui.api.models import CancelResult, Job
from tui.formatting import format_full_timestamp, job_percent, state_text
from tui.paths import style_paths
from tui.widgets.error_panel import ErrorPanel

#: After the re-read, the modal closes by itself this long later (or at once on a key).
AUTO_CLOSE_SECONDS = 3.0


def answer_text(result: CancelResult) -> Text:
    """`Server answered 204 No Content.`: the words come from the response itself; a note
    (e.g. the answer was lost and a re-read shows it cancelled) follows."""
    return Text(f"Server answered {result.status_line}.")


def field_line(label: str, value: str | None) -> Text:
    """`Project   Podcast [rough]` with the value as data, never markup."""
    line = Text(f"{label:<9}", style="bold")
    line.append(value if value else "-")
    return line


def state_value(job: Job) -> str:
    """`▶ running  (job_state: running)`: our reading first, then the API's word for it."""
    return f"{state_text(job.outcome)}  (job_state: {job.job_state or '-'})"


def progress_value(job: Job) -> str | None:
    """`56% · Shortening silences`, or None when the API gave neither."""
    percent = job_percent(job)
    label = job.progress.label if job.progress else None
    parts = [f"{percent:.0f}%" if percent is not None else None, label]
    return " · ".join(part for part in parts if part) or None


def stopped_reason(job: Job) -> str:
    """Why a stopped job cannot be cancelled, in the user's words."""
    when = f" at {format_full_timestamp(job.stopped_at)}" if job.stopped_at else ""
    return (
        f"This job has already stopped ({state_text(job.outcome)}{when}). "
        "Only a queued or running job can be cancelled; there is nothing left to stop."
    )


class ConfirmCancelScreen(ModalScreen[Job | None]):
    """`ConfirmCancelScreen(job)`: dismisses with the re-read `Job`, or None (not cancelled)."""

    CSS_PATH: ClassVar[Any] = style_paths("forms.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, cancel it"),
        Binding("n", "close", "No"),
        Binding("escape", "close", "Close"),
        Binding("enter", "finish", "Close", show=False),
    ]

    def __init__(
        self,
        job: Job,
        *,
        client: DescriptClient,
        clock: Clock,
        project_name: str | None = None,
    ) -> None:
        super().__init__()
        self.job = job
        self.client = client
        self.clock = clock
        self.project_name = project_name
        #: "ask", "refused" (already stopped), "sending", "failed", "done".
        self.phase = "refused" if job.is_finished else "ask"
        #: The job as re-read after the 204 (None until then, or if the re-read failed).
        self.result: Job | None = None
        self._dismissing = False

    def compose(self) -> ComposeResult:
        job = self.job
        project = job.project_id or None
        if self.project_name:
            project = f"{self.project_name} ({job.project_id})"
        with Vertical(id="cancel-dialog"):
            title = "Cannot cancel this job" if self.phase == "refused" else "Cancel this job?"
            yield Static(Text(title), id="cancel-title")
            yield Static(field_line("Job id", job.job_id), classes="cancel-field")
            yield Static(field_line("Type", job.job_type or job.kind), classes="cancel-field")
            yield Static(field_line("Project", project), classes="cancel-field")
            yield Static(
                field_line("State", state_value(job)), classes="cancel-field", id="cancel-state"
            )
            if not job.is_finished:
                yield Static(field_line("Progress", progress_value(job)), classes="cancel-field")
            why = (
                stopped_reason(job)
                if self.phase == "refused"
                else (
                    "The job stops at once; work already done stays in the project, possibly "
                    "incomplete."
                )
            )
            yield Static(Text(why), id="cancel-why")
            yield Static(id="cancel-progress")
            yield ErrorPanel(id="cancel-error")
            with Horizontal(id="cancel-buttons"):
                if self.phase == "ask":
                    yield Button("Yes, cancel it (y)", id="cancel-yes", variant="error")
                    yield Button("No (n)", id="cancel-no", variant="primary")
                yield Button("Close (esc)", id="cancel-close", variant="default")

    def on_mount(self) -> None:
        if self.phase == "ask":
            self.query_one("#cancel-no", Button).focus()
        else:
            self.query_one("#cancel-close", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Yes exists only while the question stands; the footer and `?` reflect that.
        if action == "confirm":
            return self.phase == "ask"
        return True

    def _progress(self, message: Text | str, *, done: bool = False) -> None:
        progress = self.query_one("#cancel-progress", Static)
        progress.update(message if isinstance(message, Text) else Text(message))
        progress.set_class(done, "-done")

    def action_confirm(self) -> None:
        if self.phase != "ask":
            return
        self.phase = "sending"
        self.refresh_bindings()
        for button_id in ("#cancel-yes", "#cancel-no"):
            self.query_one(button_id, Button).disabled = True
        self._progress(f"Sending DELETE /jobs/{self.job.job_id} …")
        self.send_cancel()

    @work(exclusive=True, group="cancel", exit_on_error=False)
    async def send_cancel(self) -> None:
        """DELETE, then GET: each step is shown as it happens."""
        job_id = self.job.job_id
        try:
            answer = await self.client.cancel_job(job_id)  # type: ignore[func-returns-value]
        except Exception as error:  # 403/404/409/429/5xx/transport: show what it means
            self.phase = "failed"
            self._progress(f"The cancel was not accepted for {job_id}.")
            self._show_error(error)
            if getattr(error, "status", None) == 409:
                # It stopped meanwhile: fetch how it ended, so the caller's row is right.
                await self._reread_after_conflict(job_id)
            return
        answered = answer_text(answer)
        self._progress(Text.assemble(answered, "\nRe-reading the job…"))
        try:
            self.result = await self.client.get_job(job_id)
        except Exception as error:
            self.phase = "failed"
            self._progress(Text.assemble(answered, "\nThe job could not be re-read."))
            self._show_error(error)
            return
        job = self.result
        self.phase = "done"
        self.query_one("#cancel-state", Static).update(field_line("State", state_value(job)))
        self._question_answered()
        reread = f"\nRe-read: the job is now {state_text(job.outcome)}."
        # A countdown the user can read: one second of the session clock per step.
        for left in range(round(AUTO_CLOSE_SECONDS), 0, -1):
            closing = f"\nClosing in {left} s; any key closes now."
            self._progress(Text.assemble(answered, reread, closing), done=True)
            await self.clock.sleep(1.0)
        self.action_finish()

    async def _reread_after_conflict(self, job_id: str) -> None:
        try:
            self.result = await self.client.get_job(job_id)
        except Exception:  # the 409 is already shown; a failed re-read adds nothing
            return
        state = state_text(self.result.outcome)
        self.query_one("#cancel-state", Static).update(
            field_line("State", state_value(self.result))
        )
        self._progress(f"The job had already stopped: it is {state}.")

    def _question_answered(self) -> None:
        """Yes and No have had their say: only Close remains."""
        for button_id in ("#cancel-yes", "#cancel-no"):
            self.query_one(button_id, Button).display = False
        self.query_one("#cancel-close", Button).focus()
        self.refresh_bindings()

    def _show_error(self, error: BaseException) -> None:
        self._question_answered()
        panel = self.query_one("#cancel-error", ErrorPanel)
        panel.show_error(error)
        panel.focus()

    def action_finish(self) -> None:
        """Close with what is known: the re-read job after a cancel, else None."""
        if self.phase == "sending":
            return
        if not self._dismissing:
            self._dismissing = True
            self.dismiss(self.result)

    def action_close(self) -> None:
        if self.phase == "sending":
            self.notify("The cancel is on its way; wait for the server's answer.")
            return
        self.action_finish()

    def on_key(self, event: Any) -> None:
        # After the re-read any key closes (the modal has shown all it has to show).
        if self.phase == "done":
            event.stop()
            event.prevent_default()
            self.action_finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel-yes":
            self.action_confirm()
        else:
            self.action_close()
