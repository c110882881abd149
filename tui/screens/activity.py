"""The activity log: every API call the client made, live, with the whole body of an error.

Rows come from `client.activity` (an `ActivityLog`, token already redacted) and new calls
arrive through its `subscribe()`. Status colours are component classes of the table, styled
in `activity.tcss` from theme variables, so every theme (and a theme switch) works.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import ColumnKey

from tui.api.activity import ActivityEntry
from tui.paths import style_paths

COLUMNS = ("Time", "Method", "Path", "Status", "Latency", "Rate limit", "Note")
#: Long paths (a job list's query, an upload URL) are cut with "…" so Note stays on screen;
#: Enter shows the whole path.
PATH_WIDTH = 44
#: Narrower than this a path says too little; Note keeps NOTE_MIN before Path grows.
PATH_MIN = 16
NOTE_MIN = 36


def path_and_note_widths(spare: int) -> tuple[int, int]:
    """Split the cells the other columns leave between Path and Note.

    Note (a retry, "outcome unknown") gets NOTE_MIN first, Path up to PATH_WIDTH, then Note
    the rest: at any width the note starts on screen and ends with "…" at the table's edge
    (Enter shows all of it), never past the edge.
    """
    path = max(PATH_MIN, min(PATH_WIDTH, spare - NOTE_MIN))
    return path, max(len("Note"), spare - path)


def status_class(entry: ActivityEntry) -> str:
    """Which colour a call gets: error (no answer, 4xx, 5xx), warning (429, a retry), success."""
    if entry.status == 429 or (entry.status is not None and entry.status < 400 and entry.note):
        return "activity--warning"
    if entry.is_error:
        return "activity--error"
    return "activity--success"


def rate_limit_text(entry: ActivityEntry) -> str:
    short = {
        "Retry-After": "retry",
        "X-RateLimit-Remaining": "left",
        "X-RateLimit-Consumed": "used",
    }
    return " ".join(f"{short.get(k, k)} {v}" for k, v in entry.rate_limit.items())


def entry_detail(entry: ActivityEntry) -> str:
    """Everything recorded about one call, the error body pretty-printed when it is JSON."""
    status = str(entry.status) if entry.status is not None else "no answer"
    latency = f"{entry.latency_ms:.0f} ms" if entry.latency_ms is not None else "-"
    lines = [
        f"{entry.at:%Y-%m-%d %H:%M:%S} UTC  {entry.method} {entry.path}",
        f"status {status} · latency {latency} · attempt {entry.attempt}"
        + (f" · budget {entry.kind}" if entry.kind else ""),
    ]
    if entry.rate_limit:
        lines.append("rate limit: " + " · ".join(f"{k}: {v}" for k, v in entry.rate_limit.items()))
    if entry.request_ids:
        # What the API's support (or a proxy's) asks for to find this call on their side.
        ids = " · ".join(f"{k}: {v}" for k, v in entry.request_ids.items())
        lines.append(f"request id: {ids}")
    if entry.job_id:
        lines.append(f"job: {entry.job_id}")
    if entry.note:
        lines.append(f"note: {entry.note}")
    if entry.error_body is not None:
        body = entry.error_body
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        lines += ["", "response body:", body or "(empty)"]
    elif entry.is_error:
        lines += ["", "(no response body)"]
    return "\n".join(lines)


class ActivityTable(DataTable[Text]):
    """The calls, one row each; the status colours are styled in TCSS."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "activity--error",
        "activity--warning",
        "activity--success",
    }

    # The same movement keys as the jobs table. Home/End go to the first/last call (not
    # DataTable's first/last column: this table never scrolls sideways).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Cursor down", show=False),
        Binding("k", "cursor_up", "Cursor up", show=False),
        Binding("g,home", "scroll_top", "First call", show=False),
        Binding("G,end", "scroll_bottom", "Last call", show=False),
    ]

    def fit_columns(self) -> None:
        """Give Path and Note what the other columns leave of the table's width."""
        columns = self.columns
        flex = (ColumnKey("path"), ColumnKey("note"))
        if not all(key in columns for key in flex):
            return
        # Room for the vertical scrollbar is kept so its arrival never forces a sideways one.
        spare = self.size.width - self.styles.scrollbar_size_vertical
        spare -= sum(c.get_render_width(self) for k, c in columns.items() if k not in flex)
        spare -= 2 * self.cell_padding * len(flex)
        widths = path_and_note_widths(spare)
        if all(columns[key].width == width for key, width in zip(flex, widths, strict=True)):
            return
        for key, width in zip(flex, widths, strict=True):
            columns[key].width = width
            columns[key].auto_width = False
        # Column widths feed the virtual size and every cached line: redo both once.
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh()

    def on_resize(self) -> None:
        self.fit_columns()


class ActivityScreen(Screen[None]):
    """`ActivityScreen()`: reads `app.client.activity` and follows it live."""

    CSS_PATH: ClassVar[Any] = style_paths("activity.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "toggle_errors", "Errors only"),
        Binding("enter", "show_detail", "Show call / body", show=False),
        Binding("escape", "close", "Back"),
    ]

    class EntryRecorded(Message):
        """A new call was recorded (posted from the log's subscriber callback)."""

        def __init__(self, entry: ActivityEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self) -> None:
        super().__init__()
        self.errors_only = False
        #: Every entry shown or hidden, by row key, oldest first.
        self._entries: dict[str, ActivityEntry] = {}
        self._seq = 0
        self._unsubscribe: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Activity: every API call (token redacted)"), classes="form-title")
        yield Static(id="activity-filter")
        yield ActivityTable(id="activity-table", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="activity-detail"):
            yield Static(id="activity-detail-text")
        yield Footer()

    @property
    def activity(self) -> Any:
        return self.app.client.activity  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        table = self.query_one(ActivityTable)
        for column in COLUMNS:
            table.add_column(column, key=column.lower())
        for entry in self.activity.entries():
            self._remember(entry)
        self._refill()
        self._unsubscribe = self.activity.subscribe(self._on_recorded)
        # Colours are resolved from the theme when a row is drawn: redraw on a theme switch.
        self.watch(self.app, "theme", lambda: self.call_after_refresh(self._refill), init=False)
        table.focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_recorded(self, entry: ActivityEntry) -> None:
        self.post_message(self.EntryRecorded(entry))

    def _remember(self, entry: ActivityEntry) -> tuple[str, list[str]]:
        """Keep `entry` under a new row key; returns it and the keys the bounded memory forgot."""
        self._seq += 1
        key = str(self._seq)
        self._entries[key] = entry
        forgotten: list[str] = []
        # Stay as bounded as the log itself.
        capacity = getattr(self.activity, "capacity", 1000)
        while len(self._entries) > capacity:
            oldest = next(iter(self._entries))
            del self._entries[oldest]
            forgotten.append(oldest)
        return key, forgotten

    def _shown(self, entry: ActivityEntry) -> bool:
        return entry.is_error or not self.errors_only

    def _row(self, entry: ActivityEntry) -> list[Text]:
        table = self.query_one(ActivityTable)
        style: Style = table.get_component_rich_style(status_class(entry), partial=True)
        status = str(entry.status) if entry.status is not None else "---"
        latency = f"{entry.latency_ms:.0f} ms" if entry.latency_ms is not None else "-"
        return [
            Text(f"{entry.at:%H:%M:%S}"),
            Text(entry.method),
            Text(entry.path, no_wrap=True, overflow="ellipsis"),
            Text(status, style=style),
            Text(latency, justify="right"),
            Text(rate_limit_text(entry)),
            Text(entry.note or "", style=style if entry.note else "", overflow="ellipsis"),
        ]

    def _refill(self) -> None:
        table = self.query_one(ActivityTable)
        table.clear()
        for key, entry in self._entries.items():
            if self._shown(entry):
                table.add_row(*self._row(entry), key=key)
        table.fit_columns()
        self._show_filter()
        if table.row_count:
            table.move_cursor(row=table.row_count - 1)

    def _show_filter(self) -> None:
        shown = sum(1 for e in self._entries.values() if self._shown(e))
        errors = sum(1 for e in self._entries.values() if e.is_error)
        if self.errors_only:
            text = f"Showing errors only: {shown} of {len(self._entries)} calls · e: show all"
        else:
            noun = "error" if errors == 1 else "errors"
            text = f"Showing all {shown} calls ({errors} {noun}) · e: errors only"
        text += " · Enter: the whole call and its body"
        self.query_one("#activity-filter", Static).update(Text(text))

    def on_activity_screen_entry_recorded(self, event: ActivityScreen.EntryRecorded) -> None:
        key, forgotten = self._remember(event.entry)
        table = self.query_one(ActivityTable)
        for old_key in forgotten:
            if old_key in table.rows:
                table.remove_row(old_key)
        if self._shown(event.entry):
            follow = table.row_count == 0 or table.cursor_row >= table.row_count - 1
            table.add_row(*self._row(event.entry), key=key)
            if follow:
                table.move_cursor(row=table.row_count - 1)
            # A wider rate-limit cell takes its cells from Path and Note.
            table.fit_columns()
        self._show_filter()

    def action_toggle_errors(self) -> None:
        self.errors_only = not self.errors_only
        self._refill()

    @on(DataTable.RowSelected, "#activity-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._show_entry(event.row_key.value)

    def action_show_detail(self) -> None:
        table = self.query_one(ActivityTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            self._show_entry(key.value)

    def _show_entry(self, key: str | None) -> None:
        entry = self._entries.get(key or "")
        if entry is None:
            return
        detail = self.query_one("#activity-detail")
        self.query_one("#activity-detail-text", Static).update(Text(entry_detail(entry)))
        detail.add_class("-shown")
        detail.set_class(entry.is_error, "-error")

    @property
    def detail_shown(self) -> bool:
        return self.query_one("#activity-detail").has_class("-shown")

    def action_close(self) -> None:
        if self.detail_shown:
            self.query_one("#activity-detail").remove_class("-shown")
            return
        self.dismiss(None)
