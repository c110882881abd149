"""The header line a glance reads: connection, Drive, when the server was last heard, budgets.

Each part is its own Static so TCSS colours it by class (`-online`, `-offline`, ...) with the
theme's variables; this module only decides the words. When the full words do not fit (80
columns), every part switches to its compact words (`imp 10/10 · agt 10/10`); if even those do
not fit, the Drive and then the refresh time step aside, so the connection state, the budgets
and a Retry-After countdown always show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.api.limits import BudgetSnapshot, WindowSnapshot
from tui.formatting import format_clock

# The link states as the scheduler names them (tui.live.link), in words.
CONNECTION_WORDS: dict[str, str] = {
    "connecting": "◌ connecting",
    "online": "● online",
    "offline": "○ offline, retrying",
    "unauthorized": "✖ unauthorized",
    "rate_limited": "⏳ rate-limited",
}
# The same states in as few cells as still read (a narrow terminal).
CONNECTION_SHORT: dict[str, str] = {
    **CONNECTION_WORDS,
    "offline": "○ offline",
    "rate_limited": "⏳ limited",
}


def window_text(label: str, window: WindowSnapshot) -> str:
    """`imports 7/10 left, next 14:03:10`: slots left this minute and when the next frees."""
    text = f"{label} {window.remaining}/{window.limit}"
    if window.next_free_at is not None and window.remaining == 0:
        text += f" next {format_clock(window.next_free_at)}"
    return text


def window_short(label: str, window: WindowSnapshot, now: datetime) -> str:
    """`imp 7/10`, or `imp 0/10 (23s)`: the seconds until the next slot frees."""
    text = f"{label} {window.remaining}/{window.limit}"
    if window.next_free_at is not None and window.remaining == 0:
        text += f" ({max(0, round((window.next_free_at - now).total_seconds()))}s)"
    return text


def budget_text(snapshot: BudgetSnapshot, *, compact: bool = False) -> str:
    """`status 3/18/s · imports 10/10 · agent 9/10`; compact: `st 3/18 · imp 10/10 · agt 9/10`."""
    if compact:
        now = snapshot.taken_at
        return " · ".join(
            (
                f"st {snapshot.status_last_second}/{snapshot.status_limit}",
                window_short("imp", snapshot.imports, now),
                window_short("agt", snapshot.agents, now),
            )
        )
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


PARTS = ("badge", "connection", "drive", "heard", "budgets", "retry", "callbacks")
# Parts that step aside, in this order, when even the compact words do not fit.
DROPPABLE = ("callbacks", "drive", "heard")
READ_ONLY_BADGE = "READ-ONLY"
# Each part is padded one cell on either side.
PART_PADDING = 2


def needed_width(words: dict[str, str]) -> int:
    """Cells the parts with words take, padding included."""
    return sum(cell_len(text) + PART_PADDING for text in words.values() if text)


class StatusBar(Horizontal):
    """One line: `● online │ Drive c9c5 │ polled 3 s ago · next in 5 s │ budgets │ ⏳ 12s`,
    led by a `READ-ONLY` badge when changes are off."""

    DEFAULT_CSS = """
    StatusBar { height: 1; }
    StatusBar > Static { width: auto; padding: 0 1; }
    StatusBar > #status-budgets { width: 1fr; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # What each part says now: a refresh that changes nothing repaints nothing.
        self._words: dict[str, str] = {}
        self._shown: set[str] = set()
        # What the words are made from (kept so a resize can re-word every part).
        self._connection: tuple[str, str, int | None] = ("connecting", "", None)
        self._drive: tuple[str | None, bool] = (None, False)
        self._read_only = False
        # "polled 3 s ago · next in 5 s" (the link model's words) and whether it is stale.
        self._heard: tuple[str, bool] = ("not heard yet", False)
        self._budgets: tuple[BudgetSnapshot, datetime] | None = None
        # The callback receiver's words ("on (3 received)"); "" while callbacks are not asked.
        self._callbacks = ""
        #: True while the compact words are shown (the full ones do not fit).
        self.compact = False

    def compose(self) -> ComposeResult:
        for part in PARTS:
            yield Static(id=f"status-{part}")

    def on_mount(self) -> None:
        self._refit()

    def on_resize(self) -> None:
        self._refit()

    # -- what the screen tells us ---------------------------------------------------------

    def show_connection(
        self, state: str, detail: str = "", *, retry_in: int | None = None
    ) -> None:
        """The link's state; `retry_in`: seconds to the next try while offline."""
        self._connection = (state, detail, retry_in)
        self._refit()

    def show_drive(self, drive: str | None, read_only: bool = False) -> None:
        self._drive = (drive, read_only)
        self._refit()

    def show_read_only(self, read_only: bool) -> None:
        """The badge: every action that changes something is hidden and refused."""
        self._read_only = read_only
        self._refit()

    def show_heard(self, words: str, *, stale: bool = False) -> None:
        """When the server was last heard and is asked next; amber while `stale`."""
        if (words, stale) != self._heard:
            self._heard = (words, stale)
            self._refit()

    def show_budgets(self, snapshot: BudgetSnapshot | None, now: datetime) -> None:
        self._budgets = None if snapshot is None else (snapshot, now)
        self._refit()

    def show_callbacks(self, words: str) -> None:
        """`Session.callbacks_text()`: "on (3 received, 1 refused: ...)", "off (why)" or ""."""
        if words != self._callbacks:
            self._callbacks = words
            self._refit()

    # -- words --------------------------------------------------------------------------

    def words(self, *, compact: bool) -> dict[str, str]:
        """Every part's words, full or compact ("" for a part with nothing to say)."""
        state, detail, retry_in = self._connection
        connection = (CONNECTION_SHORT if compact else CONNECTION_WORDS).get(state, state)
        if retry_in is not None:
            connection += f", {retry_in}s" if compact else f": next try in {retry_in}s"
        elif detail and not compact:
            connection += f": {detail}"
        drive, read_only = self._drive
        drive_words = f"Drive {drive[:8]}" if drive else "Drive -"
        if read_only and not compact:
            drive_words += " [read-only]"
        budgets = retry = ""
        if self._budgets is not None:
            snapshot, now = self._budgets
            budgets = budget_text(snapshot, compact=compact)
            retry = retry_after_text(snapshot, now)
        return {
            "badge": READ_ONLY_BADGE if self._read_only else "",
            "connection": connection,
            "drive": drive_words,
            "heard": self._heard[0],
            "budgets": budgets,
            "retry": retry,
            "callbacks": self._callbacks_words(compact),
        }

    def _callbacks_words(self, compact: bool) -> str:
        """`callbacks: on (3 received)`; compact `cb: on` (the counts step aside)."""
        if not self._callbacks:
            return ""
        if compact:
            return "cb: " + self._callbacks.split(" (")[0]
        return f"callbacks: {self._callbacks}"

    def _refit(self) -> None:
        if not self.is_mounted:
            return
        width = self.size.width
        words = self.words(compact=False)
        self.compact = bool(width) and needed_width(words) > width
        if self.compact:
            words = self.words(compact=True)
        shown = {part for part, text in words.items() if text}
        for part in DROPPABLE:
            if not width or needed_width({p: words[p] for p in shown}) <= width:
                break
            shown.discard(part)
        state = self._connection[0]
        classes = {
            "badge": "-shown" if words["badge"] else "",
            "connection": f"-{state.replace('_', '-')}",
            "heard": "-stale" if self._heard[1] else "",
            "retry": "-active" if words["retry"] else "",
        }
        for part in PARTS:
            self._say(part, words[part] if part in shown else "", classes.get(part))
            widget = self.query_one(f"#status-{part}", Static)
            # The budgets always hold their place (1fr), even while they are still unknown.
            widget.display = part in shown or part == "budgets"
        self._shown = shown

    def _say(self, part: str, words: str, classes: str | None = None) -> None:
        widget = self.query_one(f"#status-{part}", Static)
        if classes is not None:
            widget.set_classes(classes)
        previous = self._words.get(part)
        if previous != words:
            self._words[part] = words
            # A layout lays out the whole screen: only when the part's width can change
            # (the budgets fill what is left at a fixed size; the others are `width: auto`).
            resized = part != "budgets" and cell_len(previous or "") != cell_len(words)
            widget.update(Text(words), layout=resized)

    def text(self) -> str:
        """Everything the bar says, as plain text (tests read this)."""
        return " | ".join(self._words[part] for part in PARTS if self._words.get(part))
