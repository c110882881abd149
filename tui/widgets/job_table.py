"""The live jobs table: a Line API widget that reads its rows from a source and paints only
what is on screen.

The live model (`tui/live/board.py`) owns the jobs, the filter and the sort; it hands this
widget a `RowSource`: how many rows pass the filter, which job is at index i, where job x is.
The table owns how a row looks (COLUMNS, the cell text, state colours, which columns a
narrow table hides) and keeps one rendered `Strip` per job id. So:

- a paint costs the visible rows (Textual's `ScrollView` asks `render_line(y)` per line);
- `rows_changed(ids)` drops those ids' strips and repaints their lines if on screen, at a
  cost independent of the Drive's size (DataTable's `update_cell` re-measured every row);
- `rows_reset()` (new order or filter) keeps every strip, since a row's cells do not depend
  on its position: zebra stripes and the cursor are laid on at paint time.

Chosen after measuring (50,000 rows at 160x45, CPU from one changed cell to the frame
written): `DataTable` 92-108 ms (it drops its row offsets and line cache on every
`update_cell`), textual-fastdatatable 57 ms (it rewrites a whole Arrow column and drops
every cached line on any update: built for data that sits still), this widget 1.3-1.5 ms.
Both also keep their own copy of the rows, a second owner of what the live model holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import ClassVar, Protocol

from rich.cells import cell_len, set_cell_size
from rich.control import strip_control_codes
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from tui.api.models import Job, Outcome
from tui.formatting import (
    files_text,
    format_created,
    job_age_text,
    job_label,
    progress_text,
    short_project,
    state_class,
    state_text,
)
from tui.live.rows import ROW_STATUS_WORDS, RowStatus
from tui.triage.stalls import STALLED_SYMBOL

# (key, header, width): fixed widths so a change never re-measures a column. Label and
# Project start at these widths and then share whatever the table's width leaves (FLEX).
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "ID", 13),
    ("type", "Type", 7),
    ("state", "State", 11),
    ("progress", "Progress", 10),
    ("label", "Label", 20),
    ("project", "Project", 16),
    ("created", "Created", 11),
    # Created to stopped, or to now while the job runs: one meaning for every row.
    ("age", "Elapsed", 7),
    ("files", "Files", 5),
)
# column -> (minimum width, share of the spare width, maximum width).
FLEX: dict[str, tuple[int, int, int]] = {"label": (10, 3, 90), "project": (10, 2, 40)}
# When the table is narrow (80 columns, or beside the detail pane) these go first, in this
# order, so the columns that say what a job is and how it is doing never need sideways
# scrolling. One goes while Label and Project together would get fewer than FLEX_WANTED cells.
OPTIONAL_COLUMNS: tuple[str, ...] = ("created", "files", "age")
FLEX_WANTED = 26
PROGRESS_BAR_WIDTH = 5
CELL_PADDING = 1
COLUMN_KEYS: tuple[str, ...] = tuple(key for key, _, _ in COLUMNS)
COLUMN_HEADERS: dict[str, str] = {key: header for key, header, _ in COLUMNS}
# Cells coloured by the row's state, and cells of free API text cut with an ellipsis (the
# type too: a job_type this client does not know, `transcode/legacy`, shows as `transc…`).
_COLOURED = frozenset({"state", "progress"})
_ELLIPSIS = frozenset({"type", "label", "project"})
# Cells that move with the clock alone (refresh_ages re-reads only rows whose text moved);
# a stalled row's state cell counts how long it has not moved.
_TIME_COLUMNS = (
    COLUMN_KEYS.index("state"),
    COLUMN_KEYS.index("created"),
    COLUMN_KEYS.index("age"),
)

WATCHED_MARK = "◆"
# A row marked with space for a bulk action (it takes the watch mark's cell).
MARKED_MARK = "●"
# The state cell of a stalled row, and its colour class.
STALLED_CLASS = "state--stalled"
# Their colour class; a live row is coloured by its outcome (`state_class`).
STATUS_CLASSES: dict[RowStatus, str] = {
    RowStatus.EXPIRED: "state--expired",
    RowStatus.RECONCILE: "state--reconcile",
    RowStatus.PENDING_SUBMIT: "state--pending-submit",
}
# How many rendered rows are kept: a few screens, so scrolling back is free.
ROW_CACHE_SIZE = 2048


class JobRowView(Protocol):
    """What the table reads of a row: `tui.live.board.JobRow` (LIVE's frozen dataclass)."""

    @property
    def job(self) -> Job: ...
    @property
    def status(self) -> RowStatus: ...
    @property
    def project_name(self) -> str | None: ...
    @property
    def watched(self) -> bool: ...
    @property
    def stalled_since(self) -> datetime | None: ...
    @property
    def marked(self) -> bool: ...


class RowSource(Protocol):
    """The rows to show, already filtered and sorted (implemented by the live model)."""

    def __len__(self) -> int: ...  # rows that pass the filter
    def job_id_at(self, index: int) -> str: ...  # sorted+filtered order
    def index_of(self, job_id: str) -> int | None: ...
    def row(self, job_id: str) -> JobRowView: ...


# -- layout (pure) -------------------------------------------------------------------------


def columns_to_hide(table_width: int, cell_padding: int = 1, scrollbar: int = 2) -> set[str]:
    """The OPTIONAL_COLUMNS a table `table_width` cells wide leaves out (see FLEX_WANTED)."""
    spare = table_width - scrollbar - 2 * cell_padding * len(FLEX)
    spare -= sum(2 * cell_padding + width for key, _, width in COLUMNS if key not in FLEX)
    hidden: set[str] = set()
    widths = {key: width for key, _, width in COLUMNS}
    for key in OPTIONAL_COLUMNS:
        if spare >= FLEX_WANTED:
            break
        hidden.add(key)
        spare += 2 * cell_padding + widths[key]
    return hidden


def flex_widths(spare: int) -> dict[str, int]:
    """Split `spare` cells between the FLEX columns by share, within each one's min and max."""
    widths = {key: minimum for key, (minimum, _, _) in FLEX.items()}
    left = spare - sum(widths.values())
    total_share = sum(share for _, share, _ in FLEX.values())
    for key, (minimum, share, maximum) in FLEX.items():
        widths[key] = min(maximum, minimum + max(0, left) * share // total_share)
    # What a capped column could not take goes to the first column with room.
    left = spare - sum(widths.values())
    for key, (_, _, maximum) in FLEX.items():
        extra = max(0, min(left, maximum - widths[key]))
        widths[key] += extra
        left -= extra
    return widths


@dataclass(frozen=True)
class ColumnLayout:
    """The shown columns and their widths at one table width: what every strip is cut to."""

    keys: tuple[str, ...]
    widths: tuple[int, ...]

    @classmethod
    def fit(cls, table_width: int, scrollbar: int) -> ColumnLayout:
        """Hide what a narrow table cannot hold, then give Label and Project what is left."""
        # Room for the vertical scrollbar is kept so its arrival never forces a sideways one.
        hidden = columns_to_hide(table_width, CELL_PADDING, scrollbar)
        spare = table_width - scrollbar - 2 * CELL_PADDING * len(FLEX)
        spare -= sum(
            2 * CELL_PADDING + width
            for key, _, width in COLUMNS
            if key not in FLEX and key not in hidden
        )
        flex = flex_widths(spare)
        shown = [(key, flex.get(key, width)) for key, _, width in COLUMNS if key not in hidden]
        return cls(tuple(key for key, _ in shown), tuple(width for _, width in shown))

    @property
    def hidden(self) -> set[str]:
        return set(COLUMN_KEYS) - set(self.keys)

    @property
    def total_width(self) -> int:
        return sum(self.widths) + 2 * CELL_PADDING * len(self.widths)

    def column_at(self, x: int) -> str | None:
        """The key of the column under cell `x` of a row (padding included)."""
        right = 0
        for key, width in zip(self.keys, self.widths, strict=True):
            right += width + 2 * CELL_PADDING
            if x < right:
                return key
        return None


# -- cells (pure) --------------------------------------------------------------------------


def stalled_text(since: datetime, now: datetime) -> str:
    """`⏸ stall 12m`: how long a row has not moved, in the state column's 11 cells."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        span = f"{minutes}m"
    elif minutes < 48 * 60:
        span = f"{minutes // 60}h"
    else:
        span = f"{minutes // (24 * 60)}d"
    return f"{STALLED_SYMBOL} stall {span}"


def is_stalled(row: JobRowView) -> bool:
    return row.stalled_since is not None and row.status is RowStatus.LIVE


def row_values(row: JobRowView, now: datetime) -> tuple[str, ...]:
    """The plain text of every cell of a row, in COLUMNS order."""
    job = row.job
    mark = MARKED_MARK if row.marked else WATCHED_MARK if row.watched else " "
    state = ROW_STATUS_WORDS.get(row.status) or state_text(job.outcome)
    if row.stalled_since is not None and is_stalled(row):
        state = stalled_text(row.stalled_since, now)
    return (
        f"{mark}{job.short_id}",
        job.kind,
        state,
        progress_text(job, width=PROGRESS_BAR_WIDTH),
        job_label(job),
        row.project_name or short_project(job.project_id),
        format_created(job.created_at, now),
        job_age_text(job, now),
        files_text(job),
    )


def row_state_class(row: JobRowView) -> str:
    """The colour class of a row's state and progress cells."""
    if is_stalled(row):
        return STALLED_CLASS
    return STATUS_CLASSES.get(row.status) or state_class(row.job.outcome)


def fit_cell(value: str, width: int, ellipsis: bool) -> str:
    """`value` cut or padded to exactly `width` cells (API text: control codes removed)."""
    value = strip_control_codes(value)
    if ellipsis and cell_len(value) > width:
        return set_cell_size(value, width - 1) + "…"
    return set_cell_size(value, width)


def cells_strip(
    values: Iterable[tuple[str, str]], layout: ColumnLayout, styles: Callable[[str], Style | None]
) -> Strip:
    """One line of padded cells: `values` is (column key, text) for every column."""
    by_key = dict(values)
    pad = " " * CELL_PADDING
    segments: list[Segment] = []
    for key, width in zip(layout.keys, layout.widths, strict=True):
        text = fit_cell(by_key.get(key, ""), width, key in _ELLIPSIS)
        segments.append(Segment(f"{pad}{text}{pad}", styles(key)))
    return Strip(segments, layout.total_width)


def scrollbar_thumb(bar: ScrollBar) -> tuple[int, int] | None:
    """Where `bar` draws its thumb, in eighths of a cell (as `ScrollBarRender.render_bar`
    works it out), or None when it draws none."""
    size, virtual = bar.size.height, bar.window_virtual_size
    window = bar.window_size if bar.window_size < virtual else 0
    if not (window and size and virtual) or size == virtual:
        return None
    eighths = len(bar.renderer.VERTICAL_BARS)
    thumb = max(1, window / (virtual / size))
    start = int((size - thumb) * (bar.position / (virtual - window)) * eighths)
    return start, start + ceil(thumb * eighths)


# -- the widget ----------------------------------------------------------------------------

_STATE_CLASS_NAMES = {
    *(state_class(outcome) for outcome in Outcome),
    *STATUS_CLASSES.values(),
    STALLED_CLASS,
}


class JobTable(ScrollView, can_focus=True):
    """Jobs from a `RowSource`: header, zebra rows, a row cursor that follows its job id."""

    class Highlighted(Message):
        """The cursor is on another job (or the same index now shows another job)."""

        def __init__(self, job_id: str) -> None:
            super().__init__()
            self.job_id = job_id

    class Selected(Message):
        """Enter (or a click on the cursor row) on a job."""

        def __init__(self, job_id: str) -> None:
            super().__init__()
            self.job_id = job_id

    class HeaderClicked(Message):
        """A click on a column header: the board decides what the sort becomes."""

        def __init__(self, column_key: str) -> None:
            super().__init__()
            self.column_key = column_key

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-table--header",
        "job-table--header-hover",
        "job-table--even-row",
        "job-table--odd-row",
        "job-table--cursor",
        "job-table--hover",
        *("job-table--" + name for name in _STATE_CLASS_NAMES),
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Cursor up", show=False),
        Binding("down,j", "cursor_down", "Cursor down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        # g/G: the keys k9s / lazygit users reach for first.
        Binding("home,g", "first_row", "First job", show=False),
        Binding("end,G", "last_row", "Last job", show=False),
        Binding("enter", "select_cursor", "Select", show=False),
    ]

    def __init__(
        self,
        source: RowSource,
        *,
        now: Callable[[], datetime],
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.source = source
        self.now = now
        self.cursor_row = 0
        self._cursor_job_id: str | None = None
        self._hover_row: int | None = None
        self._hover_header: str | None = None
        #: The job painted on each screen line (None: blank), as render_line last drew it.
        self._painted: dict[int, str | None] = {}
        self._layout = ColumnLayout.fit(0, 0)
        self._fitted_for = (0, 0)
        self._rows: LRUCache[str, tuple[tuple[str, ...], Strip]] = LRUCache(ROW_CACHE_SIZE)
        self._styles: dict[str, Style] = {}
        self._state_styles: dict[str, Style] = {}
        #: Row strips built (cache misses): what a change costs, for tests and benchmarks.
        self.rows_rendered = 0

    # -- the API the jobs screen uses ------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self.source)

    @property
    def current_job_id(self) -> str | None:
        """The job under the cursor, or None when no row passes the filter."""
        if not 0 <= self.cursor_row < len(self.source):
            return None
        return self.source.job_id_at(self.cursor_row)

    def select_job(self, job_id: str) -> bool:
        """Put the cursor on `job_id`; False (cursor unmoved) when it is not shown."""
        index = self.source.index_of(job_id)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    def hidden_columns(self) -> set[str]:
        """The keys of the columns left out at this width."""
        return self._layout.hidden

    def column_widths(self) -> dict[str, int]:
        """The shown columns' text widths (padding excluded), left to right."""
        return dict(zip(self._layout.keys, self._layout.widths, strict=True))

    def rows_reset(self) -> None:
        """The order or the filter changed: keep the cursor on its job, at the same height."""
        keep = self._cursor_job_id
        # Where the cursor sits on screen (within the view, if the wheel scrolled it away).
        on_screen = max(0, min(self.cursor_row - round(self.scroll_y), self._rows_shown() - 1))
        index = self.source.index_of(keep) if keep is not None else None
        self._update_virtual_size()
        if index is None:
            index = min(self.cursor_row, max(0, len(self.source) - 1))
        else:
            self.scroll_to(y=max(0, index - on_screen), animate=False, immediate=True)
        self.move_cursor(index, scroll=keep is None or index != self.cursor_row)
        self._refresh_moved_rows()

    def _refresh_moved_rows(self) -> None:
        """Repaint the screen lines whose job is not the one painted there. A page of a load
        lands below the screen (newest first): the rows on screen are not painted again."""
        top = round(self.scroll_y)
        count = len(self.source)
        painted = self._painted
        for y in range(1, self._rows_shown() + 1):
            index = top + y - 1
            job_id = self.source.job_id_at(index) if index < count else None
            if painted.get(y, "") != job_id:
                self.refresh_line(index + 1)

    def rows_changed(self, job_ids: Iterable[str]) -> None:
        """Those rows' cells changed: drop their strips, repaint the ones on screen."""
        top, bottom = self._visible_rows()
        ids = job_ids if isinstance(job_ids, set | frozenset | dict) else set(job_ids)
        if len(ids) > bottom - top:
            # Many rows (project names learned for a whole Drive): look at the screen's rows
            # instead of finding each id, so the cost stays the screen's.
            for job_id in ids:
                self._rows.discard(job_id)
            for index in range(top, min(bottom, len(self.source))):
                if self.source.job_id_at(index) in ids:
                    self.refresh_line(index + 1)
            return
        for job_id in ids:
            self._rows.discard(job_id)
            index = self.source.index_of(job_id)
            if index is not None and top <= index < bottom:
                self.refresh_line(index + 1)  # line 0 is the header

    def refresh_ages(self) -> None:
        """Time moved: repaint the visible rows whose Created or Elapsed text changed."""
        now = self.now()
        top, bottom = self._visible_rows()
        for index in range(top, min(bottom, len(self.source))):
            job_id = self.source.job_id_at(index)
            cached = self._rows.get(job_id)
            if cached is None:
                continue
            values = row_values(self.source.row(job_id), now)
            if any(values[i] != cached[0][i] for i in _TIME_COLUMNS):
                self._rows.discard(job_id)
                self.refresh_line(index + 1)

    # -- cursor ----------------------------------------------------------------------------

    def move_cursor(self, index: int, *, scroll: bool = True) -> None:
        """Move the cursor to row `index` (clamped); says Highlighted if its job changed."""
        count = len(self.source)
        index = max(0, min(index, count - 1)) if count else 0
        old = self.cursor_row
        self.cursor_row = index
        if old != index:
            self.refresh_line(old + 1)
            self.refresh_line(index + 1)
        if scroll:
            self._scroll_to_cursor()
        job_id = self.current_job_id
        if job_id != self._cursor_job_id:
            self._cursor_job_id = job_id
            if job_id is not None:
                self.post_message(self.Highlighted(job_id))

    def _scroll_to_cursor(self) -> None:
        rows_shown = self._rows_shown()
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False, immediate=True)
        elif self.cursor_row >= top + rows_shown:
            self.scroll_to(y=self.cursor_row - rows_shown + 1, animate=False, immediate=True)

    def _rows_shown(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def _visible_rows(self) -> tuple[int, int]:
        top = round(self.scroll_y)
        return top, top + self._rows_shown()

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - self._rows_shown())

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + self._rows_shown())

    def action_first_row(self) -> None:
        self.move_cursor(0)

    def action_last_row(self) -> None:
        self.move_cursor(len(self.source) - 1)

    def action_select_cursor(self) -> None:
        job_id = self.current_job_id
        if job_id is not None:
            self.post_message(self.Selected(job_id))

    # -- mouse -----------------------------------------------------------------------------

    def _under_mouse(self, event: events.MouseEvent) -> tuple[int | None, str | None]:
        """(row index or -1 for the header, column key) under the pointer."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None, None
        column = self._layout.column_at(offset.x + round(self.scroll_x))
        if offset.y == 0:
            return -1, column
        index = offset.y - 1 + round(self.scroll_y)
        return (index if index < len(self.source) else None), column

    def on_click(self, event: events.Click) -> None:
        index, column = self._under_mouse(event)
        if index == -1:
            if column is not None:
                self.post_message(self.HeaderClicked(column))
        elif index is not None:
            again = index == self.cursor_row
            self.move_cursor(index)
            if again:
                self.action_select_cursor()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        index, column = self._under_mouse(event)
        header = column if index == -1 else None
        row = index if index is not None and index >= 0 else None
        if (row, header) != (self._hover_row, self._hover_header):
            for old in (self._hover_row, row):
                if old is not None:
                    self.refresh_line(old + 1)
            self._hover_row, self._hover_header = row, header
            self.refresh_line(0)

    def on_leave(self, _: events.Leave) -> None:
        if self._hover_row is not None:
            self.refresh_line(self._hover_row + 1)
        self._hover_row = self._hover_header = None
        self.refresh_line(0)

    # -- size and styles -------------------------------------------------------------------

    def on_mount(self) -> None:
        self._update_virtual_size()
        # A new theme's CSS is applied after the signal: read the colours once it has been.
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.call_after_refresh(self._restyle)
        )

    def on_resize(self) -> None:
        self._fit_columns()
        self._update_virtual_size()
        self._scroll_to_cursor()
        self.refresh()

    def _fit_columns(self) -> None:
        """Lay the columns out for this width (the first paint may come before on_resize)."""
        fitted_for = (self.size.width, self.styles.scrollbar_size_vertical)
        if fitted_for == self._fitted_for:
            return
        self._fitted_for = fitted_for
        layout = ColumnLayout.fit(*fitted_for)
        if layout != self._layout:
            self._layout = layout
            self._rows.clear()  # every strip is cut to the old widths

    def _update_virtual_size(self) -> None:
        """Say how many rows there are. `virtual_size` is a layout reactive: setting it
        re-lays and repaints the whole screen (10-20 ms at 160x45, on every page of a load
        and every filter key). When only the row count moved and the vertical scrollbar
        stays shown, the table and its scrollbar are all that change, so only they repaint."""
        size = Size(self._layout.total_width, len(self.source) + 1)
        old = self.virtual_size
        if size == old:
            return
        rows_fit = self.container_size.height - self.scrollbar_size_horizontal
        scrollbar_stays = (
            size.width == old.width
            and self.show_vertical_scrollbar
            and min(size.height, old.height) > rows_fit
        )
        if not scrollbar_stays:
            self.virtual_size = size
            return
        self.set_reactive(JobTable.virtual_size, size)
        bar = self.vertical_scrollbar
        # The bar keeps the count (a drag reads it) but is repainted only when its thumb is
        # drawn elsewhere: at 50,000 rows a page of 100 more never moves it.
        thumb = scrollbar_thumb(bar)
        bar.set_reactive(ScrollBar.window_virtual_size, size.height)
        if scrollbar_thumb(bar) != thumb:
            bar.refresh()
        if self.scroll_y > self.max_scroll_y:  # fewer rows: a layout would have clamped it
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def notify_style_update(self) -> None:
        """Focus or hover changed the component styles: re-read them on the next paint."""
        super().notify_style_update()
        self._restyle()

    def _restyle(self, *_: object) -> None:
        """Re-read the component styles; rebuild the row strips only if a state colour (the
        one style baked into them) changed."""
        self._styles.clear()
        self._rich_style_cache.clear()
        # Colour only (partial): the row's zebra, hover or cursor background stays under it.
        states = {
            name: self._style("job-table--" + name, partial=True) for name in _STATE_CLASS_NAMES
        }
        if states != self._state_styles:
            self._state_styles = states
            self._rows.clear()
        self.refresh()

    def _style(self, component: str, *, partial: bool = False) -> Style:
        """A component's style as DataTable reads it (translucent backgrounds blended)."""
        style = self._styles.get(component)
        if style is None:
            # Before the stylesheet reaches the widget there is no component style yet.
            style = self._styles[component] = self.get_component_rich_style(
                component, partial=partial, default=Style()
            )
        return style

    # -- painting --------------------------------------------------------------------------

    def _row_strip(self, job_id: str) -> Strip:
        """The cells of one job's row, cached by job id (the layout is fixed between clears)."""
        cached = self._rows.get(job_id)
        if cached is not None:
            return cached[1]
        self.rows_rendered += 1
        row = self.source.row(job_id)
        values = row_values(row, self.now())
        state_style = self._state_styles.get(row_state_class(row))

        def style_of(key: str) -> Style | None:
            return state_style if key in _COLOURED else None

        strip = cells_strip(zip(COLUMN_KEYS, values, strict=True), self._layout, style_of)
        self._rows[job_id] = (values, strip)
        return strip

    def _header_strip(self) -> Strip:
        hover = self._style("job-table--header-hover")

        def style_of(key: str) -> Style | None:
            return hover if key == self._hover_header else None

        return cells_strip(COLUMN_HEADERS.items(), self._layout, style_of)

    def _row_style(self, index: int) -> Style:
        base = self._style("job-table--even-row" if index % 2 == 0 else "job-table--odd-row")
        if index == self._hover_row:
            base += self._style("job-table--hover")
        if index == self.cursor_row:
            base += self._style("job-table--cursor")
        return base

    def render_line(self, y: int) -> Strip:
        """Line 0 is the header (it never scrolls); line y shows row scroll_y + y - 1."""
        self._fit_columns()
        width = self.size.width
        scroll_x = round(self.scroll_x)
        base = self.rich_style
        if y == 0:
            # The header's colour spans the width, as the rows' do (and DataTable's header).
            base += self._style("job-table--header")
            strip = self._header_strip().apply_style(base)
        else:
            index = round(self.scroll_y) + y - 1
            if index >= len(self.source):
                self._painted[y] = None
                return Strip.blank(width, base)
            row_style = base + self._row_style(index)
            job_id = self._painted[y] = self.source.job_id_at(index)
            strip = self._row_strip(job_id).apply_style(row_style)
            if index == self.cursor_row:
                # As DataTable's default: the cursor's text colour wins over the state colour.
                cursor = Style(color=self._style("job-table--cursor").color)
                strip = Strip(Segment.apply_style(strip, post_style=cursor), strip.cell_length)
            base = row_style
        return strip.crop_extend(scroll_x, scroll_x + width, base)
