"""A job's state history: one row per real change, whoever saw it; bounded; migrated in."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.unit.journal.conftest import T0
from tui.api.clock import ManualClock
from tui.api.link import JobEvent
from tui.api.models import Job, JobCreated
from tui.journal import HISTORY_CAP, SCHEMA_VERSION, Journal, StateChange
from tui.journal.history import record_change
from tui.journal.schema import _SCHEMA_V1, _SCHEMA_V2

NOW_TEXT = "2026-11-25T12:00:00.000Z"


def job(
    state: str = "running",
    *,
    job_id: str = "job-1",
    percent: float | None = None,
    label: str | None = None,
    **extra: Any,
) -> Job:
    data: dict[str, Any] = {
        "job_id": job_id,
        "job_type": "import/project_media",
        "job_state": state,
        "created_at": "2026-11-25T12:00:01Z",
        **extra,
    }
    if percent is not None or label is not None:
        data["progress"] = {"label": label, "percent": percent}
    return Job.from_json(data)


FAILED = {"result": {"status": "error", "error_message": "URL does not support Range"}}


def rows(journal: Journal, job_id: str = "job-1") -> list[tuple[Any, ...]]:
    return [
        (c.job_state, c.result_status, c.progress_percent, c.source)
        for c in journal.state_history(job_id)
    ]


def test_one_row_per_real_change_whoever_saw_it(journal: Journal, clock: ManualClock) -> None:
    local_id = journal.record_submission("import", {"project_name": "p"})
    journal.attach_job(local_id, JobCreated.from_json({"job_id": "job-1"}))
    clock.advance_nowait(5)
    journal.upsert_job(job("queued"))
    journal.upsert_job(job("queued"))  # an identical poll: nothing
    clock.advance_nowait(5)
    journal.upsert_jobs([job("running", percent=10, label="Transcribing")])
    # Only last_update_at moved: the job's row changes, its history does not.
    moved = {"last_update_at": "2026-11-25T12:00:20Z", "label": "Transcribing", "percent": 10}
    assert journal.upsert_job(Job.from_json({**job("running").raw, "progress": moved}))
    clock.advance_nowait(30)
    journal.upsert_job(job("running", percent=60, label="Transcribing"), seen_by="callback")
    clock.advance_nowait(10)
    journal.upsert_job(job("stopped", **FAILED))
    journal.upsert_job(job("stopped", **FAILED))

    history = journal.state_history("job-1")
    assert [(c.job_state, c.result_status, c.progress_percent, c.source) for c in history] == [
        (None, None, None, "submit"),
        ("queued", None, None, "poll"),
        ("running", None, 10.0, "list"),
        ("running", None, 60.0, "callback"),
        ("stopped", "error", None, "poll"),
    ]
    assert [c.observed_at - T0 for c in history] == [
        timedelta(0),
        timedelta(seconds=5),
        timedelta(seconds=10),
        timedelta(seconds=40),
        timedelta(seconds=50),
    ]
    assert history[-1].outcome == "failed"
    assert history[2].progress_label == "Transcribing"
    assert all(isinstance(c, StateChange) for c in history)


def test_scheduler_batches_are_polls_and_a_404_adds_no_row(journal: Journal) -> None:
    running = job("running", percent=5)
    finished = job("stopped", result={"status": "success"})
    journal.record_events(
        [JobEvent("added", "job-1", running), JobEvent("changed", "job-1", running, running)]
    )
    journal.record_events(
        [
            JobEvent("finished", "job-1", finished, running),
            JobEvent("gone", "job-1", finished, finished),
        ]
    )
    assert rows(journal) == [
        ("running", None, 5.0, "poll"),
        ("stopped", "success", None, "poll"),
    ]
    assert journal.get_job("job-1").expired  # type: ignore[union-attr]


def test_the_submit_row_is_not_written_twice_when_a_poll_came_first(journal: Journal) -> None:
    local_id = journal.record_submission("agent", {"prompt": "x"})
    journal.upsert_job(job("queued"))
    journal.attach_job(local_id, JobCreated.from_json({"job_id": "job-1"}))
    assert rows(journal) == [("queued", None, None, "poll")]


def test_history_is_per_job_and_per_profile(tmp_path: Path, clock: ManualClock) -> None:
    path = tmp_path / "journal.sqlite3"
    with (
        Journal(path, clock=clock, profile="a") as a,
        Journal(path, clock=clock, profile="b") as b,
    ):
        a.upsert_job(job("running"))
        a.upsert_job(job("queued", job_id="job-2"))
        b.upsert_job(job("stopped", **FAILED))
        assert rows(a) == [("running", None, None, "poll")]
        assert rows(a, "job-2") == [("queued", None, None, "poll")]
        assert rows(b) == [("stopped", "error", None, "poll")]
        assert a.state_history("never-seen") == []


def test_a_job_keeps_its_first_row_and_its_newest_up_to_the_cap(journal: Journal) -> None:
    changes = HISTORY_CAP + 50
    journal.upsert_job(job("queued"))
    for n in range(changes):
        journal.upsert_job(job("running", label=f"Step {n}"))
    history = journal.state_history("job-1")
    assert len(history) == HISTORY_CAP
    assert history[0].job_state == "queued"  # how it started stays
    assert history[1].progress_label == f"Step {changes - HISTORY_CAP + 1}"
    assert history[-1].progress_label == f"Step {changes - 1}"


def test_a_creeping_percent_is_a_new_row_only_in_the_next_ten_points(journal: Journal) -> None:
    for percent in (0, 3, 9.9, 10, 14, 19.5, 43, 43, 44, 50, 100):
        journal.upsert_job(job("running", percent=percent, label="Transcribing"))
    journal.upsert_job(job("running", percent=100, label="Exporting"))  # a new phase
    assert [c.progress_percent for c in journal.state_history("job-1")] == [
        0.0, 10.0, 43.0, 50.0, 100.0, 100.0,
    ]


def test_the_cap_bounds_each_job_alone(journal: Journal) -> None:
    journal.upsert_job(job("queued", job_id="other"))

    def body(conn: sqlite3.Connection) -> None:
        for n in range(5):
            record_change(conn, "default", job("running", label=f"{n}"), NOW_TEXT, "poll", cap=3)

    journal._transact(body)
    assert [c.progress_label for c in journal.state_history("job-1")] == ["0", "3", "4"]
    assert len(journal.state_history("other")) == 1


def test_history_past_the_retention_is_pruned_when_a_journal_opens(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal(path, clock=clock) as journal:
        journal.upsert_job(job("queued", job_id="old"))
        clock.advance_nowait(timedelta(days=20).total_seconds())
        journal.upsert_job(job("running", job_id="old"))
        journal.upsert_job(job("queued", job_id="new"))
    clock.advance_nowait(timedelta(days=11).total_seconds())
    with Journal(path, clock=clock) as journal:
        assert rows(journal, "old") == [("running", None, None, "poll")]
        assert rows(journal, "new") == [("queued", None, None, "poll")]
        assert journal.get_job("old") is not None  # the job's last state stays
    clock.advance_nowait(timedelta(days=30).total_seconds())
    with Journal(path, clock=clock) as journal:
        assert journal.state_history("old") == journal.state_history("new") == []


def version_2_file(path: Path) -> None:
    progress = {"label": "Import", "percent": 100}
    failed = job("stopped", job_id="job-old", progress=progress, **FAILED)
    with sqlite3.connect(path) as conn:
        conn.executescript(_SCHEMA_V1 + _SCHEMA_V2)
        for job_id, state, job_json in (
            ("job-old", "stopped", failed.raw),
            ("job-broken", "running", "{not json"),
        ):
            conn.execute(
                "INSERT INTO jobs (profile, job_id, job_state, outcome, finished, job_json,"
                " source, first_seen_at, updated_at) VALUES ('default', ?, ?, 'failed', 1, ?,"
                " 'list', '2026-11-25T11:00:00.000Z', '2026-11-25T11:30:00.000Z')",
                (job_id, state, job_json if isinstance(job_json, str) else json.dumps(job_json)),
            )
        conn.execute("PRAGMA user_version = 2")


def test_a_version_2_journal_gains_history_seeded_from_each_jobs_last_state(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "v2.sqlite3"
    version_2_file(path)
    with Journal(path, clock=clock) as journal:
        [seed] = journal.state_history("job-old")
        assert (seed.job_state, seed.result_status, seed.outcome, seed.source) == (
            "stopped",
            "error",
            "failed",
            "journal",
        )
        assert (seed.progress_label, seed.progress_percent) == ("Import", 100.0)
        assert seed.observed_at == datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
        [broken] = journal.state_history("job-broken")  # an unreadable row still migrates
        assert (broken.job_state, broken.result_status) == ("running", None)
        # The same state seen again adds nothing; a change does.
        same = job("stopped", job_id="job-old", progress={"label": "Import", "percent": 100})
        journal.upsert_job(Job.from_json({**same.raw, **FAILED, "note": "moved"}))
        assert len(journal.state_history("job-old")) == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
