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
  that are 5 s old; sweeps revisit a big fleet every ~6 s within an average page rate
  (tui/api/sweeping.py), one page in flight while due GETs go on. Ids watched before they
  were ever read are found the same way (a "finding" sweep of the newest pages); a job a complete
  sweep did not return falls back to its own GET. With `discover=True`, jobs created
  elsewhere are added; with `walk_on_start=True`, the whole list is read once at start.
- Due jobs are served earliest-due first (a heap: `planning.DueQueue`) under a planned
  budget of status requests per second (below the client's own limiter), so nobody starves.
- Errors never end the loop: transport and 5xx failures go offline with 2, 4, 8 .. 30 s
  backoff; a 401 pauses until `resume()`; a 429 waits its Retry-After; a 404 says "gone".

`run()` yields batches of `JobEvent` / `ConnectionEvent` / `WalkEvent` (tui/api/link.py). It
sleeps on the injected clock until the next job is due (or `watch()` / `poke()` /
`resume()` wakes it): no fixed timers. The scheduler is the one owner of the link state.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, timedelta
from typing import Literal

from tui.api.clock import Clock, SystemClock
from tui.api.errors import (
    ApiError,
    DescriptError,
    MissingTokenError,
    NotFoundError,
    RateLimitedError,
    RetryAfterTooLong,
    UnauthorizedError,
    UnexpectedResponseError,
)
from tui.api.link import (
    ConnectionEvent,
    JobEvent,
    JobEventKind,
    JobSource,
    LinkState,
    SchedulerEvent,
    WalkEvent,
    is_connection_error,
    unexpected,
)
from tui.api.models import Job, JobPage
from tui.api.planning import (
    DEFAULT_POLICY,
    LIST_LOOKBACK,
    DueQueue,
    PollPolicy,
    RequestBudget,
    SchedulerStats,
    Sweep,
    Tracked,
)
from tui.api.sweeping import ListRead, SweepPlanner

__all__ = [
    "DEFAULT_POLICY",
    "ConnectionEvent",
    "JobEvent",
    "JobEventKind",
    "JobSource",
    "LinkState",
    "PollPolicy",
    "PollingScheduler",
    "SchedulerEvent",
    "SchedulerStats",
    "WalkEvent",
]

# `created_after` is exclusive on some servers: start the window just before the oldest job.
_CUTOFF_SLACK = timedelta(milliseconds=1)
# Start the first list walk; send the next page of the list read under way.
_WALK: Literal["walk"] = "walk"
_PAGE: Literal["page"] = "page"


_Action = Sweep | list[Tracked] | Literal["walk", "page"]


def _retrieve(page: asyncio.Future[JobPage]) -> None:
    """A page whose loop ended unread: its error must not be logged as never retrieved."""
    if not page.cancelled():
        page.exception()


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
        walk_on_start: bool = False,
        poll_floor: Callable[[str], float | None] | None = None,
    ) -> None:
        self._client = client
        self._clock: Clock = clock or getattr(client, "clock", None) or SystemClock()
        self.policy = policy
        self.discover = discover
        self.sweeps = sweeps
        self._poll_floor = poll_floor or (lambda _job_id: None)  # callbacks: safety polls only
        self.stats = SchedulerStats()
        self._jobs: dict[str, Tracked] = {}
        # Active jobs by due time (planning.py); the sweepable ones by creation (sweeping.py).
        self._due = DueQueue()
        self._sweeper = SweepPlanner(policy, self._clock, self._jobs, self._due_time)
        self._candidates = self._sweeper.candidates
        # Ids watched but never read: a finding sweep looks for them before any GET.
        self._unplaced: set[str] = set()
        # Ids the user unwatched: discovery must not bring them back.
        self._ignored: set[str] = set()
        self._pending: list[SchedulerEvent] = []
        self._budget = RequestBudget(policy.max_requests_per_second)
        # The GETs' share while a list read is under way (every GET is counted here).
        self._read_gets = RequestBudget(policy.read_gets_per_second)
        self._wake = asyncio.Event()
        self._stopping = False
        self._generation = 0
        self._state = LinkState.CONNECTING
        self._state_error: DescriptError | None = None
        self._retry_at: datetime | None = None
        self._last_heard: datetime | None = None
        self._heartbeat_due = False
        self._poll_gap = policy.max_interval
        self._paused_until: float | None = None
        self._offline_failures = 0
        self._walk_pending = walk_on_start
        # The list read under way (a sweep or the walk) and its one page in flight, if any:
        # due GETs go on while it is out (tui/api/sweeping.py).
        self._read: ListRead | None = None
        self._page: asyncio.Future[JobPage] | None = None

    # -- what the app and CLI call ----------------------------------------------------------

    @property
    def watched(self) -> frozenset[str]:
        """Ids still being polled (not finished, gone or failed)."""
        return frozenset(job_id for job_id, t in self._jobs.items() if t.active)

    @property
    def connection_state(self) -> LinkState:
        """CONNECTING until the first answer."""
        return self._state

    @property
    def last_heard_at(self) -> datetime | None:
        """When the server last answered anything (even an error); None before that."""
        return self._last_heard

    def stale_after(self) -> float:
        """Seconds without an answer after which the UI calls the link stale.

        max(3 x the current poll interval, 30 s): the interval is the wait the loop last
        planned before its next request (15 s while it had nothing planned).
        """
        policy = self.policy
        return max(policy.stale_intervals * self._poll_gap, policy.stale_floor)

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
            tracked = self._jobs[job_id] = Tracked(job_id)
        tracked.active = True
        tracked.sweepable = True
        tracked.next_due = now
        if isinstance(job, Job):
            self._observe(job, now)
        elif tracked.job is None:
            self._unplaced.add(job_id)
        self._index(tracked)
        self._wake.set()

    def watch_many(self, jobs: Iterable[Job | str]) -> None:
        for job in jobs:
            self.watch(job)

    def unwatch(self, job_id: str) -> None:
        """Stop polling a job and forget it (discovery will not bring it back)."""
        tracked = self._jobs.pop(job_id, None)
        if tracked is not None:
            tracked.active = False
            self._index(tracked)
        self._ignored.add(job_id)

    def poke(self, job_id: str | None = None) -> None:
        """Make one job (or every job) due now; the 3 s floor still holds."""
        now = self._clock.monotonic()
        targets = [self._jobs[job_id]] if job_id in self._jobs else []
        if job_id is None:
            targets = list(self._jobs.values())
        for tracked in targets:
            tracked.next_due = min(tracked.next_due, now)
            self._index(tracked)
        self._wake.set()

    def resume(self) -> None:
        """Retry now: after a 401 (new token) or to cut an offline backoff short."""
        self._paused_until = None
        if self._state is LinkState.UNAUTHORIZED:
            self._state = LinkState.CONNECTING
        self._wake.set()

    def stop(self) -> None:
        """End `run()` after the GETs in flight, if any (a list page in flight is dropped)."""
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
            await self._step()
        if self._stopping and self._page is not None:
            self._page.cancel()  # stopped for good: nobody will read its answer
            self._page = None
        if self._pending and generation == self._generation:
            batch, self._pending = self._pending, []
            yield batch

    async def _step(self) -> None:
        """One turn of the loop: fold in a page, send one thing, or sleep until one is due."""
        if self._absorb_page():
            return
        now = self._clock.monotonic()
        if self._state is LinkState.UNAUTHORIZED:
            if not self._beat(None):
                await self._wait(None)
            return
        if self._paused_until is not None and now < self._paused_until:
            if not self._beat(self._paused_until):
                await self._wait(self._paused_until - now)
            return
        if self._state is LinkState.OFFLINE and self._page is not None:
            await self._wait(None)  # the link is down: the page in flight is the one probe
            return
        if await self._gate_closed(now):
            return
        action, wake_at = self._plan(now)
        if self._beat(now if action is not None else wake_at):
            return  # the heartbeat goes out first; the next turn plans again
        if action is None:
            await self._wait(None if wake_at is None else wake_at - now)
            return
        if action == _WALK or isinstance(action, Sweep):
            self._start_read(action if isinstance(action, Sweep) else None)
        elif action == _PAGE:
            self._send_page()
        else:
            if self._read is not None:
                self._read.yield_turn = False  # the GETs had their turn: the read's page next
            await self._get_jobs(action)
            self._heartbeat_due = True  # a page's heartbeat follows its answer

    def _beat(self, next_at: float | None) -> bool:
        """After a request, say when the server was last heard and when the next one goes."""
        if not self._heartbeat_due:
            return False
        self._heartbeat_due = False
        now = self._clock.monotonic()
        next_request_at = None
        if next_at is not None:
            self._poll_gap = max(0.0, next_at - now)
            next_request_at = self._wall(next_at)
        else:
            self._poll_gap = self.policy.max_interval
        self._pending.append(self._link_event(next_request_at))
        return True

    def _link_event(self, next_request_at: datetime | None = None) -> ConnectionEvent:
        error = self._state_error
        return ConnectionEvent(
            self._state,
            str(error) if error else "",
            self._retry_at,
            error,
            last_heard_at=self._last_heard,
            next_request_at=next_request_at,
        )

    def _wall(self, monotonic: float) -> datetime:
        return self._clock.now() + timedelta(seconds=monotonic - self._clock.monotonic())

    # -- planning ------------------------------------------------------------------------------

    def _due_time(self, tracked: Tracked) -> float:
        floor = (
            -math.inf if tracked.last_get is None else tracked.last_get + self.policy.min_interval
        )
        return max(tracked.next_due, floor)

    def _index(self, tracked: Tracked) -> None:
        """Keep the due heap and the sweep index in step with one job's new state."""
        job_id = tracked.job_id
        if not tracked.active or self._jobs.get(job_id) is not tracked:
            self._due.discard(job_id)
            self._candidates.discard(job_id)
            self._unplaced.discard(job_id)
            return
        created = tracked.created
        self._due.set(job_id, self._due_time(tracked), created)
        if tracked.listable:
            self._candidates.add(job_id, created)
        else:
            self._candidates.discard(job_id)

    def _plan(self, now: float) -> tuple[_Action | None, float | None]:
        """The next thing to send, or None and when to look again."""
        policy = self.policy
        budget = self._budget.left(now)
        if budget <= 0:
            return None, self._budget.free_at(now)
        if self._read is not None:
            return self._plan_during(self._read, now, budget)
        if self._walk_pending:
            return _WALK, None
        sweeps_on = self._sweeps_on(now)
        sweeper = self._sweeper
        sweep_ok = sweeps_on and now >= sweeper.next_time()
        hold_unplaced = False
        held_from = math.inf  # sweep candidates created at or after this wait for the sweep
        if sweeps_on:
            finding = sweeper.finding(self._unplaced)
            if finding is not None and sweep_ok:
                return finding, None
            hold_unplaced = finding is not None
            sweep = sweeper.plan(now)
            if sweep is not None and sweep_ok:
                return sweep, None
            if sweep is not None and sweep.cutoff is not None:
                # The sweep waits for its pace; the jobs it will cover wait for it.
                held_from = sweep.cutoff.timestamp()
        if self.discover and sweep_ok and now >= sweeper.next_discovery():
            pages = 1 if sweeper.discovered_once else policy.discover_max_pages
            return Sweep(cutoff=None, max_pages=pages, discovery=True), None
        batch, wake = self._due_batch(now, budget, hold_unplaced=hold_unplaced, held_from=held_from)
        if batch:
            return batch, None
        return None, self._next_wake(now, wake, hold_unplaced or held_from != math.inf)

    def _plan_during(
        self, read: ListRead, now: float, budget: int
    ) -> tuple[_Action | None, float | None]:
        """While a list read is under way: its next page and due GETs take turns.

        At most one page is in flight; due GETs go meanwhile (a page that hangs does not
        hold them), and first once after each page, so a long read does not freeze the
        watch. The jobs the read will return wait for it.
        """
        if self._page is None and not read.yield_turn:
            return _PAGE, None
        share = min(budget, self._read_gets.left(now))
        batch: list[Tracked] = []
        due: float | None = self._read_gets.free_at(now)
        if share > 0:
            hold = read.holds_unplaced(len(self._unplaced))
            held_from = read.held_from()
            batch, due = self._due_batch(now, share, hold_unplaced=hold, held_from=held_from)
        if batch:
            return batch, None
        if self._page is None:
            return _PAGE, None
        return None, due  # the page's answer wakes the loop too

    def _due_batch(
        self, now: float, budget: int, *, hold_unplaced: bool, held_from: float = math.inf
    ) -> tuple[list[Tracked], float | None]:
        """The earliest-due jobs to GET now (from the heap), or when the next one is due.

        Held back: ids a finding sweep will look for, and jobs a paced sweep will cover.
        """
        size = 1 if self._state is not LinkState.ONLINE else self.policy.max_concurrency
        batch: list[Tracked] = []
        for due, job_id in self._due.in_order():
            tracked = self._jobs[job_id]
            if (hold_unplaced and job_id in self._unplaced) or (
                job_id in self._candidates and tracked.created >= held_from
            ):
                continue
            if due > now:
                return batch, due
            batch.append(tracked)
            if len(batch) >= min(size, budget):
                break
        return batch, None

    def _next_wake(self, now: float, due: float | None, held: bool) -> float | None:
        sweeper = self._sweeper
        wakes = [due]
        if held:
            wakes.append(sweeper.next_time())
        if self._sweeps_on(now):
            wakes.append(sweeper.wake())
        if self.discover:
            wakes.append(max(sweeper.next_discovery(now), sweeper.next_time()))
        future = [w for w in wakes if w is not None and w > now]
        return min(future) if future else None

    def _sweeps_on(self, now: float) -> bool:
        return self.sweeps and self._sweeper.cooled(now)

    # -- sending -------------------------------------------------------------------------------

    async def _get_jobs(self, batch: list[Tracked]) -> None:
        now = self._clock.monotonic()
        for tracked in batch:
            self._budget.spent(now)
            self._read_gets.spent(now)
            tracked.last_get = now
            self._index(tracked)
        self.stats.job_gets += len(batch)
        results = await asyncio.gather(
            *(self._client.get_job(t.job_id) for t in batch), return_exceptions=True
        )
        seen = self._clock.monotonic()
        connection_failed = False
        for tracked, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancellation: let it end the loop
            self._heard(result)
            if self._jobs.get(tracked.job_id) is not tracked:
                continue  # unwatched while in flight
            if isinstance(result, Job):
                self._online()
                self._observe(result, seen, tracked=tracked)
            elif is_connection_error(result):
                # One failed connection, however many GETs shared it: back off once.
                if not connection_failed:
                    self._connection_failed(result)
                    connection_failed = True
            else:
                self._job_failed(tracked, result, seen)

    def _start_read(self, sweep: Sweep | None) -> None:
        """Begin a sweep (or, with None, the first walk) and send its first page."""
        if sweep is None:
            self._walk_pending = False
        created_after: datetime | None = None
        if sweep is not None:
            self._sweeper.started(self._clock.monotonic(), 0)
            self.stats.sweeps += 1
            floor = self._clock.now() - LIST_LOOKBACK
            created_after = floor if sweep.finding else None
            if sweep.cutoff is not None:
                created_after = max(sweep.cutoff - _CUTOFF_SLACK, floor)
        missing = set(sweep.targets) if sweep is not None and sweep.finding else set()
        self._read = ListRead(sweep, created_after, missing=missing)
        self._send_page()

    def _send_page(self) -> None:
        """Send the read's next `GET /jobs` page without waiting for it (every list read)."""
        read = self._read
        assert read is not None and self._page is None
        self._budget.spent(self._clock.monotonic())
        self.stats.list_pages += 1
        read.yield_turn = False
        if not read.walk:
            self._sweeper.last_pages += 1
        page = asyncio.ensure_future(
            self._client.list_jobs_page(
                created_after=read.created_after, limit=self.policy.page_limit, cursor=read.cursor
            )
        )
        page.add_done_callback(_retrieve)
        self._page = page

    def _absorb_page(self) -> bool:
        """Fold in the page that came back, if one did (True: the turn is spent)."""
        page, read = self._page, self._read
        if page is None or not page.done() or read is None:
            return False
        self._page = None
        self._heartbeat_due = True
        if page.cancelled():
            return True  # asked again on the next turn
        error = page.exception()
        if error is not None and not isinstance(error, Exception):
            raise error  # cancellation or exit: let it end the loop
        if error is not None:
            self._heard(error)
            self._read_failed(read, error)
            return True
        answer = page.result()
        self._heard(answer)
        self._online()
        seen = self._clock.monotonic()
        read.pages += 1
        read.rows += len(answer.jobs)
        read.cursor = answer.next_cursor
        read.yield_turn = True
        if read.walk:
            self._walked(read, answer, seen)
        else:
            self._swept(read, answer, seen)
        self._send_ahead(read, seen)
        return True

    def _send_ahead(self, read: ListRead, now: float) -> None:
        """Ask for the read's next page before its rows are handed out, when no GET is due:
        the reader's work on this page (a dashboard's table) overlaps the next answer."""
        if self._read is not read or self._budget.left(now) <= 0:
            return
        batch: list[Tracked] = []
        if self._read_gets.left(now) > 0:  # else no GET may go now anyway
            hold = read.holds_unplaced(len(self._unplaced))
            batch, _ = self._due_batch(now, 1, hold_unplaced=hold, held_from=read.held_from())
        if not batch:
            self._send_page()

    def _walked(self, read: ListRead, page: JobPage, seen: float) -> None:
        for job in page.jobs:
            self._observe(job, seen, listed=True, walked=True)
        complete = page.next_cursor is None
        if complete:
            # The walk saw every job: discovery starts from here, sweeps at their pace.
            self._read = None
            self._sweeper.discovered_once = True
            self._sweeper.started(seen, 1)
        self._pending.append(WalkEvent(read.pages, read.rows, complete))

    def _swept(self, read: ListRead, page: JobPage, seen: float) -> None:
        sweep = read.sweep
        assert sweep is not None
        new_rows = 0
        for job in page.jobs:
            read.returned.add(job.job_id)
            read.missing.discard(job.job_id)
            if job.job_id not in self._sweeper.listed and job.job_id not in self._jobs:
                new_rows += 1
            self._observe(job, seen, listed=True)
        complete = page.next_cursor is None
        if not (
            complete
            or read.pages >= sweep.max_pages
            # A discovery page that reached jobs we already know.
            or (sweep.discovery and new_rows < len(page.jobs))
            # All found, or GETs for the rest cost no more than paging on.
            or (sweep.finding and len(read.missing) <= read.pages)
        ):
            return
        self._read = None
        if sweep.discovery:
            self._sweeper.discovered_once = True
        if complete or sweep.finding:
            # A target the window did not return needs its own GET from now on.
            for job_id in sweep.targets:
                tracked = self._jobs.get(job_id)
                if tracked is not None and job_id not in read.returned:
                    tracked.sweepable = False
                    self._unplaced.discard(job_id)
                    self._index(tracked)

    def _read_failed(self, read: ListRead, error: Exception) -> None:
        if read.walk and is_connection_error(error):
            self._connection_failed(error)  # the same walk page again after the backoff
            return
        self._read = None
        if not read.walk:
            self._list_failed(error)
            return
        self.stats.failures += 1
        wrapped = error if isinstance(error, DescriptError) else unexpected(error)
        self._pending.append(WalkEvent(read.pages, read.rows, False, wrapped))

    # -- answers -------------------------------------------------------------------------------

    def _observe(
        self,
        job: Job,
        seen: float,
        *,
        tracked: Tracked | None = None,
        listed: bool = False,
        walked: bool = False,
    ) -> None:
        """Fold one fresh view of a job into its state; emit what changed."""
        tracked = tracked or self._jobs.get(job.job_id)
        if tracked is None:
            if not (walked or (listed and self.discover)) or job.job_id in self._ignored:
                self._sweeper.remember(job)
                return
            tracked = self._jobs[job.job_id] = Tracked(job.job_id)
        self._sweeper.remember(job)
        if not tracked.active and tracked.announced:
            return  # finished or failed for good: a list row adds nothing
        self._unplaced.discard(job.job_id)
        previous = tracked.job
        tracked.job = job
        tracked.last_seen = seen
        tracked.failure = None
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
        else:
            tracked.floored = (floor := self._poll_floor(job.job_id)) is not None
            tracked.next_due = seen + self.policy.interval(tracked.unchanged, self._age(job), floor)
        self._index(tracked)

    def _age(self, job: Job) -> float | None:
        if job.created_at is None:
            return None
        return (self._clock.now() - job.created_at).total_seconds()

    def _heard(self, answer: object) -> None:
        """The server answered something (a job, a page, an HTTP error): it is there."""
        if isinstance(answer, Job | JobPage | ApiError | UnexpectedResponseError):
            self._last_heard = self._clock.now()

    def _job_failed(self, tracked: Tracked, error: Exception, now: float) -> None:
        if isinstance(error, NotFoundError):
            tracked.active = False
            self._jobs.pop(tracked.job_id, None)
            self._index(tracked)
            self._pending.append(
                JobEvent("gone", tracked.job_id, tracked.job, tracked.job, error=error)
            )
            self._online()
            return
        self.stats.failures += 1
        wrapped = error if isinstance(error, DescriptError) else unexpected(error)
        if isinstance(error, DescriptError) and not isinstance(error, UnexpectedResponseError):
            # A 4xx (or a refused id) will say the same again: never retried.
            tracked.active = False
            tracked.announced = True
            self._online()
        else:
            # An unreadable answer: try again later, slowly.
            tracked.next_due = now + self.policy.max_interval
        self._index(tracked)
        if tracked.active and tracked.failure == str(wrapped):
            return  # said once; a success clears it
        tracked.failure = str(wrapped)
        self._pending.append(JobEvent("error", tracked.job_id, tracked.job, tracked.job, wrapped))

    def _list_failed(self, error: Exception) -> None:
        if is_connection_error(error):
            self._connection_failed(error)
            return
        self.stats.failures += 1
        # A 4xx (or unreadable page) from the list: fall back to GETs for a while.
        self._sweeper.off_until = self._clock.monotonic() + self.policy.sweep_cooldown

    def _connection_failed(self, error: Exception) -> None:
        """Handle a failure that concerns every request (see `is_connection_error`)."""
        assert isinstance(error, DescriptError)
        policy = self.policy
        now = self._clock.monotonic()
        self.stats.failures += 1
        if isinstance(error, UnauthorizedError | MissingTokenError):
            self._set_state(LinkState.UNAUTHORIZED, error, None)
        elif isinstance(error, RateLimitedError | RetryAfterTooLong):
            wait = error.retry_after.seconds or policy.rate_limited_delay
            self._pause(LinkState.RATE_LIMITED, error, now + max(wait, policy.min_interval))
        else:
            self._offline_failures += 1
            delay = min(
                policy.offline_max_delay,
                policy.offline_first_delay * 2 ** (self._offline_failures - 1),
            )
            self._pause(LinkState.OFFLINE, error, now + delay)

    def _pause(self, state: LinkState, error: DescriptError, until: float) -> None:
        self._paused_until = max(until, self._paused_until or until)
        self._set_state(state, error, self._paused_until)

    def _set_state(
        self, state: LinkState, error: DescriptError | None, until: float | None
    ) -> None:
        previous = self._state
        self._state = state
        self._state_error = error
        self._retry_at = None if until is None else self._wall(until)
        # A repeated offline / rate-limited event carries a new retry time; the others don't.
        if state is not previous or state in (LinkState.OFFLINE, LinkState.RATE_LIMITED):
            self._pending.append(self._link_event())

    def _online(self) -> None:
        self._offline_failures = 0
        if self._state is not LinkState.ONLINE:
            self._set_state(LinkState.ONLINE, None, None)

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
        # A short hold (X-RateLimit-Remaining: 0) is not worth a banner.
        if wait > 1.0 and self._state is not LinkState.RATE_LIMITED:
            self._state, self._state_error, self._retry_at = LinkState.RATE_LIMITED, None, until
            self._pending.append(
                ConnectionEvent(
                    LinkState.RATE_LIMITED,
                    "waiting for Retry-After",
                    until,
                    last_heard_at=self._last_heard,
                    next_request_at=until,
                )
            )
        await self._wait(wait)
        return True

    async def _wait(self, delay: float | None) -> None:
        """Sleep on the clock for `delay` (None: until woken) or until watch/poke/stop."""
        page = self._page
        if self._wake.is_set() or self._pending or (page is not None and page.done()):
            return
        waiter = asyncio.ensure_future(self._wake.wait())
        tasks: set[asyncio.Future[object]] = {waiter}
        if delay is not None:
            tasks.add(asyncio.ensure_future(self._clock.sleep(max(0.0, delay))))
        try:
            # The page in flight, when it answers, wakes the loop too (it is not ours to end).
            ours = set(tasks)
            await asyncio.wait(
                tasks if page is None else {*tasks, page}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in ours:
                task.cancel()
