"""Cancel the marked jobs: ask once with the count and the list, then cancel each in turn
(within the DELETE budget: the client spends and waits for it) and show every job's answer
(`204 No Content`, or the error) in one summary. Dismisses with the answers, or None if the
question was declined.

Jobs that have already stopped (or that the screen says cannot be cancelled: `skipped`) are
counted and listed as such, and not sent. The list shows at most `LIST_LIMIT` lines (errors
first once answered) and says how many more: "all matching the filter" may be 50,000 rows.
The cancel function is given (`DescriptClient.cancel_job`), so the screen holds no client of
its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from tui.api.models import Job
from tui.formatting import state_text
from tui.paths import style_paths
from tui.triage.cancel import CancelAnswer, CancelFunction, cancel_each, summary

# Lines of jobs (then of answers) the dialog lists; the rest are counted in one line.
LIST_LIMIT = 100


def job_line(job: Job) -> Text:
    """`6dc3f30a-…  import  ▶ running`."""
    return Text(f"{job.job_id}  {job.kind}  {state_text(job.outcome)}")


def stopped_line(job: Job) -> Text:
    """`6dc3f30a-…  already success: not sent`."""
    return Text(f"{job.job_id}  already {job.outcome.value}: not sent")


def more_line(hidden: int, what: str) -> Text:
    """`… and 49,880 more already stopped: not sent`."""
    return Text(f"… and {hidden:,} more {what}", style="dim")


def answer_line(answer: CancelAnswer) -> Text:
    line = Text(f"{'✔' if answer.ok else '✖'} {answer.job_id}  ")
    line.append(answer.answer, style="" if answer.ok else "bold")
    return line


class BulkCancelScreen(ModalScreen[list[CancelAnswer] | None]):
    """`BulkCancelScreen(jobs, cancel)`: the answers once sent, None if not confirmed."""

    CSS_PATH: ClassVar[Any] = style_paths("triage.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes, cancel them"),
        Binding("n", "close", "No"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(
        self,
        jobs: Sequence[Job],
        cancel: CancelFunction,
        *,
        skipped: Sequence[Job] = (),
        limit: int = LIST_LIMIT,
    ) -> None:
        super().__init__()
        self.live = [job for job in jobs if not job.is_finished]
        self.stopped = [*(job for job in jobs if job.is_finished), *skipped]
        self.cancel = cancel
        self.limit = limit
        #: "ask", "sending", "done".
        self.phase = "ask" if self.live else "done"
        self.answers: list[CancelAnswer] | None = None

    def question(self) -> str:
        """`Cancel 12 jobs?  (38 marked already stopped: skipped)`."""
        count = len(self.live)
        words = "Nothing to cancel"
        if count:
            words = f"Cancel {count:,} job{'s' if count != 1 else ''}?"
        if self.stopped:
            words += f"  ({len(self.stopped):,} marked already stopped: skipped)"
        return words

    def listing(self) -> ComposeResult:
        """The jobs to cancel, then those not sent: `limit` lines in all, the rest counted."""
        live = self.live[: self.limit]
        stopped = self.stopped[: self.limit - len(live)]
        for job in live:
            yield Static(job_line(job), classes="bulk-job")
        if len(self.live) > len(live):
            hidden = len(self.live) - len(live)
            yield Static(more_line(hidden, "to cancel"), classes="bulk-job")
        for job in stopped:
            yield Static(stopped_line(job), classes="bulk-job -stopped")
        if len(self.stopped) > len(stopped):
            hidden = len(self.stopped) - len(stopped)
            line = more_line(hidden, "already stopped: not sent")
            yield Static(line, classes="bulk-job -stopped")

    def compose(self) -> ComposeResult:
        with Vertical(id="bulk-dialog"):
            yield Static(Text(self.question()), id="bulk-title")
            with VerticalScroll(id="bulk-list"):
                yield from self.listing()
            yield Static(id="bulk-summary")
            with Horizontal(id="bulk-buttons"):
                if self.live:
                    yield Button("Yes, cancel them (y)", id="bulk-yes", variant="error")
                    yield Button("No (n)", id="bulk-no", variant="primary")
                yield Button("Close (esc)", id="bulk-close")

    def on_mount(self) -> None:
        self.query_one("#bulk-no" if self.live else "#bulk-close", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.phase == "ask" if action == "confirm" else True

    def action_confirm(self) -> None:
        if self.phase != "ask":
            return
        self.phase = "sending"
        self.refresh_bindings()
        for button_id in ("#bulk-yes", "#bulk-no"):
            self.query_one(button_id, Button).display = False
        self.query_one("#bulk-summary", Static).update(Text(f"Cancelling {len(self.live)}…"))
        self.send()

    @work(exclusive=True, group="bulk-cancel", exit_on_error=False)
    async def send(self) -> None:
        total, refused = len(self.live), 0
        status = self.query_one("#bulk-summary", Static)

        def answered(so_far: list[CancelAnswer]) -> None:
            nonlocal refused
            refused += not so_far[-1].ok  # counted as they come: no pass over them all
            words = f"Cancelling… {len(so_far):,} of {total:,} answered"
            status.update(Text(words + (f", {refused:,} refused" if refused else "")))

        answers = await cancel_each([job.job_id for job in self.live], self.cancel, answered)
        self.answers = answers
        listing = self.query_one("#bulk-list", VerticalScroll)
        await listing.remove_children(
            [line for line in listing.query(".bulk-job") if not line.has_class("-stopped")]
        )
        # Refusals first: with thousands of answers, those are the ones to read.
        shown = sorted(answers, key=lambda a: a.ok)[: self.limit]
        lines = [
            Static(answer_line(a), classes="bulk-answer" if a.ok else "bulk-answer -error")
            for a in shown
        ]
        if len(answers) > len(shown):
            lines.append(Static(more_line(len(answers) - len(shown), "answers (counted below)")))
        # The answers go above the "already stopped" lines, if any remain.
        await listing.mount_all(lines, before=0 if listing.children else None)
        self.phase = "done"
        self.query_one("#bulk-summary", Static).update(Text(summary(answers)))
        self.query_one("#bulk-close", Button).focus()
        self.refresh_bindings()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # An unexpected failure while sending must not leave the screen stuck on "sending".
        if event.state is WorkerState.ERROR and self.phase == "sending":
            self.phase = "done"
            error = event.worker.error
            self.query_one("#bulk-summary", Static).update(Text(f"Stopped: {error}"))
            self.refresh_bindings()

    def action_close(self) -> None:
        if self.phase == "sending":
            self.notify("The cancels are on their way; wait for the answers.")
            return
        self.dismiss(self.answers)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "bulk-yes":
            self.action_confirm()
        else:
            self.action_close()
