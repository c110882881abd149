"""Which jobs the table shows and in what order, as values (moved from the table widget).

A `JobFilter` and a `JobSort` are frozen: the board compares the old and new one and
recomputes its index array only when they differ. Every sort key ends in the stable
tie-break (`created_at`, then `job_id`), so two rows never compare equal and a load of
rows in any order gives the same table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

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
        if self.state == "stalled" and (not stalled or expired):
            return False
        outcomes = STATE_FILTERS.get(self.state)
        outcome = job.outcome
        if expired and not job.is_finished:
            outcome = Outcome.FINISHED_UNKNOWN  # last seen running, but it is over now
        if outcomes is not None and outcome not in outcomes:
            return False
        if self.kind != "all" and job.kind != self.kind:
            return False
        if self.project_id is not None and job.project_id != self.project_id:
            return False
        if self.text:
            needle = self.text.casefold()
            haystack = f"{job.job_id} {job.project_id or ''} {project_name or ''} {job_label(job)}"
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


def _elapsed_key(job: Job) -> tuple[int, float]:
    """Longest elapsed last: stopped jobs by duration, then live ones oldest-created last.

    A live job's elapsed time grows with the clock, so it is ordered by creation (older is
    longer) and after every stopped job, whose duration is fixed.
    """
    if job.is_finished:
        end = job.stopped_at
        span = (end - job.created_at).total_seconds() if end and job.created_at else 0.0
        return (0, span)
    return (1, -_when(job.created_at))


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
