"""The board: every job the user sees, keyed by job id, and the table's order as an index.

Textual-free. The jobs screen feeds it (scheduler events, journal rows, submits, names)
and renders the `Changes` each call returns; the table reads rows through the `RowSource`
methods (`__len__`, `job_id_at`, `index_of`, `row`). The order is a list of the rows' facts
kept sorted as rows change (`tui/live/order.py`): a row joins at its place, a change that
does not move it leaves the order alone, a filter is one pass and a sort column one stable
sort (no key is rebuilt from the jobs), and reversing the sort only flips how positions are
read. The order is settled once per call: a page of a hundred rows is one update.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from tui.api.models import JOB_TYPE_BY_KIND, RETENTION, Job, format_timestamp
from tui.api.scheduler import JobEvent
from tui.journal import JournaledJob, PendingSubmission
from tui.live.filters import JobFilter, JobSort, RowFacts, row_facts
from tui.live.order import RowOrder
from tui.live.rows import RowStatus

# Row key prefix of a submission that has no job id yet (its answer was lost).
LOCAL_PREFIX = "local-"
# JobRow fields no filter or sort reads: changing them leaves the row where it is.
_NOT_FACTS = frozenset({"watched", "marked", "project_name"})


@dataclass(frozen=True, slots=True)
class JobRow:
    """One row of the table: the job and what the board knows beside it."""

    job: Job
    status: RowStatus
    project_name: str | None
    watched: bool
    #: When a stalled job last moved (None: moving, finished, or not judged); the screen's
    #: `StallTracker` decides, the table shows how long.
    stalled_since: datetime | None = None
    #: Marked with space for a bulk action (bulk cancel).
    marked: bool = False


@dataclass(frozen=True)
class Changes:
    """What one call changed, for the screen to render and nothing more.

    `changed` maps a job id to the JobRow fields that differ ("job", "status",
    "project_name", "watched", "stalled_since", "marked"). `order_changed`: a row joined,
    left or moved in the filtered order (the table re-reads its length and positions).
    `finished`: jobs that reached a terminal state; `watch_ended`: rows whose watch ended
    because they finished or expired (the user asked to be told); `expired`: rows the API
    stopped knowing (404).
    """

    added: frozenset[str] = frozenset()
    changed: Mapping[str, frozenset[str]] = field(default_factory=dict)
    removed: frozenset[str] = frozenset()
    order_changed: bool = False
    finished: tuple[Job, ...] = ()
    watch_ended: frozenset[str] = frozenset()
    expired: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.order_changed)

    def touches(self, job_id: str) -> bool:
        return job_id in self.added or job_id in self.changed or job_id in self.removed


@dataclass
class _Collect:
    """The mutable twin of Changes while one call runs."""

    added: set[str] = field(default_factory=set)
    changed: dict[str, set[str]] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    order_changed: bool = False
    finished: list[Job] = field(default_factory=list)
    watch_ended: set[str] = field(default_factory=set)
    expired: set[str] = field(default_factory=set)
    #: Rows whose place in the orders may have moved: settled once, as the call ends.
    dirty: set[str] = field(default_factory=set)

    def freeze(self) -> Changes:
        return Changes(
            added=frozenset(self.added),
            changed={
                job_id: frozenset(fields)
                for job_id, fields in self.changed.items()
                if job_id not in self.added and job_id not in self.removed
            },
            removed=frozenset(self.removed),
            order_changed=self.order_changed,
            finished=tuple(self.finished),
            watch_ended=frozenset(self.watch_ended),
            expired=frozenset(self.expired),
        )


@dataclass(frozen=True)
class Restored:
    """What `Board.restore` did: the changes, and ids it found past retention just now."""

    changes: Changes
    newly_expired: tuple[str, ...]


def pending_job(pending: PendingSubmission) -> Job:
    """A row for a submission whose POST may or may not have made a job (no job id yet).

    Stopped with no result reads as "finished, unknown": never polled, never cancellable.
    """
    request = pending.request
    raw: dict[str, Any] = {
        "job_id": f"{LOCAL_PREFIX}{pending.local_id}",
        "job_type": JOB_TYPE_BY_KIND.get(pending.kind, pending.kind),
        "job_state": "stopped",
        "created_at": format_timestamp(pending.submitted_at),
        "project_id": request.get("project_id"),
        "progress": {"label": "answer lost: R finds it"},
        "descript_tui": {
            "needs_reconciliation": True,
            "local_id": pending.local_id,
            "submission_status": pending.status,
            "error": pending.error,
            "request": request,
        },
    }
    return Job.from_json(raw)


def pending_of(row: JournaledJob) -> PendingSubmission | None:
    """The `PendingSubmission` behind a journal row that needs reconciliation."""
    if not row.needs_reconciliation or row.local_id is None or row.submitted_at is None:
        return None
    return PendingSubmission(
        local_id=row.local_id,
        kind=row.kind,
        request=row.request or {},
        submitted_at=row.submitted_at,
        status=row.submission_status or "",
        error=row.error,
    )


class Board:
    """The jobs of one Drive as the user sees them; implements the table's `RowSource`."""

    def __init__(self, job_filter: JobFilter | None = None, sort: JobSort | None = None) -> None:
        self._rows: dict[str, JobRow] = {}
        self._filter = job_filter or JobFilter()
        #: Project names by id (the list of projects, or a submit's own `project_name`).
        self.project_names: dict[str, str] = {}
        self._sort = sort or JobSort()
        # The rows' filter and sort facts and their orders; `shown` is what the table reads.
        self._index = RowOrder(self._filter, self._sort.column, self.project_names)
        #: Submissions without a job id, by row key (`local-N`).
        self.pending: dict[str, PendingSubmission] = {}
        #: Jobs a submission from this tool created (never offered to reconcile another).
        self.submitted_ids: set[str] = set()
        #: The Drive the token belongs to, from the first job that names it.
        self.drive_id: str | None = None
        # Rows the stall check judges: an unfinished job, or a stall still shown. Kept as
        # rows are stored, so the check every tick is O(live), not O(rows).
        self._judged: set[str] = set()
        # Rows shown stalled (a few): a check clears those that expired or finished unseen.
        self._stalled: set[str] = set()

    # -- RowSource ---------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._index.shown)

    def job_id_at(self, index: int) -> str:
        shown = self._index.shown
        if not 0 <= index < len(shown):
            raise IndexError(index)
        return shown[len(shown) - 1 - index if self._sort.reverse else index].job_id

    def index_of(self, job_id: str) -> int | None:
        index = self._index.index_of(job_id)
        if index is None:
            return None
        return len(self._index.shown) - 1 - index if self._sort.reverse else index

    def row(self, job_id: str) -> JobRow:
        return self._rows[job_id]

    # -- reading -------------------------------------------------------------------------

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._rows

    @property
    def total(self) -> int:
        """Every row the board holds, shown or filtered out."""
        return len(self._rows)

    @property
    def job_filter(self) -> JobFilter:
        return self._filter

    @property
    def sort(self) -> JobSort:
        return self._sort

    def get(self, job_id: str) -> JobRow | None:
        return self._rows.get(job_id)

    def rows(self) -> Iterable[JobRow]:
        return self._rows.values()

    def judged_ids(self) -> set[str]:
        """The rows a stall check looks at: unfinished jobs, and rows still shown stalled
        (to clear them); finished rows with no stall can neither stall nor clear."""
        return self._judged

    def stalled_ids(self) -> set[str]:
        """The rows shown stalled now."""
        return self._stalled

    def shown_ids(self) -> list[str]:
        """The filtered, sorted ids as the table shows them (top first)."""
        shown = self._index.shown_ids()
        return shown[::-1] if self._sort.reverse else shown

    def passes(
        self, job: Job, status: RowStatus = RowStatus.LIVE, *, stalled: bool = False
    ) -> bool:
        """Whether the filter in force would show `job` (an expired job counts as stopped)."""
        name = self.project_names.get(job.project_id or "")
        return self._filter.matches(
            job, name, expired=status is RowStatus.EXPIRED, stalled=stalled
        )

    def marked_ids(self) -> list[str]:
        """The rows marked for a bulk action, in the table's order (shown or not)."""
        marked = {job_id for job_id, row in self._rows.items() if row.marked}
        shown = [job_id for job_id in self.shown_ids() if job_id in marked]
        return shown + sorted(marked.difference(shown))

    # -- changes -------------------------------------------------------------------------

    def apply(self, events: Iterable[JobEvent]) -> Changes:
        """Fold scheduler events in: a read job is live, a 404 expires its row (kept)."""
        out = _Collect()
        for event in events:
            if event.kind == "gone":
                self._expire(event.job_id, out)
            elif event.job is not None:
                self._put(event.job, RowStatus.LIVE, out)
                if event.kind == "finished":
                    out.finished.append(event.job)
                    self._end_watch(event.job_id, out)
        return self._done(out)

    def upsert(self, jobs: Iterable[Job]) -> Changes:
        """Jobs read outside the scheduler (a submit's first read, a cancel's re-read)."""
        out = _Collect()
        for job in jobs:
            self._put(job, RowStatus.LIVE, out)
            if job.is_finished:
                self._end_watch(job.job_id, out)
        return self._done(out)

    def expire(self, job_ids: Iterable[str]) -> Changes:
        out = _Collect()
        for job_id in job_ids:
            self._expire(job_id, out)
        return self._done(out)

    def set_watched(self, job_id: str, watched: bool) -> Changes:
        out = _Collect()
        row = self._rows.get(job_id)
        if row is not None and row.watched != watched:
            self._replace(replace(row, watched=watched), {"watched"}, out)
        return self._done(out)

    def set_stalled(self, verdicts: Mapping[str, datetime | None]) -> Changes:
        """The stall tracker's verdicts: job id -> since when it has not moved (None: moving
        again, or finished)."""
        out = _Collect()
        for job_id, since in verdicts.items():
            row = self._rows.get(job_id)
            if row is not None and row.stalled_since != since:
                self._replace(replace(row, stalled_since=since), {"stalled_since"}, out)
        return self._done(out)

    def set_marked(self, job_ids: Iterable[str], marked: bool) -> Changes:
        """Mark or unmark rows for a bulk action, in one pass (`*` marks 50,000 rows).

        A mark moves no row (no filter or sort reads it), so rows are not placed again."""
        out = _Collect()
        rows, changed = self._rows, out.changed
        for job_id in job_ids:
            row = rows.get(job_id)
            if row is not None and row.marked != marked:
                # No fact and no stall moves: stored as is (the constructor, not
                # `dataclasses.replace`, and no id set to keep: `*` at 50,000 rows).
                rows[job_id] = JobRow(
                    row.job, row.status, row.project_name, row.watched, row.stalled_since, marked
                )
                changed.setdefault(job_id, set()).add("marked")
        return self._done(out)

    def learn_project_names(self, names: Mapping[str, str]) -> Changes:
        """Names for project ids: the rows showing those projects change (and may join or
        leave a text filter)."""
        fresh = {pid: n for pid, n in names.items() if n and self.project_names.get(pid) != n}
        out = _Collect()
        if not fresh:
            return self._done(out)
        self.project_names.update(fresh)
        rows, changed = self._rows, out.changed
        for job_id, row in list(rows.items()):
            name = fresh.get(row.job.project_id or "")
            if name is not None:
                # Once for a whole Drive as its load ends: as `set_marked`, no fact moves.
                rows[job_id] = JobRow(
                    row.job, row.status, name, row.watched, row.stalled_since, row.marked
                )
                changed.setdefault(job_id, set()).add("project_name")
        if self._filter.text:  # the text is looked for in the names too
            self._index.refilter()
            out.order_changed = True
        return self._done(out)

    def remove(self, job_id: str) -> Changes:
        out = _Collect()
        row = self._rows.pop(job_id, None)
        self._judged.discard(job_id)
        self._stalled.discard(job_id)
        if row is not None:
            self.pending.pop(job_id, None)
            out.dirty.add(job_id)
            out.removed.add(job_id)
        return self._done(out)

    def add_pending(self, submissions: Iterable[PendingSubmission]) -> Changes:
        """Submissions whose answer was lost: a ⚠ row each, until reconciled."""
        out = _Collect()
        for pending in submissions:
            key = f"{LOCAL_PREFIX}{pending.local_id}"
            if key in self.pending:
                continue
            self.pending[key] = pending
            self._put(pending_job(pending), RowStatus.RECONCILE, out)
        return self._done(out)

    def resolve_pending(self, key: str, job: Job | None) -> Changes:
        """A reconciliation was decided: the placeholder row goes; the found job stays."""
        if job is not None:
            self.submitted_ids.add(job.job_id)
        return self.remove(key)

    def restore(self, rows: Iterable[JournaledJob], now: datetime) -> Restored:
        """What the journal remembers, before any answer: expired jobs and lost submissions
        included. A job past retention is expired whatever it last said."""
        out = _Collect()
        past_retention = now - RETENTION
        newly_expired: list[str] = []
        lost: list[PendingSubmission] = []
        for entry in rows:
            job = entry.job
            if job is None:
                if (pending := pending_of(entry)) is not None:
                    lost.append(pending)
                continue
            too_old = job.created_at is not None and job.created_at < past_retention
            expired = entry.expired or too_old
            self._put(job, RowStatus.EXPIRED if expired else RowStatus.LIVE, out)
            if too_old and not entry.expired:
                newly_expired.append(job.job_id)
            if entry.local_id is not None:
                self.submitted_ids.add(job.job_id)
        restored = self._done(out)
        pending = self.add_pending(lost)
        changes = replace(
            restored,
            added=restored.added | pending.added,
            order_changed=restored.order_changed or pending.order_changed,
        )
        return Restored(changes, tuple(newly_expired))

    def set_filter(self, job_filter: JobFilter) -> Changes:
        if job_filter == self._filter:
            return Changes()
        self._filter = job_filter
        self._index.set_filter(job_filter)
        return Changes(order_changed=True)

    def set_sort(self, sort: JobSort) -> Changes:
        if sort == self._sort:
            return Changes()
        column_changed = sort.column != self._sort.column
        self._sort = sort
        if column_changed:
            self._index.set_column(sort.column)
        # Only the direction: the same ascending index, read from the other end.
        return Changes(order_changed=True)

    # -- inside --------------------------------------------------------------------------

    def _put(self, job: Job, status: RowStatus, out: _Collect) -> None:
        old = self._rows.get(job.job_id)
        if old is None:
            row = JobRow(job, status, self.project_names.get(job.project_id or ""), False)
            self._store(row)
            out.added.add(job.job_id)
            out.dirty.add(job.job_id)
            if self.drive_id is None and job.drive_id:
                self.drive_id = job.drive_id
            return
        fields = set()
        if old.job != job:
            fields.add("job")
        if old.status is not status:
            fields.add("status")
        name = self.project_names.get(job.project_id or "")
        if old.project_name != name:
            fields.add("project_name")
        if fields:
            self._replace(replace(old, job=job, status=status, project_name=name), fields, out)

    def _store(self, row: JobRow) -> None:
        job_id = row.job.job_id
        self._rows[job_id] = row
        if row.stalled_since is None:
            self._stalled.discard(job_id)
            if row.job.is_finished:
                self._judged.discard(job_id)
                return
        else:
            self._stalled.add(job_id)
        self._judged.add(job_id)

    def _replace(self, row: JobRow, fields: set[str], out: _Collect) -> None:
        job_id = row.job.job_id
        self._store(row)
        out.changed.setdefault(job_id, set()).update(fields)
        if not fields <= _NOT_FACTS:
            out.dirty.add(job_id)

    def _expire(self, job_id: str, out: _Collect) -> None:
        row = self._rows.get(job_id)
        if row is None or row.status is RowStatus.EXPIRED:
            return
        self._replace(replace(row, status=RowStatus.EXPIRED), {"status"}, out)
        out.expired.add(job_id)
        self._end_watch(job_id, out)

    def _end_watch(self, job_id: str, out: _Collect) -> None:
        row = self._rows.get(job_id)
        if row is not None and row.watched:
            self._replace(replace(row, watched=False), {"watched"}, out)
            out.watch_ended.add(job_id)

    def _done(self, out: _Collect) -> Changes:
        """Settle the order for every row the call touched, once, then say what changed."""
        if out.dirty:
            facts = {job_id: self._facts(job_id) for job_id in out.dirty}
            out.dirty.clear()
            out.order_changed = self._index.update(facts) or out.order_changed
        return out.freeze()

    def _facts(self, job_id: str) -> RowFacts | None:
        row = self._rows.get(job_id)
        if row is None:
            return None
        expired = row.status is RowStatus.EXPIRED
        stalled = row.stalled_since is not None
        return row_facts(row.job, expired=expired, stalled=stalled)
