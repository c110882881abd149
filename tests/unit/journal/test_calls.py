"""The API calls about each job, kept in the journal: what a row holds, its bounds, the
retention, the migration of an older file, and `CallRecorder`, the activity-log listener."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.unit.journal.conftest import T0
from tui.api.activity import ActivityEntry, ActivityLog
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.journal import CALLS_CAP, CALLS_FIRST, SCHEMA_VERSION, CallRecorder, Journal
from tui.journal.calls import ERROR_BODY_CAP
from tui.journal.schema import _SCHEMA_V1, _SCHEMA_V2, _SCHEMA_V3
from tui.session import SessionFactory

TOKEN = "sk-live-never-in-the-file"


def poll(n: int, job_id: str = "j-1", **fields: object) -> ActivityEntry:
    """The `n`th GET of `job_id`, `n` seconds and `n` microseconds after T0."""
    values: dict[str, object] = {"request_ids": {"X-Request-Id": f"sim-{n:08d}"}, **fields}
    at = T0 + timedelta(seconds=n, microseconds=n)
    return ActivityEntry(at, "GET", f"/jobs/{job_id}", 200, 40.0 + n, **values)  # type: ignore[arg-type]


def test_a_call_about_a_job_keeps_its_facts_and_no_other_header(journal: Journal) -> None:
    submit = ActivityEntry(
        T0, "POST", "/jobs/import/project_media", 201, 120.5,
        rate_limit={"X-RateLimit-Remaining": "9"},
        request_ids={"X-Request-Id": "sim-1", "CF-Ray": "ray-1"},
        job_id="j-1",
    )
    failed = ActivityEntry(
        T0 + timedelta(seconds=1), "DELETE", "/jobs/j-1", 409, 12.0,
        error_body="x" * (ERROR_BODY_CAP + 10), note="cancel refused",
    )
    listing = ActivityEntry(T0, "GET", "/jobs?cursor=j-1", 200, 9.0)
    failed_submit = ActivityEntry(T0, "POST", "/jobs/agent", 400, 9.0, error_body="bad")
    assert journal.record_calls([submit, failed, listing, failed_submit]) == 2
    first, second = journal.job_calls("j-1")
    assert (first.at, first.method, first.path, first.status, first.latency_ms) == (
        T0, "POST", "/jobs/import/project_media", 201, 120.5,
    )
    assert first.request_ids == {"X-Request-Id": "sim-1", "CF-Ray": "ray-1"}
    assert first.rate_limit == {}  # only the request-id headers are kept
    assert (second.status, second.note) == (409, "cancel refused")
    assert second.error_body is not None and second.error_body.startswith("x" * ERROR_BODY_CAP)
    assert second.error_body.endswith("[... 10 characters cut]")
    assert journal.job_calls("agent") == journal.job_calls("other") == []


def test_a_call_keeps_its_time_to_the_microsecond(journal: Journal) -> None:
    journal.record_calls([poll(7)])
    [back] = journal.job_calls("j-1")
    assert back.at == poll(7).at and back.at.microsecond == 7


def test_a_job_keeps_its_first_calls_and_its_newest_up_to_the_cap(journal: Journal) -> None:
    journal.record_calls(poll(n) for n in range(CALLS_CAP + 100))
    journal.record_calls(poll(n, "j-2") for n in range(3))
    kept = [e.request_id for e in journal.job_calls("j-1")]
    assert len(kept) == CALLS_CAP
    newest = CALLS_CAP - CALLS_FIRST
    expected = [f"sim-{n:08d}" for n in (*range(CALLS_FIRST), *range(600 - newest, 600))]
    assert kept == expected
    assert len(journal.job_calls("j-2")) == 3  # each job is bounded alone


def test_calls_past_the_retention_are_pruned_when_a_journal_opens(
    journal_path: Path, clock: ManualClock
) -> None:
    with Journal(journal_path, clock=clock) as journal:
        journal.record_calls([poll(0, "old")])
        journal.record_calls([poll(20 * 86400, "new")])
    clock.advance_nowait(timedelta(days=31).total_seconds())
    with Journal(journal_path, clock=clock) as journal:
        assert journal.job_calls("old") == []
        assert len(journal.job_calls("new")) == 1


def version_3_file(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(_SCHEMA_V1 + _SCHEMA_V2 + _SCHEMA_V3)
        conn.execute(
            "INSERT INTO job_states (profile, job_id, observed_at, job_state, outcome, source)"
            " VALUES ('default', 'j-old', '2026-11-25T11:00:00.000Z', 'running', 'running',"
            " 'poll')"
        )
        conn.execute("PRAGMA user_version = 3")


def test_a_version_3_journal_gains_an_empty_calls_table_and_keeps_its_history(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "v3.sqlite3"
    version_3_file(path)
    with Journal(path, clock=clock) as journal:
        assert journal.job_calls("j-old") == []
        assert [c.job_state for c in journal.state_history("j-old")] == ["running"]
        journal.record_calls([poll(1, "j-old")])
        assert len(journal.job_calls("j-old")) == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4


def test_the_recorder_writes_a_batch_when_it_is_full(journal: Journal, clock: ManualClock) -> None:
    log = ActivityLog()
    recorder = CallRecorder(journal, clock, batch_size=3, interval_s=60)
    recorder.attach(log)
    log.record(poll(1))
    log.record(ActivityEntry(T0, "GET", "/jobs?limit=50", 200, 9.0))  # about no job
    log.record(poll(2))
    assert journal.job_calls("j-1") == []  # two waiting: nothing written per call
    log.record(poll(3))
    assert [e.request_id for e in journal.job_calls("j-1")] == [
        "sim-00000001", "sim-00000002", "sim-00000003",
    ]


def test_the_recorder_writes_when_the_interval_passed_and_the_rest_on_close(
    journal: Journal, clock: ManualClock
) -> None:
    log = ActivityLog()
    recorder = CallRecorder(journal, clock, batch_size=100, interval_s=5)
    recorder.attach(log)
    log.record(poll(1))
    clock.advance_nowait(5)
    log.record(poll(2))
    assert len(journal.job_calls("j-1")) == 2
    log.record(poll(3))
    assert len(journal.job_calls("j-1")) == 2
    assert recorder.close() == 1
    log.record(poll(4))  # detached: not recorded
    assert recorder.flush() == 0
    assert len(journal.job_calls("j-1")) == 3


def test_a_failing_journal_stops_the_recording_never_the_request(
    tmp_path: Path, clock: ManualClock
) -> None:
    journal = Journal(tmp_path / "j.sqlite3", clock=clock)
    log = ActivityLog()
    recorder = CallRecorder(journal, clock, batch_size=1)
    recorder.attach(log)
    journal.close()
    log.record(poll(1))  # the write fails inside: the caller sees nothing
    assert recorder.problem is not None
    assert len(log) == 1 and recorder.close() == 0


async def test_in_an_event_loop_a_batch_is_written_in_a_worker_thread(
    journal: Journal, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[str] = []
    record_calls = journal.record_calls

    def noting(entries: list[ActivityEntry]) -> int:
        writers.append(threading.current_thread().name)
        return record_calls(entries)

    monkeypatch.setattr(journal, "record_calls", noting)
    log = ActivityLog()
    recorder = CallRecorder(journal, clock, batch_size=2)
    recorder.attach(log)
    log.record(poll(1))
    log.record(poll(2))
    log.record(poll(3))
    await recorder.aclose()  # the batch in flight ends, the rest is written
    assert [e.request_id for e in journal.job_calls("j-1")] == [
        "sim-00000001", "sim-00000002", "sim-00000003",
    ]
    assert writers and threading.main_thread().name not in writers


async def test_the_dashboard_session_journals_its_clients_calls(
    journal: Journal, clock: ManualClock
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"X-Request-Id": "req-42"}
        return httpx.Response(200, json={"job_id": "j-7", "job_state": "running"}, headers=headers)

    client = DescriptClient(TOKEN, transport=httpx.MockTransport(answer), clock=clock)
    session = SessionFactory(clock=clock, discover=False).open(client, journal=journal)
    assert session.calls is not None
    await client.get_job("j-7")
    await asyncio.sleep(0)
    await session.close()
    [call] = journal.job_calls("j-7")
    assert (call.method, call.path, call.status, call.request_id) == (
        "GET", "/jobs/j-7", 200, "req-42",
    )
    assert TOKEN.encode() not in b"".join(
        p.read_bytes() for p in journal.path.parent.iterdir() if p.is_file()
    )
