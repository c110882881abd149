"""The seeded demo world: every state from the first second, reproducible, alive."""

from __future__ import annotations

from collections import Counter

from tui.api.clock import ManualClock
from tui.api.models import Job, Outcome
from tui.simulator.app import create_app
from tui.simulator.demo import add_bulk_jobs, demo_world
from tui.simulator.world import DEMO_DRIVE_ID, DEMO_USER_ID, World


def visible_jobs(world: World) -> list[Job]:
    now = world.now_ts()
    user = world.users[DEMO_USER_ID]
    jobs, _ = world.list_jobs(
        user,
        now=now,
        job_type=None,
        project_id=None,
        after=now - 7 * 86400,
        before=now,
        cursor=None,
        limit=100,
    )
    return [Job.from_json(j.to_json(now)) for j in jobs]


def test_demo_has_every_state_and_outcome():
    world = demo_world(0, ManualClock())
    jobs = visible_jobs(world)
    assert 25 <= len(jobs) <= 60
    outcomes = Counter(j.outcome for j in jobs)
    for outcome in (
        Outcome.QUEUED,
        Outcome.RUNNING,
        Outcome.SUCCESS,
        Outcome.PARTIAL,
        Outcome.FAILED,
        Outcome.CANCELLED,
    ):
        assert outcomes[outcome] >= 1, outcome
    kinds = Counter(j.kind for j in jobs)
    assert kinds["import"] and kinds["agent"] and kinds["publish"]
    partial_multi = [
        j for j in jobs if j.outcome is Outcome.PARTIAL and len(j.result.media_status) >= 3
    ]
    assert partial_multi
    running_agent = [j for j in jobs if j.kind == "agent" and j.outcome is Outcome.RUNNING]
    assert running_agent and 0 < running_agent[0].progress.percent < 100
    waiting = [j for j in jobs if j.progress and "Waiting for upload" in (j.progress.label or "")]
    assert waiting


def test_demo_names_include_markup_to_escape():
    world = demo_world(0, ManualClock())
    names = {p.name for p in world.projects_of(DEMO_DRIVE_ID)}
    assert "Podcast [rough]" in names


def test_demo_is_reproducible_from_its_seed():
    def snapshot(seed: int) -> list[dict]:
        world = demo_world(seed, ManualClock())
        now = world.now_ts()
        return [j.to_json(now) for j in world.jobs.values()]

    assert snapshot(1) == snapshot(1)
    assert snapshot(1) != snapshot(2)


async def test_new_jobs_keep_arriving_slowly():
    clock = ManualClock()
    world = demo_world(0, clock)
    sim = create_app(world).state.sim
    before = world.job_count()
    await clock.advance(10 * 60)
    world.settle()
    assert world.job_count() == before  # the world never calls into the demo script
    sim.catch_up()  # the app's timer (and every request) asks the demo what has arrived
    arrived = world.job_count() - before
    assert 3 <= arrived <= 10
    # A long jump only replays the last hour's arrivals.
    await clock.advance(10 * 86400)
    sim.catch_up()
    assert world.job_count() - before - arrived <= 60


def test_bulk_jobs_are_cheap_and_in_the_asked_state():
    world = World.empty(ManualClock())
    user = world.users[DEMO_USER_ID]
    jobs = add_bulk_jobs(world, user, 2000, state="mixed", job_type="import/project_media")
    now = world.now_ts()
    states = Counter(j.to_json(now)["job_state"] for j in jobs)
    assert states == {"queued": 500, "running": 500, "stopped": 500, "cancelled": 500}


def test_demo_has_stalled_and_long_queued_jobs():
    clock = ManualClock()
    world = demo_world(0, clock)
    now = clock.now()
    jobs = visible_jobs(world)
    stalled = [
        j
        for j in jobs
        if j.outcome is Outcome.RUNNING
        and j.progress.last_update_at is not None
        and (now - j.progress.last_update_at).total_seconds() > 10 * 60
    ]
    assert sorted(j.kind for j in stalled) == ["agent", "import"]
    queued = [
        j
        for j in jobs
        if j.outcome is Outcome.QUEUED and (now - j.created_at).total_seconds() > 5 * 60
    ]
    assert len(queued) == 1


async def test_stalled_jobs_stay_stalled_then_finish():
    clock = ManualClock()
    world = demo_world(0, clock)
    user = world.users[DEMO_USER_ID]

    def stalled_progress() -> list[str]:
        now = world.now_ts()
        return [
            j.to_json(now)["progress"]["last_update_at"]
            for j in world.jobs.values()
            if j.stall_at_s is not None and j.phase(now)[0] == "running"
        ]

    before = stalled_progress()
    assert len(before) == 2
    await clock.advance(10 * 60)
    assert stalled_progress() == before  # ten more minutes, not a step of progress
    await clock.advance(45 * 60)
    assert stalled_progress() == []  # the stall ended and both finished
    assert all(
        world.job_for(user, j.job_id).to_json(world.now_ts())["job_state"] == "stopped"
        for j in world.jobs.values()
        if j.stall_at_s is not None
    )


def test_demo_has_several_imports_failing_for_one_reason():
    jobs = visible_jobs(demo_world(0, ManualClock()))
    reasons = Counter(f.error_message for j in jobs if j.kind == "import" for f in j.failed_files)
    assert reasons.most_common(1) == [("URL does not support HTTP Range requests", 7)]
    others = {r: n for r, n in reasons.items() if n >= 2}
    assert set(others) >= {
        "URL does not support HTTP Range requests",
        "The media file could not be decoded",
    }
    assert any(r.startswith("Unsupported file type") for r in reasons)
    partial_two = [
        j for j in jobs if j.outcome is Outcome.PARTIAL and len(j.failed_files) == 2
    ]
    assert partial_two  # "Conference Talk - Day 2": two of four files failed
