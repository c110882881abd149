"""A job's state history: one `job_states` row per observed change, bounded.

The one place that decides "this is a change worth a history row": `record_change`, called
by the journal's single job writer (`Journal._upsert`) for every write that changed the
job's row. A row is added only when the job's state, result status, outcome or progress
label differ from its latest row, or its percent entered another `PERCENT_STEP` (0-9 %,
10-19 % ...): an identical poll, a list row that only moved `last_update_at`, or a percent
creeping 41 -> 43 adds nothing, so a long import's history stays readable (a dozen rows,
not one per poll) and a stall still shows as one row that lasted. Bounded two ways: at most
`HISTORY_CAP` rows per job (the first, then the newest), and rows older than the API's
30-day retention are pruned when a journal opens (`prune_history`): past it no GET can say
more about the job.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tui.api.models import Job, format_timestamp, parse_timestamp

#: Who saw the change: the submit's 201, a status GET (the scheduler, `jobs get`), a list
#: page, a GET a callback asked for, or the journal's last state before history was kept.
Source = Literal["submit", "poll", "list", "callback", "journal"]
#: Rows kept per job (2 at least): the first observation and the newest `HISTORY_CAP - 1`.
HISTORY_CAP = 200
#: A percent change is a new row only across steps of this many points.
PERCENT_STEP = 10

_COLUMNS = "job_state, result_status, outcome, progress_label, progress_percent"


@dataclass(frozen=True, slots=True)
class StateChange:
    """One observed change of a job, as the journal recorded it."""

    job_id: str
    observed_at: datetime
    job_state: str | None
    result_status: str | None
    #: The client's judgement (`Outcome` value): "running", "failed", "partial" ...
    outcome: str
    progress_label: str | None
    progress_percent: float | None
    source: Source


def observed(job: Job) -> tuple[str | None, str | None, str, str | None, float | None]:
    """What a history row compares and keeps of `job`, in `_COLUMNS` order."""
    progress = job.progress
    return (
        job.job_state,
        job.result.status if job.result is not None else None,
        job.outcome.value,
        progress.label if progress is not None else None,
        progress.percent if progress is not None else None,
    )


def record_change(
    conn: sqlite3.Connection,
    profile: str,
    job: Job,
    now: str,
    source: Source,
    *,
    cap: int = HISTORY_CAP,
) -> bool:
    """Add a row for `job` unless its latest row says the same; True if one was added.

    One statement decides and inserts (inside the caller's write transaction): `IS`
    compares NULLs as equal, so a job without progress matches a row without progress.
    """
    values = observed(job)
    cur = conn.execute(
        f"INSERT INTO job_states (profile, job_id, observed_at, {_COLUMNS}, source)"
        " SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS ("
        f"  SELECT 1 FROM (SELECT {_COLUMNS} FROM job_states"
        "    WHERE profile = ? AND job_id = ? ORDER BY seq DESC LIMIT 1) AS latest"
        "  WHERE latest.job_state IS ? AND latest.result_status IS ? AND latest.outcome IS ?"
        "  AND latest.progress_label IS ?"
        "  AND CAST(latest.progress_percent / ? AS INTEGER) IS CAST(? / ? AS INTEGER))",
        (
            *(profile, job.job_id, now, *values, source),
            *(profile, job.job_id, *values[:4]),
            *(PERCENT_STEP, values[4], PERCENT_STEP),
        ),
    )
    if cur.rowcount <= 0:
        return False
    _bound(conn, profile, job.job_id, cap)
    return True


def _bound(conn: sqlite3.Connection, profile: str, job_id: str, cap: int) -> None:
    """Keep the job's first row (how it started) and its newest `cap - 1`."""
    conn.execute(
        "DELETE FROM job_states WHERE seq IN ("
        "  SELECT seq FROM job_states WHERE profile = ? AND job_id = ?"
        "  ORDER BY seq DESC LIMIT -1 OFFSET ?)"
        " AND seq > (SELECT MIN(seq) FROM job_states WHERE profile = ? AND job_id = ?)",
        (profile, job_id, cap - 1, profile, job_id),
    )


def read_history(conn: sqlite3.Connection, profile: str, job_id: str) -> list[StateChange]:
    """Every kept row of one job, oldest first."""
    rows = conn.execute(
        f"SELECT job_id, observed_at, {_COLUMNS}, source FROM job_states"
        " WHERE profile = ? AND job_id = ? ORDER BY seq",
        (profile, job_id),
    ).fetchall()
    return [
        StateChange(
            job_id=row["job_id"],
            observed_at=_observed_at(row["observed_at"]),
            job_state=row["job_state"],
            result_status=row["result_status"],
            outcome=row["outcome"],
            progress_label=row["progress_label"],
            progress_percent=row["progress_percent"],
            source=row["source"],
        )
        for row in rows
    ]


def _observed_at(text: str) -> datetime:
    parsed = parse_timestamp(text)
    if parsed is None:  # only this module writes the column: never expected
        raise ValueError(f"job_states.observed_at is not a time: {text!r}")
    return parsed


def prune_history(conn: sqlite3.Connection, before: datetime) -> int:
    """Drop every row observed before `before` (all profiles); returns how many."""
    cur = conn.execute(
        "DELETE FROM job_states WHERE observed_at < ?", (format_timestamp(before),)
    )
    return cur.rowcount
