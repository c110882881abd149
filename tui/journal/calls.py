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

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

from tui.api.activity import ActivityEntry

#: Rows kept per job: the first `CALLS_FIRST` (the submit, the first polls) and the newest.
CALLS_CAP = 500
CALLS_FIRST = 20
#: An error body longer than this is cut (a proxy's HTML page can be megabytes).
ERROR_BODY_CAP = 4000

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
