"""The one seam between the board and the jobs table: render a board's `Changes`.

The table (tui/widgets/job_table.py, on Textual's Line API) reads its rows from the board,
so rendering is only saying which rows to look at again: `rows_reset()` when the order or
the filter changed, `rows_changed(ids)` for the rows whose cells changed. Its cost follows
the rows on screen, not the rows on the board.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tui.live.board import Board, Changes
from tui.widgets.job_table import JobTable


class TableRenderer:
    """Paints a board's changes into the jobs table, touching only the rows named."""

    def __init__(
        self,
        board: Board,
        now: Callable[[], datetime],
        table_class: Callable[..., JobTable] = JobTable,  # a stand-in in the seam's unit test
    ) -> None:
        self.board = board
        self.now = now
        self._table_class = table_class
        self._table: JobTable | None = None

    def make_table(self, **kwargs: str) -> JobTable:
        """The table widget the screen composes, reading rows from the board."""
        self._table = self._table_class(self.board, now=self.now, **kwargs)
        return self._table

    @property
    def table(self) -> JobTable:
        assert self._table is not None, "make_table() first"
        return self._table

    def reset(self) -> None:
        self.table.rows_reset()

    def apply(self, changes: Changes) -> None:
        """Re-read positions when the order changed; repaint the rows named (if visible)."""
        if not changes:
            return
        if changes.order_changed or changes.removed:
            self.table.rows_reset()
        touched = [*changes.added, *changes.changed]
        if touched:
            self.table.rows_changed(touched)

    def refresh_ages(self) -> None:
        self.table.refresh_ages()

    def current_job_id(self) -> str | None:
        return self.table.current_job_id

    def select_job(self, job_id: str) -> bool:
        return self.table.select_job(job_id)
