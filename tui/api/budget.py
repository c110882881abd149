"""One rate budget per user across processes: the dashboard, CLI commands and `jobs watch`
on one token and base URL share it, because the API's limits are per user, not per process.

A small SQLite file in WAL mode under the state dir (`DESCRIPT_TUI_STATE_DIR`, else the
platform's user state dir), one short `BEGIN IMMEDIATE` transaction per request, holding
per budget key (sha256 of token and base URL: never the token itself):

- the send times of each kind (status GETs and list pages: at most 18 in any second; import
  and agent POSTs: 10 in any 60 s each; publish likewise),
- each job's last status GET (a job is polled at most every 3 s, whoever polls it),
- the Retry-After gate: nothing is sent while it holds, whichever process was told.

Times are wall-clock seconds (`clock.now()`), the one clock processes on a machine share.
Where the state dir cannot be written, `shared_rate_limits` falls back to per-process limits
and returns a one-line warning for the caller to show.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from tui.api.clock import Clock

APP_NAME = "descript-tui"
STATE_DIR_ENV = "DESCRIPT_TUI_STATE_DIR"
BUDGET_FILE_NAME = "budget.sqlite3"
#: async-job-model.txt: poll one job no more often than every 3 seconds; plus a margin, as
#: two processes' requests take different times to reach the server after their grants.
JOB_POLL_SPACING = 3.0
JOB_POLL_MARGIN = 0.5
# A job's last poll older than this is forgotten (it only ever matters for 3 s).
_POLL_MEMORY_S = 600.0
_BUSY_TIMEOUT_S = 5.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (key TEXT NOT NULL, kind TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sends_by_kind ON sends (key, kind, at);
CREATE TABLE IF NOT EXISTS polls (
    key TEXT NOT NULL, job_id TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (key, job_id)
);
CREATE TABLE IF NOT EXISTS gate (key TEXT PRIMARY KEY, until REAL NOT NULL, reason TEXT);
"""


def default_state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`DESCRIPT_TUI_STATE_DIR`, else the platform's user state dir."""
    override = environ.get(STATE_DIR_ENV, "").strip()
    return Path(override) if override else Path(platformdirs.user_state_dir(APP_NAME))


def budget_key(token: str, base_url: str) -> str:
    """The budget's key: a hash of token and base URL, so the file never holds the token."""
    material = f"{token.strip()}\n{base_url.strip().rstrip('/')}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Grant:
    """`wait` 0: the send was recorded and may go now. Else: wait that long, nothing kept."""

    wait: float
    reason: str = ""


class SharedBudget:
    """The shared windows, job spacing and gate of one budget key, in one SQLite file."""

    def __init__(self, path: Path, key: str, *, now: Callable[[], float]) -> None:
        self.path = path
        self.key = key
        self._now = now
        self._lock = threading.Lock()
        #: Why the file stopped working (then every call grants; see `_transaction`).
        self.failed: str | None = None
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._conn.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.executescript(_SCHEMA)

    def __repr__(self) -> str:
        return f"SharedBudget({str(self.path)!r}, key={self.key[:8]}…)"

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _transaction(self, body: Callable[[sqlite3.Connection, float], Grant]) -> Grant:
        """`body` in one short write transaction. A file that fails (locked past the busy
        timeout, disk full, deleted) sets `failed` and grants: the caller then falls back to
        its own limits rather than stopping requests."""
        with self._lock:
            if self.failed:
                return Grant(0.0)
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = body(conn, self._now())
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            except sqlite3.Error as error:
                self.failed = " ".join(str(error).split()) or type(error).__name__
                return Grant(0.0)
            return result

    def try_acquire(
        self, kind: str, limit: int, window: float, *, job_id: str | None = None
    ) -> Grant:
        """Record one send of `kind` now if the gate, the window and the job's spacing allow;
        else say how long to wait (nothing recorded)."""

        def body(conn: sqlite3.Connection, now: float) -> Grant:
            waits = [self._gate_wait(conn, now), (0.0, "")]
            conn.execute(
                "DELETE FROM sends WHERE key = ? AND kind = ? AND at <= ?",
                (self.key, kind, now - window),
            )
            rows = conn.execute(
                "SELECT at FROM sends WHERE key = ? AND kind = ? ORDER BY at DESC LIMIT ?",
                (self.key, kind, limit),
            ).fetchall()
            if len(rows) >= limit:
                waits.append((rows[-1][0] + window - now, f"the shared {kind} window is full"))
            if job_id is not None:
                row = conn.execute(
                    "SELECT at FROM polls WHERE key = ? AND job_id = ?", (self.key, job_id)
                ).fetchone()
                if row is not None:
                    spacing = JOB_POLL_SPACING + JOB_POLL_MARGIN
                    waits.append((row[0] + spacing - now, "this job was polled 3 s ago"))
            wait, reason = max(waits)
            if wait > 0:
                return Grant(wait, reason)
            conn.execute("INSERT INTO sends VALUES (?, ?, ?)", (self.key, kind, now))
            if job_id is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO polls VALUES (?, ?, ?)", (self.key, job_id, now)
                )
                conn.execute(
                    "DELETE FROM polls WHERE key = ? AND at < ?", (self.key, now - _POLL_MEMORY_S)
                )
            return Grant(0.0)

        return self._transaction(body)

    def _gate_wait(self, conn: sqlite3.Connection, now: float) -> tuple[float, str]:
        row = conn.execute("SELECT until, reason FROM gate WHERE key = ?", (self.key,)).fetchone()
        if row is None or row[0] <= now:
            return 0.0, ""
        return row[0] - now, row[1] or "rate limited"

    def close_gate(self, seconds: float, reason: str) -> None:
        """Hold every process's sends for `seconds` from now (only ever extends)."""

        def body(conn: sqlite3.Connection, now: float) -> Grant:
            until = now + max(0.0, seconds)
            current = conn.execute("SELECT until FROM gate WHERE key = ?", (self.key,)).fetchone()
            if current is None or current[0] < until:
                conn.execute(
                    "INSERT OR REPLACE INTO gate VALUES (?, ?, ?)", (self.key, until, reason)
                )
            return Grant(0.0)

        self._transaction(body)

    def gate(self) -> Grant:
        """How long the shared gate still holds (0: open), and why."""
        return self._transaction(lambda conn, now: Grant(*self._gate_wait(conn, now)))


def open_shared_budget(
    token: str,
    base_url: str,
    clock: Clock,
    *,
    environ: Mapping[str, str] = os.environ,
) -> tuple[SharedBudget | None, str | None]:
    """The shared budget for this token and base URL, or (None, a one-line warning)."""
    path = default_state_dir(environ) / BUDGET_FILE_NAME
    try:
        budget = SharedBudget(
            path, budget_key(token, base_url), now=lambda: clock.now().timestamp()
        )
    except (OSError, sqlite3.Error) as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        return None, (
            f"descript-tui: warning: the shared rate budget at {path} cannot be used ({reason}); "
            "this process keeps its own limits, which other processes on this token do not see"
        )
    return budget, None
