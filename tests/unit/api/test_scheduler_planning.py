"""The scheduler's planning indexes against brute force: the due heap and the created index."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.models import RETENTION
from tui.api.planning import LIST_LOOKBACK, CreatedIndex, DueQueue, PollPolicy

IDS = st.sampled_from([f"job-{i}" for i in range(12)])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), IDS, st.integers(0, 20), st.integers(0, 3)),
        st.tuples(st.just("discard"), IDS, st.just(0), st.just(0)),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(OPS, st.integers(0, 12))
def test_due_queue_walks_in_due_then_created_then_id_order(
    ops: list[tuple[str, str, int, int]], take: int
) -> None:
    queue = DueQueue()
    truth: dict[str, tuple[float, float]] = {}
    for op, job_id, due, created in ops:
        if op == "set":
            queue.set(job_id, float(due), float(created))
            truth[job_id] = (float(due), float(created))
        else:
            queue.discard(job_id)
            truth.pop(job_id, None)
    expected = sorted(truth.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0]))
    walked = list(itertools.islice(queue.in_order(), take))
    assert walked == [(due, job_id) for job_id, (due, _) in expected[:take]]
    assert len(queue) == len(truth)
    assert queue.earliest() == (expected[0][1][0] if expected else None)


@settings(max_examples=200, deadline=None)
@given(OPS, st.integers(-1, 4))
def test_created_index_counts_a_window_like_a_scan(
    ops: list[tuple[str, str, int, int]], since: int
) -> None:
    index = CreatedIndex()
    truth: dict[str, float] = {}
    for op, job_id, _, created in ops:
        if op == "set":
            index.add(job_id, float(created))
            truth.setdefault(job_id, float(created))  # a job's creation never changes
        else:
            index.discard(job_id)
            truth.pop(job_id, None)
    assert index.count_since(float(since)) == sum(1 for c in truth.values() if c >= since)
    newest = [job_id for _, job_id in index.newest_first()]
    assert newest == [k for k, _ in sorted(truth.items(), key=lambda kv: (kv[1], kv[0]))][::-1]


def test_pages_for_a_window() -> None:
    policy = PollPolicy(page_limit=100)
    assert [policy.pages_for(n) for n in (0, 1, 100, 101, 5000)] == [1, 1, 1, 2, 50]


def test_the_list_window_is_derived_from_the_retention() -> None:
    assert PollPolicy().pages_for(1) * (RETENTION - LIST_LOOKBACK) == RETENTION - LIST_LOOKBACK
    assert 0 < (RETENTION - LIST_LOOKBACK).total_seconds() <= 60


def test_sweep_pace_is_cheap_for_small_fleets_and_fresh_for_big_ones() -> None:
    from tui.api.clock import ManualClock
    from tui.api.sweeping import SweepPlanner

    policy = PollPolicy()
    planner = SweepPlanner(policy, ManualClock(), {}, lambda _tracked: 0.0)
    # One page: the 3 s floor. 10 pages (1,000 jobs): 2.5 pages/s, every 4 s.
    assert planner.gap(1) == policy.min_interval
    assert planner.gap(10) == 10 / policy.sweep_pages_per_second == 4.0
    # 20 pages would wait 8 s at 2.5 pages/s: the revisit comes back in 6 s instead.
    assert planner.gap(20) == policy.sweep_revisit == 6.0
    # 50 pages (5,000 jobs) in 6 s is more than the 8 pages/s budget: 6.25 s.
    assert planner.gap(50) == 50 / policy.max_sweep_pages_per_second
    planner.started(100.0, 50)
    assert planner.next_time() == 106.25


def reference_plan(planner: object, now: float) -> tuple[list[str], int] | None:
    """The sweep window as first written: one bisection per job (the plan must agree)."""
    from tui.api.sweeping import SweepPlanner

    assert isinstance(planner, SweepPlanner)
    policy = planner.policy
    oldest = (planner._clock.now() - LIST_LOOKBACK).timestamp()
    scanned: list[str] = []
    best, best_created, due_count, stale_count = None, 0.0, 0, 0
    for created, job_id in planner.candidates.newest_first():
        if created <= oldest:
            break
        tracked = planner._jobs[job_id]
        pages = policy.pages_for(planner.listed.count_since(created))
        if pages > policy.max_sweep_pages:
            break
        scanned.append(job_id)
        due_count += planner._due_time(tracked) <= now + policy.due_slack
        stale_count += now - (tracked.last_seen or now) >= policy.first_interval
        if due_count > pages or stale_count >= pages * policy.sweep_yield:
            best, best_created = len(scanned), created
    if best is None:
        return None
    pages = policy.pages_for(planner.listed.count_since(best_created))
    return scanned[:best], min(policy.max_sweep_pages, pages + 2)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=120),
    st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), max_size=120),
    st.integers(1, 6),
)
def test_the_sweep_window_grows_a_page_at_a_time_like_a_count_per_job(
    listed: list[int], states: list[tuple[int, int]], max_pages: int
) -> None:
    # Windows of a few rows a page, so a window crosses many pages and the page limit.
    from datetime import timedelta

    from tui.api.clock import ManualClock
    from tui.api.models import Job, format_timestamp
    from tui.api.planning import Tracked
    from tui.api.sweeping import SweepPlanner

    clock = ManualClock()
    policy = PollPolicy(page_limit=4, max_sweep_pages=max_pages, sweep_yield=1)
    jobs: dict[str, Tracked] = {}
    planner = SweepPlanner(policy, clock, jobs, lambda tracked: tracked.next_due)
    now = 100.0
    for number, minute in enumerate(listed):
        created = clock.now() - timedelta(minutes=minute)
        job = Job.from_json(
            {"job_id": f"job-{number:03d}", "job_type": "import/project_media",
             "job_state": "running", "created_at": format_timestamp(created)}
        )  # fmt: skip
        planner.remember(job)
        if number < len(states):  # the first ones are watched: sweep candidates
            due, seen = states[number]
            jobs[job.job_id] = Tracked(job.job_id, job, now - seen, next_due=now + due - 5)
            planner.candidates.add(job.job_id, created.timestamp())
    sweep = planner.plan(now)
    expected = reference_plan(planner, now)
    assert (None if sweep is None else (sweep.targets, sweep.max_pages)) == expected
