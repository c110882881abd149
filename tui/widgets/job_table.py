"""The live jobs table: rows keyed by job_id, updated cell by cell, never cleared on a refresh.

The screen owns the model (every job it knows) and decides which jobs pass the filter; this
widget turns a job into cells, remembers what each row shows, and on an update touches only
the cells whose text changed (dolphie's pattern). Rows are added in the visible-first order
so the first screenful paints before the rest of a 10,000-row table is measured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import Column, ColumnKey, RowDoesNotExist, RowKey

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

# (key, header, width): fixed widths so an update never re-measures a column. Label and
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
COLUMN_KEYS: tuple[str, ...] = tuple(key for key, _, _ in COLUMNS)
COLUMN_HEADERS: dict[str, str] = {key: header for key, header, _ in COLUMNS}
_STATE_COLUMN = COLUMN_KEYS.index("state")
_PROGRESS_COLUMN = COLUMN_KEYS.index("progress")
_COLOURED = (_STATE_COLUMN, _PROGRESS_COLUMN)
_AGE_COLUMN = COLUMN_KEYS.index("age")
# Cells that hold free text from the API: cut with an ellipsis so a cut reads as one.
_ELLIPSIS_COLUMNS = (COLUMN_KEYS.index("label"), COLUMN_KEYS.index("project"))

WATCHED_MARK = "◆"


class IdCell(Text):
    """The id cell carries its job_id so a sort key can find the job behind a row."""

    __slots__ = ("job_id",)

    def __init__(self, text: str, job_id: str) -> None:
        super().__init__(text, no_wrap=True, end="")
        self.job_id = job_id


# Filtering and sorting are values of the live model: tui/live/filters.py.


# -- the widget ------------------------------------------------------------------------


class JobColumn(Column):
    """A column that can be hidden: it then takes no width and draws nothing."""

    hidden: bool = False

    def get_render_width(self, data_table: DataTable[Any]) -> int:
        return 0 if self.hidden else super().get_render_width(data_table)


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


@dataclass
class RowContext:
    """What a row needs beyond the job: time, project names, the watched set."""

    now: Callable[[], datetime]
    # The screen's model: every job it knows, by job_id (rows added late read it here).
    jobs: dict[str, Job] = field(default_factory=dict)
    project_names: dict[str, str] = field(default_factory=dict)
    watched: set[str] = field(default_factory=set)
    # State words that replace the API state for a row (the journal's `⌛ expired`, ...).
    state_notes: dict[str, str] = field(default_factory=dict)


def row_values(job: Job, context: RowContext, now: datetime) -> tuple[str, ...]:
    """The plain text of every cell of `job`'s row, in COLUMNS order (what we diff on)."""
    project_name = context.project_names.get(job.project_id or "")
    mark = WATCHED_MARK if job.job_id in context.watched else " "
    return (
        f"{mark}{job.short_id}",
        job.kind,
        context.state_notes.get(job.job_id) or state_text(job.outcome),
        progress_text(job, width=PROGRESS_BAR_WIDTH),
        job_label(job),
        project_name or short_project(job.project_id),
        format_created(job.created_at, now),
        job_age_text(job, now),
        files_text(job),
    )


class JobTable(DataTable[Text]):
    """A DataTable of jobs keyed by job_id."""

    class RowsLoaded(Message):
        """Every row of the last `set_jobs` is in the table."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "job-table--" + state_class(outcome) for outcome in Outcome
    }

    DEFAULT_CSS = """
    JobTable > .job-table--state--queued { color: $text-muted; }
    JobTable > .job-table--state--running { color: $accent; }
    JobTable > .job-table--state--success { color: $success; }
    JobTable > .job-table--state--partial { color: $warning; }
    JobTable > .job-table--state--failed { color: $error; }
    JobTable > .job-table--state--cancelled { color: $text-muted; }
    JobTable > .job-table--state--finished-unknown { color: $warning; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # The keys k9s / lazygit users reach for first.
        Binding("j", "cursor_down", "Cursor down", show=False),
        Binding("k", "cursor_up", "Cursor up", show=False),
        Binding("g,home", "first_row", "First job", show=False),
        Binding("G,end", "last_row", "Last job", show=False),
    ]

    # Rows added before the first paint; the rest follow in chunks after it.
    FIRST_CHUNK = 120
    CHUNK = 2000

    def __init__(self, context: RowContext, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.context = context
        self._values: dict[str, tuple[str, ...]] = {}
        self._outcomes: dict[str, Outcome] = {}
        self._pending: list[str] = []
        self._pending_ids: set[str] = set()
        self._generation = 0
        self._styles: dict[Outcome, Style] = {}

    def on_mount(self) -> None:
        for key, header, width in COLUMNS:
            column_key = self.add_column(header, key=key, width=width)
            added = self.columns[column_key]
            # The same column, able to hide (DataTable reads widths through the instance).
            self.columns[column_key] = JobColumn(added.key, added.label, added.width)
        self.app.theme_changed_signal.subscribe(self, self._recolour)

    def on_resize(self) -> None:
        self.fit_columns(self.size.width)

    @property
    def hidden_columns(self) -> set[str]:
        """The keys of the columns left out at this width."""
        return {
            str(key.value)
            for key, column in self.columns.items()
            if isinstance(column, JobColumn) and column.hidden
        }

    def fit_columns(self, table_width: int) -> None:
        """Hide what a narrow table cannot hold, then give Label and Project what is left."""
        # Room for the vertical scrollbar is kept so its arrival never forces a sideways one.
        scrollbar = self.styles.scrollbar_size_vertical
        hidden = columns_to_hide(table_width, self.cell_padding, scrollbar)
        spare = table_width - scrollbar
        spare -= sum(
            2 * self.cell_padding + width
            for key, _, width in COLUMNS
            if key not in FLEX and key not in hidden
        )
        spare -= 2 * self.cell_padding * len(FLEX)
        widths = flex_widths(spare)
        columns = self.columns
        if hidden == self.hidden_columns and all(
            columns[ColumnKey(key)].width == width for key, width in widths.items()
        ):
            return
        for key, width in widths.items():
            columns[ColumnKey(key)].width = width
        for key, column in columns.items():
            if isinstance(column, JobColumn):
                column.hidden = key.value in hidden
        # Column widths feed the virtual size and every cached line: redo both once.
        self._require_update_dimensions = True
        self._clear_caches()
        self.refresh()

    def action_first_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_last_row(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    # -- cells ---------------------------------------------------------------------------

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> Any:
        # A hidden column (width 0) draws nothing: one empty line per line of the row.
        if width <= 0:
            return [[]]
        return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)

    def _state_style(self, outcome: Outcome) -> Style:
        style = self._styles.get(outcome)
        if style is None:
            style = self._styles[outcome] = self.get_component_rich_style(
                "job-table--" + state_class(outcome), partial=True, default=Style()
            )
        return style

    def _cell(self, job_id: str, index: int, value: str, style: Style) -> Text:
        if index == 0:
            return IdCell(value, job_id)
        # API strings (labels, names) become Text, never markup.
        return Text(
            value,
            style=style if index in _COLOURED else "",
            no_wrap=True,
            overflow="ellipsis" if index in _ELLIPSIS_COLUMNS else None,
            end="",
        )

    def _cells(self, job: Job, values: tuple[str, ...]) -> list[Text]:
        style = self._state_style(job.outcome)
        return [self._cell(job.job_id, index, value, style) for index, value in enumerate(values)]

    # -- rows ----------------------------------------------------------------------------

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._values

    @property
    def job_ids(self) -> list[str]:
        return list(self._values)

    @property
    def last_job_id(self) -> str | None:
        """The row added last (rows are added in order, so the bottom row until a sort)."""
        return next(reversed(self._values), None) if self._values else None

    def current_job_id(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:  # no cell under the cursor (table emptied meanwhile)
            return None
        return row_key.value

    def set_jobs(self, jobs: Sequence[Job]) -> None:
        """Show exactly `jobs`, in order (used when the filter or sort changes, not on refresh).

        The first screenful goes in at once; the rest after the first paint, in chunks.
        """
        keep = self.current_job_id()
        self._generation += 1
        self.clear()
        self._values.clear()
        self._outcomes.clear()
        self._pending = [job.job_id for job in jobs[self.FIRST_CHUNK :]]
        self._pending_ids = set(self._pending)
        self._add_rows(jobs[: self.FIRST_CHUNK])
        if keep is not None and keep in self._values:
            self.move_cursor(row=self.get_row_index(keep), animate=False)
        if self._pending:
            self.call_after_refresh(self._add_pending, self._generation)

    @property
    def loading_rows(self) -> bool:
        """True while a large `set_jobs` is still adding rows after the first paint."""
        return bool(self._pending)

    def _add_pending(self, generation: int) -> None:
        if generation != self._generation or not self._pending:
            return
        chunk, self._pending = self._pending[: self.CHUNK], self._pending[self.CHUNK :]
        self._pending_ids.difference_update(chunk)
        jobs = self.context.jobs
        self._add_rows(jobs[job_id] for job_id in chunk if job_id in jobs)
        if self._pending:
            self.call_after_refresh(self._add_pending, generation)
        else:
            self.post_message(self.RowsLoaded())

    def _add_rows(self, jobs: Iterable[Job]) -> None:
        now = self.context.now()
        rows: list[list[Text]] = []
        keys: list[str] = []
        for job in jobs:
            if job.job_id in self._values:
                continue
            values = row_values(job, self.context, now)
            self._values[job.job_id] = values
            self._outcomes[job.job_id] = job.outcome
            rows.append(self._cells(job, values))
            keys.append(job.job_id)
        for key, cells in zip(keys, rows, strict=True):
            self.add_row(*cells, key=key)

    def upsert(self, job: Job, now: datetime | None = None) -> set[str]:
        """Add `job`'s row, or update only its changed cells; returns the changed column keys."""
        if job.job_id in self._pending_ids:
            return set()  # its row is added later, from the model's latest copy
        old = self._values.get(job.job_id)
        if old is None:
            self._add_rows([job])
            return set(COLUMN_KEYS)
        values = row_values(job, self.context, now or self.context.now())
        outcome = job.outcome
        old_outcome = self._outcomes[job.job_id]
        if values == old and old_outcome == outcome:
            return set()
        self._values[job.job_id] = values
        self._outcomes[job.job_id] = outcome
        row_key = RowKey(job.job_id)
        style = self._state_style(outcome)
        changed: set[str] = set()
        for index, (before, after) in enumerate(zip(old, values, strict=True)):
            if before != after or (index in _COLOURED and outcome != old_outcome):
                column = COLUMN_KEYS[index]
                changed.add(column)
                self.update_cell(row_key, column, self._cell(job.job_id, index, after, style))
        return changed

    def remove(self, job_id: str) -> None:
        if job_id in self._pending_ids:
            self._pending_ids.discard(job_id)
            self._pending.remove(job_id)
        if self._values.pop(job_id, None) is None:
            return
        self._outcomes.pop(job_id, None)
        with suppress(RowDoesNotExist):
            self.remove_row(job_id)

    def sort_by(self, key: Callable[[str], Any], reverse: bool) -> None:
        """Re-order rows by `key(job_id)`, keeping the cursor on the same job."""
        with self.cursor_kept():
            self.sort("id", key=lambda cell: key(cell.job_id), reverse=reverse)
        # Keep `_values` in table order so `last_job_id` stays the bottom row.
        self._values = {row.key.value: self._values[row.key.value] for row in self.ordered_rows}

    @contextmanager
    def cursor_kept(self) -> Iterator[None]:
        """Keep the cursor on the same job, at the same height on screen, across a change."""
        job_id = self.current_job_id()
        offset = self.cursor_row - int(self.scroll_y)
        yield
        if job_id is None or job_id not in self._values:
            return
        try:
            index = self.get_row_index(job_id)
        except RowDoesNotExist:
            return
        if index != self.cursor_row:
            self.move_cursor(row=index, animate=False, scroll=False)
            target = max(0, index - offset)
            self.call_after_refresh(self.scroll_to, y=target, animate=False)

    def refresh_ages(self, jobs: Iterable[Job]) -> None:
        """Re-diff only the age column of live jobs: time moves it, not polls."""
        now = self.context.now()
        for job in jobs:
            values = self._values.get(job.job_id)
            if values is None:
                continue
            age = job_age_text(job, now)
            if age != values[_AGE_COLUMN]:
                self._values[job.job_id] = (
                    *values[:_AGE_COLUMN],
                    age,
                    *values[_AGE_COLUMN + 1 :],
                )
                self.update_cell(RowKey(job.job_id), "age", Text(age, no_wrap=True, end=""))

    def refresh_rows(self, jobs: Iterable[Job]) -> None:
        """Re-diff rows whose text depends on time or context (ages, watched marks)."""
        now = self.context.now()
        for job in jobs:
            if job.job_id in self._values:
                self.upsert(job, now)

    def _recolour(self, *_: object) -> None:
        # The new theme's CSS is applied after the signal: recolour once it has been.
        self.call_after_refresh(self._apply_colours)

    def _apply_colours(self) -> None:
        """A theme switch changes every state colour: rebuild the two coloured columns."""
        self._rich_style_cache.clear()
        self._styles.clear()
        for job_id, outcome in self._outcomes.items():
            style = self._state_style(outcome)
            values = self._values[job_id]
            for index in _COLOURED:
                text = Text(values[index], style=style, no_wrap=True, end="")
                self.update_cell(RowKey(job_id), COLUMN_KEYS[index], text)
