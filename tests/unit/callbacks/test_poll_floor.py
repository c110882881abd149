"""The scheduler's poll floor hook (issue 12): while a callback is awaited, only safety
polls; when the hook says None again, the normal schedule comes back."""

from __future__ import annotations

import asyncio
import itertools

from tests.unit.api.test_scheduler import FakeJobApi, collect
from tui.api.clock import ManualClock
from tui.api.planning import DEFAULT_POLICY
from tui.api.scheduler import PollingScheduler


def test_the_floor_raises_the_interval_and_none_leaves_it() -> None:
    assert DEFAULT_POLICY.interval(0, None, 60.0) == 60.0
    assert DEFAULT_POLICY.interval(0, None, None) == DEFAULT_POLICY.first_interval
    assert DEFAULT_POLICY.interval(0, None, 1.0) == DEFAULT_POLICY.first_interval


async def test_a_floored_job_is_polled_every_60s_then_normally_again() -> None:
    clock = ManualClock()
    api = FakeJobApi(clock)
    [job_id] = api.add(1, step=None)
    floors: dict[str, float | None] = {job_id: 60.0}
    scheduler = PollingScheduler(api, clock=clock, sweeps=False, poll_floor=floors.get)
    scheduler.watch(job_id)
    task = asyncio.create_task(collect(scheduler, []))
    for _ in range(130):
        await clock.advance(1)
    floors[job_id] = None  # overdue, or the receiver stopped
    for _ in range(120):
        await clock.advance(1)
    scheduler.stop()
    await clock.advance(0)
    await task
    times = [t - api.get_times(job_id)[0] for t in api.get_times(job_id)]
    assert times[:3] == [0.0, 60.0, 120.0]  # safety polls only while awaited
    after = [t for t in times if t > 120.0]
    # The next safety poll (180 s) finds no floor: from then on every 5-15 s.
    assert after[0] == 180.0 and len(after) >= 3
    assert all(5.0 <= b - a <= 15.0 for a, b in itertools.pairwise(after))
