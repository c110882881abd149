"""The polling scheduler on virtual time, against a fake job API (no HTTP).

The fake answers `get_job` and `list_jobs_page` from job timelines and records every
request's virtual send time, so the rules are asserted on what was sent: the 3 s floor, the
5 -> 15 s backoff, no polls after a terminal state, no starvation, sweeps instead of GETs,
and each failure mode (404, offline, 401, 429).
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.api.link_events import link_changes
from tui.api.clock import ManualClock
from tui.api.errors import (
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    RateLimitInfo,
    ServerError,
    TransportError,
    UnauthorizedError,
)
from tui.api.limits import RateLimits
from tui.api.models import Job, JobPage, format_timestamp
from tui.api.scheduler import (
    ConnectionEvent,
    JobEvent,
    PollingScheduler,
    PollPolicy,
    SchedulerEvent,
)


@dataclass
class FakeJob:
    job_id: str
    created_at: datetime
    #: Monotonic time it stops (None: runs forever).
    finish_at: float | None = None
    #: Progress percent moves every `step` seconds (None: no progress reported).
    step: float | None = 5.0
    started: float = 1000.0

    def to_json(self, now: float) -> dict[str, Any]:
        data: dict[str, Any] = {
            "job_id": self.job_id,
            "job_type": "import/project_media",
            "created_at": format_timestamp(self.created_at),
        }
        if self.finish_at is not None and now >= self.finish_at:
            data["job_state"] = "stopped"
            data["stopped_at"] = format_timestamp(self.created_at)
            data["result"] = {"status": "success", "media_status": {}}
            return data
        data["job_state"] = "running"
        if self.step:
            ticks = int((now - self.started) // self.step)
            data["progress"] = {"label": "Transcribing", "percent": min(99, ticks)}
        return data


@dataclass
class FakeJobApi:
    clock: ManualClock
    jobs: dict[str, FakeJob] = field(default_factory=dict)
    gets: list[tuple[float, str]] = field(default_factory=list)
    lists: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    #: Called with ("get", job_id) or ("list", None); an exception it returns is raised.
    fail_with: Callable[[str, str | None], Exception | None] | None = None
    #: Virtual seconds each request takes.
    latency: float = 0.0

    def add(
        self, count: int, *, age: float = 0.0, spacing: float = 1.0, **kwargs: Any
    ) -> list[str]:
        """`count` running jobs, the newest created `age` s ago, `spacing` s apart."""
        ids = []
        base = len(self.jobs)
        for index in range(count):
            job_id = f"job-{base + index:05d}"
            created = self.clock.now() - timedelta(seconds=age + index * spacing)
            self.jobs[job_id] = FakeJob(job_id, created, started=self.clock.monotonic(), **kwargs)
            ids.append(job_id)
        return ids

    def job(self, job_id: str) -> Job:
        return Job.from_json(self.jobs[job_id].to_json(self.clock.monotonic()))

    async def _answer(self, kind: str, job_id: str | None) -> None:
        if self.latency:
            await self.clock.sleep(self.latency)
        else:
            await asyncio.sleep(0)
        if self.fail_with is not None:
            error = self.fail_with(kind, job_id)
            if error is not None:
                raise error

    async def get_job(self, job_id: str) -> Job:
        self.gets.append((self.clock.monotonic(), job_id))
        await self._answer("get", job_id)
        if job_id not in self.jobs:
            raise NotFoundError(404, "not_found", "Job not found", '{"error":"not_found"}')
        return self.job(job_id)

    async def list_jobs_page(
        self,
        *,
        job_type: str | None = None,
        project_id: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> JobPage:
        self.lists.append(
            (self.clock.monotonic(), {"created_after": created_after, "cursor": cursor})
        )
        await self._answer("list", None)
        after = created_after or self.clock.now() - timedelta(days=7)
        rows = sorted(
            (j for j in self.jobs.values() if j.created_at > after),
            key=lambda j: (j.created_at, j.job_id),
            reverse=True,
        )
        start = int(cursor or 0)
        size = limit or 20
        chunk = rows[start : start + size]
        now = self.clock.monotonic()
        more = start + size < len(rows)
        return JobPage.from_json(
            {
                "data": [j.to_json(now) for j in chunk],
                "pagination": {"next_cursor": str(start + size)} if more else {},
            }
        )

    def get_times(self, job_id: str) -> list[float]:
        return [t for t, jid in self.gets if jid == job_id]


async def drive(
    scheduler: PollingScheduler, clock: ManualClock, seconds: float, *, step: float = 0.5
) -> list[SchedulerEvent]:
    """Run the scheduler for `seconds` of virtual time; every event it yielded, in order."""
    events: list[SchedulerEvent] = []

    async def consume() -> None:
        async for batch in scheduler.run():
            assert batch, "run() yields only non-empty batches"
            events.extend(batch)

    task = asyncio.create_task(consume())
    elapsed = 0.0
    while elapsed < seconds:
        await clock.advance(min(step, seconds - elapsed))
        elapsed += step
    scheduler.stop()
    await clock.advance(0)
    for _ in range(100):  # let a request in flight finish on virtual time
        if task.done():
            break
        await clock.advance(0.5)
    await task
    return events


# -- helpers ---------------------------------------------------------------------------------


def jobs_of(events: list[SchedulerEvent], kind: str) -> list[str]:
    return [e.job_id for e in events if isinstance(e, JobEvent) and e.kind == kind]


def states(events: list[SchedulerEvent]) -> list[str]:
    """The link's states as they changed: heartbeats (the same state again) collapse."""
    return [e.state for e in link_changes(events)]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def api(clock: ManualClock) -> FakeJobApi:
    return FakeJobApi(clock)


# -- the interval policy ---------------------------------------------------------------------


def test_interval_starts_near_5s_and_grows_to_15s_for_unchanged_jobs() -> None:
    policy = PollPolicy()
    assert policy.interval(0, age=0) == pytest.approx(5.0)
    grown = [policy.interval(n, age=0) for n in range(6)]
    assert grown == sorted(grown)
    assert grown[-1] == pytest.approx(15.0)


def test_interval_grows_with_age_even_while_changing() -> None:
    policy = PollPolicy()
    assert policy.interval(0, age=0) < policy.interval(0, age=300) < 15.0
    assert policy.interval(0, age=3600) == pytest.approx(15.0)


@given(unchanged=st.integers(0, 100), age=st.none() | st.floats(-1e6, 1e9))
def test_interval_never_below_3s_nor_above_15s(unchanged: int, age: float | None) -> None:
    assert 3.0 <= PollPolicy().interval(unchanged, age) <= 15.0


# -- polling one job -------------------------------------------------------------------------


async def test_watch_by_id_polls_at_once_then_about_every_5s(
    clock: ManualClock, api: FakeJobApi
) -> None:
    [job_id] = api.add(1, step=1.0)  # progress changes on every poll
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events = await drive(scheduler, clock, 30)
    times = api.get_times(job_id)
    assert times[0] == clock_start(clock, 30)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps and all(g == pytest.approx(5.0, abs=0.5) for g in gaps)  # young: ~5 s
    assert jobs_of(events, "added") == [job_id]
    assert len(jobs_of(events, "changed")) == len(times) - 1


def clock_start(clock: ManualClock, elapsed: float) -> float:
    return clock.monotonic() - elapsed


async def test_unchanging_long_runner_backs_off_toward_15s(
    clock: ManualClock, api: FakeJobApi
) -> None:
    [job_id] = api.add(1, step=None)  # reports no progress at all
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    await drive(scheduler, clock, 180)
    times = api.get_times(job_id)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps[0] == pytest.approx(5.0)  # the first read is news
    assert gaps[1] == pytest.approx(7.5)  # 5 s * 1.5 after one unchanged poll
    assert gaps == sorted(gaps)
    assert gaps[-1] == pytest.approx(15.0)
    assert max(gaps) <= 15.0


async def test_progress_change_resets_the_backoff(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1, step=None)
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events: list[SchedulerEvent] = []
    task = asyncio.create_task(collect(scheduler, events))
    await clock.advance(60)
    api.jobs[job_id].step = 2.0  # the job starts reporting progress
    api.jobs[job_id].started = clock.monotonic()
    before = len(api.get_times(job_id))
    await clock.advance(60)
    scheduler.stop()
    await clock.advance(0)
    await task
    times = api.get_times(job_id)[before:]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    quiet = api.get_times(job_id)[:before]
    assert max(b - a for a, b in itertools.pairwise(quiet)) == pytest.approx(15.0)
    assert gaps[-1] < 8.0  # ~5 s again, plus a little for its age (2 min)
    assert "changed" in {e.kind for e in events if isinstance(e, JobEvent)}


async def collect(scheduler: PollingScheduler, into: list[SchedulerEvent]) -> None:
    async for batch in scheduler.run():
        into.extend(batch)


async def test_finished_job_stops_being_polled(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1, finish_at=clock.monotonic() + 12)
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events = await drive(scheduler, clock, 120)
    times = api.get_times(job_id)
    assert times[-1] >= clock_start(clock, 120) + 12  # the poll that saw it finish
    assert len(times) <= 5
    assert jobs_of(events, "finished") == [job_id]
    assert scheduler.watched == frozenset()
    finished = next(e for e in events if isinstance(e, JobEvent) and e.kind == "finished")
    assert finished.job is not None and finished.job.is_finished
    assert finished.previous is not None and not finished.previous.is_finished


async def test_watching_a_finished_job_emits_added_and_finished_without_polling(
    clock: ManualClock, api: FakeJobApi
) -> None:
    [job_id] = api.add(1, finish_at=clock.monotonic())
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch(api.job(job_id))
    events = await drive(scheduler, clock, 30)
    assert [(e.kind, e.job_id) for e in events if isinstance(e, JobEvent)] == [
        ("added", job_id),
        ("finished", job_id),
    ]
    assert api.gets == [] and api.lists == []


async def test_seeded_job_is_not_refetched_at_once(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1)
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(api.job(job_id))
    await drive(scheduler, clock, 4.9)
    assert api.gets == []


async def test_unwatch_stops_polling(clock: ManualClock, api: FakeJobApi) -> None:
    ids = api.add(2)
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch_many(ids)
    task = asyncio.create_task(collect(scheduler, []))
    await clock.advance(10)
    scheduler.unwatch(ids[0])
    polled = len(api.get_times(ids[0]))
    await clock.advance(60)
    scheduler.stop()
    await clock.advance(0)
    await task
    assert len(api.get_times(ids[0])) == polled
    assert len(api.get_times(ids[1])) > polled
    assert scheduler.watched == {ids[1]}


async def test_poke_refreshes_early_but_never_under_3s(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1, step=None)
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    task = asyncio.create_task(collect(scheduler, []))
    await clock.advance(1)
    scheduler.poke(job_id)  # 1 s after the first GET: must wait for the 3 s floor
    await clock.advance(3)
    scheduler.poke()
    await clock.advance(0.5)
    scheduler.stop()
    await clock.advance(0)
    await task
    times = api.get_times(job_id)
    assert [t - times[0] for t in times] == [0.0, 3.0]


# -- the rules as properties -----------------------------------------------------------------

job_specs = st.lists(
    st.tuples(
        st.floats(0, 3600),  # age at start
        st.none() | st.floats(0, 400),  # finishes after
        st.none() | st.floats(0.5, 30),  # progress step
        st.booleans(),  # watched with a seed Job (else by id)
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    specs=job_specs,
    duration=st.floats(10, 400),
    sweeps=st.booleans(),
    latency=st.sampled_from([0.0, 0.2, 1.5]),
    page_limit=st.sampled_from([3, 100]),
    failures=st.lists(st.sampled_from(["ok", "ok", "ok", "offline", "5xx", "429", "bug"])),
)
def test_polls_of_one_job_are_never_under_3s_apart(
    specs: list[tuple[float, float | None, float | None, bool]],
    duration: float,
    sweeps: bool,
    latency: float,
    page_limit: int,
    failures: list[str],
) -> None:
    # Answers fail in the given order (then all succeed): the rules hold through errors too.
    errors = {
        "offline": lambda: TransportError("connection reset"),
        "5xx": lambda: ServerError(502, None, "Bad Gateway", ""),
        "429": lambda: RateLimitedError(
            429, "rate_limited", "slow down", "", rate_limit=RateLimitInfo(retry_after=7.0)
        ),
        "bug": lambda: ValueError("unreadable"),
    }
    script = iter(failures)

    def fail_with(kind: str, job_id: str | None) -> Exception | None:
        make = errors.get(next(script, "ok"))
        return make() if make else None

    async def scenario() -> None:
        clock = ManualClock()
        api = FakeJobApi(clock, latency=latency, fail_with=fail_with)
        policy = PollPolicy(page_limit=page_limit)
        scheduler = PollingScheduler(api, clock=clock, policy=policy, sweeps=sweeps)
        for age, finish, step, seeded in specs:
            [job_id] = api.add(1, age=age, step=step)
            if finish is not None:
                api.jobs[job_id].finish_at = clock.monotonic() + finish
            scheduler.watch(api.job(job_id) if seeded else job_id)
        await drive(scheduler, clock, duration)
        per_job: dict[str, list[float]] = {}
        for t, job_id in api.gets:
            per_job.setdefault(job_id, []).append(t)
        for times in per_job.values():
            assert all(b - a >= 3.0 - 1e-9 for a, b in itertools.pairwise(times))
        sweep_starts = [t for t, params in api.lists if params["cursor"] is None]
        assert all(b - a >= 3.0 - 1e-9 for a, b in itertools.pairwise(sweep_starts))
        # The planned budget: no 1 s window holds more than max_requests_per_second sends.
        sends = sorted([t for t, _ in api.gets] + [t for t, _ in api.lists])
        for index, t in enumerate(sends):
            later = bisect.bisect_right(sends, t + 1.0 - 1e-9)
            assert later - index <= policy.max_requests_per_second
        # A finished job is polled no more after the poll that saw it finish.
        if not failures:
            for job_id, fake in api.jobs.items():
                if fake.finish_at is None:
                    continue
                after = [t for t in per_job.get(job_id, []) if t >= fake.finish_at + latency]
                assert len(after) <= 1

    asyncio.run(scenario())


async def test_nobody_starves_with_1000_jobs_on_gets_alone(
    clock: ManualClock, api: FakeJobApi
) -> None:
    ids = api.add(1000, step=None)
    policy = PollPolicy(max_requests_per_second=8)
    scheduler = PollingScheduler(api, clock=clock, policy=policy, sweeps=False)
    scheduler.watch_many(ids)
    await drive(scheduler, clock, 600, step=1.0)
    # 8 GETs/s over 600 s: every job must have had its share, earliest-due first.
    counts = [len(api.get_times(job_id)) for job_id in ids]
    assert min(counts) >= 4
    assert max(counts) - min(counts) <= 1
    per_second: dict[int, int] = {}
    for t, _ in api.gets:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    assert max(per_second.values()) <= 8
    longest_wait = max(
        max(b - a for a, b in itertools.pairwise(times))
        for times in (api.get_times(job_id) for job_id in ids)
    )
    # One round of 1000 GETs at 8/s, plus at most one backoff interval.
    assert longest_wait <= 1000 / 8 + 15


async def test_nobody_starves_with_1000_jobs_and_sweeps(
    clock: ManualClock, api: FakeJobApi
) -> None:
    ids = api.add(1000, step=1.0, spacing=0.5)
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch_many(api.job(job_id) for job_id in ids)
    events = await drive(scheduler, clock, 120, step=1.0)
    sweep_times = [t for t, p in api.lists if p["cursor"] is None]
    changed = Counter(e.job_id for e in events if isinstance(e, JobEvent) and e.kind == "changed")
    assert set(changed) == set(ids)
    # Progress moves every second, so each sweep shows every job changed: nobody skipped.
    assert min(changed.values()) == max(changed.values()) >= 15
    assert all(b - a <= 8.0 for a, b in itertools.pairwise(sweep_times))
    assert api.gets == []
    assert len(api.lists) / 120 <= 2.6  # about 10 pages per sweep, paced


# -- list sweeps -----------------------------------------------------------------------------


async def test_a_list_sweep_replaces_many_gets(clock: ManualClock, api: FakeJobApi) -> None:
    ids = api.add(250, step=1.0)
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch_many(api.job(job_id) for job_id in ids)
    events = await drive(scheduler, clock, 60)
    assert api.gets == []  # every job came back on a page
    # Three pages of 100 every 5 s (sweeps start at +5 s): 11 sweeps in 60 s.
    assert 3 * 10 <= len(api.lists) <= 3 * 12
    assert all(p["created_after"] is not None for _, p in api.lists)
    changed = {e.job_id for e in events if isinstance(e, JobEvent) and e.kind == "changed"}
    assert changed == set(ids)


async def test_sweep_window_starts_at_the_oldest_watched_job(
    clock: ManualClock, api: FakeJobApi
) -> None:
    old = api.add(1, age=50_000, spacing=0)  # 14 h old, among 30 fresh jobs
    ids = old + api.add(30)
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch_many(api.job(job_id) for job_id in ids)
    await drive(scheduler, clock, 6)
    [(_, params)] = api.lists
    oldest = api.jobs[old[0]].created_at
    assert params["created_after"] < oldest
    assert oldest - params["created_after"] < timedelta(seconds=1)


async def test_few_due_jobs_are_fetched_one_by_one(clock: ManualClock, api: FakeJobApi) -> None:
    ids = api.add(2, step=1.0)
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch_many(api.job(job_id) for job_id in ids)
    await drive(scheduler, clock, 5.5)
    # Two due jobs, one page would cover both: one request instead of two.
    assert len(api.lists) == 1 and api.gets == []
    api2 = FakeJobApi(clock)
    [only] = api2.add(1, step=1.0)
    single = PollingScheduler(api2, clock=clock)
    single.watch(api2.job(only))
    await drive(single, clock, 5.5)
    assert api2.lists == [] and len(api2.gets) == 1


async def test_a_job_the_list_misses_falls_back_to_its_own_get(
    clock: ManualClock, api: FakeJobApi
) -> None:
    ids = api.add(20, step=1.0)
    # A job older than the list's 30-day window can only be read by id.
    [ancient] = api.add(1, age=31 * 86400, step=1.0)
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch_many(api.job(job_id) for job_id in [*ids, ancient])
    await drive(scheduler, clock, 30)
    assert api.lists
    assert {job_id for _, job_id in api.gets} == {ancient}
    times = api.get_times(ancient)
    assert len(times) >= 2


async def test_a_job_missing_from_a_complete_sweep_gets_its_own_get(
    clock: ManualClock, api: FakeJobApi
) -> None:
    ids = api.add(20, step=1.0)
    hidden = ids[5]
    original = api.list_jobs_page

    async def list_without_hidden(**kwargs: Any) -> JobPage:
        page = await original(**kwargs)
        return JobPage(tuple(j for j in page.jobs if j.job_id != hidden), page.next_cursor, {})

    api.list_jobs_page = list_without_hidden  # type: ignore[method-assign]
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch_many(api.job(job_id) for job_id in ids)
    await drive(scheduler, clock, 20)
    assert {job_id for _, job_id in api.gets} == {hidden}


async def test_discovery_adds_jobs_created_elsewhere(clock: ManualClock, api: FakeJobApi) -> None:
    existing = api.add(3, finish_at=clock.monotonic())
    scheduler = PollingScheduler(api, clock=clock, discover=True)
    events: list[SchedulerEvent] = []
    task = asyncio.create_task(collect(scheduler, events))
    await clock.advance(1)
    assert set(jobs_of(events, "added")) == set(existing)
    assert set(jobs_of(events, "finished")) == set(existing)
    [fresh] = api.add(1, step=1.0)
    await clock.advance(11)
    scheduler.stop()
    await clock.advance(0)
    await task
    assert jobs_of(events, "added").count(fresh) == 1
    assert fresh in scheduler.watched
    assert set(existing).isdisjoint(scheduler.watched)


async def test_discovery_does_not_bring_back_an_unwatched_job(
    clock: ManualClock, api: FakeJobApi
) -> None:
    [job_id] = api.add(1)
    scheduler = PollingScheduler(api, clock=clock, discover=True)
    scheduler.unwatch(job_id)
    events = await drive(scheduler, clock, 30)
    assert job_id not in jobs_of(events, "added")
    assert api.lists


# -- errors ----------------------------------------------------------------------------------


async def test_404_means_gone_and_polling_stops(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1)
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(api.job(job_id))
    del api.jobs[job_id]  # expired past 30 days (or deleted)
    events = await drive(scheduler, clock, 60)
    gone = [e for e in events if isinstance(e, JobEvent) and e.kind == "gone"]
    assert [e.job_id for e in gone] == [job_id]
    assert isinstance(gone[0].error, NotFoundError)
    assert gone[0].job is not None  # the last state we knew
    assert len(api.gets) == 1
    assert scheduler.watched == frozenset()


async def test_offline_backs_off_politely_and_recovers(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1, step=1.0)
    down = {"value": True}
    api.fail_with = lambda kind, _: TransportError("connection refused") if down["value"] else None
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events: list[SchedulerEvent] = []
    task = asyncio.create_task(collect(scheduler, events))
    await clock.advance(100)
    attempts = api.get_times(job_id)
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    # 2, 4, 8 .. 30 s, and never under the 3 s floor of one job.
    assert gaps[:5] == [3.0, 4.0, 8.0, 16.0, 30.0]
    assert max(gaps) == 30.0
    offline = [e for e in events if isinstance(e, ConnectionEvent)]
    assert {e.state for e in offline} == {"offline"}
    assert all(e.retry_at is not None and e.retry_at > clock.now() - timedelta(60) for e in offline)
    down["value"] = False
    scheduler.resume()  # the user pressed "retry now"
    await clock.advance(1)
    assert states(events)[-1] == "online"
    assert jobs_of(events, "added") == [job_id]
    before = len(api.gets)
    await clock.advance(20)
    scheduler.stop()
    await clock.advance(0)
    await task
    # Back to its normal pace: ~5 s, plus a little for its age (100 s).
    resumed = [t for t, _ in api.gets[before - 1 :]]
    assert max(b - a for a, b in itertools.pairwise(resumed)) < 8.0


async def test_offline_recovers_on_its_own(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1, step=1.0)
    calls = {"n": 0}

    def flaky(kind: str, _: str | None) -> Exception | None:
        calls["n"] += 1
        return ServerError(503, None, "unavailable", "") if calls["n"] <= 2 else None

    api.fail_with = flaky
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events = await drive(scheduler, clock, 30)
    assert states(events) == ["offline", "offline", "online"]
    assert jobs_of(events, "added") == [job_id]


async def test_401_pauses_until_resume(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1)
    token_ok = {"value": False}

    def auth(kind: str, _: str | None) -> Exception | None:
        if token_ok["value"]:
            return None
        return UnauthorizedError(401, "unauthorized", "Missing or invalid token", "")

    api.fail_with = auth
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events: list[SchedulerEvent] = []
    task = asyncio.create_task(collect(scheduler, events))
    await clock.advance(120)
    assert len(api.gets) == 1  # one 401, then silence
    assert states(events) == ["unauthorized"]
    assert scheduler.connection_state == "unauthorized"
    token_ok["value"] = True
    scheduler.resume()
    await clock.advance(1)
    scheduler.stop()
    await clock.advance(0)
    await task
    assert states(events) == ["unauthorized", "online"]
    assert jobs_of(events, "added") == [job_id]


async def test_429_retry_after_is_respected(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1, step=1.0)
    calls = {"n": 0}

    def throttle(kind: str, _: str | None) -> Exception | None:
        calls["n"] += 1
        if calls["n"] > 1:
            return None
        info = RateLimitInfo(retry_after=42.0, retry_after_raw="42", remaining=0)
        return RateLimitedError(429, "rate_limited", "Too many", "", rate_limit=info)

    api.fail_with = throttle
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    start = clock.now()
    events = await drive(scheduler, clock, 60)
    first, second = api.get_times(job_id)[:2]
    assert second - first == pytest.approx(42.0)
    limited = next(e for e in events if isinstance(e, ConnectionEvent))
    assert limited.state == "rate_limited"
    assert limited.retry_at == start + timedelta(seconds=42)
    assert states(events) == ["rate_limited", "online"]


async def test_a_closed_gate_is_waited_out_and_shown(clock: ManualClock, api: FakeJobApi) -> None:
    limits = RateLimits(clock)
    api.limits = limits  # type: ignore[attr-defined]
    [job_id] = api.add(1)
    limits.close_gate(20, "429 from another screen")
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events = await drive(scheduler, clock, 25)
    assert api.get_times(job_id)[0] == pytest.approx(clock_start(clock, 25) + 20)
    assert states(events) == ["rate_limited", "online"]


async def test_a_403_is_reported_once_and_never_retried(
    clock: ManualClock, api: FakeJobApi
) -> None:
    ids = api.add(2)
    api.fail_with = lambda kind, jid: (
        ForbiddenError(403, "forbidden", "other Drive", "") if jid == ids[0] else None
    )
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch_many(ids)
    events = await drive(scheduler, clock, 60)
    assert len(api.get_times(ids[0])) == 1
    assert jobs_of(events, "error") == [ids[0]]
    assert len(api.get_times(ids[1])) > 5
    assert scheduler.watched == {ids[1]}


async def test_an_unexpected_exception_does_not_kill_the_loop(
    clock: ManualClock, api: FakeJobApi
) -> None:
    [job_id] = api.add(1)
    calls = {"n": 0}

    def bug(kind: str, _: str | None) -> Exception | None:
        calls["n"] += 1
        return ValueError("boom") if calls["n"] <= 3 else None

    api.fail_with = bug
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    events = await drive(scheduler, clock, 60)
    assert jobs_of(events, "error") == [job_id]  # reported once, not on every retry
    assert jobs_of(events, "added") == [job_id]
    first_gets = api.get_times(job_id)[:4]
    # Retried slowly (15 s), then polled normally.
    assert [b - a for a, b in itertools.pairwise(first_gets)] == [15.0, 15.0, 15.0]
    assert len(api.gets) >= 5


async def test_stop_ends_run_while_idle(clock: ManualClock, api: FakeJobApi) -> None:
    scheduler = PollingScheduler(api, clock=clock)
    task = asyncio.create_task(collect(scheduler, []))
    await clock.advance(10)
    assert not task.done()
    scheduler.stop()
    await asyncio.wait_for(task, timeout=1)
    assert api.gets == [] and api.lists == []


async def test_a_second_run_takes_over_from_the_first(clock: ManualClock, api: FakeJobApi) -> None:
    [job_id] = api.add(1, step=1.0)
    scheduler = PollingScheduler(api, clock=clock, sweeps=False)
    scheduler.watch(job_id)
    first: list[SchedulerEvent] = []
    old = asyncio.create_task(collect(scheduler, first))
    await clock.advance(6)
    second: list[SchedulerEvent] = []
    new = asyncio.create_task(collect(scheduler, second))
    await clock.advance(30)
    assert old.done()  # the restarted worker's loop replaced it
    scheduler.stop()
    await clock.advance(0)
    await new
    times = api.get_times(job_id)
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(times))
    assert jobs_of(second, "changed")
