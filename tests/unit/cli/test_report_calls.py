"""`jobs report` in a fresh process lists the calls an earlier command made about the job:
the journal keeps them (issue 11 item 7), with the request ids the simulator sent."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.unit.cli.conftest import TOKEN, CliRunner
from tui.api.activity import ActivityEntry, ActivityLog
from tui.api.models import Job
from tui.commands import CliJournal
from tui.journal import Journal, JournalError

NORANGE = "https://media.example.com/norange-{}.mp4"


class RequestIds(httpx.AsyncBaseTransport):
    """The simulator's transport, noting each request with the X-Request-Id it got back."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answered: list[tuple[str, str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.answered.append((request.method, request.url.path, response.headers["x-request-id"]))
        return response


@pytest.fixture
def wire(sim_cli: CliRunner) -> RequestIds:
    noting = RequestIds(sim_cli.transport.inner)
    sim_cli.transport.inner = noting
    return noting


def call_lines(report: str) -> list[str]:
    section = report.split("## API calls about this job", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ")]


def test_a_fresh_report_lists_the_submit_and_the_polls_of_an_earlier_import_wait(
    sim_cli: CliRunner, wire: RequestIds, cli_env: Path, tmp_path: Path
) -> None:
    args = ("import", "--name", "T", "--media", NORANGE.format(1), "--no-preflight", "--json")
    imported = sim_cli(*args, "--wait")
    assert imported.code == 1, imported.err  # the job failed: --wait says so
    job = Job.from_json(json.loads(imported.out))
    waited = [(m, rid) for m, path, rid in wire.answered if job.job_id in path]
    [submit] = [(m, rid) for m, path, rid in wire.answered if m == "POST"]

    result = sim_cli("jobs", "report", job.job_id, "--output", str(tmp_path / "reports"))
    assert result.code == 0, result.err
    report = Path(result.out.strip()).read_text(encoding="utf-8")
    own_get = wire.answered[-1]
    assert own_get[:2] == ("GET", f"/v1/jobs/{job.job_id}")

    lines = call_lines(report)
    assert len(lines) == 2, lines
    assert re.search(
        rf"`POST /jobs/import/project_media` → 201, .*X-Request-Id: {submit[1]}$", lines[0]
    )
    # The polls of `--wait` (another process) and the report's own GET: one folded run.
    polls = [*waited, own_get[::2]]
    assert all(method == "GET" for method, _ in polls)
    assert lines[1].endswith(f"request ids {polls[0][1]}…{polls[-1][1]}")
    assert f"`GET /jobs/{job.job_id}` → 200 × {len(polls)}, latency p50" in lines[1]

    # Neither the report nor any journal file holds the token.
    assert TOKEN not in report
    files = [p for p in (cli_env / "data").iterdir() if p.is_file()]
    assert files and all(TOKEN.encode() not in p.read_bytes() for p in files)


def test_the_journal_holds_each_call_once_however_many_commands_read_the_job(
    sim_cli: CliRunner, wire: RequestIds, cli_env: Path
) -> None:
    args = ("import", "--name", "T", "--media", NORANGE.format(2), "--no-preflight", "--json")
    imported = sim_cli(*args)
    assert imported.code == 0, imported.err
    job_id = json.loads(imported.out)["job_id"]
    for _ in range(2):
        assert sim_cli("jobs", "get", job_id, "--json").code == 0
    # The submit's POST (its path names no job) and the two GETs, in the order they went.
    about = [rid for method, path, rid in wire.answered if method == "POST" or job_id in path]
    assert len(about) == 3
    with Journal(cli_env / "data" / "journal.sqlite3", profile="default") as journal:
        assert [c.request_id for c in journal.job_calls(job_id)] == about


def test_a_journal_failing_at_the_last_write_costs_one_warning_not_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warnings: list[str] = []
    log = ActivityLog()
    journal = Journal(tmp_path / "j.sqlite3")
    cli_journal = CliJournal(journal, warnings.append, activity=log)
    log.record(ActivityEntry(journal.clock.now(), "GET", "/jobs/j-1", 200, 4.0))

    def full(entries: object) -> int:
        raise JournalError("disk full")

    monkeypatch.setattr(journal, "record_calls", full)
    cli_journal.close()
    assert len(warnings) == 1 and "disk full" in warnings[0]
    assert not cli_journal.active
