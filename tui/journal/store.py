"""The local journal: every job this tool submits or sees, in SQLite, so nothing is lost.

Pure stdlib `sqlite3`, no Textual. A submission is written BEFORE its POST is sent, then
linked to the job the server created (or marked as outcome-unknown so it can be reconciled
instead of resubmitted). Each change of a job's state is upserted, and kept as a row of
its state history (`history.py`); every API call about a job is kept too (`calls.py`,
written in batches by a `CallRecorder` on the activity log); a job the server no longer
knows (404 past the 30-day retention) keeps its last state and files, flagged expired.

Concurrency: WAL mode, a busy timeout, and a retry loop around every write transaction, so
two instances (or two threads) writing at once lose no rows. Every call is a short blocking
disk transaction (well under a millisecond to a few ms): the app must call it from a worker
thread (`run_in_thread` / `asyncio.to_thread`) or in small batches, never in a tight loop
on the UI thread. One `Journal` may be shared between threads (it serialises its own calls).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from tui.api.activity import ActivityEntry
from tui.api.clock import Clock, SystemClock
from tui.api.models import (
    JOB_TYPE_BY_KIND,
    RETENTION,
    Job,
    JobCreated,
    ModelError,
    format_timestamp,
)
from tui.journal.calls import insert_calls, prune_calls, read_calls, stamp
from tui.journal.history import (
    Source,
    StateChange,
    prune_history,
    read_history,
    record_change,
)
from tui.journal.records import JournaledJob, PendingSubmission, parse_time
from tui.journal.schema import (
    ABANDONED,
    CREATED,
    MIGRATIONS,
    OUTCOME_UNKNOWN,
    RECONCILED,
    REJECTED,
    SCHEMA_VERSION,
    SENDING,
    UNRESOLVED,
)
from tui.submissions import (
    TwinInfo,
    UnresolvedTwinError,
    process_alive,
    process_identity,
    request_fingerprint,
)

APP_NAME = "descript-tui"
DATA_DIR_ENV = "DESCRIPT_TUI_DATA_DIR"
JOURNAL_FILE_NAME = "journal.sqlite3"
MEMORY = Path(":memory:")
# A submission still "sending" after this long was interrupted (crash, kill): reconcile it.
STALE_SENDING = timedelta(minutes=2)
BUSY_TIMEOUT_S = 5.0
WRITE_ATTEMPTS = 8

KIND_TO_JOB_TYPE = JOB_TYPE_BY_KIND

T = TypeVar("T")


class JournalError(Exception):
    """The journal cannot be used; the message says which file and what to do."""


def default_journal_path(environ: Mapping[str, str] = os.environ) -> Path:
    """`DESCRIPT_TUI_DATA_DIR/journal.sqlite3`, else the platform's data dir."""
    override = environ.get(DATA_DIR_ENV, "").strip()
    base = (
        Path(override).expanduser()
        if override
        else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    )
    return base / JOURNAL_FILE_NAME


@contextlib.contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, its lock taken up front; rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


class Journal:
    """The journal of one profile (one Drive) inside a shared SQLite file."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        profile: str = "default",
        clock: Clock | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.path = path or default_journal_path(environ)
        self.profile = profile
        self.clock = clock or SystemClock()
        # Set when a corrupt file was moved aside at open: the caller tells the user.
        self.recovered_from: Path | None = None
        self._lock = threading.RLock()
        self._conn = self._open()

    def __repr__(self) -> str:
        return f"Journal(path={str(self.path)!r}, profile={self.profile!r})"

    # --- opening, schema, corruption ---------------------------------------------------------

    @property
    def in_memory(self) -> bool:
        """`Journal(MEMORY)` forgets on exit: the `--demo` world is new each run."""
        return self.path == MEMORY

    def _connect(self) -> sqlite3.Connection:
        if not self.in_memory:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Requests hold media URLs (often pre-signed) and callback URLs: private, like a
            # token file. SQLite gives the -wal and -shm files the same mode.
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                if self.path.stat().st_mode & 0o077:
                    os.chmod(self.path, 0o600)  # our own file, made by an older build
        # Autocommit; writes use explicit BEGIN IMMEDIATE so the write lock is taken up front.
        conn = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return conn

    def _prepare(self, conn: sqlite3.Connection) -> None:
        # Read the version first: a newer journal must be left exactly as it is.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"journal {self.path} has schema version {version}, newer than this "
                f"descript-tui understands ({SCHEMA_VERSION}); upgrade descript-tui, or point "
                f"{DATA_DIR_ENV} at another folder"
            )
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal" and not self.in_memory:
            raise sqlite3.DatabaseError(f"journal_mode is {mode}, not wal")
        conn.execute("PRAGMA synchronous = NORMAL")
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise sqlite3.DatabaseError(f"quick_check: {check}")
        for target in range(version + 1, SCHEMA_VERSION + 1):
            self._retry(lambda t=target: self._migrate(conn, t))
        self._retry(lambda: self._prune(conn))

    def _prune(self, conn: sqlite3.Connection) -> None:
        """Drop history and calls past the API's retention; the write lock only when there
        is some."""
        before = self.clock.now() - RETENTION
        stale = conn.execute(
            "SELECT 1 FROM job_states WHERE observed_at < ?"
            " UNION ALL SELECT 1 FROM job_calls WHERE at < ? LIMIT 1",
            (format_timestamp(before), stamp(before)),
        ).fetchone()
        if stale is None:
            return
        with _immediate(conn):
            prune_history(conn, before)
            prune_calls(conn, before)

    def _migrate(self, conn: sqlite3.Connection, target: int) -> None:
        with _immediate(conn):
            # Another instance may have migrated while we waited for the lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] < target:
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target}")

    def _open(self) -> sqlite3.Connection:
        conn = self._connect()
        try:
            self._prepare(conn)
            return conn
        except JournalError:
            conn.close()
            raise
        except sqlite3.OperationalError as exc:
            conn.close()
            if _is_busy(exc):
                raise JournalError(
                    f"journal {self.path} stayed locked by another process: {exc}"
                ) from None
            raise JournalError(f"journal {self.path} cannot be opened: {exc}") from None
        except sqlite3.DatabaseError:
            conn.close()
        # Corrupt: keep the evidence, start an empty journal, and say so.
        self.recovered_from = self._move_aside()
        conn = self._connect()
        try:
            self._prepare(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise JournalError(f"journal {self.path} cannot be created: {exc}") from None
        return conn

    def _move_aside(self) -> Path:
        stamp = self.clock.now().strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        os.replace(self.path, target)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, target.with_name(target.name + suffix))
        return target

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- transactions ------------------------------------------------------------------------

    def _retry(self, action: Callable[[], T]) -> T:
        """Run `action`, retrying while another writer holds the lock past the busy timeout."""
        delay = 0.01
        for attempt in range(WRITE_ATTEMPTS):
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or attempt == WRITE_ATTEMPTS - 1:
                    raise JournalError(f"journal {self.path}: {exc}") from None
                time.sleep(delay)  # real time: the other writer is a real process
                delay = min(delay * 2, 0.5)
        raise AssertionError("unreachable")

    def _transact(self, body: Callable[[sqlite3.Connection], T]) -> T:
        def attempt() -> T:
            with _immediate(self._conn) as conn:
                return body(conn)

        with self._lock:
            return self._retry(attempt)

    def _read(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._retry(lambda: self._conn.execute(sql, tuple(params)).fetchall())

    def _now(self) -> str:
        return format_timestamp(self.clock.now())

    # --- submissions -------------------------------------------------------------------------

    def record_submission(
        self,
        kind: str,
        request_json: Mapping[str, Any],
        *,
        extra: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> int:
        """Write a submission BEFORE its POST; returns its local id. `extra`: e.g. local paths.

        Unless `force`, raises `UnresolvedTwinError` when the same request (same profile and
        fingerprint) is still sending or has an unknown outcome; the check and the insert are
        one transaction, so two processes cannot both pass it.
        """
        request_text = json.dumps(dict(request_json), sort_keys=True)
        extra_text = json.dumps(dict(extra), sort_keys=True) if extra else None
        fingerprint = request_fingerprint(kind, request_json)
        now = self._now()

        def body(conn: sqlite3.Connection) -> int:
            if not force and (twins := self._twins(conn, fingerprint)):
                raise UnresolvedTwinError(twins)
            cur = conn.execute(
                "INSERT INTO submissions (profile, kind, request_json, extra_json, submitted_at,"
                " status, fingerprint, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.profile,
                    kind,
                    request_text,
                    extra_text,
                    now,
                    SENDING,
                    fingerprint,
                    process_identity(),
                ),
            )
            return int(cur.lastrowid or 0)

        # This one row must survive a power cut, not just a crash: fsync it (rare, cheap).
        with self._lock:
            self._conn.execute("PRAGMA synchronous = FULL")
            try:
                return self._transact(body)
            finally:
                self._conn.execute("PRAGMA synchronous = NORMAL")

    def _twins(self, conn: sqlite3.Connection, fingerprint: str) -> list[TwinInfo]:
        rows = conn.execute(
            f"SELECT * FROM submissions WHERE profile = ? AND fingerprint = ? AND {UNRESOLVED}"
            " ORDER BY local_id",
            (self.profile, fingerprint),
        ).fetchall()
        return [
            TwinInfo(
                local_id=row["local_id"],
                kind=row["kind"],
                status=row["status"],
                submitted_at=parse_time(row["submitted_at"]) or self.clock.now(),
                orphaned=row["status"] == SENDING and not process_alive(row["owner"]),
            )
            for row in rows
        ]

    def check_no_unresolved_twin(self, kind: str, request_json: Mapping[str, Any]) -> None:
        """Raise `UnresolvedTwinError` if sending this request now could duplicate a job."""
        fingerprint = request_fingerprint(kind, request_json)
        with self._lock:
            twins = self._retry(lambda: self._twins(self._conn, fingerprint))
        if twins:
            raise UnresolvedTwinError(twins)

    def attach_job(self, local_id: int, job_created: JobCreated) -> None:
        """The POST answered: link the submission to its job, which starts as unfinished."""
        now = self._now()
        rows = self._read(
            "SELECT kind FROM submissions WHERE local_id = ? AND profile = ?",
            (local_id, self.profile),
        )
        kind = rows[0]["kind"] if rows else ""
        # The 201 has no state yet; the job counts as running until the first GET says more.
        seed = dict(job_created.raw)
        seed.setdefault("job_id", job_created.job_id)
        if kind in KIND_TO_JOB_TYPE:
            seed.setdefault("job_type", KIND_TO_JOB_TYPE[kind])
        job = Job.from_json(seed)

        def body(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE submissions SET status = ?, job_id = ?, error = NULL, resolved_at = ?"
                " WHERE local_id = ? AND profile = ?",
                (CREATED, job_created.job_id, now, local_id, self.profile),
            )
            self._upsert(
                conn, job, now, seen_by="submit", local_id=local_id, source="submitted",
                only_new=True,
            )

        self._transact(body)

    def mark_outcome_unknown(self, local_id: int, error: str) -> None:
        """The body was sent and no answer came: never resend; reconcile from the list."""
        self._set_submission(local_id, OUTCOME_UNKNOWN, error)

    def mark_rejected(self, local_id: int, error: str) -> None:
        """The server answered with an error: no job exists, nothing to reconcile."""
        self._set_submission(local_id, REJECTED, error, resolved=True)

    def _set_submission(
        self, local_id: int, status: str, error: str | None, *, resolved: bool = False
    ) -> None:
        now = self._now() if resolved else None
        self._transact(
            lambda conn: conn.execute(
                "UPDATE submissions SET status = ?, error = ?, resolved_at = ?"
                " WHERE local_id = ? AND profile = ?",
                (status, error, now, local_id, self.profile),
            )
        )

    def pending_reconciliations(self) -> list[PendingSubmission]:
        """Submissions whose outcome is unknown, or that were interrupted while sending: by
        age (`STALE_SENDING`), or at once when the sending process is gone (`orphaned`)."""
        stale = format_timestamp(self.clock.now() - STALE_SENDING)
        rows = self._read(
            f"SELECT * FROM submissions WHERE profile = ? AND {UNRESOLVED} ORDER BY local_id",
            (self.profile,),
        )
        found = []
        for row in rows:
            orphaned = row["status"] == SENDING and not process_alive(row["owner"])
            if row["status"] == SENDING and not orphaned and row["submitted_at"] > stale:
                continue  # still on its way in a live process
            found.append(
                PendingSubmission(
                    local_id=row["local_id"],
                    kind=row["kind"],
                    request=json.loads(row["request_json"]),
                    submitted_at=parse_time(row["submitted_at"]) or self.clock.now(),
                    status=row["status"],
                    error=row["error"],
                    orphaned=orphaned,
                )
            )
        return found

    def submitted_job_ids(self) -> set[str]:
        """Jobs already tied to a submission of this profile: never offered as another's."""
        rows = self._read(
            "SELECT job_id FROM submissions WHERE profile = ? AND job_id IS NOT NULL",
            (self.profile,),
        )
        return {row["job_id"] for row in rows}

    def orphaned_submissions(self) -> list[PendingSubmission]:
        """Submissions left `sending` by a process that is gone: show ⚠ for them at once."""
        return [p for p in self.pending_reconciliations() if p.orphaned]

    def resolve_reconciliation(self, local_id: int, job_id: str | None) -> None:
        """A person decided: it is `job_id` (found in the list), or None (no job was made)."""
        now = self._now()

        def body(conn: sqlite3.Connection) -> None:
            status = RECONCILED if job_id else ABANDONED
            conn.execute(
                "UPDATE submissions SET status = ?, job_id = ?, resolved_at = ?"
                " WHERE local_id = ? AND profile = ?",
                (status, job_id, now, local_id, self.profile),
            )
            if job_id:
                conn.execute(
                    "UPDATE jobs SET local_id = ?, source = 'submitted'"
                    " WHERE profile = ? AND job_id = ?",
                    (local_id, self.profile, job_id),
                )

        self._transact(body)

    # --- jobs --------------------------------------------------------------------------------

    def _upsert(
        self,
        conn: sqlite3.Connection,
        job: Job,
        now: str,
        *,
        seen_by: Source,
        local_id: int | None = None,
        source: str | None = None,
        only_new: bool = False,
    ) -> bool:
        """Write `job` if it is new or changed (True), and its history row if one is due.

        The journal's one writer of a job's state: every caller (submit, poll, list,
        callback) comes through here, so `record_change` sees every change exactly once.
        `source` is how the job was first seen (kept; by default who saw it first, so a job
        first read by GET says "poll", not "list"); `seen_by` who saw this change.
        """
        source = source or seen_by
        job_json = json.dumps(job.raw, sort_keys=True)
        values = (
            self.profile,
            job.job_id,
            job.job_type,
            job.job_state,
            str(job.outcome),
            int(job.is_finished),
            job.project_id,
            format_timestamp(job.created_at) if job.created_at else None,
            job_json,
            local_id,
            source,
            now,
            now,
        )
        # Unchanged JSON writes nothing (cheap to call on every poll); a job seen again after
        # being marked expired is alive after all.
        conflict = (
            "DO NOTHING"
            if only_new
            else "DO UPDATE SET job_type = excluded.job_type, job_state = excluded.job_state,"
            " outcome = excluded.outcome, finished = excluded.finished,"
            " project_id = excluded.project_id,"
            " created_at = COALESCE(excluded.created_at, jobs.created_at),"
            " job_json = excluded.job_json, updated_at = excluded.updated_at, expired_at = NULL"
            " WHERE jobs.job_json != excluded.job_json OR jobs.expired_at IS NOT NULL"
        )
        cur = conn.execute(
            "INSERT INTO jobs (profile, job_id, job_type, job_state, outcome, finished,"
            " project_id, created_at, job_json, local_id, source, first_seen_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (profile, job_id) {conflict}",
            values,
        )
        if cur.rowcount <= 0:
            return False
        record_change(conn, self.profile, job, now, seen_by)
        return True

    def upsert_job(self, job: Job, *, seen_by: Source = "poll") -> bool:
        """Record a job's latest state (a GET of it, by default); True if changed."""
        now = self._now()
        return self._transact(lambda conn: self._upsert(conn, job, now, seen_by=seen_by))

    def upsert_jobs(self, jobs: Iterable[Job], *, seen_by: Source = "list") -> int:
        """Many jobs in one transaction (a list page, by default); returns how many changed."""
        batch = list(jobs)
        if not batch:
            return 0
        now = self._now()
        return self._transact(
            lambda conn: sum(self._upsert(conn, job, now, seen_by=seen_by) for job in batch)
        )

    def record_events(self, events: Iterable[Any]) -> int:
        """Journal one batch of scheduler `JobEvent`s in one transaction.

        "gone" (a 404 for a known job) marks it expired, keeping its last state; every other
        event with a job upserts it. `ConnectionEvent`s are skipped. Returns rows changed.
        """
        upserts: list[Job] = []
        gone: list[str] = []
        for event in events:
            kind = getattr(event, "kind", None)
            if kind == "gone":
                gone.append(event.job_id)
            elif kind is not None and getattr(event, "job", None) is not None:
                upserts.append(event.job)
        if not upserts and not gone:
            return 0
        now = self._now()

        def body(conn: sqlite3.Connection) -> int:
            changed = sum(self._upsert(conn, job, now, seen_by="poll") for job in upserts)
            for job_id in gone:
                changed += self._expire(conn, job_id, now)
            return changed

        return self._transact(body)

    def _expire(self, conn: sqlite3.Connection, job_id: str, now: str) -> int:
        cur = conn.execute(
            "UPDATE jobs SET expired_at = ? WHERE profile = ? AND job_id = ?"
            " AND expired_at IS NULL",
            (now, self.profile, job_id),
        )
        return cur.rowcount

    def mark_expired(self, job_id: str) -> None:
        """The server says 404 for a job we know: past retention. Its last state stays."""
        now = self._now()
        self._transact(lambda conn: self._expire(conn, job_id, now))

    def state_history(self, job_id: str) -> list[StateChange]:
        """Every kept change of one job's state, progress or result, oldest first."""
        with self._lock:
            return self._retry(lambda: read_history(self._conn, self.profile, job_id))

    def record_calls(self, entries: Iterable[ActivityEntry]) -> int:
        """Journal a batch of activity entries in one transaction: those about a job (its
        submit, GETs, DELETE) become `job_calls` rows; returns how many."""
        batch = [entry for entry in entries if entry.about_job is not None]
        if not batch:
            return 0
        return self._transact(lambda conn: insert_calls(conn, self.profile, batch))

    def job_calls(self, job_id: str) -> list[ActivityEntry]:
        """Every kept API call about one job, from every process, oldest first."""
        with self._lock:
            return self._retry(lambda: read_calls(self._conn, self.profile, job_id))

    def unfinished_job_ids(self) -> list[str]:
        """Jobs to resume polling after a restart: not finished, not expired."""
        rows = self._read(
            "SELECT job_id FROM jobs WHERE profile = ? AND finished = 0 AND expired_at IS NULL"
            " ORDER BY created_at, first_seen_at",
            (self.profile,),
        )
        return [row["job_id"] for row in rows]

    def get_job(self, job_id: str) -> JournaledJob | None:
        """One journaled job by id (None if the journal never saw it)."""
        rows = self._read(
            "SELECT j.*, s.kind AS s_kind, s.request_json, s.extra_json, s.submitted_at,"
            " s.status, s.error FROM jobs j LEFT JOIN submissions s ON s.local_id = j.local_id"
            " WHERE j.profile = ? AND j.job_id = ?",
            (self.profile, job_id),
        )
        return self._journaled(rows[0]) if rows else None

    def load_jobs(self) -> list[JournaledJob]:
        """Everything for the table at start: jobs (expired ones flagged), newest first, then
        submissions that have no job (needing reconciliation)."""
        job_rows = self._read(
            "SELECT j.*, s.kind AS s_kind, s.request_json, s.extra_json, s.submitted_at,"
            " s.status, s.error FROM jobs j LEFT JOIN submissions s ON s.local_id = j.local_id"
            " WHERE j.profile = ? ORDER BY COALESCE(j.created_at, j.first_seen_at) DESC",
            (self.profile,),
        )
        result = [self._journaled(row) for row in job_rows]
        stale = format_timestamp(self.clock.now() - STALE_SENDING)
        orphan_rows = self._read(
            "SELECT * FROM submissions WHERE profile = ? AND job_id IS NULL AND"
            " (status = ? OR (status = ? AND submitted_at <= ?)) ORDER BY local_id DESC",
            (self.profile, OUTCOME_UNKNOWN, SENDING, stale),
        )
        for row in orphan_rows:
            result.append(
                JournaledJob(
                    local_id=row["local_id"],
                    job_id=None,
                    kind=row["kind"],
                    job=None,
                    request=json.loads(row["request_json"]),
                    extra=json.loads(row["extra_json"]) if row["extra_json"] else None,
                    submitted_at=parse_time(row["submitted_at"]),
                    submission_status=row["status"],
                    error=row["error"],
                    source="submitted",
                )
            )
        return result

    def _journaled(self, row: sqlite3.Row) -> JournaledJob:
        try:
            job: Job | None = Job.from_json(json.loads(row["job_json"]))
        except (ValueError, ModelError):
            job = None  # a damaged row still shows, by id
        kind = job.kind if job else (row["s_kind"] or "unknown")
        return JournaledJob(
            local_id=row["local_id"],
            job_id=row["job_id"],
            kind=kind,
            job=job,
            request=json.loads(row["request_json"]) if row["request_json"] else None,
            extra=json.loads(row["extra_json"]) if row["extra_json"] else None,
            submitted_at=parse_time(row["submitted_at"]),
            submission_status=row["status"],
            error=row["error"],
            source=row["source"],
            first_seen_at=parse_time(row["first_seen_at"]),
            updated_at=parse_time(row["updated_at"]),
            expired_at=parse_time(row["expired_at"]),
        )

    # --- UI state ----------------------------------------------------------------------------

    def get_ui_state(self, key: str, default: Any = None) -> Any:
        """A remembered UI value (filters, sort, last screen, profile), JSON-decoded."""
        rows = self._read("SELECT value_json FROM ui_state WHERE key = ?", (key,))
        if not rows:
            return default
        try:
            return json.loads(rows[0]["value_json"])
        except ValueError:
            return default

    def set_ui_state(self, key: str, value: Any) -> None:
        """Remember a JSON-serialisable UI value under `key` (shared by every profile)."""
        text = json.dumps(value, sort_keys=True)
        now = self._now()
        self._transact(
            lambda conn: conn.execute(
                "INSERT INTO ui_state (key, value_json, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json,"
                " updated_at = excluded.updated_at",
                (key, text, now),
            )
        )

    def ui_state(self) -> dict[str, Any]:
        """Every remembered UI value at once (one read at start)."""
        rows = self._read("SELECT key, value_json FROM ui_state")
        state: dict[str, Any] = {}
        for row in rows:
            with contextlib.suppress(ValueError):
                state[row["key"]] = json.loads(row["value_json"])
        return state


def open_journal(
    profile: str = "default",
    *,
    path: Path | None = None,
    clock: Clock | None = None,
    environ: Mapping[str, str] = os.environ,
) -> Journal:
    """Open (creating if needed) the journal; check `.recovered_from` to report a reset."""
    return Journal(path, profile=profile, clock=clock, environ=environ)
