"""A list page in flight does not hold the GETs that are due (virtual time, fake API).

The scheduler keeps at most one `GET /jobs` page out; while it is out (even hanging until
the client's 30 s deadline), jobs the page will not return are still read on time.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from tests.unit.api.test_scheduler import FakeJobApi, drive
from tui.api.clock import ManualClock
from tui.api.models import RETENTION
from tui.api.scheduler import PollingScheduler, PollPolicy, WalkEvent


@dataclass
class HeldLists(FakeJobApi):
    """List pages wait for `release` (set it to let them answer); GETs answer at once."""

    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def _answer(self, kind: str, job_id: str | None) -> None:
        if kind == "list":
            await self.release.wait()
        await super()._answer(kind, job_id)


async def test_due_gets_go_on_while_a_list_page_hangs() -> None:
    clock = ManualClock()
    api = HeldLists(clock)
    swept = api.add(30, step=1.0)  # 30 jobs on one page: a sweep pays for itself
    # Older than the list's window: only its own GET can read it.
    [old] = api.add(1, age=(RETENTION + timedelta(days=1)).total_seconds(), step=1.0)
    scheduler = PollingScheduler(api, clock=clock)
    scheduler.watch_many(api.job(job_id) for job_id in [*swept, old])
    # A loop stuck on the page would never end: fail rather than hang (a guard, not a timing).
    await asyncio.wait_for(drive(scheduler, clock, 30), timeout=10)
    [(sent, _)] = api.lists  # one page, hanging; never a second one beside it
    old_gets = api.get_times(old)
    # A month-old runner is due every 15 s: read on time all along while the page hangs
    # (the page went out at +5 s with the other jobs' first refresh; it was due at +15 s).
    assert [t - sent for t in old_gets] == [10.0, 25.0]
    # The jobs the page will return wait for it rather than each taking a GET.
    assert all(api.get_times(job_id) == [] for job_id in swept)


async def test_a_page_that_answers_late_is_folded_in_and_the_read_goes_on() -> None:
    clock = ManualClock()
    api = HeldLists(clock)
    api.add(250, step=None, spacing=0.1)
    scheduler = PollingScheduler(api, clock=clock, walk_on_start=True)
    start = clock.monotonic()

    async def answer_late() -> None:
        await clock.sleep(12)
        api.release.set()

    late = asyncio.create_task(answer_late())
    events = await drive(scheduler, clock, 20)
    await late
    walk = [e for e in events if isinstance(e, WalkEvent)]
    # Page 1 answered at +12 s; pages 2 and 3 followed at once (one in flight at a time).
    assert [(e.pages, e.complete) for e in walk] == [(1, False), (2, False), (3, True)]
    assert [t - start for t, _ in api.lists[:3]] == [0.0, 12.0, 12.0]
    assert len(scheduler.watched) == 250


async def test_a_walk_among_many_due_jobs_takes_turns_and_is_not_starved() -> None:
    clock = ManualClock()
    api = FakeJobApi(clock)
    api.add(6000, step=None)  # 60 pages of running jobs, each due 5 s after it was walked
    scheduler = PollingScheduler(api, clock=clock, walk_on_start=True)
    events = await drive(scheduler, clock, 40)
    walk = [e for e in events if isinstance(e, WalkEvent)]
    assert walk[-1] == WalkEvent(60, 6000, True)
    # Between two walk pages, at most one batch of GETs (4): turns, not a flood of GETs.
    page_times = [t for t, _ in api.lists][:60]
    for before, after in itertools.pairwise(page_times):
        between = [t for t, _ in api.gets if before < t < after]
        assert len(between) <= PollPolicy().max_concurrency
    assert api.gets, "the jobs walked first were read again while the walk went on"
    # The GETs' share while the walk goes on: 2 in any 1 s window; the pages get the other 6.
    policy = PollPolicy()
    walk_gets = [t for t, _ in api.gets if t < page_times[-1]]
    for t in walk_gets:
        assert sum(t <= u < t + 1.0 for u in walk_gets) <= policy.read_gets_per_second
    share = policy.max_requests_per_second - policy.read_gets_per_second
    assert page_times[-1] - page_times[0] <= 60 / share + 1.0
