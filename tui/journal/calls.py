"""The API calls about each job, kept across processes: one `job_calls` row per call.

The activity log lives in memory per process; this table is what outlives it, so an
incident report written by a fresh `jobs report` still lists the submit of an earlier
`import` and the polls of `--wait`, `jobs watch` or the dashboard. Written through one
listener on a process's activity log, `CallRecorder` (the CLI context and the dashboard's
session hang it), in batches; read back by `Journal.job_calls`.

A row keeps what a ticket needs: time, method, path, status, latency, the request-id
headers, the note ("retry 2/5 in 7.0 s") and, for a failed call, its error body (capped at
`ERROR_BODY_CAP` characters). No other header is stored, so the token cannot reach the file
(an `ActivityEntry` holds no request header and its bodies are scrubbed already). Bounded:
at most `CALLS_CAP` rows per job (the first `CALLS_FIRST`, how it started, then the newest),
and rows older than the API's 30-day retention are pruned when a journal opens, with the
state history.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tui.api.activity import ActivityEntry, ActivityLog
from tui.api.clock import Clock

if TYPE_CHECKING:
    from tui.journal.store import Journal

#: Rows kept per job: the first `CALLS_FIRST` (the submit, the first polls) and the newest.
CALLS_CAP = 500
CALLS_FIRST = 20
#: An error body longer than this is cut (a proxy's HTML page can be megabytes).
ERROR_BODY_CAP = 4000
#: The recorder writes when this many calls wait, or when the oldest waited this long.
BATCH_SIZE = 50
FLUSH_INTERVAL_S = 5.0

_COLUMNS = "at, method, path, status, latency_ms, request_ids_json, note, error_body"


def stamp(value: datetime) -> str:
    """A call's time to the microsecond, fixed width, so rows sort and match as text (the
    report tells a journaled call from the same call still in the live log by it)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _row(profile: str, job_id: str, entry: ActivityEntry) -> tuple[object, ...]:
    body = entry.error_body
    if body is not None and len(body) > ERROR_BODY_CAP:
        body = body[:ERROR_BODY_CAP] + f"\n[... {len(body) - ERROR_BODY_CAP} characters cut]"
    request_ids = json.dumps(dict(entry.request_ids), sort_keys=True) if entry.request_ids else None
    return (
        profile,
        job_id,
        stamp(entry.at),
        entry.method,
        entry.path,
        entry.status,
        entry.latency_ms,
        request_ids,
        entry.note,
        body,
    )


def insert_calls(conn: sqlite3.Connection, profile: str, entries: Iterable[ActivityEntry]) -> int:
    """Add a row per entry about a job (inside the caller's write transaction), then bound
    each job touched; returns how many rows were added."""
    rows = [_row(profile, job_id, e) for e in entries if (job_id := e.about_job) is not None]
    if not rows:
        return 0
    conn.executemany(
        f"INSERT INTO job_calls (profile, job_id, {_COLUMNS})"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    for job_id in {row[1] for row in rows}:
        _bound(conn, profile, str(job_id))
    return len(rows)


def _bound(conn: sqlite3.Connection, profile: str, job_id: str) -> None:
    """Keep the job's first `CALLS_FIRST` rows and its newest up to `CALLS_CAP` in all."""
    conn.execute(
        "DELETE FROM job_calls WHERE profile = ? AND job_id = ? AND seq IN ("
        "  SELECT seq FROM job_calls WHERE profile = ? AND job_id = ?"
        "  ORDER BY seq DESC LIMIT -1 OFFSET ?)"
        " AND seq NOT IN (SELECT seq FROM job_calls WHERE profile = ? AND job_id = ?"
        "  ORDER BY seq LIMIT ?)",
        (
            *(profile, job_id, profile, job_id, CALLS_CAP - CALLS_FIRST),
            *(profile, job_id, CALLS_FIRST),
        ),
    )


def read_calls(conn: sqlite3.Connection, profile: str, job_id: str) -> list[ActivityEntry]:
    """Every kept call about one job, oldest first, as activity entries."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM job_calls WHERE profile = ? AND job_id = ? ORDER BY at, seq",
        (profile, job_id),
    ).fetchall()
    return [
        ActivityEntry(
            at=datetime.strptime(row["at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
            method=row["method"],
            path=row["path"],
            status=row["status"],
            latency_ms=row["latency_ms"],
            error_body=row["error_body"],
            note=row["note"],
            request_ids=json.loads(row["request_ids_json"]) if row["request_ids_json"] else {},
            job_id=job_id,
        )
        for row in rows
    ]


def prune_calls(conn: sqlite3.Connection, before: datetime) -> int:
    """Drop every call made before `before` (all profiles); returns how many."""
    return conn.execute("DELETE FROM job_calls WHERE at < ?", (stamp(before),)).rowcount


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
        from tui.journal.store import JournalError

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

