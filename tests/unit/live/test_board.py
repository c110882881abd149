"""The board without Textual: rows by id, the index array, and what each call says changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.live.helpers import T0, added, changed, job
from tui.api.scheduler import JobEvent
from tui.journal import JournaledJob, PendingSubmission
from tui.live.board import Board, Changes, JobRow
from tui.live.filters import JobFilter, JobSort
from tui.live.rows import RowStatus


def shown(board: Board) -> list[str]:
    """The ids through the RowSource methods, as the table reads them."""
    ids = [board.job_id_at(i) for i in range(len(board))]
    assert ids == board.shown_ids()
    return ids


def test_rows_join_at_their_place_newest_first_and_index_of_agrees() -> None:
    board = Board()
    changes = board.apply(added(job("b", minute=2), job("a", minute=1), job("c", minute=3)))
    assert changes.added == {"a", "b", "c"} and changes.order_changed
    assert shown(board) == ["c", "b", "a"]
    assert [board.index_of(i) for i in ("c", "b", "a")] == [0, 1, 2]
    assert board.index_of("nope") is None
    assert board.row("a") == JobRow(job("a", minute=1), RowStatus.LIVE, None, False)
    with pytest.raises(IndexError):
        board.job_id_at(3)


def test_a_tie_in_created_at_breaks_by_job_id_in_any_arrival_order() -> None:
    jobs = [job(i, minute=5) for i in ("m", "z", "a", "q")]
    one, two = Board(), Board()
    one.apply(added(*jobs))
    two.apply(added(*reversed(jobs)))
    assert shown(one) == shown(two) == ["z", "q", "m", "a"]


def test_a_change_that_does_not_move_the_row_leaves_the_order_alone() -> None:
    board = Board()
    board.apply(added(job("a", minute=1), job("b", minute=2)))
    changes = board.apply(changed(job("a", minute=1, percent=50)))
    assert changes.changed == {"a": {"job"}}
    assert not changes.order_changed and not changes.added
    assert board.row("a").job.progress is not None


def test_an_unchanged_job_changes_nothing() -> None:
    board = Board()
    board.apply(added(job("a")))
    changes = board.apply(changed(job("a")))
    assert not changes and changes.changed == {}


def test_a_change_that_moves_the_row_under_a_progress_sort_says_so() -> None:
    board = Board(sort=JobSort("progress", True))
    board.apply(added(job("a", minute=1, percent=10), job("b", minute=2, percent=20)))
    assert shown(board) == ["b", "a"]
    changes = board.apply(changed(job("a", minute=1, percent=90)))
    assert changes.order_changed and shown(board) == ["a", "b"]


def test_a_filter_hides_rows_and_a_finish_leaves_the_running_filter() -> None:
    board = Board()
    board.apply(added(job("a", minute=1), job("b", "stopped", minute=2)))
    assert board.set_filter(JobFilter(state="running")).order_changed
    assert shown(board) == ["a"] and board.total == 2
    assert not board.set_filter(JobFilter(state="running"))  # the same filter: nothing
    changes = board.apply([JobEvent("finished", "a", job("a", "stopped", minute=1))])
    assert changes.order_changed and shown(board) == []
    assert [j.job_id for j in changes.finished] == ["a"]


def test_reversing_the_sort_flips_positions_without_resorting() -> None:
    board = Board()
    board.apply(added(job("a", minute=1), job("b", minute=2), job("c", minute=3)))
    order_before = board._index.shown
    assert board.set_sort(JobSort("created", False)).order_changed
    assert board._index.shown is order_before  # read from the other end, not sorted again
    assert shown(board) == ["a", "b", "c"] and board.index_of("c") == 2
    board.apply(added(job("d", minute=0)))
    assert shown(board) == ["d", "a", "b", "c"]


def test_sort_by_another_column_keeps_the_stable_tie_break() -> None:
    board = Board()
    board.apply(added(job("x", minute=2), job("y", minute=1), job("w", minute=1)))
    board.set_sort(JobSort("type", False))  # every job an import: created, then id
    assert shown(board) == ["w", "y", "x"]


def test_gone_expires_the_row_keeps_it_and_ends_its_watch() -> None:
    board = Board()
    board.apply(added(job("a")))
    board.set_watched("a", True)
    changes = board.apply([JobEvent("gone", "a", None)])
    row = board.row("a")
    assert row.status is RowStatus.EXPIRED and not row.watched
    assert changes.expired == {"a"} and changes.watch_ended == {"a"}
    assert changes.changed["a"] == {"status", "watched"}
    # An expired job that was last running counts as stopped for the filter.
    board.set_filter(JobFilter(state="running"))
    assert shown(board) == []
    # Listed again: alive after all.
    board.set_filter(JobFilter())
    board.apply(changed(job("a")))
    assert board.row("a").status is RowStatus.LIVE


def test_the_watch_marker_goes_when_the_job_finishes() -> None:
    board = Board()
    board.apply(added(job("a")))
    assert board.set_watched("a", True).changed == {"a": {"watched"}}
    changes = board.apply([JobEvent("finished", "a", job("a", "stopped"))])
    assert not board.row("a").watched and changes.watch_ended == {"a"}
    assert changes.changed["a"] == {"job", "watched"}


def test_project_names_change_the_rows_that_show_them_and_the_text_filter() -> None:
    board = Board(job_filter=JobFilter(text="interview"))
    board.apply(added(job("a", project_id="p1"), job("b", project_id="p2")))
    assert shown(board) == []
    changes = board.learn_project_names({"p1": "Interview with Ada"})
    assert changes.changed == {"a": {"project_name"}} and changes.order_changed
    assert shown(board) == ["a"] and board.row("a").project_name == "Interview with Ada"
    assert not board.learn_project_names({"p1": "Interview with Ada"})  # known: nothing
    board.apply(added(job("c", project_id="p1", minute=9)))
    assert board.row("c").project_name == "Interview with Ada"


def pending(local_id: int = 7) -> PendingSubmission:
    return PendingSubmission(local_id, "import", {"project_id": "p1"}, T0, "outcome_unknown", None)


def test_restore_expires_what_is_past_retention_and_shows_lost_submissions() -> None:
    old = job("old", minute=0)
    now = T0 + timedelta(days=31)
    rows = [
        JournaledJob(None, "old", "import", old),
        JournaledJob(3, "mine", "import", job("mine", minute=60 * 24 * 30)),
        JournaledJob(
            7, None, "import", None, request={"project_id": "p1"},
            submitted_at=T0, submission_status="outcome_unknown",
        ),
    ]
    restored = Board().restore(rows, now)
    assert restored.newly_expired == ("old",)
    assert restored.changes.added == {"old", "mine", "local-7"}
    board = Board()
    board.restore(rows, now)
    assert board.row("old").status is RowStatus.EXPIRED
    assert board.row("mine").status is RowStatus.LIVE
    assert board.row("local-7").status is RowStatus.RECONCILE
    assert board.submitted_ids == {"mine"} and set(board.pending) == {"local-7"}


def test_a_resolved_submission_leaves_and_its_job_counts_as_ours() -> None:
    board = Board()
    board.add_pending([pending()])
    assert not board.add_pending([pending()])  # the same one twice: one row
    changes = board.resolve_pending("local-7", job("found"))
    assert changes.removed == {"local-7"} and changes.order_changed
    assert "local-7" not in board and board.pending == {}
    assert board.submitted_ids == {"found"}


def test_a_direct_upsert_of_a_finished_job_ends_its_watch() -> None:
    board = Board()
    board.apply(added(job("a")))
    board.set_watched("a", True)
    changes = board.upsert([job("a", "stopped")])
    assert changes.watch_ended == {"a"} and board.drive_id is None


def test_changes_say_what_they_touch() -> None:
    assert not Changes()
    board = Board()
    changes = board.apply(added(job("a")))
    assert changes.touches("a") and not changes.touches("b")


def test_ten_thousand_rows_in_random_order_end_sorted_as_one_sort_would() -> None:
    import random

    rng = random.Random(8)
    jobs = [job(f"j{i:05d}", minute=rng.randrange(500)) for i in range(10_000)]
    board = Board()
    for start in range(0, len(jobs), 100):  # page by page, as the walk delivers them
        board.apply(added(*jobs[start : start + 100]))
    expected = sorted(jobs, key=JobSort().key, reverse=True)
    assert shown(board) == [j.job_id for j in expected]
