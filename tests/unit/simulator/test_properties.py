"""Properties of the simulated lifecycle and of paging, over many clocks and requests."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.clock import ManualClock
from tui.simulator.demo import add_bulk_jobs
from tui.simulator.world import DEMO_USER_ID, RUNNING, World

ORDER = {"queued": 0, "running": 1, "stopped": 2, "cancelled": 2}
PROMPTS = st.sampled_from(["add captions", "impossible", "no changes", "timeout", "music"])


@settings(max_examples=40, deadline=None)
@given(
    prompt=PROMPTS,
    seed=st.integers(0, 1000),
    steps=st.lists(st.floats(0.1, 40.0), min_size=3, max_size=25),
    cancel_at=st.one_of(st.none(), st.integers(0, 24)),
)
def test_a_job_only_moves_forward(prompt, seed, steps, cancel_at):
    clock = ManualClock()
    world = World.empty(clock, seed=seed)
    project = world.add_project("P", compositions=["C"])
    user = world.users[DEMO_USER_ID]
    job = world.submit_agent(user, {"project_id": project.id, "prompt": prompt})
    previous = None
    for i, step in enumerate(steps):
        clock.advance_nowait(step)
        now = world.now_ts()
        if i == cancel_at and job.phase(now)[0] in ("queued", RUNNING):
            world.cancel(user, job.job_id)
        body = job.to_json(now)
        state = body["job_state"]
        assert ("progress" in body) == (state == "running")
        assert ("result" in body) == (state == "stopped")
        assert ("stopped_at" in body) == (state in ("stopped", "cancelled"))
        if previous is not None:
            assert ORDER[state] >= ORDER[previous["job_state"]]
            if previous["job_state"] in ("stopped", "cancelled"):
                assert body == previous
            if state == previous["job_state"] == "running":
                assert body["progress"]["percent"] >= previous["progress"]["percent"]
                assert body["progress"]["last_update_at"] >= previous["progress"]["last_update_at"]
        previous = body
    total = sum(steps)
    if total >= 180:
        assert previous["job_state"] in ("stopped", "cancelled")


@settings(max_examples=25, deadline=None)
@given(
    batches=st.lists(st.integers(1, 40), min_size=1, max_size=5),
    limit=st.integers(1, 100),
    job_type=st.sampled_from([None, "agent", "import/project_media"]),
)
def test_paging_returns_every_job_once_newest_first(batches, limit, job_type):
    async def run() -> None:
        clock = ManualClock()
        world = World.empty(clock)
        user = world.users[DEMO_USER_ID]
        expected = 0
        for i, count in enumerate(batches):
            kind = "agent" if i % 2 == 0 else "import/project_media"
            add_bulk_jobs(world, user, count, job_type=kind, state="mixed")
            if job_type in (None, kind):
                expected += count
            await clock.advance(3600)
        now = world.now_ts()
        seen = []
        cursor = None
        while True:
            page, cursor = world.list_jobs(
                user,
                now=now,
                job_type=job_type,
                project_id=None,
                after=now - 7 * 86400,
                before=now,
                cursor=cursor,
                limit=limit,
            )
            assert len(page) <= limit
            seen.extend(page)
            if cursor is None:
                break
        assert len(seen) == expected
        assert len({j.job_id for j in seen}) == expected
        keys = [j.sort_key for j in seen]
        assert keys == sorted(keys, reverse=True)

    asyncio.run(run())
