"""The listing index: jobs by Drive, type and project, sorted by creation, so a `GET /jobs`
page costs O(log n + page size) and `GET /jobs/{id}` stays a dict lookup in the registry.
"""

from __future__ import annotations

import bisect
import itertools
import math

from tui.simulator.world.jobs import SimJob

IndexKey = tuple[str, ...]
Cursor = tuple[float, int]


class SortedJobs:
    """Jobs ordered by (created_at, seq); bisect finds a page's bounds."""

    __slots__ = ("jobs", "keys")

    def __init__(self) -> None:
        self.keys: list[tuple[float, int]] = []
        self.jobs: list[SimJob] = []

    def add(self, job: SimJob) -> None:
        key = job.sort_key
        if not self.keys or key >= self.keys[-1]:
            self.keys.append(key)
            self.jobs.append(job)
            return
        at = bisect.bisect_right(self.keys, key)
        self.keys.insert(at, key)
        self.jobs.insert(at, job)

    def extend(self, jobs: list[SimJob]) -> None:
        merged = sorted(itertools.chain(self.jobs, jobs), key=lambda j: j.sort_key)
        self.jobs = merged
        self.keys = [j.sort_key for j in merged]

    def page(
        self, after: float, before: float, cursor: tuple[float, int] | None, limit: int
    ) -> tuple[list[SimJob], bool]:
        """Newest first, created_at in (after, before], older than `cursor`; (jobs, more?)."""
        lo = bisect.bisect_right(self.keys, (after, math.inf))
        hi = bisect.bisect_right(self.keys, (before, math.inf))
        if cursor is not None:
            hi = min(hi, bisect.bisect_left(self.keys, cursor))
        if hi <= lo:
            return [], False
        start = max(lo, hi - limit)
        page = self.jobs[start:hi]
        page.reverse()
        return page, start > lo



def index_keys(job: SimJob) -> tuple[IndexKey, ...]:
    return (
        ("d", job.drive_id),
        ("dt", job.drive_id, job.job_type),
        ("dp", job.drive_id, job.project_id),
        ("dpt", job.drive_id, job.project_id, job.job_type),
    )


def list_key(drive_id: str, job_type: str | None, project_id: str | None) -> IndexKey:
    """The index that answers a listing with these filters."""
    if project_id and job_type:
        return ("dpt", drive_id, project_id, job_type)
    if project_id:
        return ("dp", drive_id, project_id)
    if job_type:
        return ("dt", drive_id, job_type)
    return ("d", drive_id)


class JobIndex:
    """Every listing index of one world."""

    __slots__ = ("_by_key",)

    def __init__(self) -> None:
        self._by_key: dict[IndexKey, SortedJobs] = {}

    def add(self, job: SimJob) -> None:
        for key in index_keys(job):
            self._by_key.setdefault(key, SortedJobs()).add(job)

    def extend(self, jobs: list[SimJob]) -> None:
        """Many jobs at once (benchmarks): one sort per index instead of one insert per job."""
        grouped: dict[IndexKey, list[SimJob]] = {}
        for job in jobs:
            for key in index_keys(job):
                grouped.setdefault(key, []).append(job)
        for key, group in grouped.items():
            self._by_key.setdefault(key, SortedJobs()).extend(group)

    def page(
        self,
        key: IndexKey,
        after: float,
        before: float,
        cursor: Cursor | None,
        limit: int,
    ) -> tuple[list[SimJob], Cursor | None]:
        """Newest first; the cursor of the next page, or None on the last."""
        index = self._by_key.get(key)
        if index is None:
            return [], None
        page, more = index.page(after, before, cursor, limit)
        return page, (page[-1].sort_key if more and page else None)
