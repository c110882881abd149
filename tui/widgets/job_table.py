"""The live jobs table: rows keyed by job_id, updated cell by cell, never cleared on a refresh.

The screen owns the model (every job it knows) and decides which jobs pass the filter; this
widget turns a job into cells, remembers what each row shows, and on an update touches only
the cells whose text changed (dolphie's pattern). Rows are added in the visible-first order
so the first screenful paints before the rest of a 10,000-row table is measured.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist, RowKey

from tui.api.models import Job, Outcome
from tui.widgets.formatting import (
    STATE_LABELS,
    files_text,
    format_created,
    job_age_text,
    job_percent,
    progress_text,
    short_project,
    state_class,
    state_text,
)

# (key, header, width): fixed widths so an update never re-measures a column.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("id", "ID", 13),
    ("type", "Type", 7),
    ("state", "State", 11),
    ("progress", "Progress", 14),
    ("label", "Label", 17),
    ("project", "Project", 14),
    ("created", "Created", 11),
    ("age", "Age", 6),
    ("files", "Files", 6),
)
COLUMN_KEYS: tuple[str, ...] = tuple(key for key, _, _ in COLUMNS)
COLUMN_HEADERS: dict[str, str] = {key: header for key, header, _ in COLUMNS}
_STATE_COLUMN = COLUMN_KEYS.index("state")
_PROGRESS_COLUMN = COLUMN_KEYS.index("progress")
_COLOURED = (_STATE_COLUMN, _PROGRESS_COLUMN)
_AGE_COLUMN = COLUMN_KEYS.index("age")

WATCHED_MARK = "◆"


class IdCell(Text):
    """The id cell carries its job_id so a sort key can find the job behind a row."""

    __slots__ = ("job_id",)

    def __init__(self, text: str, job_id: str) -> None:
        super().__init__(text, no_wrap=True, end="")
        self.job_id = job_id


# -- filtering and sorting (pure; the screen holds one JobFilter) --------------------------

STATE_FILTERS: dict[str, frozenset[Outcome] | None] = {
    "all": None,
    "running": frozenset({Outcome.QUEUED, Outcome.RUNNING}),
    "failed": frozenset({Outcome.FAILED}),
    "partial": frozenset({Outcome.PARTIAL}),
}
TYPE_FILTERS: tuple[str, ...] = ("all", "import", "agent", "publish")


@dataclass(frozen=True)
class JobFilter:
    """Which jobs the table shows. Always rendered in the filter bar by `describe()`."""

    state: str = "all"
    kind: str = "all"
    project_id: str | None = None
    text: str = ""

    def matches(self, job: Job, project_name: str | None = None) -> bool:
        outcomes = STATE_FILTERS.get(self.state)
        if outcomes is not None and job.outcome not in outcomes:
            return False
        if self.kind != "all" and job.kind != self.kind:
            return False
        if self.project_id is not None and job.project_id != self.project_id:
            return False
        if self.text:
            needle = self.text.casefold()
            label = job.progress.label if job.progress and job.progress.label else ""
            haystack = f"{job.job_id} {job.project_id or ''} {project_name or ''} {label}"
            if needle not in haystack.casefold():
                return False
        return True

    @property
    def is_default(self) -> bool:
        return self == JobFilter()

    def with_(self, **changes: Any) -> JobFilter:
        return replace(self, **changes)


def _when(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


SORT_KEYS: dict[str, Callable[[Job], Any]] = {
    "id": lambda job: job.job_id,
    "type": lambda job: job.kind,
    "state": lambda job: STATE_LABELS[job.outcome],
    "progress": lambda job: job_percent(job) or 0.0,
    "label": lambda job: (job.progress.label or "") if job.progress else "",
    "project": lambda job: job.project_id or "",
    "created": lambda job: _when(job.created_at),
    "age": lambda job: _when(job.created_at),
    "files": lambda job: len(job.failed_files),
}


@dataclass(frozen=True)
class JobSort:
    column: str = "created"
    reverse: bool = True  # newest first

    def key(self, job: Job) -> tuple[Any, str]:
        # job_id breaks ties so the order is stable and total.
        return (SORT_KEYS[self.column](job), job.job_id)

    def describe(self) -> str:
        return f"{COLUMN_HEADERS[self.column].lower()} {'↓' if self.reverse else '↑'}"


# -- the widget ------------------------------------------------------------------------


@dataclass
class RowContext:
    """What a row needs beyond the job: time, project names, the watched set."""

    now: Callable[[], datetime]
    # The screen's model: every job it knows, by job_id (rows added late read it here).
    jobs: dict[str, Job] = field(default_factory=dict)
    project_names: dict[str, str] = field(default_factory=dict)
    watched: set[str] = field(default_factory=set)


def row_values(job: Job, context: RowContext, now: datetime) -> tuple[str, ...]:
    """The plain text of every cell of `job`'s row, in COLUMNS order (what we diff on)."""
    label = job.progress.label if job.progress and job.progress.label else ""
    if not label and job.is_finished:
        label = job.error_message or ""
    project_name = context.project_names.get(job.project_id or "")
    mark = WATCHED_MARK if job.job_id in context.watched else " "
    return (
        f"{mark}{job.short_id}",
        job.kind,
        state_text(job.outcome),
        progress_text(job, width=9),
        label,
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
            self.add_column(header, key=key, width=width)
        self.app.theme_changed_signal.subscribe(self, self._recolour)

    # -- cells ---------------------------------------------------------------------------

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
        return Text(value, style=style if index in _COLOURED else "", no_wrap=True, end="")

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
