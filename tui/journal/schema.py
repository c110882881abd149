"""What the journal file holds: its tables, one migration per schema version, the statuses.

`PRAGMA user_version` is the schema version. Opening a file runs every migration above its
version in order, each in its own write transaction (`Journal._migrate`); a file newer than
`SCHEMA_VERSION` is refused and left untouched.
"""

from __future__ import annotations

SCHEMA_VERSION = 4

# Submission statuses.
SENDING = "sending"  # written, POST not answered yet
CREATED = "created"  # the server answered with a job id
OUTCOME_UNKNOWN = "outcome_unknown"  # the body went out, no answer came: reconcile
REJECTED = "rejected"  # the server said no (4xx/5xx with a body): no job was created
RECONCILED = "reconciled"  # a person matched it to a job found in the list
ABANDONED = "abandoned"  # a person said no job was created (free to resubmit)

UNRESOLVED = f"job_id IS NULL AND status IN ('{SENDING}', '{OUTCOME_UNKNOWN}')"

_SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS submissions (
    local_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    profile       TEXT NOT NULL,
    kind          TEXT NOT NULL,
    request_json  TEXT NOT NULL,
    extra_json    TEXT,
    submitted_at  TEXT NOT NULL,
    status        TEXT NOT NULL,
    job_id        TEXT,
    error         TEXT,
    resolved_at   TEXT
);
CREATE INDEX IF NOT EXISTS submissions_status ON submissions (profile, status);
CREATE TABLE IF NOT EXISTS jobs (
    profile       TEXT NOT NULL,
    job_id        TEXT NOT NULL,
    job_type      TEXT,
    job_state     TEXT,
    outcome       TEXT NOT NULL,
    finished      INTEGER NOT NULL,
    project_id    TEXT,
    created_at    TEXT,
    job_json      TEXT NOT NULL,
    local_id      INTEGER,
    source        TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    expired_at    TEXT,
    PRIMARY KEY (profile, job_id)
);
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs (profile, finished, expired_at);
CREATE TABLE IF NOT EXISTS ui_state (
    key         TEXT PRIMARY KEY,
    value_json  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
"""
# v2: each submission's request fingerprint (to refuse a twin) and sending process.
_SCHEMA_V2 = """
ALTER TABLE submissions ADD COLUMN fingerprint TEXT;
ALTER TABLE submissions ADD COLUMN owner TEXT;
CREATE INDEX IF NOT EXISTS submissions_fingerprint ON submissions (profile, fingerprint);
"""
# v3: a job's state history, one row per observed change (`history.py` writes and bounds it).
# Each job already journaled gets one row, its last known state, seen by "journal": the
# history the file had before this version, so an incident report starts somewhere true.
_SCHEMA_V3 = """
CREATE TABLE IF NOT EXISTS job_states (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    profile          TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    observed_at      TEXT NOT NULL,
    job_state        TEXT,
    result_status    TEXT,
    outcome          TEXT NOT NULL,
    progress_label   TEXT,
    progress_percent REAL,
    source           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS job_states_by_job ON job_states (profile, job_id, seq);
CREATE INDEX IF NOT EXISTS job_states_by_age ON job_states (observed_at);
INSERT INTO job_states (profile, job_id, observed_at, job_state, result_status, outcome,
    progress_label, progress_percent, source)
SELECT profile, job_id, updated_at, job_state,
    CASE WHEN json_valid(job_json) THEN json_extract(job_json, '$.result.status') END,
    outcome,
    CASE WHEN json_valid(job_json) THEN json_extract(job_json, '$.progress.label') END,
    CASE WHEN json_valid(job_json) THEN json_extract(job_json, '$.progress.percent') END,
    'journal'
FROM jobs ORDER BY updated_at;
"""
# v4: the API calls about each job, kept across processes (`calls.py` writes and bounds it).
# An older file starts with none: the calls its processes made were never kept.
_SCHEMA_V4 = """
CREATE TABLE IF NOT EXISTS job_calls (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    profile          TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    at               TEXT NOT NULL,
    method           TEXT NOT NULL,
    path             TEXT NOT NULL,
    status           INTEGER,
    latency_ms       REAL,
    request_ids_json TEXT,
    note             TEXT,
    error_body       TEXT
);
CREATE INDEX IF NOT EXISTS job_calls_by_job ON job_calls (profile, job_id, seq);
CREATE INDEX IF NOT EXISTS job_calls_by_age ON job_calls (at);
"""
MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1, 2: _SCHEMA_V2, 3: _SCHEMA_V3, 4: _SCHEMA_V4}
