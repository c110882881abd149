"""Callbacks end to end on virtual time: the simulator delivers, the scheduler re-reads.

The simulator (in-process, `ManualClock`) delivers each job's callback straight into the
receiver's ASGI app (`callback_transport`), with its fault profiles; the scheduler runs with
`poll_floor` from the expectations and is poked by accepted callbacks. Everything is asserted
on what was sent (the client's activity log) and when (virtual time).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import pytest

from tests.unit.api.test_scheduler_e2e import InFlight, job_gets, quiesce
from tui.api.activity import ActivityLog
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.models import Job, parse_timestamp
from tui.api.requests import ImportRequest, UrlMedia
from tui.api.scheduler import JobEvent, PollingScheduler
from tui.callbacks.receiver import UNKNOWN_JOB
from tui.callbacks.wiring import CallbackWatch, parse_host_port
from tui.simulator.app import IN_PROCESS_BASE_URL, create_app
from tui.simulator.world import DEMO_TOKEN, World


@dataclass
class Rig:
    clock: ManualClock
    app: object
    client: DescriptClient
    in_flight: InFlight
    watch: CallbackWatch
    scheduler: PollingScheduler
    activity: ActivityLog
    #: job id -> (virtual time its "finished" event came out, the job as read)
    finished: dict[str, tuple[datetime, Job]] = field(default_factory=dict)
    consumer: asyncio.Task[None] | None = None

    async def submit(self, name: str) -> str:
        request = ImportRequest(
            project_name=name,
            add_media={"a.mp4": UrlMedia("https://example.com/a.mp4")},
            callback_url=self.watch.receiver.callback_url,
        )
        created = await self.client.import_media(request)
        self.watch.expect(created.job_id)
        self.scheduler.watch(created.job_id)
        return created.job_id

    async def run(self, seconds: float) -> None:
        """Let the scheduler and the simulator's delivery timer run for `seconds` more."""
        if self.consumer is None:
            self.consumer = asyncio.create_task(self._consume())
        end = self.clock.monotonic() + seconds
        while self.clock.monotonic() < end:
            await quiesce(self.in_flight)
            await self.app.state.sim.callbacks.tick()  # type: ignore[attr-defined]
            await quiesce(self.in_flight)
            await self.clock.advance(0.2)

    async def close(self) -> None:
        self.scheduler.stop()
        await quiesce(self.in_flight)
        await self.clock.advance(0)
        if self.consumer is not None:
            await asyncio.wait_for(self.consumer, timeout=5)

    async def _consume(self) -> None:
        async for batch in self.scheduler.run():
            self.watch.observe(batch)
            for event in batch:
                if isinstance(event, JobEvent) and event.kind == "finished":
                    assert event.job is not None
                    self.finished[event.job_id] = (self.clock.now(), event.job)

    def lag(self, job_id: str) -> float:
        """Seconds from the job's stop (simulator time) to its final state known here."""
        known_at, job = self.finished[job_id]
        stopped = parse_timestamp(job.raw["stopped_at"])
        assert stopped is not None
        return (known_at - stopped).total_seconds()


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    clock = ManualClock()
    world = World.empty(clock, seed=0)
    watch = CallbackWatch(clock=clock, public_url="http://127.0.0.1:9")
    activity = ActivityLog()
    watch.log_to(activity)
    # In-process: the simulator posts straight into the receiver; no port is bound.
    watch.expectations.receiver_running = True
    deliver = httpx.ASGITransport(app=watch.receiver)
    app = create_app(world, clock=clock, rate_limits=False, callback_transport=deliver)
    in_flight = InFlight(httpx.ASGITransport(app=app))
    async with DescriptClient(
        DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=in_flight, clock=clock
    ) as client:
        scheduler = PollingScheduler(
            client, clock=clock, poll_floor=watch.expectations.poll_floor
        )
        watch.attach(scheduler.poke)
        rig = Rig(clock, app, client, in_flight, watch, scheduler, activity)
        yield rig
        await rig.close()


async def set_callback_fault(rig: Rig, profile: str) -> None:
    rig.app.state.sim.callbacks.configure(profile)  # type: ignore[attr-defined]


def get_count(rig: Rig, job_id: str) -> int:
    return len(job_gets(rig.client, job_id))


def reads_allowed(rig: Rig, job_id: str) -> int:
    """The first read, a safety poll per 60 s the job ran, and one after it stopped."""
    _, job = rig.finished[job_id]
    assert job.created_at is not None
    stopped = parse_timestamp(job.raw["stopped_at"])
    assert stopped is not None
    return 2 + int((stopped - job.created_at).total_seconds() // 60)


async def test_a_callback_brings_the_final_state_within_the_3s_floor(rig: Rig) -> None:
    ids = [await rig.submit(f"P{i}") for i in range(3)]
    await rig.run(400)
    assert set(rig.finished) == set(ids)
    for job_id in ids:
        assert rig.lag(job_id) <= 3.2  # the hint's GET waits at most the 3 s floor
        # No 5 s polling: the first read, safety polls, and the one GET the callback asked.
        assert get_count(rig, job_id) <= reads_allowed(rig, job_id)
    assert rig.watch.receiver.accepted == 3
    # One finding page for the three ids never read; awaited jobs are not swept after that.
    assert rig.scheduler.stats.list_pages == 1


async def test_a_duplicated_callback_costs_no_second_get(rig: Rig) -> None:
    await set_callback_fault(rig, "duplicated")
    job_id = await rig.submit("Dup")
    await rig.run(400)
    assert rig.watch.receiver.accepted == 2  # both accepted: ours, not forgeries
    assert rig.lag(job_id) <= 3.2
    assert get_count(rig, job_id) <= reads_allowed(rig, job_id)


async def test_a_lost_callback_is_caught_by_the_safety_poll(rig: Rig) -> None:
    await set_callback_fault(rig, "lost")
    job_id = await rig.submit("Lost")
    await rig.run(400)
    assert rig.watch.receiver.accepted == 0
    assert job_id in rig.finished
    assert 0 < rig.lag(job_id) <= 60.5
    assert get_count(rig, job_id) <= reads_allowed(rig, job_id)


async def test_a_late_callback_after_the_safety_poll_changes_nothing(rig: Rig) -> None:
    await set_callback_fault(rig, "late")
    job_id = await rig.submit("Late")
    await rig.run(400)
    assert rig.lag(job_id) <= 60.5  # the safety poll was first (the callback is 90 s late)
    gets = get_count(rig, job_id)
    assert rig.watch.receiver.accepted == 1  # it came, was ours, and asked for nothing
    assert gets <= reads_allowed(rig, job_id)
    assert rig.finished[job_id][1].is_finished


async def test_a_forged_callback_for_an_unknown_job_changes_nothing(rig: Rig) -> None:
    job_id = await rig.submit("Real")
    await rig.run(5)
    before = get_count(rig, job_id)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=rig.watch.receiver), base_url="http://127.0.0.1:9"
    ) as forger:
        answer = await forger.post(
            rig.watch.receiver.path, json={"job_id": "not-ours", "job_state": "stopped"}
        )
    await rig.run(5)
    assert answer.status_code == 202  # a forger learns nothing
    assert rig.watch.receiver.refused[UNKNOWN_JOB] == 1
    assert rig.watch.receiver.accepted == 0
    assert get_count(rig, job_id) == before  # nothing re-read, nothing polled early
    assert rig.scheduler.job("not-ours") is None
    [entry] = rig.activity.entries()  # the refusal, in the activity log, path cut
    assert entry.note == "callback refused: unknown job" and entry.status == 202
    assert rig.watch.receiver.path not in entry.path and entry.path.endswith("…")


async def test_a_stopped_receiver_puts_awaited_jobs_back_on_the_normal_schedule(
    rig: Rig,
) -> None:
    job_id = await rig.submit("Stop")
    await rig.run(10)
    assert rig.scheduler.next_poll_in(job_id) is not None
    assert rig.scheduler.next_poll_in(job_id) > 40  # type: ignore[operator]
    await rig.watch.stop()  # never started: stops the waiting all the same
    assert rig.scheduler.next_poll_in(job_id) == 0.0  # poked: read now, then every 5-15 s
    before = get_count(rig, job_id)
    await rig.run(30)
    assert get_count(rig, job_id) - before >= 2


def test_host_port_parsing() -> None:
    assert parse_host_port("127.0.0.1:8787") == ("127.0.0.1", 8787)
    assert parse_host_port(":0") == ("127.0.0.1", 0)
    assert parse_host_port("[::1]:9000") == ("::1", 9000)
    for bad in ("8787", "host:", "host:port", "h:70000"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            parse_host_port(bad)
