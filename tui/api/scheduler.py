"""Which job to poll when: one self-rescheduling loop that turns polls into change events.

`PollingScheduler` watches a set of jobs and keeps each one fresh at the least cost the
Descript API allows (async-job-model.txt, errors-and-rate-limits.txt):

- A job is never fetched with `GET /jobs/{id}` less than 3 s after it was last fetched or
  seen; a running job is polled about every 5 s, backing off toward 15 s while it does not
  change and as it grows old; a change brings it back to 5 s. Finished jobs
  (`Job.is_finished`, the one judge) are not polled again.
- Many jobs are refreshed by one `GET /jobs` page (100 rows, newest first, `created_after`
  the oldest job covered) when that is cheaper than one GET each: when more jobs are due
  than the sweep needs pages, or when each page would refresh at least `sweep_yield` jobs
  that are 5 s old; sweeps keep to an average page rate. A job the list does not return
  falls back to its own GET. With `discover=True`, jobs created elsewhere are added.
- Due jobs are served earliest-due first under a planned budget of status requests per
  second (below the client's own limiter), so nobody starves.
- Errors never end the loop: transport and 5xx failures go offline with 2, 4, 8 .. 30 s
  backoff; a 401 pauses until `resume()`; a 429 waits its Retry-After; a 404 says "gone".

`run()` yields batches of `JobEvent` / `ConnectionEvent`. It sleeps on the injected clock
until the next job is due (or `watch()` / `poke()` / `resume()` wakes it): no fixed timers.
"""

from __future__ import annotations

import asyncio
import bisect
import math
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, Protocol

from tui.api.clock import Clock, SystemClock
from tui.api.errors import (
    DescriptError,
    MissingTokenError,
    NotFoundError,
    RateLimitedError,
    RetryAfterTooLong,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
)
from tui.api.models import Job, JobPage

JobEventKind = Literal["added", "changed", "finished", "gone", "error"]
ConnectionState = Literal["online", "offline", "unauthorized", "rate_limited"]

# The API's list window reaches back 30 days; stay a minute inside it.
LIST_LOOKBACK = timedelta(days=30) - timedelta(minutes=1)
# `created_after` is exclusive on some servers: start the window just before the oldest job.
_CUTOFF_SLACK = timedelta(milliseconds=1)


class JobSource(Protocol):
    """What the scheduler needs from `DescriptClient`."""

    async def get_job(self, job_id: str) -> Job: ...

    async def list_jobs_page(
        self,
        *,
        job_type: str | None = None,
        project_id: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> JobPage: ...


@dataclass(frozen=True, slots=True)
class JobEvent:
    """A watched job appeared, changed, finished, expired (404) or could not be read.

    `job` is the latest known state (None only when a job watched by id was never read);
    `previous` the state before this event. "finished" fires once per job, also when the
    first read already shows it finished (right after its "added"). `error` is set for
    "gone" (the 404) and "error" (a 4xx other than 401/404/429, or an unreadable answer).
    """

    kind: JobEventKind
    job_id: str
    job: Job | None
    previous: Job | None = None
    error: DescriptError | None = None


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """How the scheduler's link to the API stands, for the UI's status line.

    "offline": transport or 5xx failure, retrying at `retry_at`; "rate_limited": a 429
    (or a closed Retry-After gate) holds every request until `retry_at`; "unauthorized":
    401, polling stopped until `resume()`; "online": the first success after any of those.
    """

    state: ConnectionState
    detail: str = ""
    retry_at: datetime | None = None
    error: DescriptError | None = None


SchedulerEvent = JobEvent | ConnectionEvent


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
    #: Never page further than this in one sweep.
    max_sweep_pages: int = 30
    #: Pages per second sweeps may spend on average: after P pages the next sweep waits
    #: P / this (jobs it will cover wait for it rather than each taking its own GET).
    sweep_pages_per_second: float = 2.5
    #: Planned status requests (GETs and list pages) per second; the server allows 20.
    max_requests_per_second: int = 8
    #: GETs sent at once.
    max_concurrency: int = 4
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

    def interval(self, unchanged_polls: int, age: float | None) -> float:
        """Seconds until the next poll of a running job."""
        by_change = self.first_interval * self.growth ** min(unchanged_polls, 32)
        by_age = self.first_interval
        if age is not None and self.long_runner_age > 0:
            share = min(1.0, max(0.0, age) / self.long_runner_age)
            by_age = self.first_interval + (self.max_interval - self.first_interval) * share
        return max(self.min_interval, min(self.max_interval, max(by_change, by_age)))


DEFAULT_POLICY = PollPolicy()


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
class _Tracked:
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
    #: The last "error" reported for it, so a repeat is not reported again.
    failure: str | None = None


@dataclass(slots=True)
class _Sweep:
    cutoff: datetime | None
    targets: list[str] = field(default_factory=list)
    max_pages: int = 1
    discovery: bool = False


class PollingScheduler:
    """Keeps watched jobs fresh; `async for batch in scheduler.run()` gets the changes."""

    def __init__(
        self,
        client: JobSource,
        *,
        clock: Clock | None = None,
        policy: PollPolicy = DEFAULT_POLICY,
        discover: bool = False,
        sweeps: bool = True,
    ) -> None:
        self._client = client
        self._clock: Clock = clock or getattr(client, "clock", None) or SystemClock()
        self.policy = policy
        self.discover = discover
        self.sweeps = sweeps
        self.stats = SchedulerStats()
        self._jobs: dict[str, _Tracked] = {}
        # Ids the user unwatched: discovery must not bring them back.
        self._ignored: set[str] = set()
        # created_at of every job seen in a list (or watched): how many rows a sweep costs.
        self._listed: dict[str, float] = {}
        self._listed_sorted: list[float] | None = None
        self._pending: list[SchedulerEvent] = []
        self._sent: deque[float] = deque()
        self._wake = asyncio.Event()
        self._stopping = False
        self._generation = 0
        self._state: ConnectionState | None = None
        self._paused_until: float | None = None
        self._offline_failures = 0
        self._last_sweep: float | None = None
        self._last_sweep_pages = 0
        self._sweeps_off_until: float | None = None
        self._discovered_once = False

    # -- what the app and CLI call ----------------------------------------------------------

    @property
    def watched(self) -> frozenset[str]:
        """Ids still being polled (not finished, gone or failed)."""
        return frozenset(job_id for job_id, t in self._jobs.items() if t.active)

    @property
    def connection_state(self) -> ConnectionState | None:
        """None until the first answer."""
        return self._state

    def job(self, job_id: str) -> Job | None:
        """The latest known state of a job this scheduler has seen."""
        tracked = self._jobs.get(job_id)
        return tracked.job if tracked else None

    def next_poll_in(self, job_id: str) -> float | None:
        """Seconds until the job is due (0 if overdue), or None if it is not polled."""
        tracked = self._jobs.get(job_id)
        if tracked is None or not tracked.active:
            return None
        return max(0.0, self._due_time(tracked) - self._clock.monotonic())

    def watch(self, job: Job | str) -> None:
        """Start polling a job; a `Job` seeds its state (and emits "added" at once)."""
        job_id = job if isinstance(job, str) else job.job_id
        self._ignored.discard(job_id)
        tracked = self._jobs.get(job_id)
        if tracked is not None and (tracked.active or (tracked.job and tracked.job.is_finished)):
            return  # already polled, or finished for good: nothing to learn
        now = self._clock.monotonic()
        if tracked is None:
            tracked = self._jobs[job_id] = _Tracked(job_id)
        tracked.active = True
        tracked.sweepable = True
        tracked.next_due = now
        if isinstance(job, Job):
            self._observe(job, now)
        self._wake.set()

    def watch_many(self, jobs: Iterable[Job | str]) -> None:
        for job in jobs:
            self.watch(job)

    def unwatch(self, job_id: str) -> None:
        """Stop polling a job and forget it (discovery will not bring it back)."""
        self._jobs.pop(job_id, None)
        self._ignored.add(job_id)

    def poke(self, job_id: str | None = None) -> None:
        """Make one job (or every job) due now; the 3 s floor still holds."""
        now = self._clock.monotonic()
        targets = [self._jobs[job_id]] if job_id in self._jobs else []
        if job_id is None:
            targets = list(self._jobs.values())
        for tracked in targets:
            tracked.next_due = min(tracked.next_due, now)
        self._wake.set()

    def resume(self) -> None:
        """Retry now: after a 401 (new token) or to cut an offline backoff short."""
        self._paused_until = None
        if self._state == "unauthorized":
            self._state = None
        self._wake.set()

    def stop(self) -> None:
        """End `run()` after the request in flight, if any."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> AsyncIterator[list[SchedulerEvent]]:
        """Poll until `stop()`, yielding each non-empty batch of events.

        Calling `run()` again (a restarted worker) takes over: the older loop ends at its
        next step, so two loops never poll side by side for long.
        """
        self._generation += 1
        generation = self._generation
        self._wake.set()  # an older loop asleep wakes, sees it was replaced, and ends
        while not self._stopping and generation == self._generation:
            if self._pending:
                batch, self._pending = self._pending, []
                yield batch
                continue
            self._wake.clear()
            now = self._clock.monotonic()
            if self._state == "unauthorized":
                await self._wait(None)
                continue
            if self._paused_until is not None and now < self._paused_until:
                await self._wait(self._paused_until - now)
                continue
            if await self._gate_closed(now):
                continue
            action, wake_at = self._plan(now)
            if action is None:
                await self._wait(None if wake_at is None else wake_at - now)
            elif isinstance(action, _Sweep):
                await self._sweep(action)
            else:
                await self._get_jobs(action)
        if self._pending and generation == self._generation:
            batch, self._pending = self._pending, []
            yield batch

    # -- planning ------------------------------------------------------------------------------

    def _due_time(self, tracked: _Tracked) -> float:
        floor = (
            -math.inf if tracked.last_get is None else tracked.last_get + self.policy.min_interval
        )
        return max(tracked.next_due, floor)

    def _plan(self, now: float) -> tuple[_Sweep | list[_Tracked] | None, float | None]:
        """The next thing to send, or None and when to look again."""
        policy = self.policy
        active = [t for t in self._jobs.values() if t.active]
        due = [t for t in active if self._due_time(t) <= now]
        budget = self._budget_left(now)
        sweep_ok = self._sweeps_on(now) and now >= self._next_sweep_time()
        held: set[str] = set()
        if budget > 0 and self._sweeps_on(now):
            sweep = self._plan_sweep(now, active)
            if sweep is not None and sweep_ok:
                return sweep, None
            if sweep is not None:
                # The sweep waits for its pace; the jobs it will cover wait for it.
                held = set(sweep.targets)
        if (
            budget > 0
            and self.discover
            and sweep_ok
            and (self._last_sweep is None or now >= self._last_sweep + policy.discover_interval)
        ):
            pages = 1 if self._discovered_once else policy.discover_max_pages
            return _Sweep(cutoff=None, max_pages=pages, discovery=True), None
        due = [t for t in due if t.job_id not in held]
        if due and budget > 0:
            due.sort(key=self._due_time)
            size = 1 if self._state not in (None, "online") else policy.max_concurrency
            return due[: min(size, budget)], None
        wakes = [self._due_time(t) for t in active if t.job_id not in held]
        if held:
            wakes.append(self._next_sweep_time())
        if budget <= 0:
            wakes.append(self._budget_free_at())
        if self._sweeps_on(now):
            wakes.append(self._sweep_wake(active))
        if self.discover:
            last = self._last_sweep if self._last_sweep is not None else now
            wakes.append(max(last + policy.discover_interval, self._next_sweep_time()))
        future = [w for w in wakes if w is not None and w > now]
        return None, (min(future) if future else None)

    def _sweeps_on(self, now: float) -> bool:
        return self.sweeps and (self._sweeps_off_until is None or now >= self._sweeps_off_until)

    def _next_sweep_time(self) -> float:
        """Sweeps start 3 s apart at least, and keep to `sweep_pages_per_second`."""
        if self._last_sweep is None:
            return -math.inf
        pace = self._last_sweep_pages / self.policy.sweep_pages_per_second
        return self._last_sweep + max(self.policy.min_interval, pace)

    def _sweep_candidates(self, active: list[_Tracked]) -> list[_Tracked]:
        """Jobs a list page can refresh: known created_at inside the list's window."""
        oldest = self._clock.now() - LIST_LOOKBACK
        return [
            t
            for t in active
            if t.sweepable
            and t.job is not None
            and t.job.created_at is not None
            and t.job.created_at > oldest
            and t.last_seen is not None
        ]

    def _rows_since(self, created_at: datetime) -> int:
        """How many list rows (known to us) were created at or after `created_at`."""
        if self._listed_sorted is None:
            self._listed_sorted = sorted(self._listed.values())
        stamp = created_at.timestamp()
        return len(self._listed_sorted) - bisect.bisect_left(self._listed_sorted, stamp)

    def _pages_for(self, rows: int) -> int:
        return max(1, math.ceil(rows / self.policy.page_limit))

    def _plan_sweep(self, now: float, active: list[_Tracked]) -> _Sweep | None:
        """The widest newest-first window whose pages pay for themselves, if any."""
        policy = self.policy
        candidates = self._sweep_candidates(active)
        if not candidates:
            return None
        candidates.sort(key=_created_at, reverse=True)
        soon = now + policy.due_slack
        due_ids = {t.job_id for t in active if self._due_time(t) <= soon}
        best: int | None = None
        due_count = stale_count = 0
        for index, tracked in enumerate(candidates):
            if tracked.job_id in due_ids:
                due_count += 1
            if now - _last_seen(tracked) >= policy.first_interval:
                stale_count += 1
            pages = self._pages_for(self._rows_since(_created_at(tracked)))
            if pages > policy.max_sweep_pages:
                break
            # Cheaper than one GET per due job, or each page refreshes enough 5 s-old jobs.
            if due_count > pages or stale_count >= pages * policy.sweep_yield:
                best = index
        if best is None:
            return None
        cutoff = _created_at(candidates[best])
        pages = self._pages_for(self._rows_since(cutoff))
        return _Sweep(
            cutoff=cutoff,
            targets=[t.job_id for t in candidates[: best + 1]],
            # Room for jobs created since we last looked.
            max_pages=min(policy.max_sweep_pages, pages + 2),
        )

    def _sweep_wake(self, active: list[_Tracked]) -> float | None:
        """When enough jobs will be 5 s old for an early sweep to pay for itself."""
        candidates = self._sweep_candidates(active)
        if not candidates:
            return None
        pages = self._pages_for(self._rows_since(min(map(_created_at, candidates))))
        needed = pages * self.policy.sweep_yield
        if len(candidates) < needed:
            return None
        stale_at = sorted(_last_seen(t) + self.policy.first_interval for t in candidates)
        return max(stale_at[needed - 1], self._next_sweep_time())

    # -- the request budget --------------------------------------------------------------------

    def _budget_left(self, now: float) -> int:
        while self._sent and self._sent[0] <= now - 1.0:
            self._sent.popleft()
        return max(0, self.policy.max_requests_per_second - len(self._sent))

    def _budget_free_at(self) -> float:
        return self._sent[0] + 1.0 if self._sent else self._clock.monotonic()

    async def _spend(self) -> None:
        """Take one request from the per-second budget, waiting for it if need be."""
        while self._budget_left(self._clock.monotonic()) <= 0:
            await self._clock.sleep(self._budget_free_at() - self._clock.monotonic())
        self._sent.append(self._clock.monotonic())

    # -- sending -------------------------------------------------------------------------------

    async def _get_jobs(self, batch: list[_Tracked]) -> None:
        now = self._clock.monotonic()
        for tracked in batch:
            self._sent.append(now)
            tracked.last_get = now
        self.stats.job_gets += len(batch)
        results = await asyncio.gather(
            *(self._client.get_job(t.job_id) for t in batch), return_exceptions=True
        )
        seen = self._clock.monotonic()
        connection_failed = False
        for tracked, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancellation: let it end the loop
            if self._jobs.get(tracked.job_id) is not tracked:
                continue  # unwatched while in flight
            if isinstance(result, Job):
                self._online()
                self._observe(result, seen, tracked=tracked)
            elif _is_connection_error(result):
                # One failed connection, however many GETs shared it: back off once.
                if not connection_failed:
                    self._connection_failed(result)
                    connection_failed = True
            else:
                self._job_failed(tracked, result, seen)

    async def _sweep(self, sweep: _Sweep) -> None:
        policy = self.policy
        self._last_sweep = self._clock.monotonic()
        self.stats.sweeps += 1
        created_after = None
        if sweep.cutoff is not None:
            created_after = max(sweep.cutoff - _CUTOFF_SLACK, self._clock.now() - LIST_LOOKBACK)
        returned: set[str] = set()
        cursor: str | None = None
        complete = False
        self._last_sweep_pages = 0
        for _ in range(sweep.max_pages):
            await self._spend()
            self.stats.list_pages += 1
            self._last_sweep_pages += 1
            try:
                page = await self._client.list_jobs_page(
                    created_after=created_after, limit=policy.page_limit, cursor=cursor
                )
            except Exception as error:  # every failure is classified: the loop goes on
                self._list_failed(error)
                return
            self._online()
            seen = self._clock.monotonic()
            new_rows = 0
            for job in page.jobs:
                returned.add(job.job_id)
                if job.job_id not in self._listed and job.job_id not in self._jobs:
                    new_rows += 1
                self._remember_row(job)
                self._observe(job, seen, listed=True)
            cursor = page.next_cursor
            if cursor is None:
                complete = True
                break
            if sweep.discovery and new_rows < len(page.jobs):
                break  # this page reached jobs we already know
        if sweep.discovery:
            self._discovered_once = True
        if complete:
            # The whole window came back: a target it missed needs its own GET from now on.
            for job_id in sweep.targets:
                tracked = self._jobs.get(job_id)
                if tracked is not None and job_id not in returned:
                    tracked.sweepable = False

    def _remember_row(self, job: Job) -> None:
        if job.created_at is not None and job.job_id not in self._listed:
            self._listed[job.job_id] = job.created_at.timestamp()
            self._listed_sorted = None

    # -- answers -------------------------------------------------------------------------------

    def _observe(
        self, job: Job, seen: float, *, tracked: _Tracked | None = None, listed: bool = False
    ) -> None:
        """Fold one fresh view of a job into its state; emit what changed."""
        tracked = tracked or self._jobs.get(job.job_id)
        if tracked is None:
            if not (listed and self.discover) or job.job_id in self._ignored:
                return
            tracked = self._jobs[job.job_id] = _Tracked(job.job_id)
        if not tracked.active and tracked.announced:
            return  # finished or failed for good: a list row adds nothing
        previous = tracked.job
        tracked.job = job
        tracked.last_seen = seen
        tracked.failure = None
        self._remember_row(job)
        if not tracked.announced:
            tracked.announced = True
            self._pending.append(JobEvent("added", job.job_id, job, previous))
            if job.is_finished:
                self._pending.append(JobEvent("finished", job.job_id, job, previous))
        elif job != previous:
            tracked.unchanged = 0
            was_finished = previous is not None and previous.is_finished
            kind: JobEventKind = "finished" if job.is_finished and not was_finished else "changed"
            self._pending.append(JobEvent(kind, job.job_id, job, previous))
        else:
            tracked.unchanged += 1
        if job.is_finished:
            tracked.active = False
            return
        tracked.next_due = seen + self.policy.interval(tracked.unchanged, self._age(job))

    def _age(self, job: Job) -> float | None:
        if job.created_at is None:
            return None
        return (self._clock.now() - job.created_at).total_seconds()

    def _job_failed(self, tracked: _Tracked, error: Exception, now: float) -> None:
        if isinstance(error, NotFoundError):
            tracked.active = False
            self._jobs.pop(tracked.job_id, None)
            self._pending.append(
                JobEvent("gone", tracked.job_id, tracked.job, tracked.job, error=error)
            )
            self._online()
            return
        self.stats.failures += 1
        wrapped = error if isinstance(error, DescriptError) else _unexpected(error)
        if isinstance(error, DescriptError) and not isinstance(error, UnexpectedResponseError):
            # A 4xx (or a refused id) will say the same again: never retried.
            tracked.active = False
            tracked.announced = True
            self._online()
        else:
            # An unreadable answer: try again later, slowly.
            tracked.next_due = now + self.policy.max_interval
            if tracked.failure == str(wrapped):
                return  # said once; a success clears it
        tracked.failure = str(wrapped)
        self._pending.append(JobEvent("error", tracked.job_id, tracked.job, tracked.job, wrapped))

    def _list_failed(self, error: Exception) -> None:
        if _is_connection_error(error):
            self._connection_failed(error)
            return
        self.stats.failures += 1
        # A 4xx (or unreadable page) from the list: fall back to GETs for a while.
        self._sweeps_off_until = self._clock.monotonic() + self.policy.sweep_cooldown

    def _connection_failed(self, error: Exception) -> None:
        """Handle a failure that concerns every request (see `_is_connection_error`)."""
        policy = self.policy
        now = self._clock.monotonic()
        self.stats.failures += 1
        if isinstance(error, UnauthorizedError | MissingTokenError):
            self._set_state("unauthorized", error, None)
        elif isinstance(error, RateLimitedError | RetryAfterTooLong):
            wait = error.retry_after.seconds or policy.rate_limited_delay
            self._pause("rate_limited", error, now + max(wait, policy.min_interval))
        else:
            self._offline_failures += 1
            delay = min(
                policy.offline_max_delay,
                policy.offline_first_delay * 2 ** (self._offline_failures - 1),
            )
            self._pause("offline", error, now + delay)

    def _pause(self, state: ConnectionState, error: DescriptError, until: float) -> None:
        self._paused_until = max(until, self._paused_until or until)
        self._set_state(state, error, self._paused_until)

    def _set_state(
        self, state: ConnectionState, error: DescriptError | None, until: float | None
    ) -> None:
        retry_at = None
        if until is not None:
            retry_at = self._clock.now() + timedelta(seconds=until - self._clock.monotonic())
        # A repeated offline / rate-limited event carries a new retry time; the others don't.
        if state != self._state or state in ("offline", "rate_limited"):
            self._pending.append(
                ConnectionEvent(state, str(error) if error else "", retry_at, error)
            )
        self._state = state

    def _online(self) -> None:
        self._offline_failures = 0
        if self._state != "online":
            self._set_state("online", None, None)

    async def _gate_closed(self, now: float) -> bool:
        """Wait out the client's shared Retry-After gate, telling the UI; True if we waited."""
        limits = getattr(self._client, "limits", None)
        snapshot = getattr(limits, "snapshot", None)
        if snapshot is None:
            return False
        until = getattr(snapshot(), "gate_closed_until", None)
        if not isinstance(until, datetime):
            return False
        wait = (until - self._clock.now()).total_seconds()
        if wait <= 0:
            return False
        if wait > 1.0:  # a short hold (X-RateLimit-Remaining: 0) is not worth a banner
            self._pause_state_only("rate_limited", until)
        await self._wait(wait)
        return True

    def _pause_state_only(self, state: ConnectionState, retry_at: datetime) -> None:
        if self._state != state:
            self._pending.append(ConnectionEvent(state, "waiting for Retry-After", retry_at))
            self._state = state

    async def _wait(self, delay: float | None) -> None:
        """Sleep on the clock for `delay` (None: until woken) or until watch/poke/stop."""
        if self._wake.is_set() or self._pending:
            return
        waiter = asyncio.ensure_future(self._wake.wait())
        tasks: set[asyncio.Future[object]] = {waiter}
        if delay is not None:
            tasks.add(asyncio.ensure_future(self._clock.sleep(max(0.0, delay))))
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()


def _created_at(tracked: _Tracked) -> datetime:
    """For sweep candidates, which all have a job with a created_at."""
    assert tracked.job is not None and tracked.job.created_at is not None
    return tracked.job.created_at


def _last_seen(tracked: _Tracked) -> float:
    assert tracked.last_seen is not None
    return tracked.last_seen


def _is_connection_error(error: BaseException) -> bool:
    """A failure that says nothing about one job: the API is unreachable, refusing or busy."""
    return isinstance(
        error,
        UnauthorizedError
        | MissingTokenError
        | RateLimitedError
        | RetryAfterTooLong
        | TransportError
        | ServerError,
    )


class _UnexpectedFailure(DescriptError):
    """A failure no other class describes, kept so the loop can report it and go on."""


def _unexpected(error: Exception) -> DescriptError:
    wrapped = _UnexpectedFailure(f"{type(error).__name__}: {error}")
    wrapped.__cause__ = error
    return wrapped
