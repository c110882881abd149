"""The headless CLI journals like the app: submits before their POST, every job it reads.

All on the in-process simulator (or an `httpx.MockTransport`), with the journal in the
test's own `DESCRIPT_TUI_DATA_DIR` (tests/unit/cli/conftest.py), never the user's.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import SIM_BASE_URL
from tests.unit.cli.conftest import CliRunner
from tui import cli
from tui.api.models import Job, Outcome
from tui.commands import CliContext, CliJournal
from tui.journal import MEMORY, Journal, default_journal_path
from tui.simulator.world import World

T = TypeVar("T")
UNKNOWN_ID = "00000000-0000-4000-8000-00000000dead"


def journal_file() -> Path:
    return default_journal_path()


def read(call: Callable[[Journal], T], profile: str = "default") -> T:
    """One look at the journal file, as another process would take it."""
    with Journal(profile=profile) as journal:
        return call(journal)


def submissions() -> list[dict[str, Any]]:
    """The submissions table as another process would read it (a second connection)."""
    if not journal_file().exists():
        return []
    with sqlite3.connect(journal_file()) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT profile, kind, status, job_id, request_json, extra_json FROM submissions"
            " ORDER BY local_id"
        ).fetchall()
    return [dict(row) for row in rows]


class InspectsJournalOnPost(httpx.AsyncBaseTransport):
    """Reads the journal from disk the moment a submit's POST reaches the server."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.at_post: list[list[dict[str, Any]]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.startswith("/v1/jobs/"):
            self.at_post.append(submissions())
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize(
    ("argv", "kind"),
    [
        (["import", "--name", "J", "--media", "https://media.example.com/a.mp4"], "import"),
        (["agent", "--name", "J", "--prompt", "Add Studio Sound"], "agent"),
    ],
)
def test_a_submit_is_on_disk_before_its_post_then_gets_its_job_id(
    sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch, argv: list[str], kind: str
) -> None:
    inspector = InspectsJournalOnPost(sim_cli.transport)
    monkeypatch.setattr(cli, "TRANSPORT_FACTORY", lambda: inspector)
    result = sim_cli(*argv, "--json")
    assert result.code == 0, result.err
    job_id = json.loads(result.out)["job_id"]
    [before] = inspector.at_post
    assert [(row["kind"], row["status"], row["job_id"]) for row in before] == [
        (kind, "sending", None)
    ]
    request = json.loads(before[0]["request_json"])
    assert request.get("project_name") == "J"
    [after] = submissions()
    assert (after["status"], after["job_id"], after["profile"]) == ("created", job_id, "default")
    row = read(lambda j: j.get_job(job_id))
    assert row is not None and row.source == "submitted" and row.kind == kind
    assert not row.expired and row.request == request


def test_publish_is_journaled_with_its_kind(sim_cli: CliRunner, sim_world: World) -> None:
    ada = next(p for p in sim_world.projects.values() if p.name == "Interview with Ada")
    result = sim_cli("publish", "--project-id", ada.id, "--json")
    assert result.code == 0, result.err
    job_id = json.loads(result.out)["job_id"]
    assert [(row["kind"], row["status"], row["job_id"]) for row in submissions()] == [
        ("publish", "created", job_id)
    ]


def test_an_upload_keeps_its_local_path_in_the_journal(sim_cli: CliRunner, tmp_path: Path) -> None:
    media = tmp_path / "take1.wav"
    media.write_bytes(b"x" * 2048)
    result = sim_cli("import", "--name", "U", "--media", str(media))
    assert result.code == 0, result.err
    [row] = submissions()
    assert json.loads(row["extra_json"]) == {"local_files": {"take1.wav": str(media)}}


def test_wait_journals_each_state_to_the_end(sim_cli: CliRunner) -> None:
    result = sim_cli("agent", "--name", "W", "--prompt", "Add Studio Sound", "--wait", "--json")
    assert result.code == 0, result.err
    final = json.loads(result.out)
    row = read(lambda j: j.get_job(final["job_id"]))
    assert row is not None and row.job is not None
    assert row.job.outcome is Outcome.SUCCESS and row.submission_status == "created"
    assert read(lambda j: j.unfinished_job_ids()) == []


def test_an_unknown_outcome_is_left_for_reconciliation_and_never_resent(
    mock_cli: Any,
) -> None:
    def time_out_after_sending(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    run = mock_cli(time_out_after_sending)
    result = run("agent", "--project-id", "p1", "--prompt", "Add Studio Sound")
    assert result.code == 5
    assert run.sent == ["POST /v1/jobs/agent"]
    [pending] = read(lambda j: j.pending_reconciliations())
    assert pending.kind == "agent" and pending.status == "outcome_unknown"
    assert pending.request["prompt"] == "Add Studio Sound"
    # The usual advice stays; the journal's reconciliation is named too.
    assert "descript-tui reconcile" in result.err
    assert "journaled as needing reconciliation" in result.err and "press R" in result.err


def test_an_unreadable_2xx_is_left_for_reconciliation_too(mock_cli: Any) -> None:
    run = mock_cli(lambda request: httpx.Response(201, text="<html>proxy page</html>"))
    result = run("publish", "--project-id", "p1")
    assert result.code == 5, result.err  # the job may exist: like a lost answer
    assert run.sent == ["POST /v1/jobs/publish"]
    [pending] = read(lambda j: j.pending_reconciliations())
    assert pending.kind == "publish" and pending.status == "outcome_unknown"
    assert "press R" in result.err


def test_a_refused_submit_is_journaled_as_rejected_not_pending(
    sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", "broke-token")
    result = sim_cli("agent", "--name", "B", "--prompt", "Add Studio Sound")
    assert result.code == 1, result.err
    assert [row["status"] for row in submissions()] == ["rejected"]
    assert read(lambda j: j.pending_reconciliations()) == []
    assert "reconciliation" not in result.err


def test_jobs_list_journals_every_job_it_reads(demo_cli: CliRunner) -> None:
    listed = json.loads(demo_cli("jobs", "list", "--json").out)
    assert listed
    partial = demo_cli("jobs", "list", "--state", "partial", "--json")
    assert partial.code == 0
    rows = {row.job_id: row for row in read(lambda j: j.load_jobs())}
    assert set(rows) == {job["job_id"] for job in listed}
    assert all(row.source == "list" and not row.expired for row in rows.values())
    unfinished = {job["job_id"] for job in listed if not Job.from_json(job).is_finished}
    assert set(read(lambda j: j.unfinished_job_ids())) == unfinished


def test_jobs_get_journals_the_job(demo_cli: CliRunner) -> None:
    job_id = json.loads(demo_cli("jobs", "list", "--json", "--limit", "1").out)[0]["job_id"]
    journal_file().unlink()
    result = demo_cli("jobs", "get", job_id)
    assert result.code == 0, result.err
    row = read(lambda j: j.get_job(job_id))
    assert row is not None and row.job is not None and row.job.job_id == job_id


def _known_job(state: str = "stopped") -> Job:
    return Job.from_json(
        {
            "job_id": UNKNOWN_ID,
            "job_type": "agent",
            "job_state": state,
            "created_at": "2026-10-01T09:00:00Z",
            "project_id": "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb",
            "result": {"status": "success", "agent_response": "Done"},
        }
    )


@pytest.mark.parametrize("command", [["jobs", "get"], ["jobs", "watch"]])
def test_a_404_for_a_job_the_journal_knows_marks_it_expired(
    sim_cli: CliRunner, command: list[str]
) -> None:
    read(lambda j: j.upsert_job(_known_job()))
    result = sim_cli(*command, UNKNOWN_ID)
    assert result.code == 1
    assert "404" in result.err and "kept as expired" in result.err
    row = read(lambda j: j.get_job(UNKNOWN_ID))
    assert row is not None and row.expired
    assert row.job is not None and row.job.outcome is Outcome.SUCCESS, "last state kept"


def test_a_404_for_a_job_nobody_knew_journals_nothing(sim_cli: CliRunner) -> None:
    result = sim_cli("jobs", "get", UNKNOWN_ID)
    assert result.code == 1 and "expired" not in result.err
    assert read(lambda j: j.get_job(UNKNOWN_ID)) is None


def test_a_broken_journal_path_only_warns(
    sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    not_a_folder = tmp_path / "data-is-a-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("DESCRIPT_TUI_DATA_DIR", str(not_a_folder))
    submitted = sim_cli("agent", "--name", "X", "--prompt", "Add Studio Sound", "--wait")
    listed = sim_cli("jobs", "list")
    for result in (submitted, listed):
        assert result.code == 0, result.err
        warnings = [line for line in result.err.splitlines() if "journal" in line]
        assert len(warnings) == 1 and "warning: journal unavailable" in warnings[0]
        assert "Traceback" not in result.err
    assert "agent job" in submitted.out and "✔ success" in submitted.out


def test_a_journal_failing_mid_command_warns_once_and_carries_on() -> None:
    said: list[str] = []
    inner = Journal(MEMORY)
    guarded = CliJournal(inner, said.append)
    inner.close()  # every later call raises sqlite3.ProgrammingError
    guarded.upsert_jobs([_known_job()])
    guarded.upsert_job(_known_job())
    assert guarded.expire_if_known(UNKNOWN_ID) is None
    assert guarded.record_submission("agent", {"prompt": "x"}) is None
    assert len(said) == 1 and "journal unavailable" in said[0]
    assert not guarded.active


def test_demo_journals_in_memory_never_on_disk(
    demo_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    class InProcessDemo:
        base_url = SIM_BASE_URL

        def stop(self) -> None:
            pass

    monkeypatch.setattr(cli, "_start_demo_simulator", InProcessDemo)
    monkeypatch.delenv("DESCRIPT_API_TOKEN")
    listed = demo_cli("--demo", "jobs", "list")
    submitted = demo_cli("--demo", "agent", "--name", "D", "--prompt", "Add Studio Sound")
    assert listed.code == 0 and submitted.code == 0, listed.err + submitted.err
    assert not journal_file().exists(), "--demo must never write the user's journal"
    ctx = CliContext(demo_base_url=SIM_BASE_URL)
    with ctx.journal() as demo_journal:
        assert demo_journal.in_memory


def test_jobs_are_journaled_per_profile(demo_cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[profiles.work]\nbase_url = "https://x.test/v1"\n')
    result = demo_cli("--profile", "work", "jobs", "list")
    assert result.code == 0, result.err
    assert read(lambda j: j.load_jobs(), "work")
    assert read(lambda j: j.load_jobs(), "default") == []
