"""The journal: written before the POST, resumes after a restart, keeps expired jobs, survives
corruption and two writers at once."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.unit.journal.conftest import T0
from tui.api.clock import ManualClock
from tui.api.models import Job, JobCreated, Outcome
from tui.journal import (
    MEMORY,
    OUTCOME_UNKNOWN,
    SCHEMA_VERSION,
    SENDING,
    Journal,
    JournalError,
    default_journal_path,
)

IMPORT_REQUEST = {
    "project_name": "Interview with Ada",
    "add_media": {"ada.mp4": {"url": "https://media.example/ada.mp4"}},
}


def job_json(job_id: str, state: str = "running", **extra: Any) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "job_type": "import/project_media",
        "job_state": state,
        "created_at": "2026-11-25T12:00:01Z",
        "project_id": "proj-1",
        **extra,
    }


PARTIAL = job_json(
    "job-partial",
    "stopped",
    stopped_at="2026-11-25T12:05:00Z",
    result={
        "status": "partial",
        "media_status": {
            "ok.mp4": {"status": "success", "duration_seconds": 12.5},
            "bad.mp4": {"status": "failed", "error_message": "unreachable"},
        },
    },
)


def created(job_id: str) -> JobCreated:
    return JobCreated.from_json(
        {"job_id": job_id, "drive_id": "drive-1", "project_id": "proj-1", "project_url": "u"}
    )


def test_data_dir_env_picks_the_file(tmp_path: Path) -> None:
    path = default_journal_path({"DESCRIPT_TUI_DATA_DIR": str(tmp_path)})
    assert path == tmp_path / "journal.sqlite3"


def test_wal_mode_and_schema_version(journal: Journal, journal_path: Path) -> None:
    conn = sqlite3.connect(journal_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_submission_is_written_before_the_post_and_linked_after(journal: Journal) -> None:
    local_id = journal.record_submission("import", IMPORT_REQUEST, extra={"paths": {}})
    rows = journal.load_jobs()
    # Just written: the POST may still be in flight, so not yet a reconciliation.
    assert rows == []
    assert journal.pending_reconciliations() == []
    journal.attach_job(local_id, created("job-1"))
    (row,) = journal.load_jobs()
    assert (row.job_id, row.local_id, row.kind, row.source) == (
        "job-1",
        local_id,
        "import",
        "submitted",
    )
    assert row.request == IMPORT_REQUEST
    assert row.submitted_at == T0
    assert row.job is not None and row.job.outcome is Outcome.RUNNING
    assert journal.unfinished_job_ids() == ["job-1"]


def test_every_state_change_is_kept_and_unchanged_ones_write_nothing(journal: Journal) -> None:
    local_id = journal.record_submission("import", IMPORT_REQUEST)
    journal.attach_job(local_id, created("job-partial"))
    assert journal.upsert_job(Job.from_json(job_json("job-partial"))) is True
    assert journal.upsert_job(Job.from_json(job_json("job-partial"))) is False
    assert journal.upsert_job(Job.from_json(PARTIAL)) is True
    row = journal.get_job("job-partial")
    assert row is not None and row.job is not None
    assert row.job.outcome is Outcome.PARTIAL
    assert row.local_id == local_id  # the link to the request survives updates
    assert journal.unfinished_job_ids() == []


def test_jobs_found_through_the_list_are_journaled(journal: Journal) -> None:
    jobs = [Job.from_json(job_json(f"listed-{n}")) for n in range(5)]
    assert journal.upsert_jobs(jobs) == 5
    assert journal.upsert_jobs(jobs) == 0
    rows = journal.load_jobs()
    assert {r.job_id for r in rows} == {f"listed-{n}" for n in range(5)}
    assert {r.source for r in rows} == {"list"}


def test_a_job_first_read_by_get_says_so_and_keeps_it(journal: Journal) -> None:
    assert journal.upsert_job(Job.from_json(job_json("got-1")))
    journal.upsert_jobs([Job.from_json(job_json("got-1", "stopped"))])
    (row,) = journal.load_jobs()
    assert row.source == "poll"


def test_a_restart_resumes_polling_what_is_unfinished(
    journal_path: Path, clock: ManualClock
) -> None:
    with Journal(journal_path, clock=clock) as first:
        first.upsert_jobs(
            [
                Job.from_json(job_json("running-1")),
                Job.from_json(job_json("queued-1", "queued")),
                Job.from_json(PARTIAL),
            ]
        )
        local_id = first.record_submission("agent", {"project_id": "p", "prompt": "trim"})
        first.mark_outcome_unknown(local_id, "ReadTimeout after the body was sent")
        first.set_ui_state("jobs.filter", {"state": "failed", "text": "ada"})
        first.set_ui_state("last_screen", "jobs")
    with Journal(journal_path, clock=clock) as second:
        assert sorted(second.unfinished_job_ids()) == ["queued-1", "running-1"]
        rows = second.load_jobs()
        assert {r.key for r in rows} == {
            "running-1",
            "queued-1",
            "job-partial",
            f"local-{local_id}",
        }
        pending = [r for r in rows if r.needs_reconciliation]
        assert [p.local_id for p in pending] == [local_id]
        assert second.ui_state() == {
            "jobs.filter": {"state": "failed", "text": "ada"},
            "last_screen": "jobs",
        }
        assert second.get_ui_state("missing", "fallback") == "fallback"


def test_an_expired_job_keeps_its_last_state_and_files(journal: Journal) -> None:
    journal.upsert_job(Job.from_json(PARTIAL))
    journal.upsert_job(Job.from_json(job_json("still-running")))
    journal.mark_expired("job-partial")
    journal.mark_expired("still-running")
    rows = {r.job_id: r for r in journal.load_jobs()}
    expired = rows["job-partial"]
    assert expired.expired and expired.expired_at == T0
    assert expired.job is not None and expired.job.outcome is Outcome.PARTIAL
    assert [f.name for f in expired.job.failed_files] == ["bad.mp4"]
    assert [f.name for f in expired.job.succeeded_files] == ["ok.mp4"]
    # An expired job is not polled again, even if it never finished.
    assert journal.unfinished_job_ids() == []
    # Seen again after all (a mistaken 404): alive again.
    journal.upsert_job(Job.from_json(job_json("still-running")))
    assert journal.get_job("still-running").expired is False  # type: ignore[union-attr]
    assert journal.unfinished_job_ids() == ["still-running"]


def test_unknown_outcomes_and_interrupted_sends_need_reconciliation(
    journal: Journal, clock: ManualClock
) -> None:
    unknown = journal.record_submission("import", IMPORT_REQUEST)
    journal.mark_outcome_unknown(unknown, "ReadTimeout")
    interrupted = journal.record_submission("agent", {"project_id": "p", "prompt": "x"})
    rejected = journal.record_submission("agent", {"project_id": "p", "prompt": ""})
    journal.mark_rejected(rejected, "400 prompt is required")
    assert [(p.local_id, p.status) for p in journal.pending_reconciliations()] == [
        (unknown, OUTCOME_UNKNOWN)
    ]
    # Still "sending" minutes later: the process died mid-POST. Reconcile that too.
    clock.advance_nowait(timedelta(minutes=3).total_seconds())
    pending = journal.pending_reconciliations()
    assert [(p.local_id, p.status) for p in pending] == [
        (unknown, OUTCOME_UNKNOWN),
        (interrupted, SENDING),
    ]
    assert pending[0].request == IMPORT_REQUEST and pending[0].error == "ReadTimeout"

    journal.upsert_job(Job.from_json(job_json("found-it")))
    journal.resolve_reconciliation(unknown, "found-it")
    journal.resolve_reconciliation(interrupted, None)
    assert journal.pending_reconciliations() == []
    row = journal.get_job("found-it")
    assert row is not None and row.local_id == unknown and row.request == IMPORT_REQUEST
    assert all(not r.needs_reconciliation for r in journal.load_jobs())


def test_profiles_do_not_see_each_others_jobs(journal_path: Path, clock: ManualClock) -> None:
    with (
        Journal(journal_path, profile="home", clock=clock) as home,
        Journal(journal_path, profile="work", clock=clock) as work,
    ):
        home.upsert_job(Job.from_json(job_json("home-job")))
        work.upsert_job(Job.from_json(job_json("work-job")))
        assert [r.job_id for r in home.load_jobs()] == ["home-job"]
        assert work.unfinished_job_ids() == ["work-job"]


def test_a_corrupt_journal_is_moved_aside_and_a_fresh_one_started(
    journal_path: Path, clock: ManualClock
) -> None:
    journal_path.parent.mkdir(parents=True)
    garbage = b"this is not a database" * 100
    journal_path.write_bytes(garbage)
    with Journal(journal_path, clock=clock) as journal:
        assert journal.recovered_from is not None
        assert journal.recovered_from.name.startswith("journal.sqlite3.corrupt-")
        assert journal.recovered_from.read_bytes() == garbage  # evidence kept
        journal.upsert_job(Job.from_json(job_json("after")))
        assert journal.unfinished_job_ids() == ["after"]
    with Journal(journal_path, clock=clock) as again:
        assert again.recovered_from is None


def test_a_journal_from_a_newer_version_is_refused_untouched(journal_path: Path) -> None:
    journal_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(journal_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    before = journal_path.read_bytes()
    with pytest.raises(JournalError, match="newer"):
        Journal(journal_path)
    assert journal_path.read_bytes() == before


def test_two_writers_on_two_connections_lose_no_rows(
    journal_path: Path, clock: ManualClock
) -> None:
    Journal(journal_path, clock=clock).close()  # schema in place
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            with Journal(journal_path, clock=clock) as journal:
                for n in range(150):
                    local_id = journal.record_submission("import", {"n": n, "by": name})
                    journal.attach_job(local_id, created(f"{name}-{n}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Journal(journal_path, clock=clock) as journal:
        assert len(journal.unfinished_job_ids()) == 300
        assert all(r.local_id is not None for r in journal.load_jobs())


def _process_writer(path: str, name: str, count: int) -> None:
    with Journal(Path(path)) as journal:
        for n in range(count):
            journal.upsert_job(Job.from_json(job_json(f"{name}-{n}")))
            journal.set_ui_state(f"{name}.last", n)


def test_two_processes_at_once_lose_no_rows(journal_path: Path) -> None:
    Journal(journal_path).close()
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_process_writer, args=(str(journal_path), name, 200))
        for name in ("p1", "p2")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    with Journal(journal_path) as journal:
        assert len(journal.unfinished_job_ids()) == 400
        assert journal.get_ui_state("p1.last") == 199
        assert journal.get_ui_state("p2.last") == 199


def test_repr_names_the_file_only(journal: Journal, journal_path: Path) -> None:
    assert str(journal_path) in repr(journal)


def test_an_in_memory_journal_for_the_demo(clock: ManualClock) -> None:
    with Journal(MEMORY, clock=clock) as journal:
        journal.upsert_job(Job.from_json(job_json("demo-job")))
        assert journal.unfinished_job_ids() == ["demo-job"]
        assert journal.in_memory


def test_the_journal_is_private_to_its_user(journal: Journal, journal_path: Path) -> None:
    journal.record_submission("import", IMPORT_REQUEST)
    assert stat.S_IMODE(journal_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal_path.parent.stat().st_mode) == 0o700
    wal = journal_path.with_name(journal_path.name + "-wal")
    assert stat.S_IMODE(wal.stat().st_mode) == 0o600


# -- duplicate submits and orphaned submissions ----------------------------------------------


def test_an_unresolved_twin_is_refused_in_the_same_transaction(tmp_path: Path) -> None:
    from tui.submissions import UnresolvedTwinError

    path = tmp_path / "j.sqlite3"
    request = {"project_name": "P", "prompt": "captions"}
    with Journal(path) as first, Journal(path) as second:
        local_id = first.record_submission("agent", request)
        with pytest.raises(UnresolvedTwinError) as caught:
            second.record_submission("agent", dict(reversed(request.items())))
        assert caught.value.twins[0].local_id == local_id
        assert "still sending in another process" in str(caught.value)
        # Another profile, another kind, or another request: not twins.
        Journal(path, profile="other").record_submission("agent", request)
        second.record_submission("import", request)
        second.record_submission("agent", {**request, "prompt": "other"})
        # Known outcome: free again. Unknown: still refused; --force passes.
        first.mark_outcome_unknown(local_id, "lost")
        with pytest.raises(UnresolvedTwinError):
            second.check_no_unresolved_twin("agent", request)
        second.record_submission("agent", request, force=True)
        first.resolve_reconciliation(local_id, None)


def test_a_sending_submission_of_a_dead_process_is_orphaned_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    with Journal(tmp_path / "j.sqlite3") as journal:
        mine = journal.record_submission("agent", {"prompt": "mine"})
        theirs = journal.record_submission("agent", {"prompt": "theirs"})
        journal._transact(
            lambda conn: conn.execute(
                "UPDATE submissions SET owner = ? WHERE local_id = ?", (f"{dead_pid}:1", theirs)
            )
        )
        pending = journal.pending_reconciliations()
        assert [(p.local_id, p.orphaned) for p in pending] == [(theirs, True)]
        assert [p.local_id for p in journal.orphaned_submissions()] == [theirs]
        assert mine not in {p.local_id for p in pending}  # alive and recent: still sending


def test_a_version_1_journal_is_upgraded_in_place(tmp_path: Path) -> None:
    from tui.journal.schema import _SCHEMA_V1

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(_SCHEMA_V1)
        conn.execute(
            "INSERT INTO submissions (profile, kind, request_json, submitted_at, status)"
            " VALUES ('default', 'agent', '{\"prompt\": \"x\"}', '2026-11-25T12:00:00Z',"
            " 'outcome_unknown')"
        )
        conn.execute("PRAGMA user_version = 1")
    with Journal(path) as journal:
        [old] = journal.pending_reconciliations()  # no fingerprint, no owner: still listed
        assert old.status == "outcome_unknown" and not old.orphaned
        journal.record_submission("agent", {"prompt": "x"})  # an old row has no fingerprint
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
