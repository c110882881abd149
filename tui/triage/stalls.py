"""Stalled jobs: running but not moving, or queued too long; and the agent's settling minute.

A running job is stalled when its `progress.last_update_at` (or, where the API gives none,
its percent) has not moved for `running_minutes`; a queued job when it has been queued for
longer than `queued_minutes`. Pure functions over a job and the clock's `now`; the memory
(when a percent last moved, for jobs without `last_update_at`, and when each job would
cross its threshold if nothing changed) is `StallTracker`.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, KeysView
from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.api.models import JOB_TYPE_AGENT, Job, Outcome
from tui.formatting import format_duration

STALLED_SYMBOL = "⏸"
# async-job-model.txt: "Agent edits may also report success while some operations are still
# processing internally ... some visual updates take a moment to propagate."
AGENT_SETTLE = timedelta(seconds=60)
AGENT_SETTLE_NOTE = (
    "Finished under a minute ago: the agent may report success while visual updates are "
    "still propagating; wait a minute before checking the project in Descript."
)


@dataclass(frozen=True, slots=True)
class StallThresholds:
    """When a job counts as stalled (config fields `stall_running_minutes`,
    `stall_queued_minutes`)."""

    #: A running job whose progress has not moved for this many minutes is stalled.
    running_minutes: float = 10.0
    #: A job still queued this many minutes after it was created is stalled.
    queued_minutes: float = 5.0

    @classmethod
    def from_settings(cls, settings: object) -> StallThresholds:
        """From a config object with `stall_running_minutes` / `stall_queued_minutes`
        (either may be missing: its default stands)."""
        default = cls()
        running = getattr(settings, "stall_running_minutes", None)
        queued = getattr(settings, "stall_queued_minutes", None)
        return cls(
            running_minutes=float(running) if running else default.running_minutes,
            queued_minutes=float(queued) if queued else default.queued_minutes,
        )


@dataclass(frozen=True, slots=True)
class Stall:
    """A job that stopped moving: since when, and how it reads in a cell."""

    job_id: str
    outcome: Outcome  # QUEUED or RUNNING: which threshold it crossed
    since: datetime
    seconds: float

    @property
    def text(self) -> str:
        """`⏸ stalled 12m03s`."""
        return f"{STALLED_SYMBOL} stalled {format_duration(self.seconds)}"

    @property
    def reason(self) -> str:
        if self.outcome is Outcome.QUEUED:
            return f"queued for {format_duration(self.seconds)} without starting"
        return f"no progress for {format_duration(self.seconds)}"


def stalled_since(job: Job, percent_since: datetime | None = None) -> datetime | None:
    """When the job last moved, as far as we can tell (None: finished, or no way to tell).

    `percent_since` is when its percent last changed, from whoever watched it (the
    `StallTracker`, or the journal's last change of the job); used when the API gives no
    `last_update_at`. A running job that never reported progress counts from its creation.
    """
    outcome = job.outcome
    if outcome is Outcome.QUEUED:
        return job.created_at
    if outcome is not Outcome.RUNNING:
        return None
    progress = job.progress
    if progress is not None and progress.last_update_at is not None:
        return progress.last_update_at
    if percent_since is not None:
        return percent_since
    if progress is None or not progress.percent:
        return job.created_at
    return None


def stall_of(
    job: Job,
    now: datetime,
    thresholds: StallThresholds = StallThresholds(),
    *,
    percent_since: datetime | None = None,
) -> Stall | None:
    """The job's stall, or None if it is moving, finished, or cannot be judged."""
    since = stalled_since(job, percent_since)
    if since is None:
        return None
    seconds = max(0.0, (now - since).total_seconds())
    minutes = (
        thresholds.queued_minutes if job.outcome is Outcome.QUEUED else thresholds.running_minutes
    )
    if seconds < minutes * 60:
        return None
    return Stall(job_id=job.job_id, outcome=job.outcome, since=since, seconds=seconds)


def stalled_jobs(
    jobs: Iterable[Job], now: datetime, thresholds: StallThresholds = StallThresholds()
) -> list[Stall]:
    """Every stalled job among `jobs`, longest stalled first."""
    found = [stall for job in jobs if (stall := stall_of(job, now, thresholds)) is not None]
    return sorted(found, key=lambda s: (-s.seconds, s.job_id))


def agent_settle_note(job: Job, now: datetime) -> str | None:
    """The detail pane's note for an agent job that finished less than a minute ago."""
    if job.job_type != JOB_TYPE_AGENT or job.outcome is not Outcome.SUCCESS:
        return None
    if job.stopped_at is None or now - job.stopped_at >= AGENT_SETTLE:
        return None
    return AGENT_SETTLE_NOTE


class StallTracker:
    """Remembers when each job's percent last moved, and which stalls were already announced.

    For the dashboard: feed it every job it sees (`observe`), show `Stall.text` in the row,
    and notify once for each job `observe` reports as newly stalled.
    """

    def __init__(self, thresholds: StallThresholds = StallThresholds()) -> None:
        self.thresholds = thresholds
        self._percent: dict[str, tuple[float | None, datetime]] = {}
        self._announced: set[str] = set()
        # When each observed, moving job crosses its threshold if nothing changes (a heap
        # with lazy deletion): the clock's check reads the due ones, O(due) not O(jobs).
        self._deadline: dict[str, datetime] = {}
        self._heap: list[tuple[datetime, str]] = []

    def observe(self, job: Job, now: datetime) -> tuple[Stall | None, bool]:
        """(the job's stall or None, whether it is newly stalled: notify once)."""
        percent = job.progress.percent if job.progress else None
        previous = self._percent.get(job.job_id)
        if previous is None or previous[0] != percent:
            self._percent[job.job_id] = (percent, now)
        since = self._percent[job.job_id][1] if previous is not None else None
        stall = stall_of(job, now, self.thresholds, percent_since=since)
        self._schedule(job, stall)
        if stall is None:
            self._announced.discard(job.job_id)  # moving again: a later stall is news
            if job.is_finished:
                self._percent.pop(job.job_id, None)
            return None, False
        new = job.job_id not in self._announced
        self._announced.add(job.job_id)
        return stall, new

    def forget(self, job_id: str) -> None:
        self._percent.pop(job_id, None)
        self._announced.discard(job_id)
        self._deadline.pop(job_id, None)

    def observed(self) -> KeysView[str]:
        """The unfinished jobs observed so far (a job never observed has no deadline)."""
        return self._percent.keys()

    def due(self, now: datetime) -> list[str]:
        """Jobs whose threshold passed since they were last observed: the only ones time
        alone can turn stalled (a stalled one stays so until its next read)."""
        heap, deadline, found = self._heap, self._deadline, []
        while heap and heap[0][0] <= now:
            at, job_id = heapq.heappop(heap)
            if deadline.get(job_id) == at:
                del deadline[job_id]
                found.append(job_id)
        return found

    def _schedule(self, job: Job, stall: Stall | None) -> None:
        """When the job would stall if nothing about it changes (none: stalled, finished,
        or it cannot be judged)."""
        job_id = job.job_id
        percent = self._percent.get(job_id)
        since = None if stall is not None or percent is None else stalled_since(job, percent[1])
        if since is None:
            self._deadline.pop(job_id, None)
            return
        queued = job.outcome is Outcome.QUEUED
        minutes = self.thresholds.queued_minutes if queued else self.thresholds.running_minutes
        at = since + timedelta(minutes=minutes)
        if self._deadline.get(job_id) == at:
            return
        self._deadline[job_id] = at
        heapq.heappush(self._heap, (at, job_id))
        if len(self._heap) > 4 * len(self._deadline) + 64:  # drop the superseded entries
            self._heap = [(t, i) for i, t in self._deadline.items()]
            heapq.heapify(self._heap)
