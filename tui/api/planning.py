"""The scheduler's knobs and the two indexes it plans from, so no request sorts every job.

- `PollPolicy`: intervals, budgets and sweep rules (docs/scheduler.md says why each is so).
- `DueQueue`: watched jobs by due time, a heap with lazy deletion: the next GET is the top.
- `CreatedIndex`: a sorted list of creation times: which jobs a newest-first list window
  covers, and how many rows (pages) it costs, by bisection.

Ties break the same way everywhere in the project: `created_at`, then `job_id`.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tui.api.models import RETENTION, Job

# The API's list window reaches back `RETENTION`; stay a minute inside it.
LIST_LOOKBACK = RETENTION - timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """The knobs. Defaults follow the docs: never under 3 s, about 5 s growing to 15 s."""

    #: "Don't poll faster than every 3 seconds" (async-job-model.txt): per job and per sweep.
    min_interval: float = 3.0
    #: Interval of a running job that just changed.
    first_interval: float = 5.0
    #: Ceiling for a long runner that is not changing.
    max_interval: float = 15.0
    #: Each unchanged poll multiplies the interval by this.
    growth: float = 1.5
    #: A job this old (seconds since created) is polled no faster than `max_interval`.
    long_runner_age: float = 600.0
    #: `GET /jobs` page size (the API's maximum is 100).
    page_limit: int = 100
    #: Sweep early when every page would refresh at least this many 5 s-old jobs.
    sweep_yield: int = 10
    #: Never page further than this in one sweep (10,000 rows: a 5,000-job fleet fits).
    max_sweep_pages: int = 100
    #: Pages per second sweeps spend on average while that keeps a revisit within
    #: `sweep_revisit`: after P pages the next sweep waits P / this (jobs it will cover wait
    #: for it rather than each taking its own GET).
    sweep_pages_per_second: float = 2.5
    #: A big fleet's sweeps come back at least this often (p95 of a stop seen ~0.95 x it)...
    sweep_revisit: float = 6.0
    #: ...spending no more than this many pages per second on average to do so.
    max_sweep_pages_per_second: float = 8.0
    #: Planned status requests (GETs and list pages) per second; the server allows 20.
    max_requests_per_second: int = 8
    #: GETs sent at once.
    max_concurrency: int = 4
    #: While a list read is under way (a sweep, the first walk), GETs take at most this many
    #: of the requests in any 1 s window; its pages get the rest (a 50,000-job walk is ~6
    #: pages/s, not 3.6, while thousands of walked jobs are due).
    read_gets_per_second: int = 2
    #: Offline backoff: first delay, doubling, capped.
    offline_first_delay: float = 2.0
    offline_max_delay: float = 30.0
    #: A 429 without a usable Retry-After waits this long.
    rate_limited_delay: float = 5.0
    #: With `discover=True`, look for new jobs at least this often.
    discover_interval: float = 10.0
    #: Pages a discovery sweep may follow while every row on them is new.
    discover_max_pages: int = 3
    #: A job due within this many seconds counts as due when weighing a sweep (they clump).
    due_slack: float = 1.0
    #: After a list failure that retrying will not fix (4xx), fall back to GETs for this long.
    sweep_cooldown: float = 300.0
    #: The UI calls the link stale after this many poll intervals without an answer...
    stale_intervals: float = 3.0
    #: ...but never sooner than this many seconds.
    stale_floor: float = 30.0

    def interval(
        self, unchanged_polls: int, age: float | None, floor: float | None = None
    ) -> float:
        """Seconds until the next poll of a running job (at least `floor`: a callback awaited)."""
        by_change = self.first_interval * self.growth ** min(unchanged_polls, 32)
        by_age = self.first_interval
        if age is not None and self.long_runner_age > 0:
            share = min(1.0, max(0.0, age) / self.long_runner_age)
            by_age = self.first_interval + (self.max_interval - self.first_interval) * share
        interval = max(self.min_interval, min(self.max_interval, max(by_change, by_age)))
        return interval if floor is None else max(interval, floor)

    def pages_for(self, rows: int) -> int:
        """List pages a window of `rows` rows costs (at least one: an empty window answers)."""
        return max(1, math.ceil(rows / self.page_limit))


DEFAULT_POLICY = PollPolicy()


class DueQueue:
    """Job ids by due time (monotonic s), earliest first; ties by (created_at, job_id).

    A heap with lazy deletion: `set` pushes a new entry and the old one is skipped when it
    reaches the top, so a reschedule costs O(log n) and the next due job is O(1) to see.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, float, str]] = []
        self._due: dict[str, tuple[float, float]] = {}

    def __len__(self) -> int:
        return len(self._due)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._due

    def set(self, job_id: str, due: float, created: float = math.inf) -> None:
        key = (due, created)
        if self._due.get(job_id) == key:
            return
        self._due[job_id] = key
        heapq.heappush(self._heap, (due, created, job_id))
        if len(self._heap) > 4 * len(self._due) + 64:
            self._compact()

    def discard(self, job_id: str) -> None:
        self._due.pop(job_id, None)

    def due_of(self, job_id: str) -> float | None:
        key = self._due.get(job_id)
        return None if key is None else key[0]

    def in_order(self) -> Iterator[tuple[float, str]]:
        """(due, job_id) earliest first, lazily: stop early and the rest is never sorted."""
        self._drop_stale_top()
        heap = self._heap
        # Walk the heap as a tree, smallest first, without popping it.
        frontier: list[tuple[float, float, str, int]] = []
        if heap:
            frontier.append((*heap[0], 0))
        # A job set, discarded and set again to the same time has two live-looking entries.
        yielded: set[str] = set()
        while frontier:
            due, created, job_id, index = heapq.heappop(frontier)
            if self._due.get(job_id) == (due, created) and job_id not in yielded:
                yielded.add(job_id)
                yield due, job_id
            for child in (2 * index + 1, 2 * index + 2):
                if child < len(heap):
                    heapq.heappush(frontier, (*heap[child], child))

    def earliest(self) -> float | None:
        self._drop_stale_top()
        return self._heap[0][0] if self._heap else None

    def _drop_stale_top(self) -> None:
        heap = self._heap
        while heap and self._due.get(heap[0][2]) != heap[0][:2]:
            heapq.heappop(heap)

    def _compact(self) -> None:
        self._heap = [(due, created, job_id) for job_id, (due, created) in self._due.items()]
        heapq.heapify(self._heap)


class RequestBudget:
    """At most `per_second` requests in any 1 s window (the scheduler's own share)."""

    def __init__(self, per_second: int) -> None:
        self._per_second = per_second
        self._sent: deque[float] = deque()

    def left(self, now: float) -> int:
        while self._sent and self._sent[0] <= now - 1.0:
            self._sent.popleft()
        return max(0, self._per_second - len(self._sent))

    def free_at(self, now: float) -> float:
        """When the next request may go (now, if one may go now)."""
        return self._sent[0] + 1.0 if self._sent else now

    def spent(self, now: float) -> None:
        self._sent.append(now)


class CreatedIndex:
    """(created_at timestamp, job_id) kept sorted: a newest-first list window by bisection."""

    def __init__(self) -> None:
        self._keys: list[tuple[float, str]] = []
        self._members: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._members

    def add(self, job_id: str, created: float) -> None:
        if job_id in self._members:
            return
        self._members[job_id] = created
        bisect.insort(self._keys, (created, job_id))

    def discard(self, job_id: str) -> None:
        created = self._members.pop(job_id, None)
        if created is None:
            return
        index = bisect.bisect_left(self._keys, (created, job_id))
        if index < len(self._keys) and self._keys[index] == (created, job_id):
            del self._keys[index]

    def count_since(self, created: float) -> int:
        """How many entries were created at or after `created`."""
        return len(self._keys) - bisect.bisect_left(self._keys, (created, ""))

    def newest_first(self) -> Iterator[tuple[float, str]]:
        return reversed(self._keys)

    def nth_newest(self, n: int) -> float:
        """The creation time of the entry with `n` newer ones (-inf: fewer entries)."""
        return self._keys[-1 - n][0] if n < len(self._keys) else -math.inf

    def oldest(self) -> float | None:
        return self._keys[0][0] if self._keys else None


@dataclass(slots=True)
class SchedulerStats:
    """Running totals, for the benchmark and the activity screen."""

    job_gets: int = 0
    list_pages: int = 0
    sweeps: int = 0
    failures: int = 0

    @property
    def requests(self) -> int:
        return self.job_gets + self.list_pages


@dataclass(slots=True)
class Tracked:
    job_id: str
    job: Job | None = None
    #: Monotonic time of the last observation (GET answer or list row).
    last_seen: float | None = None
    #: Monotonic time the last GET of this job was sent.
    last_get: float | None = None
    next_due: float = 0.0
    unchanged: int = 0
    #: False once a sweep that should have returned it did not: GET only.
    sweepable: bool = True
    #: Polled; False once finished, gone or failed for good.
    active: bool = True
    #: "added" already emitted.
    announced: bool = False
    #: Awaiting a callback (its poll floor was set): only safety polls, no sweeps.
    floored: bool = False
    #: The last "error" reported for it, so a repeat is not reported again.
    failure: str | None = None

    @property
    def listable(self) -> bool:
        """A list sweep may refresh it: read once, dated, sweepable and no callback awaited."""
        return (
            self.sweepable
            and not self.floored
            and self.last_seen is not None
            and self.created != math.inf
        )

    @property
    def created(self) -> float:
        """created_at as a timestamp (inf while unknown), the heap's and index's tie-break."""
        job = self.job
        return job.created_at.timestamp() if job and job.created_at else math.inf


@dataclass(slots=True)
class Sweep:
    cutoff: datetime | None
    targets: list[str] = field(default_factory=list)
    max_pages: int = 1
    discovery: bool = False
    #: Looking for ids watched before they were ever read (the whole list window).
    finding: bool = False
