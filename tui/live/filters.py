"""Which jobs the table shows and in what order, as values (moved from the table widget).

A `JobFilter` and a `JobSort` are frozen: the board compares the old and new one and
recomputes its index array only when they differ. Every sort key ends in the stable
tie-break (`created_at`, then `job_id`), so two rows never compare equal and a load of
rows in any order gives the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import compress, repeat
from operator import attrgetter, contains, eq, or_
from typing import Any, NamedTuple

from tui.api.models import JOB_TYPE_BY_KIND, Job, Outcome
from tui.formatting import STATE_LABELS, job_label, job_percent

STATE_FILTERS: dict[str, frozenset[Outcome] | None] = {
    "all": None,
    "running": frozenset({Outcome.QUEUED, Outcome.RUNNING}),
    "failed": frozenset({Outcome.FAILED}),
    "partial": frozenset({Outcome.PARTIAL}),
    # Queued or running but not moving (the board's stall tracker says which).
    "stalled": frozenset({Outcome.QUEUED, Outcome.RUNNING}),
}
TYPE_FILTERS: tuple[str, ...] = ("all", *JOB_TYPE_BY_KIND)
# The same as plain strings: hashing an enum member runs Python code, a str's hash is cached.
_STATE_VALUES: dict[str, frozenset[str]] = {
    state: frozenset(outcome.value for outcome in outcomes)
    for state, outcomes in STATE_FILTERS.items()
    if outcomes is not None
}


def type_choices(present: Iterable[str], current: str = "all") -> tuple[str, ...]:
    """What the type filter (`t`) offers: all, the known kinds, then every other job type
    on the board (`Job.kind` of a type this client does not know, e.g. `transcode/legacy`),
    sorted, so a newer API's jobs can be filtered too. The filter in force always stays one.
    """
    others = sorted({*present, current} - set(TYPE_FILTERS))
    return (*TYPE_FILTERS, *others)


def next_type(current: str, present: Iterable[str]) -> str:
    """The type filter after `current` in `type_choices` (wrapping round to all)."""
    choices = type_choices(present, current)
    return choices[(choices.index(current) + 1) % len(choices)]


@dataclass(frozen=True)
class JobFilter:
    """Which jobs the table shows. Always rendered in the filter bar."""

    state: str = "all"
    kind: str = "all"
    project_id: str | None = None
    text: str = ""

    def matches(
        self,
        job: Job,
        project_name: str | None = None,
        *,
        expired: bool = False,
        stalled: bool = False,
    ) -> bool:
        """`expired`: the API no longer knows the job; whatever it last said, it has stopped.
        `stalled`: the row's stall tracker found it not moving (the "stalled" state)."""
        facts = row_facts(job, expired=expired, stalled=stalled)
        names = {job.project_id: project_name} if job.project_id and project_name else {}
        return bool(self.select([facts], names))

    def select(
        self, rows: Sequence[RowFacts], project_names: Mapping[str, str]
    ) -> list[RowFacts]:
        """The rows this filter shows, in their order (the one judge of a row: `matches`
        asks it about one). One pass per condition in force, each reading facts computed
        when the row last changed, so 50,000 rows take a few milliseconds. The text is
        looked for in the row's id, project id and label, and in its project's name (names
        are per project: learning them changes no row's facts)."""
        shown = list(rows)
        if self.state == "stalled":
            shown = _keep(shown, "stalled", lambda stalled: stalled)
        outcomes = _STATE_VALUES.get(self.state)
        if outcomes is not None:
            passes = outcomes.__contains__
            shown = _keep(shown, "outcome", lambda values: map(passes, values))
        if self.kind != "all":
            kind = repeat(self.kind)
            shown = _keep(shown, "kind", lambda values: map(eq, values, kind))
        if self.project_id is not None:
            project = repeat(self.project_id)
            shown = _keep(shown, "job.project_id", lambda values: map(eq, values, project))
        if self.text:
            shown = _with_text(shown, self.text.casefold(), project_names)
        return shown

    def narrows(self, wider: JobFilter) -> bool:
        """Whether every row this filter shows is shown by `wider` too (only the text grew):
        typing in `/` then looks only at the rows already shown."""
        same_rest = replace(self, text="") == replace(wider, text="")
        return same_rest and wider.text.casefold() in self.text.casefold()

    @property
    def is_default(self) -> bool:
        return self == JobFilter()

    def with_(self, **changes: Any) -> JobFilter:
        return replace(self, **changes)


def _keep(
    rows: list[RowFacts], field: str, test: Callable[[Iterator[Any]], Iterable[Any]]
) -> list[RowFacts]:
    """The rows whose `field` passes `test`, in order. Built of C-level maps (no Python call
    per row): one condition over 50,000 rows takes a few milliseconds."""
    return list(compress(rows, test(map(attrgetter(field), rows))))


def _with_text(
    rows: list[RowFacts], needle: str, project_names: Mapping[str, str]
) -> list[RowFacts]:
    """The rows whose haystack, or whose project's name, holds `needle` (case-folded)."""
    named = {pid for pid, name in project_names.items() if needle in name.casefold()}
    in_text = map(contains, map(_HAYSTACK, rows), repeat(needle))
    if not named:
        return list(compress(rows, in_text))
    in_name = map(named.__contains__, map(_PROJECT_ID, rows))
    return list(compress(rows, map(or_, in_text, in_name)))


_HAYSTACK = attrgetter("haystack")
_PROJECT_ID = attrgetter("job.project_id")


def _when(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


# Live jobs sort above every stopped one: their key counts down from here (seconds; a
# stopped job's span stays far below it, and at ~8e9 a float still tells milliseconds apart).
_LIVE_ELAPSED = 1e10


def _elapsed_key(job: Job) -> float:
    """Longest elapsed last: stopped jobs by duration, then live ones oldest-created last.

    A live job's elapsed time grows with the clock, so it is ordered by creation (older is
    longer) and after every stopped job, whose duration is fixed. One float (not a pair):
    50,000 of them sort in C without a tuple compare each.
    """
    if job.is_finished:
        end = job.stopped_at
        return (end - job.created_at).total_seconds() if end and job.created_at else 0.0
    return _LIVE_ELAPSED - _when(job.created_at)


# column key -> (what the filter bar calls it, the job's value for that column).
SORT_COLUMNS: dict[str, tuple[str, Callable[[Job], Any]]] = {
    "id": ("id", lambda job: job.job_id),
    "type": ("type", lambda job: job.kind),
    "state": ("state", lambda job: STATE_LABELS[job.outcome]),
    "progress": ("progress", lambda job: job_percent(job) or 0.0),
    "label": ("label", lambda job: job_label(job).casefold()),
    "project": ("project", lambda job: job.project_id or ""),
    "created": ("created", lambda job: _when(job.created_at)),
    "age": ("elapsed", _elapsed_key),
    "files": ("files", lambda job: len(job.failed_files)),
}
SORT_KEYS: tuple[str, ...] = tuple(SORT_COLUMNS)
# Columns whose natural first direction is descending (newest, longest, furthest first).
DESCENDING_FIRST = frozenset({"created", "age", "progress"})

SortKey = tuple[Any, float, str]
SORT_INDEX: dict[str, int] = {column: i for i, column in enumerate(SORT_COLUMNS)}


class RowFacts(NamedTuple):
    """What the filter and the sort read of one row, worked out once when the row changes
    (not once per key press): a filter or a sort key is then one pass of C-level maps over
    the rows. The values are mostly the job's own objects (shared, not copied)."""

    job_id: str
    job: Job
    created: float  # the tie-break's first part (and the Created column)
    #: `Outcome.value` as the filter sees it: an expired job last seen running has stopped.
    outcome: str
    kind: str  # the Type column too
    #: The stall tracker found it not moving (never for an expired row).
    stalled: bool
    #: What `/` searches beside the project's name, case-folded: id, project id and label.
    haystack: str
    # The other columns' sort values (SORT_COLUMNS).
    state: str
    progress: float
    label: str
    project: str
    age: float
    files: int

    def key(self, column: int) -> SortKey:
        """The row's sort key for SORT_COLUMNS[column]: as `JobSort.key` gives it."""
        return (FACT_VALUES[column](self), self.created, self.job_id)


# Where RowFacts keeps each column's sort value (the id is the job's own).
_FACT_FIELDS: dict[str, str] = {
    "id": "job_id",
    "type": "kind",
    "created": "created",
    **{column: column for column in ("state", "progress", "label", "project", "age", "files")},
}
_BY_JOB: dict[str, Callable[[Job], Any]] = {column: fn for column, (_, fn) in SORT_COLUMNS.items()}
FACT_VALUES: tuple[Callable[[RowFacts], Any], ...] = tuple(
    attrgetter(_FACT_FIELDS[column]) for column in SORT_COLUMNS
)


def row_facts(job: Job, *, expired: bool = False, stalled: bool = False) -> RowFacts:
    """The facts of a row showing `job` (see `JobFilter.matches` for `expired`/`stalled`)."""
    outcome = job.outcome
    if expired and not job.is_finished:
        outcome = Outcome.FINISHED_UNKNOWN  # last seen running, but it is over now
    label = job_label(job)
    haystack = f"{job.job_id} {job.project_id or ''} {label}"
    value = _BY_JOB
    return RowFacts(
        job_id=job.job_id,
        job=job,
        created=value["created"](job),
        outcome=outcome.value,
        kind=value["type"](job),
        stalled=stalled and not expired,
        haystack=haystack.casefold(),
        state=value["state"](job),
        progress=value["progress"](job),
        label=label.casefold() if label else "",  # SORT_COLUMNS["label"], job_label once
        project=value["project"](job),
        age=value["age"](job),
        files=value["files"](job),
    )


@dataclass(frozen=True)
class JobSort:
    column: str = "created"
    reverse: bool = True  # newest first

    def key(self, job: Job) -> SortKey:
        """The column's value, then the stable tie-break: `created_at`, then `job_id`."""
        return (SORT_COLUMNS[self.column][1](job), _when(job.created_at), job.job_id)

    def describe(self) -> str:
        return f"{SORT_COLUMNS[self.column][0]} {'↓' if self.reverse else '↑'}"

    def next_column(self) -> JobSort:
        """The next column in table order, in its natural direction (the `s` key)."""
        column = SORT_KEYS[(SORT_KEYS.index(self.column) + 1) % len(SORT_KEYS)]
        return JobSort(column, column in DESCENDING_FIRST)

    def by(self, column: str) -> JobSort:
        """A click on a header: the same column flips, another starts its natural way."""
        if column == self.column:
            return JobSort(column, not self.reverse)
        return JobSort(column, column in DESCENDING_FIRST)
