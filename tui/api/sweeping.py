"""When a `GET /jobs` sweep pays for itself, which window it reads, and how often it may run.

`SweepPlanner` is the scheduler's list half (tui/api/scheduler.py sends what it plans): it
holds the two creation-time indexes (the sweepable jobs, and every row seen in a list), so
a window's cost is one bisection, and the pace rule that spaces sweeps:

- a sweep of P pages repeats every P / `sweep_pages_per_second` s (cheap when the fleet is
  small), but at least every `sweep_revisit` s, so a big fleet's stops are still seen in
  ~6 s; never more often than every 3 s, and never faster on average than
  `max_sweep_pages_per_second` (the scheduler's own budget). docs/scheduler.md says why.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from tui.api.clock import Clock
from tui.api.models import Job
from tui.api.planning import LIST_LOOKBACK, CreatedIndex, PollPolicy, Sweep, Tracked


class SweepPlanner:
    """The list windows worth reading, from the jobs' creation times and due times."""

    def __init__(
        self,
        policy: PollPolicy,
        clock: Clock,
        jobs: dict[str, Tracked],
        due_time: Callable[[Tracked], float],
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._jobs = jobs  # the scheduler's own dict: read, never written here
        self._due_time = due_time
        #: Active, listable jobs by creation time: what a newest-first window covers.
        self.candidates = CreatedIndex()
        #: created_at of every job seen in a list (or watched): how many rows a window costs.
        self.listed = CreatedIndex()
        #: Monotonic start of the last sweep (or the end of the first walk), and its pages.
        self.last_at: float | None = None
        self.last_pages = 0
        #: A list 4xx turns sweeps off until then.
        self.off_until: float | None = None
        self.discovered_once = False

    def remember(self, job: Job) -> None:
        """A row seen in a list (or a job watched): it costs room in every window over it."""
        if job.created_at is not None:
            self.listed.add(job.job_id, job.created_at.timestamp())

    def started(self, now: float, pages: int) -> None:
        self.last_at, self.last_pages = now, pages

    def cooled(self, now: float) -> bool:
        """False while a list 4xx keeps sweeps off."""
        return self.off_until is None or now >= self.off_until

    def next_time(self) -> float:
        """When the next sweep may start (see the module docstring for the rule)."""
        if self.last_at is None:
            return -math.inf
        return self.last_at + self.gap(self.last_pages)

    def gap(self, pages: int) -> float:
        """Seconds from the start of a sweep of `pages` pages to the start of the next."""
        policy = self.policy
        cheap = pages / policy.sweep_pages_per_second
        fresh = max(policy.sweep_revisit, pages / policy.max_sweep_pages_per_second)
        return max(policy.min_interval, min(cheap, fresh))

    def next_discovery(self, now: float | None = None) -> float:
        if self.last_at is None:
            return -math.inf if now is None else now
        return self.last_at + self.policy.discover_interval

    def finding(self, unplaced: Collection[str]) -> Sweep | None:
        """Ids never read: newest list pages find them for less than a GET each.

        One GET is as cheap as one page and surer, so a lone id is read by GET; from two
        on, the newest pages go first (the sweep stops as soon as GETs are cheaper).
        """
        if len(unplaced) < 2:
            return None
        return Sweep(
            cutoff=None,
            targets=sorted(unplaced),
            # Enough pages for every id to be on the newest ones, and one more; the sweep
            # stops sooner once the ids still missing are fewer than the pages read.
            max_pages=2 * self.policy.pages_for(len(unplaced)) + 1,
            finding=True,
        )

    def _oldest_listable(self) -> float:
        return (self._clock.now() - LIST_LOOKBACK).timestamp()

    def plan(self, now: float) -> Sweep | None:
        """The widest newest-first window whose pages pay for themselves, if any.

        Walks the sweep index newest first and stops where a window would cost more than
        `max_sweep_pages`: the cost follows the window, not the number of jobs watched. The
        window's pages grow one at a time as it reaches older jobs: `cheaper_after` is the
        creation time a job must be newer than for the window to end at `pages` pages (one
        index read per page, not a bisection per job: 5,000 jobs in a window cost ~25 ms so).
        """
        policy = self.policy
        oldest = self._oldest_listable()
        soon = now + policy.due_slack
        jobs, due_time, listed, limit = self._jobs, self._due_time, self.listed, policy.page_limit
        scanned: list[str] = []
        best: int | None = None
        best_id = ""
        due_count = stale_count = 0
        pages, cheaper_after = 1, listed.nth_newest(limit)
        for created, job_id in self.candidates.newest_first():
            if created <= oldest:
                break
            while created <= cheaper_after and pages <= policy.max_sweep_pages:
                pages += 1
                cheaper_after = listed.nth_newest(pages * limit)
            if pages > policy.max_sweep_pages:
                break
            tracked = jobs[job_id]
            scanned.append(job_id)
            if due_time(tracked) <= soon:
                due_count += 1
            if now - (tracked.last_seen or now) >= policy.first_interval:
                stale_count += 1
            # Cheaper than one GET per due job, or each page refreshes enough 5 s-old jobs.
            if due_count > pages or stale_count >= pages * policy.sweep_yield:
                best, best_id = len(scanned), job_id
        if best is None:
            return None
        cutoff = self._jobs[best_id].job
        assert cutoff is not None and cutoff.created_at is not None  # indexed by created_at
        pages = policy.pages_for(self.listed.count_since(cutoff.created_at.timestamp()))
        return Sweep(
            cutoff=cutoff.created_at,
            targets=scanned[:best],
            # Room for jobs created since we last looked.
            max_pages=min(policy.max_sweep_pages, pages + 2),
        )

    def wake(self) -> float | None:
        """When enough jobs will be 5 s old for an early sweep to pay for itself."""
        oldest = self.candidates.oldest()
        if oldest is None:
            return None
        pages = self.policy.pages_for(self.listed.count_since(oldest))
        needed = pages * self.policy.sweep_yield
        if len(self.candidates) < needed:
            return None
        stale_at = heapq.nsmallest(
            needed,
            (
                (self._jobs[job_id].last_seen or 0.0) + self.policy.first_interval
                for _, job_id in self.candidates.newest_first()
            ),
        )
        return max(stale_at[-1], self.next_time())


@dataclass(slots=True)
class ListRead:
    """One list read under way, a page at a time: a sweep (of any kind) or the first walk.

    The scheduler keeps at most one of these and at most one of its pages in flight; due
    GETs go on meanwhile, except for the jobs the read will return (`holds`).
    """

    #: None for the first walk (every page of the API's default window).
    sweep: Sweep | None
    created_after: datetime | None
    cursor: str | None = None
    #: Pages asked for (a failed walk page is asked again and not counted twice).
    pages: int = 0
    #: Rows returned so far (every kind), and the finding sweep's ids not yet returned.
    rows: int = 0
    returned: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    #: Due GETs go first once after each page (so a long read does not freeze the watch).
    yield_turn: bool = False

    @property
    def walk(self) -> bool:
        return self.sweep is None

    def held_from(self) -> float:
        """Sweep candidates created at or after this wait for the read (inf: none)."""
        sweep = self.sweep
        if sweep is None or sweep.cutoff is None:
            return math.inf
        return sweep.cutoff.timestamp()

    def holds_unplaced(self, unplaced: int) -> bool:
        """Ids never read wait for a finding sweep; for a walk, from two on (as for finding),
        and a lone one for the walk's first page, the newest jobs, which likely hold it."""
        if self.sweep is not None:
            return self.sweep.finding
        return unplaced >= 2 or self.pages == 0
