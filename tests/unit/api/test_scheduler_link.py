"""Contract 3 on the simulator's request log: the link state, the heartbeat, the first walk,
and watching ids by list sweeps before any GET (issue 8 items 2 and 5, issue 10 item 1)."""

from __future__ import annotations

import uuid
from collections import Counter

import httpx
from starlette.applications import Starlette

from tests.unit.api.link_events import link_changes
from tests.unit.api.test_scheduler_e2e import InFlight, run_for
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.link import ConnectionEvent, JobEvent, LinkState, WalkEvent
from tui.api.scheduler import PollingScheduler
from tui.simulator.app import IN_PROCESS_BASE_URL
from tui.simulator.demo import add_bulk_jobs
from tui.simulator.world import DEMO_TOKEN, World


def _list_requests(sim_app: Starlette) -> list[dict[str, object]]:
    return [
        e for e in sim_app.state.sim.request_log if e["method"] == "GET" and e["path"] == "/v1/jobs"
    ]


def _job_gets(sim_app: Starlette) -> list[str]:
    return [
        str(e["path"])
        for e in sim_app.state.sim.request_log
        if e["method"] == "GET" and str(e["path"]).startswith("/v1/jobs/")
    ]


def _client(sim_app: Starlette, in_flight: InFlight, clock: ManualClock) -> DescriptClient:
    return DescriptClient(
        DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=in_flight, clock=clock
    )


async def test_the_first_walk_reads_each_page_once_and_says_how_far_it_got(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    add_bulk_jobs(sim_world, user, 250, state="mixed")
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with _client(sim_app, in_flight, sim_clock) as client:
        scheduler = PollingScheduler(client, clock=sim_clock, discover=True, walk_on_start=True)
        assert scheduler.connection_state is LinkState.CONNECTING
        events = await run_for(scheduler, sim_clock, in_flight, 5)
    walks = [e for e in events if isinstance(e, WalkEvent)]
    assert [(w.pages, w.jobs, w.complete) for w in walks] == [
        (1, 100, False),
        (2, 200, False),
        (3, 250, True),
    ]
    adds = [i for i, e in enumerate(events) if isinstance(e, JobEvent) and e.kind == "added"]
    added = [events[i].job_id for i in adds]  # type: ignore[union-attr]
    assert len(added) == len(set(added)) == 250
    # A page's "added" events come before its WalkEvent, the next page's after.
    assert adds[99] < events.index(walks[0]) < adds[100]
    lists = _list_requests(sim_app)
    assert len(lists) >= 3
    first_three = [str(e["query"]) for e in lists[:3]]
    assert len(set(first_three)) == 3, "no page asked twice"
    seconds = Counter((e["method"], e["path"], e["query"], str(e["at"])[:19]) for e in lists)
    assert max(seconds.values()) == 1, "no request repeated within one second"
    assert scheduler.connection_state is LinkState.ONLINE


async def test_a_quiet_drive_still_reports_when_it_was_heard(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with _client(sim_app, in_flight, sim_clock) as client:
        scheduler = PollingScheduler(client, clock=sim_clock, discover=True)
        events = await run_for(scheduler, sim_clock, in_flight, 120)
    beats = [e for e in events if isinstance(e, ConnectionEvent)]
    assert [e.state for e in link_changes(events)] == [LinkState.ONLINE]
    # Nothing changes on the Drive, yet each discovery request says it was heard.
    assert len(beats) >= 10
    heard = [e.last_heard_at for e in beats]
    assert all(h is not None for h in heard) and heard == sorted(heard)  # type: ignore[type-var]
    last = beats[-1]
    assert last.last_heard_at is not None and last.next_request_at is not None
    assert (sim_clock.now() - last.last_heard_at).total_seconds() <= 10
    assert 0 < (last.next_request_at - last.last_heard_at).total_seconds() <= 10
    # Discovery every 10 s: stale after max(3 x 10 s, 30 s).
    assert scheduler.stale_after() == 30.0


async def test_stale_after_follows_the_planned_interval(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    [job] = add_bulk_jobs(sim_world, user, 1, state="queued")  # queued for 10 minutes
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with _client(sim_app, in_flight, sim_clock) as client:
        scheduler = PollingScheduler(client, clock=sim_clock)
        scheduler.watch(job.job_id)
        await run_for(scheduler, sim_clock, in_flight, 200)
    # An unchanged job backs off to 15 s between polls: stale after 45 s.
    assert scheduler.stale_after() == 45.0


async def test_a_thousand_ids_are_found_by_list_pages_not_gets(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    jobs = add_bulk_jobs(sim_world, user, 1000, state="running")
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with _client(sim_app, in_flight, sim_clock) as client:
        scheduler = PollingScheduler(client, clock=sim_clock)
        scheduler.watch_many(job.job_id for job in jobs)
        events = await run_for(scheduler, sim_clock, in_flight, 8)
    added = {e.job_id for e in events if isinstance(e, JobEvent) and e.kind == "added"}
    assert added == {job.job_id for job in jobs}
    assert _job_gets(sim_app) == [], "not one GET per id"
    assert 10 <= len(_list_requests(sim_app)) <= 24  # one finding sweep, then one more


async def test_ten_ids_cost_one_page_and_an_unknown_id_its_own_get(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    jobs = add_bulk_jobs(sim_world, user, 10, state="running")
    stranger = str(uuid.uuid4())
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with _client(sim_app, in_flight, sim_clock) as client:
        scheduler = PollingScheduler(client, clock=sim_clock)
        scheduler.watch_many([*(job.job_id for job in jobs), stranger])
        events = await run_for(scheduler, sim_clock, in_flight, 2)
    log = [
        (str(e["path"]), str(e["query"]))
        for e in sim_app.state.sim.request_log
        if e["method"] == "GET"
    ]
    # The newest page returned all ten; the complete sweep did not: only then a GET.
    assert [path for path, _ in log] == ["/v1/jobs", f"/v1/jobs/{stranger}"]
    gone = [e.job_id for e in events if isinstance(e, JobEvent) and e.kind == "gone"]
    assert gone == [stranger]


async def test_one_id_is_read_by_get(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    [job] = add_bulk_jobs(sim_world, user, 1, state="running")
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with _client(sim_app, in_flight, sim_clock) as client:
        scheduler = PollingScheduler(client, clock=sim_clock)
        scheduler.watch(job.job_id)
        await run_for(scheduler, sim_clock, in_flight, 1)
    assert _job_gets(sim_app) == [f"/v1/jobs/{job.job_id}"]
    assert _list_requests(sim_app) == []


async def test_a_long_walk_takes_turns_with_the_jobs_it_watches(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    add_bulk_jobs(sim_world, user, 6000, state="stopped")
    [watched] = add_bulk_jobs(sim_world, user, 1, state="queued")  # the walk's first row
    in_flight = InFlight(httpx.ASGITransport(app=sim_app))
    async with _client(sim_app, in_flight, sim_clock) as client:
        scheduler = PollingScheduler(client, clock=sim_clock, walk_on_start=True)
        scheduler.watch(watched.job_id)
        events = await run_for(scheduler, sim_clock, in_flight, 12)
    paths = [str(e["path"]) for e in sim_app.state.sim.request_log]
    assert paths.count("/v1/jobs") == 61  # 61 pages at 8 requests/s: about 8 s
    # Seen on page 1, due again 5 s later: read while the walk goes on, not after it.
    first_get = paths.index(f"/v1/jobs/{watched.job_id}")
    assert 1 < first_get < len(paths) - 1 - paths[::-1].index("/v1/jobs")
    assert [e for e in events if isinstance(e, WalkEvent)][-1] == WalkEvent(61, 6001, True)
