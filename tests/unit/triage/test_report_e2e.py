"""Submit, poll, fail, report, against the in-process simulator: the report holds the job's
states in the order they were seen and the request ids of the calls the simulator answered
(the submit on its own line, the run of identical polls folded into one)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import httpx

from tests.conftest import SIM_BASE_URL
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.models import Outcome
from tui.api.requests import ImportRequest, UrlMedia
from tui.journal import Journal
from tui.simulator.world import DEMO_TOKEN
from tui.submissions import submit_journaled
from tui.triage.report import incident_report


class Recording(httpx.AsyncBaseTransport):
    """The simulator's transport, noting each request and the X-Request-Id it was answered with."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.sent.append((request.method, response.headers["x-request-id"]))
        return response


def history_rows(report: str) -> list[list[str]]:
    """The State history table's body rows, cell by cell."""
    section = report.split("## State history", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[1:]]


async def test_submit_poll_fail_report(
    sim_transport: httpx.ASGITransport, sim_clock: ManualClock, tmp_path: Path
) -> None:
    wire = Recording(sim_transport)
    client = DescriptClient(
        DEMO_TOKEN, base_url=SIM_BASE_URL, transport=wire, clock=sim_clock, rng=random.Random(0)
    )
    request = ImportRequest(
        project_name="Range trouble",
        add_media={"norange.mp4": UrlMedia("https://media.example.com/norange-1.mp4")},
    )
    with Journal(tmp_path / "journal.sqlite3", clock=sim_clock) as journal:
        async with client:
            created = await submit_journaled(
                journal, "import", request.to_json(), lambda: client.import_media(request)
            )
            job = await client.get_job(created.job_id)
            polls = 1
            journal.upsert_job(job)
            while not job.is_finished:
                await sim_clock.advance(3.0)  # the documented spacing of status GETs
                job = await client.get_job(created.job_id)
                journal.upsert_job(job)
                polls += 1
        assert job.outcome is Outcome.FAILED
        report = incident_report(
            job,
            journaled=journal.get_job(job.job_id),
            history=journal.state_history(job.job_id),
            entries=client.activity.entries(),
            base_url=client.base_url,
            now=sim_clock.now(),
        )

    Path(tmp_path / "report.md").write_text(report)
    rows = history_rows(report)
    # Who saw each change, in order: the 201, then the GETs (only the ones that changed).
    assert [row[5] for row in rows] == ["submit"] + ["poll"] * (len(rows) - 1)
    assert 3 <= len(rows) < polls + 1  # identical polls wrote nothing
    assert rows[-1][1:4] == ["stopped", "error", "failed"] and rows[-1][6] == "final"
    outcomes = [row[3] for row in rows]
    assert outcomes.index("running") < outcomes.index("failed")
    times = [row[0] for row in rows]
    assert times == sorted(times)
    assert all(re.fullmatch(r"\d+s|\d+m\d\ds", row[6]) for row in rows[:-1])

    # Every call the simulator answered about the job, with the id it sent: the POST on its
    # own line, then the run of identical polls folded into one, first id to last.
    lines = call_lines(report)
    assert len(lines) == 2, lines
    post = re.fullmatch(
        r"- \S+ `POST /jobs/import/project_media` → 201, \d+ ms · .*X-Request-Id: (sim-\d+)",
        lines[0],
    )
    assert post is not None and ("POST", post[1]) == wire.sent[0]
    folded = re.fullmatch(
        rf"- \S+–[:\d]+ `GET /jobs/{job.job_id}` → 200 × (\d+),"
        r" latency p50 \d+ ms / max \d+ ms, request ids (sim-\d+)…(sim-\d+)",
        lines[1],
    )
    assert folded is not None, lines[1]
    assert int(folded[1]) == polls == len(wire.sent) - 1
    assert (folded[2], folded[3]) == (wire.sent[1][1], wire.sent[-1][1])
    assert DEMO_TOKEN not in report and "$DESCRIPT_API_TOKEN" in report


def call_lines(report: str) -> list[str]:
    """The lines of the "API calls about this job" section that name a call."""
    section = report.split("## API calls about this job", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ")]
