"""`:` go to any job (as in k9s): a full id, the short id the table shows, or a Descript URL.

A `ModalScreen[str | None]` that dismisses with the resolved job id (None on escape). The
resolver is given (`tui.triage.ids.resolve_job_id` over the board's jobs and the API's
list, as the jobs screen composes it); while it works the prompt says so, and when it
cannot name one job its reason (unknown, ambiguous with the candidates) is shown right
under what the user typed, which stays there to be corrected.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tui.paths import style_paths
from tui.triage.ids import JobIdError

#: `resolve(text) -> job id`, raising `JobIdError` (or an API error) when it cannot.
Resolver = Callable[[str], Awaitable[str]]


class GotoScreen(ModalScreen[str | None]):
    """`GotoScreen(resolve)`: dismisses with the job id `resolve` found, or None."""

    CSS_PATH: ClassVar[Any] = style_paths("triage.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, resolve: Resolver, *, text: str = "") -> None:
        super().__init__()
        self.resolve = resolve
        self.initial = text
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-dialog"):
            yield Static(Text("Go to job"), id="goto-title")
            yield Input(
                value=self.initial,
                placeholder="job id, short id from the table, or a Descript URL",
                id="goto-input",
            )
            yield Static(id="goto-error")
            yield Static(
                Text("enter: go · esc: close", style="dim"), id="goto-help", classes="triage-help"
            )

    def on_mount(self) -> None:
        self.query_one("#goto-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy:
            return
        self.busy = True
        self._say(Text("Looking it up…"), error=False)
        self.look_up(event.value)

    @work(exclusive=True, group="goto", exit_on_error=False)
    async def look_up(self, text: str) -> None:
        try:
            job_id = await self.resolve(text)
        except JobIdError as error:
            self._say(Text(str(error)), error=True)
        except Exception as error:  # an API error while listing: say it, stay open
            self._say(Text(f"could not look it up: {error}"), error=True)
        else:
            self.dismiss(job_id)
            return
        finally:
            self.busy = False
        self.query_one("#goto-input", Input).focus()

    def _say(self, message: Text, *, error: bool) -> None:
        line = self.query_one("#goto-error", Static)
        line.update(message)
        line.set_class(error, "-error")

    def action_close(self) -> None:
        self.dismiss(None)
