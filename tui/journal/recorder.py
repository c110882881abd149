"""`CallRecorder`: the one listener that journals a process's API calls about jobs.

Hung on the client's activity log by `CliContext.journal()` (a CLI command) and
`SessionFactory.open` (the dashboard's session); the rows it writes are `calls.py`'s.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable

from tui.api.activity import ActivityEntry, ActivityLog
from tui.api.clock import Clock
from tui.journal.store import Journal, JournalError

#: A batch is written when this many calls wait, or this long after the last write.
BATCH_SIZE = 50
FLUSH_INTERVAL_S = 5.0


class CallRecorder:
    """The one listener that journals a process's calls about jobs, in batches.

    `record` (the activity log's subscriber) only appends to a list: no disk on the request's
    path. A batch is written when `BATCH_SIZE` calls wait or `FLUSH_INTERVAL_S` passed since
    the last write, in a worker thread when an event loop runs (the dashboard, a CLI command),
    and whatever is left on `close`/`aclose`. A journal that fails stops the recording
    (`problem` says why); the requests never notice.
    """

    def __init__(
        self,
        journal: Journal,
        clock: Clock,
        *,
        batch_size: int = BATCH_SIZE,
        interval_s: float = FLUSH_INTERVAL_S,
    ) -> None:
        self._journal = journal
        self._clock = clock
        self._batch_size = batch_size
        self._interval_s = interval_s
        self._pending: list[ActivityEntry] = []
        # The buffer's lock is held for a swap only; the write lock for a whole write, so
        # `close` waits for a batch a worker is writing before the journal closes.
        self._buffer_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._last_write = clock.monotonic()
        self._in_flight: set[asyncio.Future[None]] = set()
        self._detach: Callable[[], None] | None = None
        #: Why recording stopped (the journal failed), else None.
        self.problem: str | None = None

    def __repr__(self) -> str:
        return f"CallRecorder({self._journal!r}, {len(self._pending)} waiting)"

    def attach(self, log: ActivityLog) -> None:
        """Record every entry `log` gets from now on (one log at a time)."""
        self.detach()
        self._detach = log.subscribe(self.record)

    def detach(self) -> None:
        if self._detach is not None:
            self._detach()
            self._detach = None

    def record(self, entry: ActivityEntry) -> None:
        """Keep `entry` if it is about a job; start a write when a batch is due."""
        if self.problem is not None or entry.about_job is None:
            return
        with self._buffer_lock:
            self._pending.append(entry)
            due = (
                len(self._pending) >= self._batch_size
                or self._clock.monotonic() - self._last_write >= self._interval_s
            )
        if due:
            self._write_soon()

    def _write_soon(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script): write here
            self._write_quietly()
            return
        future = loop.run_in_executor(None, self._write_quietly)
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)

    def flush(self) -> int:
        """Write every waiting call now; returns how many rows were added. Raises what the
        journal raises (`JournalError`, `sqlite3.Error`, `OSError`)."""
        with self._write_lock:
            with self._buffer_lock:
                batch, self._pending = self._pending, []
                self._last_write = self._clock.monotonic()
            return self._journal.record_calls(batch) if batch else 0

    def _write_quietly(self) -> None:
        try:
            self.flush()
        except (JournalError, sqlite3.Error, OSError) as error:
            self.problem = " ".join(str(error).split()) or type(error).__name__
            self.detach()

    def close(self) -> int:
        """Stop listening and write what waits (a worker's batch is finished first)."""
        self.detach()
        return self.flush() if self.problem is None else 0

    async def aclose(self) -> None:
        """`close` from the event loop: the batches in flight end first, the rest is written
        in a worker thread; a failing journal is left in `problem`."""
        self.detach()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self.problem is None:
            await asyncio.to_thread(self._write_quietly)

