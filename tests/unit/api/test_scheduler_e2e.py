"""The scheduler with the real DescriptClient against the in-process simulator, on virtual time.

The clock is moved only while no request is in flight (`InFlight` counts them), so each
request is answered at the virtual instant it was sent, exactly as the scheduler planned.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from tests.unit.api.link_events import link_changes
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.errors import NotFoundError, TransportError, UnauthorizedError
from tui.api.models import Job, JobPage, Outcome
from tui.api.requests import AgentRequest
from tui.api.retry import RetryPolicy
from tui.api.scheduler import ConnectionEvent, JobEvent, PollingScheduler, SchedulerEvent
from tui.simulator.app import IN_PROCESS_BASE_URL
from tui.simulator.demo import add_bulk_jobs
from tui.simulator.world import DEMO_TOKEN, World


class InFlight(httpx.AsyncBaseTransport):
    """Wraps the ASGI transport; knows whether a request is being answered."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.count = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.count += 1
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.count -= 1


@pytest.fixture
def in_flight(sim_transport: httpx.ASGITransport) -> InFlight:
    return InFlight(sim_transport)


@pytest.fixture
async def client(in_flight: InFlight, sim_clock: ManualClock) -> AsyncIterator[DescriptClient]:
    async with DescriptClient(
        DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=in_flight, clock=sim_clock
    ) as client:
        yield client


async def quiesce(in_flight: InFlight) -> None:
    idle = 0
    while idle < 5:
        await asyncio.sleep(0)
        idle = idle + 1 if in_flight.count == 0 else 0


async def run_for(
    scheduler: PollingScheduler,
    clock: ManualClock,
    in_flight: InFlight,
    seconds: float,
    *,
    until_idle: bool = False,
) -> list[SchedulerEvent]:
    """Run the scheduler for `seconds` of virtual time (or until it watches nothing)."""
    events: list[SchedulerEvent] = []

    async def consume() -> None:
        async for batch in scheduler.run():
            events.extend(batch)
            if until_idle and not scheduler.watched:
                scheduler.stop()

    task = asyncio.create_task(consume())
    end = clock.monotonic() + seconds
    while clock.monotonic() < end and not task.done():
        await quiesce(in_flight)
        await clock.advance(0.1)
    scheduler.stop()
    # A sweep stopped between pages may be waiting for its budget: let the clock run on.
    for _ in range(100):
        await quiesce(in_flight)
        if task.done():
            break
        await clock.advance(0.1)
    await asyncio.wait_for(task, timeout=5)
    return events


def job_gets(client: DescriptClient, job_id: str) -> list[float]:
    """Virtual send times (s) of each GET /jobs/{job_id} in the activity log."""
    return [
        e.at.timestamp()
        for e in client.activity.entries()
        if e.method == "GET" and e.path.split("?")[0] == f"/jobs/{job_id}"
    ]


async def test_an_agent_edit_is_followed_to_success(
    client: DescriptClient, sim_clock: ManualClock, in_flight: InFlight, sim_world: World
) -> None:
    project = next(iter(sim_world.projects.values()))
    created = await client.agent_edit(
        AgentRequest(project_id=project.id, prompt="Add studio sound to every clip")
    )
    scheduler = PollingScheduler(client, clock=sim_clock)
    scheduler.watch(created.job_id)
    events = await run_for(scheduler, client.clock, in_flight, 400, until_idle=True)
    kinds = [e.kind for e in events if isinstance(e, JobEvent)]
    assert kinds[0] == "added"
    assert kinds[-1] == "finished" and kinds.count("finished") == 1
    assert "changed" in kinds  # progress was seen moving
    finished = events[-1]
    assert isinstance(finished, JobEvent) and finished.job is not None
    assert finished.job.outcome is Outcome.SUCCESS
    times = job_gets(client, created.job_id)
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(times))
    assert scheduler.watched == frozenset()
    assert [e.state for e in link_changes(events)] == ["online"]


async def test_many_running_jobs_are_refreshed_by_list_pages(
    client: DescriptClient, sim_clock: ManualClock, in_flight: InFlight, sim_world: World
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    bulk = add_bulk_jobs(sim_world, user, 250, state="running")
    scheduler = PollingScheduler(client, clock=sim_clock)
    async for job in client.iter_jobs(limit=100):
        scheduler.watch(job)
    assert len(scheduler.watched) == 250
    events = await run_for(scheduler, sim_clock, in_flight, 60)
    paths = [e.path.split("?")[0] for e in client.activity.entries()]
    # 3 pages every ~5 s instead of 250 GETs every 5 s.
    assert paths.count("/jobs") <= 3 + 3 * 13
    assert sum(p.startswith("/jobs/") for p in paths) == 0
    changed = {e.job_id for e in events if isinstance(e, JobEvent) and e.kind == "changed"}
    assert changed == {job.job_id for job in bulk}
    assert all(e.status == 200 for e in client.activity.entries())


class RowLog:
    """The real client, recording when each job's row (or GET answer) was received."""

    def __init__(self, client: DescriptClient) -> None:
        self.client = client
        self.clock = client.clock
        self.limits = client.limits
        self.reads: dict[str, list[float]] = {}
        self.pages: list[float] = []

    def _read(self, job_id: str) -> None:
        self.reads.setdefault(job_id, []).append(self.clock.monotonic())

    async def get_job(self, job_id: str) -> Job:
        job = await self.client.get_job(job_id)
        self._read(job_id)
        return job

    async def list_jobs_page(self, **query: Any) -> JobPage:
        self.pages.append(self.clock.monotonic())
        page = await self.client.list_jobs_page(**query)
        for job in page.jobs:
            self._read(job.job_id)
        return page


async def test_two_thousand_ids_are_revisited_every_six_seconds_by_list_pages(
    client: DescriptClient, sim_clock: ManualClock, in_flight: InFlight, sim_world: World
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    ids = [job.job_id for job in add_bulk_jobs(sim_world, user, 2000, state="running")]
    rows = RowLog(client)
    scheduler = PollingScheduler(rows, clock=sim_clock)  # the dashboard's 8 req/s
    scheduler.watch_many(ids)
    start = sim_clock.monotonic()
    await run_for(scheduler, sim_clock, in_flight, 40)
    paths = [e.path.split("?")[0] for e in client.activity.entries()]
    assert sum(p.startswith("/jobs/") for p in paths) == 0, "no GET: pages cover them all"
    assert all(e.status == 200 for e in client.activity.entries())
    # 20 pages find them; then a refresh costs at most the 20 pages of the window and
    # the 2 the planner keeps for new rows, each 6 s (8 pages/s could do 2.5 s): over 40 s
    # that is at most 7 sweeps after the finding one.
    assert 20 <= paths.count("/jobs") <= 20 + 7 * 22
    assert max(rows.pages) - min(rows.pages) >= 30, "still sweeping at the end"
    for job_id in ids:
        reads = rows.reads[job_id]
        gaps = [b - a for a, b in itertools.pairwise(reads)]
        # Never read twice within 3 s; every running job revisited within ~6 s.
        assert min(gaps) >= 3.0, job_id
        assert max(gaps) <= 6.0 + 0.5, job_id
        assert reads[-1] >= start + 34.0, job_id


async def test_an_unknown_job_is_gone(
    client: DescriptClient, sim_clock: ManualClock, in_flight: InFlight
) -> None:
    scheduler = PollingScheduler(client, clock=sim_clock)
    missing = str(uuid.uuid4())
    scheduler.watch(missing)
    events = await run_for(scheduler, sim_clock, in_flight, 30)
    gone = [e for e in events if isinstance(e, JobEvent)]
    assert [(e.kind, e.job_id) for e in gone] == [("gone", missing)]
    assert isinstance(gone[0].error, NotFoundError)
    assert len(job_gets(client, missing)) == 1


async def test_a_bad_token_stops_polling_as_unauthorized(
    sim_app: Starlette, sim_clock: ManualClock
) -> None:
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with DescriptClient(
        "not-a-real-token", base_url=IN_PROCESS_BASE_URL, transport=in_flight, clock=sim_clock
    ) as client:
        scheduler = PollingScheduler(client, clock=sim_clock)
        scheduler.watch(str(uuid.uuid4()))
        started = sim_clock.now()
        events = await run_for(scheduler, sim_clock, in_flight, 60)
        assert len(client.activity.entries()) == 1
    assert all(isinstance(e, ConnectionEvent) for e in events), "no job event for a 401"
    [event] = link_changes(events)
    assert event.state == "unauthorized"
    # A 401 is an answer: the server was heard; nothing is planned until resume().
    heard = events[-1].last_heard_at
    assert heard is not None and (heard - started).total_seconds() < 1
    assert events[-1].next_request_at is None
    assert isinstance(event.error, UnauthorizedError)
    assert "not-a-real-token" not in event.detail


class Switchable(InFlight):
    """The simulator behind a switch: connection refused while `down`, one 429 when asked."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        super().__init__(inner)
        self.down = False
        self.throttle_next: str | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if self.throttle_next is not None:
            retry_after, self.throttle_next = self.throttle_next, None
            return httpx.Response(
                429,
                headers={"Retry-After": retry_after, "X-RateLimit-Remaining": "0"},
                json={"error": "rate_limited", "message": "Too many requests"},
                request=request,
            )
        return await super().handle_async_request(request)


async def test_offline_then_back_with_the_real_client(
    sim_transport: httpx.ASGITransport, sim_clock: ManualClock, sim_world: World
) -> None:
    switch = Switchable(sim_transport)
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    [job] = add_bulk_jobs(sim_world, user, 1, state="running")
    async with DescriptClient(
        DEMO_TOKEN,
        base_url=IN_PROCESS_BASE_URL,
        transport=switch,
        clock=sim_clock,
        retry=RetryPolicy(max_attempts=2),
    ) as client:
        scheduler = PollingScheduler(client, clock=sim_clock)
        scheduler.watch(job.job_id)
        switch.down = True
        events: list[SchedulerEvent] = []
        task = asyncio.create_task(collect(scheduler, events))
        for _ in range(600):  # 60 s offline
            await quiesce(switch)
            await sim_clock.advance(0.1)
        offline = [e for e in events if isinstance(e, ConnectionEvent)]
        assert offline and {e.state for e in offline} == {"offline"}
        assert isinstance(offline[0].error, TransportError)
        assert all(e.retry_at is not None for e in offline)
        # The scheduler's own tries (each with one client retry) back off: ~3, 4, 8, 16 s.
        tries = [e.at.timestamp() for e in client.activity.entries() if e.attempt == 1]
        gaps = [b - a for a, b in itertools.pairwise(tries)]
        assert 4 <= len(tries) <= 6
        assert gaps == sorted(gaps) and gaps[-1] >= 16
        switch.down = False
        for _ in range(350):  # the next probe is at most 30 s away
            await quiesce(switch)
            await sim_clock.advance(0.1)
        scheduler.stop()
        await quiesce(switch)
        await sim_clock.advance(0)
        await asyncio.wait_for(task, timeout=5)
    assert [e.state for e in link_changes(events)][-1] == "online"
    assert next(e.kind for e in events if isinstance(e, JobEvent)) == "added"


async def test_a_long_retry_after_is_shown_and_honoured(
    sim_transport: httpx.ASGITransport, sim_clock: ManualClock, sim_world: World
) -> None:
    switch = Switchable(sim_transport)
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    [job] = add_bulk_jobs(sim_world, user, 1, state="running")
    async with DescriptClient(
        DEMO_TOKEN,
        base_url=IN_PROCESS_BASE_URL,
        transport=switch,
        clock=sim_clock,
        retry=RetryPolicy(max_retry_after=10),
    ) as client:
        scheduler = PollingScheduler(client, clock=sim_clock)
        scheduler.watch(job.job_id)
        switch.throttle_next = "42"
        started = sim_clock.now()
        events = await run_for(scheduler, sim_clock, switch, 60)
        sent = [e.at for e in client.activity.entries()]
    assert (sent[1] - sent[0]).total_seconds() >= 42
    states = link_changes(events)
    assert [e.state for e in states] == ["rate_limited", "online"]
    assert states[0].retry_at is not None
    assert abs((states[0].retry_at - started).total_seconds() - 42) < 1


async def collect(scheduler: PollingScheduler, into: list[SchedulerEvent]) -> None:
    async for batch in scheduler.run():
        into.extend(batch)
