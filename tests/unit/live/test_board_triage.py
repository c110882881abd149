"""The board's triage state (issue 11): stalled rows and the stalled filter, marks."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.live.helpers import T0, added, changed, job
from tui.live.board import Board
from tui.live.filters import JobFilter
from tui.live.rows import RowStatus
from tui.widgets.job_table import row_state_class, row_values, stalled_text

STATE = 2  # the state column in row_values


def test_a_stall_verdict_changes_the_row_and_the_stalled_filter_shows_only_those() -> None:
    board = Board()
    board.apply(added(job("a", minute=1), job("b", minute=2), job("c", "stopped", minute=3)))
    since = T0 + timedelta(minutes=1)
    changes = board.set_stalled({"a": since, "b": None})
    assert dict(changes.changed) == {"a": frozenset({"stalled_since"})}
    assert board.set_stalled({"a": since}).changed == {}  # same verdict: nothing to redraw
    board.set_filter(JobFilter(state="stalled"))
    assert board.shown_ids() == ["a"]
    # Moving again: it leaves the stalled filter.
    moved = board.set_stalled({"a": None})
    assert moved.order_changed and board.shown_ids() == []


def test_a_new_read_of_a_job_keeps_its_stall_and_mark() -> None:
    board = Board()
    board.apply(added(job("a", percent=10)))
    board.set_stalled({"a": T0})
    board.set_marked(["a"], True)
    board.apply(added(job("a", percent=10, label="x")))
    row = board.row("a")
    assert row.stalled_since == T0 and row.marked


def test_marks_in_table_order_and_clear_together() -> None:
    board = Board()
    board.apply(added(job("a", minute=1), job("b", minute=2), job("c", minute=3)))
    board.set_marked(["a"], True)
    board.set_marked(["c"], True)
    assert board.marked_ids() == ["c", "a"]  # newest first, as the table shows them
    changes = board.set_marked(board.marked_ids(), False)
    assert set(changes.changed) == {"a", "c"} and board.marked_ids() == []


def test_a_stalled_row_reads_stall_and_how_long_in_the_warning_colour() -> None:
    board = Board()
    board.apply(added(job("a")))
    board.set_stalled({"a": T0})
    row = board.row("a")
    now = T0 + timedelta(minutes=12, seconds=30)
    assert row_values(row, now)[STATE] == "⏸ stall 12m"
    assert row_state_class(row) == "state--stalled"
    assert stalled_text(T0, T0 + timedelta(hours=3)) == "⏸ stall 3h"
    assert stalled_text(T0, T0 + timedelta(days=3)) == "⏸ stall 3d"
    assert len(stalled_text(T0, T0 + timedelta(minutes=59))) <= 11  # the column's width
    # An expired row is not judged stalled: it says expired.
    board.expire(["a"])
    assert board.row("a").status is RowStatus.EXPIRED
    assert row_state_class(board.row("a")) != "state--stalled"


def judged(board: Board) -> set[str]:
    return set(board.judged_ids())


def test_the_stall_check_judges_unfinished_rows_and_shown_stalls_only() -> None:
    # The 5-second check reads `judged_ids`, not every row: a Drive of 50,000 mostly
    # finished jobs costs what its live jobs cost.
    board = Board()
    board.apply(added(job("run", minute=1), job("queue", "queued"), job("done", "stopped")))
    assert judged(board) == {"run", "queue"}
    board.set_stalled({"run": T0})
    assert board.stalled_ids() == {"run"}
    # It finishes while shown stalled: still judged, so the check can clear the stall...
    board.apply(changed(job("run", "stopped", minute=1)))
    assert judged(board) == {"run", "queue"}
    board.set_stalled({"run": None})
    # ... and once cleared, a finished row is judged no more.
    assert judged(board) == {"queue"} and board.stalled_ids() == set()
    board.remove("queue")
    assert judged(board) == set()
    # A row read again as running (a retried job's row) is judged again.
    board.apply(changed(job("done", "running")))
    assert judged(board) == {"done"}
