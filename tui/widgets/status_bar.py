"""The header line a glance reads: connection, Drive, last refresh, and the rate-limit budgets.

Each part is its own Static so TCSS colours it by class (`-online`, `-offline`, ...) with the
theme's variables; this module only decides the words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.api.limits import BudgetSnapshot, WindowSnapshot
from tui.messages import ConnectionState
from tui.widgets.formatting import format_clock

CONNECTION_WORDS: dict[ConnectionState, str] = {
    ConnectionState.CONNECTING: "◌ connecting",
    ConnectionState.ONLINE: "● online",
    ConnectionState.OFFLINE: "○ offline, retrying",
    ConnectionState.UNAUTHORIZED: "✖ unauthorized",
    ConnectionState.RATE_LIMITED: "⏳ rate-limited",
    ConnectionState.ERROR: "✖ error",
}


def window_text(label: str, window: WindowSnapshot) -> str:
    """`imports 7/10 left, next 14:03:10`: slots left this minute and when the next frees."""
    text = f"{label} {window.remaining}/{window.limit}"
    if window.next_free_at is not None and window.remaining == 0:
        text += f" next {format_clock(window.next_free_at)}"
    return text


def budget_text(snapshot: BudgetSnapshot) -> str:
    """`status 3/18/s · imports 10/10 · agent 9/10`."""
    return " · ".join(
        (
            f"status {snapshot.status_last_second}/{snapshot.status_limit}/s",
            window_text("imports", snapshot.imports),
            window_text("agent", snapshot.agents),
        )
    )


def retry_after_text(snapshot: BudgetSnapshot, now: datetime) -> str:
    """`Retry-After 12s` while the shared gate holds every request; blank otherwise."""
    if snapshot.gate_closed_until is None:
        return ""
    seconds = max(0, round((snapshot.gate_closed_until - now).total_seconds()))
    return f"⏳ Retry-After {seconds}s"


PARTS = ("badge", "connection", "drive", "refreshed", "budgets", "retry")
READ_ONLY_BADGE = "READ-ONLY"


class StatusBar(Horizontal):
    """One line: `● online │ Drive c9c5 │ refreshed 14:02:33 │ budgets │ ⏳ Retry-After 12s`,
    led by a `READ-ONLY` badge when changes are off."""

    DEFAULT_CSS = """
    StatusBar { height: 1; }
    StatusBar > Static { width: auto; padding: 0 1; }
    StatusBar > #status-budgets { width: 1fr; }
    StatusBar > #status-badge { display: none; }
    StatusBar > #status-badge.-shown { display: block; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # What each part says now: a refresh that changes nothing repaints nothing.
        self._words: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        for part in PARTS:
            yield Static(id=f"status-{part}")

    def on_mount(self) -> None:
        self.show_connection(ConnectionState.CONNECTING)
        self.show_drive(None)
        self.show_refreshed(None)
        self.show_read_only(False)

    def _say(self, part: str, words: str, classes: str | None = None) -> None:
        widget = self.query_one(f"#status-{part}", Static)
        if classes is not None:
            widget.set_classes(classes)
        if self._words.get(part) != words:
            self._words[part] = words
            widget.update(Text(words))

    def show_connection(self, state: ConnectionState, detail: str = "") -> None:
        words = CONNECTION_WORDS[state]
        self._say(
            "connection",
            f"{words}: {detail}" if detail else words,
            f"-{state.value.replace('_', '-')}",
        )

    def show_drive(self, drive: str | None, read_only: bool = False) -> None:
        words = f"Drive {drive[:8]}" if drive else "Drive -"
        self._say("drive", words + (" [read-only]" if read_only else ""))

    def show_read_only(self, read_only: bool) -> None:
        """The badge: every action that changes something is hidden and refused."""
        self._say("badge", READ_ONLY_BADGE if read_only else "", "-shown" if read_only else "")

    def show_refreshed(self, when: datetime | None) -> None:
        self._say("refreshed", f"refreshed {format_clock(when)}")

    def show_budgets(self, snapshot: BudgetSnapshot | None, now: datetime) -> None:
        if snapshot is None:
            self._say("budgets", "")
            self._say("retry", "", "")
            return
        self._say("budgets", budget_text(snapshot))
        countdown = retry_after_text(snapshot, now)
        self._say("retry", countdown, "-active" if countdown else "")

    def text(self) -> str:
        """Everything the bar says, as plain text (tests read this)."""
        return " | ".join(
            self._words.get(part, "") for part in PARTS if part != "badge" or self._words.get(part)
        )
