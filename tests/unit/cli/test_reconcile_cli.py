"""No duplicate submits: a lost answer blocks its twin until `reconcile` resolves it."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.unit.cli.conftest import CliRunner
from tests.unit.cli.test_cli_journal import read
from tui import cli

AGENT = ("agent", "--name", "Twin", "--prompt", "Add Studio Sound")


class LosesTheAnswerOnce(httpx.AsyncBaseTransport):
    """The first POST reaches the simulator (the job is created), its answer is lost."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lost = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and not self.lost:
            self.lost = True
            await response.aread()
            raise httpx.ReadTimeout("answer lost", request=request)
        return response


@pytest.fixture
def lossy(sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    lossy = LosesTheAnswerOnce(sim_cli.transport)
    monkeypatch.setattr(cli, "TRANSPORT_FACTORY", lambda: lossy)
    return sim_cli


def posts(runner: CliRunner) -> list[str]:
    return [line for line in runner.server_log() if line.startswith("POST")]


def test_the_twin_of_a_lost_submit_is_refused_until_reconciled(lossy: CliRunner) -> None:
    first = lossy(*AGENT)
    assert first.code == 5 and "descript-tui reconcile" in first.err
    again = lossy(*AGENT)
    assert again.code == 2
    assert "not sent" in again.err and "reconcile" in again.err and "--force" in again.err
    assert len(posts(lossy)) == 1  # the twin never left
    # Another request is not a twin.
    other = lossy("agent", "--name", "Twin", "--prompt", "Remove filler words")
    assert other.code == 0, other.err

    listed = lossy("reconcile", "--json")
    assert listed.code == 0, listed.err
    [finding] = json.loads(listed.out)
    assert finding["status"] == "outcome_unknown" and finding["kind"] == "agent"
    [candidate] = finding["candidates"]
    applied = lossy("reconcile", "--apply")
    assert applied.code == 0, applied.err
    assert f"linked to job {candidate['job_id']}" in applied.out
    assert read(lambda j: j.pending_reconciliations()) == []
    assert lossy("reconcile").out.strip() == "No submission needs reconciling."
    # Resolved: the same request may be sent again (it is a new, deliberate job).
    assert lossy(*AGENT).code == 0


def test_force_sends_the_twin_anyway(lossy: CliRunner) -> None:
    assert lossy(*AGENT).code == 5
    forced = lossy(*AGENT, "--force")
    assert forced.code == 0, forced.err
    assert len(posts(lossy)) == 2


def test_reconcile_none_frees_the_request(lossy: CliRunner) -> None:
    assert lossy(*AGENT).code == 5
    [pending] = read(lambda j: j.pending_reconciliations())
    freed = lossy("reconcile", "--none", str(pending.local_id))
    assert freed.code == 0 and "created no job" in freed.out
    assert lossy(*AGENT).code == 0


def test_reconcile_job_links_by_hand_and_refuses_unknown_ids(lossy: CliRunner) -> None:
    assert lossy(*AGENT).code == 5
    [pending] = read(lambda j: j.pending_reconciliations())
    assert lossy("reconcile", "--job", "999", "some-job").code == 2
    linked = lossy("reconcile", "--job", str(pending.local_id), "job-by-hand")
    assert linked.code == 0 and "linked to job job-by-hand" in linked.out
    assert read(lambda j: j.pending_reconciliations()) == []


def test_a_502_on_a_post_is_outcome_unknown_and_not_resent(mock_cli) -> None:
    run = mock_cli(lambda request: httpx.Response(502, text="<html>Bad Gateway</html>"))
    result = run(*AGENT)
    assert result.code == 5, result.err
    assert run.sent == ["POST /v1/jobs/agent"]
    [pending] = read(lambda j: j.pending_reconciliations())
    assert pending.status == "outcome_unknown"
