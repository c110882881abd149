"""The board's kept orders (`tui/live/order.py`) against the plain answer: a full sort.

Rows join, move, leave, expire and stall in random batches (fixed seeds), filters and sorts
change between them, and after every step the table's order must be exactly what sorting
every passing row by `JobSort.key` gives (tie-break `created_at`, then `job_id`), read
backwards when reversed, with `index_of` agreeing at every position.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tests.unit.live.helpers import T0, added, changed, job
from tui.api.models import Job
from tui.api.scheduler import JobEvent
from tui.live.board import Board
from tui.live.filters import SORT_KEYS, JobFilter, JobSort
from tui.live.order import merge_in
from tui.live.rows import RowStatus

STATES = ("queued", "running", "stopped", "cancelled", "failed")
TYPES = ("import/project_media", "agent", "publish")
PROJECTS = ("p1", "p2", "p3", None)
FILTERS = (
    JobFilter(),
    JobFilter(state="running"),
    JobFilter(state="failed"),
    JobFilter(state="stalled"),
    JobFilter(kind="agent"),
    JobFilter(project_id="p2"),
    JobFilter(text="1"),
    JobFilter(text="alpha"),
    JobFilter(state="running", text="j0"),
)


def full_sort(board: Board) -> list[str]:
    """What the table should show: every passing row, sorted from scratch."""
    passing = [
        row.job
        for row in board.rows()
        if board.passes(row.job, row.status, stalled=row.stalled_since is not None)
    ]
    return [j.job_id for j in sorted(passing, key=board.sort.key, reverse=board.sort.reverse)]


def check(board: Board) -> None:
    expected = full_sort(board)
    assert [board.job_id_at(i) for i in range(len(board))] == expected
    assert board.shown_ids() == expected
    for index, job_id in enumerate(expected):
        assert board.index_of(job_id) == index
    hidden = {row.job.job_id for row in board.rows()} - set(expected)
    assert all(board.index_of(job_id) is None for job_id in hidden)


def random_job(rng: random.Random, job_id: str) -> Job:
    state = rng.choice(STATES)
    extra: dict[str, object] = {}
    if state == "failed":
        extra["result"] = {"status": "error", "error_message": "Alpha failed"}
    percent = rng.choice((None, 10.0, 50.0, 90.0)) if state == "running" else None
    return job(
        job_id,
        state,
        minute=rng.randrange(20),  # many ties: the tie-break decides often
        project_id=rng.choice(PROJECTS),
        percent=percent,
        job_type=rng.choice(TYPES),
        **extra,
    )


def random_step(rng: random.Random, board: Board, ids: list[str]) -> None:
    """One call the screen makes, chosen at random, with a random batch where it takes one."""
    known = [row.job.job_id for row in board.rows()]
    step = rng.randrange(8)
    if step <= 2 or not known:  # a page: new rows and changed ones together
        batch = [random_job(rng, rng.choice(ids)) for _ in range(rng.randrange(1, 40))]
        board.apply([JobEvent("changed" if j.job_id in board else "added", j.job_id, j)
                     for j in batch])
    elif step == 3:
        board.apply([JobEvent("gone", i, None) for i in rng.sample(known, min(3, len(known)))])
    elif step == 4:
        board.remove(rng.choice(known))
    elif step == 5:
        picked = rng.sample(known, min(10, len(known)))
        board.set_stalled({i: rng.choice((None, T0)) for i in picked})
    elif step == 6:
        board.learn_project_names({rng.choice(("p1", "p2", "p3")): rng.choice(("Alpha", "Beta"))})
    elif rng.random() < 0.5:
        board.set_filter(rng.choice(FILTERS))
    else:
        board.set_sort(JobSort(rng.choice(SORT_KEYS), rng.random() < 0.5))


@pytest.mark.parametrize("seed", range(6))
def test_kept_orders_equal_a_full_sort_after_every_step(seed: int) -> None:
    rng = random.Random(seed)
    ids = [f"j{i:03d}" for i in range(150)]
    board = Board()
    for _ in range(120):
        random_step(rng, board, ids)
        check(board)


@pytest.mark.parametrize("column", SORT_KEYS)
def test_every_column_in_both_directions_keeps_the_created_then_id_tie_break(
    column: str,
) -> None:
    rng = random.Random(column)
    board = Board()
    # Pages as a load brings them: newest first, then a page of every age at once.
    jobs = [random_job(rng, f"j{i:04d}") for i in range(600)]
    jobs.sort(key=lambda j: j.created_at or T0, reverse=True)
    for start in range(0, 500, 100):
        board.apply(added(*jobs[start : start + 100]))
    board.set_sort(JobSort(column, False))
    board.apply(added(*jobs[500:]))
    check(board)
    board.set_sort(JobSort(column, True))
    check(board)
    for state_filter in ("running", "all", "failed"):
        board.set_filter(JobFilter(state=state_filter))
        check(board)


def test_typing_narrows_from_the_rows_shown_and_deleting_widens_again() -> None:
    board = Board()
    board.apply(added(*(job(f"r{i:02d}", minute=i) for i in range(30))))
    for text in ("r", "r1", "r12", "r1", ""):
        board.set_filter(JobFilter(text=text))
        check(board)
    assert board.shown_ids() == [f"r{i:02d}" for i in reversed(range(30))]


def test_order_changed_says_whether_a_row_joined_left_or_moved() -> None:
    board = Board(sort=JobSort("progress", False))
    board.apply(added(*(job(i, percent=p) for i, p in (("a", 10.0), ("b", 50.0), ("c", 90.0)))))
    # A new value that keeps the row between the same neighbours: the order is untouched.
    same_place = board.apply(changed(job("b", percent=60.0)))
    assert not same_place.order_changed and same_place.changed == {"b": frozenset({"job"})}
    moved = board.apply(changed(job("b", percent=95.0)))
    assert moved.order_changed and board.shown_ids() == ["a", "c", "b"]
    board.set_filter(JobFilter(state="running"))
    left = board.apply(changed(job("a", "stopped")))
    assert left.order_changed and board.shown_ids() == ["c", "b"]
    check(board)


def test_an_expired_running_row_counts_as_stopped_for_the_filter() -> None:
    board = Board(JobFilter(state="running"))
    board.apply(added(job("a"), job("b", minute=1)))
    changes = board.expire(["a"])
    assert changes.order_changed and board.shown_ids() == ["b"]
    assert board.row("a").status is RowStatus.EXPIRED
    check(board)


def test_merge_in_puts_a_page_where_bisect_would() -> None:
    rng = random.Random(3)
    order = sorted(rng.sample(range(10_000), 500))
    for size in (1, 7, 8, 100):
        new = rng.sample(sorted(set(range(10_000)) - set(order)), size)
        merged = merge_in([str(i).zfill(5) for i in order], [str(i).zfill(5) for i in new], str)
        order = sorted(order + new)
        assert merged == [str(i).zfill(5) for i in order]
    assert merge_in(["b", "c"], [f"a{i}" for i in range(9)], str)[:9] == [
        f"a{i}" for i in range(9)
    ]


def test_tie_break_reaches_the_job_id_only_when_created_ties() -> None:
    board = Board(sort=JobSort("type", False))
    later = job("a", minute=5)
    earlier = job("z", minute=1)
    tied = job("m", minute=1)
    board.apply(added(later, earlier, tied))
    assert board.shown_ids() == ["m", "z", "a"]
    assert (T0 + timedelta(minutes=1)) == earlier.created_at
