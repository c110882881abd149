"""The Line-API seam: which table calls one board change makes (no Textual, a stand-in)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from tests.unit.live.helpers import T0, added, changed, job
from tui.live.board import Board
from tui.live.filters import JobFilter
from tui.screens.jobs.render import TableRenderer


class StandInTable:
    """Records what contract 2's table is asked to do."""

    def __init__(self, source: Board, *, now: Callable[[], datetime], id: str = "") -> None:
        self.source, self.now, self.id = source, now, id
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.cursor: str | None = None

    def rows_reset(self) -> None:
        self.calls.append(("reset", ()))

    def rows_changed(self, job_ids: Iterable[str]) -> None:
        self.calls.append(("changed", tuple(sorted(job_ids))))

    def refresh_ages(self) -> None:
        self.calls.append(("ages", ()))

    def select_job(self, job_id: str) -> bool:
        if self.source.index_of(job_id) is None:
            return False
        self.cursor = job_id
        return True

    @property
    def current_job_id(self) -> str | None:
        return self.cursor


def seam() -> tuple[Board, TableRenderer, StandInTable]:
    board = Board()
    renderer = TableRenderer(board, lambda: T0, StandInTable)
    table = renderer.make_table(id="job-table")
    assert isinstance(table, StandInTable) and table.id == "job-table"
    return board, renderer, table


def test_a_change_in_place_repaints_its_row_only() -> None:
    board, renderer, table = seam()
    renderer.apply(board.apply(added(job("a", minute=1), job("b", minute=2))))
    assert table.calls == [("reset", ()), ("changed", ("a", "b"))]
    table.calls.clear()
    renderer.apply(board.apply(changed(job("a", minute=1, percent=40))))
    assert table.calls == [("changed", ("a",))]
    table.calls.clear()
    renderer.apply(board.apply(changed(job("a", minute=1, percent=40))))
    assert table.calls == []  # nothing changed: nothing asked


def test_a_filter_resets_and_the_cursor_goes_through_the_seam() -> None:
    board, renderer, table = seam()
    renderer.apply(board.apply(added(job("a"), job("b", "stopped", minute=1))))
    assert renderer.select_job("b") and renderer.current_job_id() == "b"
    table.calls.clear()
    board.set_filter(JobFilter(state="running"))
    renderer.reset()
    renderer.refresh_ages()
    assert table.calls == [("reset", ()), ("ages", ())]
    assert not renderer.select_job("b")
