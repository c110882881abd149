"""The one seam between the board and the jobs table: render a board's `Changes`.

Everything the jobs screen asks of the table goes through a renderer: `apply(changes)`,
`reset()`, `refresh_ages()`, `current_job_id()`, `select_job(id)`, `loading`. Two exist:
`TableRenderer` drives today's DataTable-based `JobTable` (upsert/remove/sort_by/set_jobs
over a `RowContext`); `LineTableRenderer` drives the Line-API table of contract 2, which
reads rows from the board itself, so `apply` is `rows_reset()` when the order changed and
`rows_changed(ids)` for the rows named. Swapping tables swaps the renderer, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

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

    def current_job_id(self) -> str | None:
        return self._table.current_job_id() if self._table is not None else None

    def select_job(self, job_id: str) -> bool:
        """Put the cursor on `job_id`'s row and scroll it into view (if it is shown)."""
        table = self._table
        if table is None or job_id not in table:  # a row still to come after a big rebuild
            return False
        table.move_cursor(row=table.get_row_index(job_id), animate=False)
        return True

    @property
    def loading(self) -> bool:
        """Rows of a big reset still being added after the first paint."""
        return self._table is not None and self._table.loading_rows


class LineTable(Protocol):
    """What the jobs screen uses of the Line-API jobs table (contract 2)."""

    def rows_reset(self) -> None: ...
    def rows_changed(self, job_ids: Iterable[str]) -> None: ...
    def refresh_ages(self) -> None: ...
    def select_job(self, job_id: str) -> bool: ...
    @property
    def current_job_id(self) -> str | None: ...


class LineTableRenderer:
    """The seam for the Line-API table: it reads rows from the board, so only say which.

    `table_class` is that table's widget class, `JobTable(source, *, now, id=...)`; the
    screen swaps tables with one line: `LineTableRenderer(board, clock.now, JobTable)`.
    """

    def __init__(
        self, board: Board, now: Callable[[], datetime], table_class: Callable[..., LineTable]
    ) -> None:
        self.board = board
        self.now = now
        self.table_class = table_class
        self._table: LineTable | None = None

    def make_table(self, **kwargs: str) -> LineTable:
        """The table widget the screen composes, reading rows from the board."""
        self._table = self.table_class(self.board, now=self.now, **kwargs)
        return self._table

    @property
    def table(self) -> LineTable:
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

    @property
    def loading(self) -> bool:
        return False  # it paints from the board: nothing is added after the first paint
