"""The one seam between the board and the jobs table: render a board's `Changes`.

Everything the jobs screen paints into the table goes through `TableRenderer`; nothing
else calls the table's row methods. Today it drives the DataTable-based `JobTable`
(upsert/remove/sort_by/set_jobs over a `RowContext`); with the Line-API table (contract 2)
`apply` becomes `rows_reset()` when `changes.order_changed` and `rows_changed(ids)` for the
rest, and `reset` becomes `rows_reset()`, since that table reads rows from the board itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from tui.live.board import Board, Changes
from tui.live.rows import ROW_STATUS_WORDS
from tui.widgets.job_table import JobTable, RowContext


class TableRenderer:
    """Paints a board's changes into the jobs table, touching only the rows that changed."""

    def __init__(self, board: Board, now: Callable[[], datetime]) -> None:
        self.board = board
        self.now = now
        # The old table reads names, watched marks and notes from a context; the board owns
        # the names dict, the rest is mirrored row by row as rows change.
        self.context = RowContext(now=now, project_names=board.project_names)
        self._table: JobTable | None = None

    def attach(self, table: JobTable) -> None:
        self._table = table

    def make_table(self, **kwargs: str) -> JobTable:
        """The table widget the screen composes."""
        table = JobTable(self.context, **kwargs)
        self._table = table
        return table

    def _mirror(self, job_ids: Iterable[str]) -> None:
        notes, watched, jobs = self.context.state_notes, self.context.watched, self.context.jobs
        for job_id in job_ids:
            row = self.board.get(job_id)
            if row is None:
                jobs.pop(job_id, None)
            else:
                jobs[job_id] = row.job
            note = ROW_STATUS_WORDS.get(row.status) if row is not None else None
            if note is None:
                notes.pop(job_id, None)
            else:
                notes[job_id] = note
            if row is not None and row.watched:
                watched.add(job_id)
            else:
                watched.discard(job_id)

    def reset(self) -> None:
        """The filter or sort changed: show the board's order as it is now."""
        table = self._table
        if table is None:
            return
        self._mirror(self.board.shown_ids())
        table.set_jobs([self.board.row(job_id).job for job_id in self.board.shown_ids()])

    def apply(self, changes: Changes) -> None:
        """Rows added, changed or removed: upsert or remove just those, re-order if needed."""
        table = self._table
        if table is None or not changes:
            return
        if not table.row_count:
            self.reset()  # the first rows: painted in order, the cursor on the top one
            return
        board = self.board
        touched = [*changes.added, *changes.changed]
        self._mirror([*touched, *changes.removed])
        now = self.now()
        with table.cursor_kept():
            for job_id in changes.removed:
                table.remove(job_id)
            for job_id in touched:
                if board.index_of(job_id) is None:
                    table.remove(job_id)
                else:
                    table.upsert(board.row(job_id).job, now)
            if changes.order_changed and table.job_ids != board.shown_ids():
                table.sort_by(self._position, reverse=False)

    def _position(self, job_id: str) -> int:
        index = self.board.index_of(job_id)
        return len(self.board) if index is None else index

    def refresh_ages(self) -> None:
        """Running jobs' ages move with the clock, not with polls."""
        if self._table is not None:
            rows = (self.board.row(job_id) for job_id in self.board.shown_ids())
            self._table.refresh_ages(row.job for row in rows if not row.job.is_finished)
