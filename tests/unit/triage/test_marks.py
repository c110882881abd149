"""Marks for a bulk cancel over the board (issue 11 item 6): `*` marks the filter's rows in
one pass; a mark moves no row; which marked rows `c` may send."""

from __future__ import annotations

from tests.unit.live.helpers import added, job
from tui.live.board import Board
from tui.live.filters import JobFilter, JobSort
from tui.live.rows import RowStatus
from tui.triage.cancel import cancellable


def test_marking_the_shown_rows_changes_only_their_mark_and_moves_nothing() -> None:
    board = Board(sort=JobSort("created", reverse=True))
    board.apply(
        added(
            job("a", minute=1, project_id="p1"),
            job("b", "stopped", minute=2, project_id="p1"),
            job("c", minute=3, project_id="p2"),
        )
    )
    board.set_filter(JobFilter(project_id="p1"))
    before = board.shown_ids()
    changes = board.set_marked(board.shown_ids(), True)
    assert dict(changes.changed) == {"a": frozenset({"marked"}), "b": frozenset({"marked"})}
    assert not changes.order_changed and board.shown_ids() == before
    assert board.marked_ids() == before and not board.row("c").marked
    assert board.set_marked(["a", "b"], True).changed == {}  # already marked: nothing to draw
    board.set_filter(JobFilter())  # hidden marks stay, after the shown ones
    assert sorted(board.marked_ids()) == ["a", "b"]
    assert not board.set_marked(board.marked_ids(), False).order_changed
    assert board.marked_ids() == []


def test_only_a_live_queued_or_running_row_can_be_cancelled() -> None:
    board = Board()
    board.apply(added(job("run"), job("done", "stopped"), job("gone")))
    board.expire(["gone"])
    assert cancellable(board.row("run"))
    assert not cancellable(board.row("done"))
    assert board.row("gone").status is RowStatus.EXPIRED and not cancellable(board.row("gone"))
