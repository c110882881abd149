"""API errors, network failures and unknown outcomes -> message, remedy and exit code.

An `httpx.MockTransport` plays the server, so each failure is exact. The token is set to a
recognisable value and must appear in no output.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tests.unit.cli.conftest import CliRunner

SECRET = "sk-live-7f3a9c-secret-token"
JOB_ID = "6dc3f30a-58c2-4174-96a6-dc18cf3c7776"
RUNNING_JOB = {
    "job_id": JOB_ID,
    "job_type": "agent",
    "job_state": "running",
    "created_at": "2026-11-25T11:55:00Z",
    "project_id": "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb",
    "progress": {"label": "Thinking", "percent": 10},
}

MakeCli = Callable[[Callable[[httpx.Request], httpx.Response]], CliRunner]


@pytest.fixture(autouse=True)
def secret_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", SECRET)


def error(status: int, code: str, message: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"error": code, "message": message}, headers=headers)


@pytest.mark.parametrize(
    ("status", "code", "exit_code", "remedy_words"),
    [
        (400, "bad_request", 1, "malformed"),
        (401, "unauthorized", 4, "DESCRIPT_API_TOKEN"),
        (402, "payment_required", 1, "media minutes or AI credits"),
        (403, "forbidden", 4, "another Drive"),
        (404, "not_found", 1, "older than 30 days"),
        (422, "unprocessable", 1, "activity log"),
    ],
)
def test_api_error_prints_status_message_and_remedy(
    mock_cli: MakeCli, status: int, code: str, exit_code: int, remedy_words: str
) -> None:
    run = mock_cli(lambda request: error(status, code, f"the {code} message"))
    result = run("jobs", "get", JOB_ID)
    assert result.code == exit_code
    assert result.out == ""
    first = result.err.splitlines()[0]
    assert f"{status} {code}: the {code} message" in first
    assert remedy_words in result.err
    assert SECRET not in result.all
    # Never retried: a 4xx other than 429 says the same thing again.
    assert run.sent == [f"GET /v1/jobs/{JOB_ID}"]


def test_server_error_is_retried_then_reported(mock_cli: MakeCli) -> None:
    run = mock_cli(lambda request: error(500, "internal", "boom"))
    result = run("jobs", "list")
    assert result.code == 1
    assert "500" in result.err and "status page" in result.err
    assert len(run.sent) > 1, "a 500 on a GET is retried"
    assert SECRET not in result.all


def test_network_failure_exits_5(mock_cli: MakeCli) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    run = mock_cli(refuse)
    result = run("jobs", "get", JOB_ID)
    assert result.code == 5
    assert "could not reach" in result.err
    assert SECRET not in result.all


def test_submit_with_unknown_outcome_is_not_resent_and_says_how_to_check(
    mock_cli: MakeCli,
) -> None:
    def time_out_after_sending(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    run = mock_cli(time_out_after_sending)
    result = run("agent", "--project-id", "p1", "--prompt", "Add Studio Sound")
    assert result.code == 5
    assert "may or may not have been created" in result.err
    assert "descript-tui reconcile" in result.err
    assert run.sent == ["POST /v1/jobs/agent"], "a POST whose outcome is unknown is never resent"
    assert SECRET not in result.all


def test_long_rate_limit_exits_6(mock_cli: MakeCli) -> None:
    run = mock_cli(
        lambda request: error(
            429,
            "rate_limited",
            "slow down",
            **{"Retry-After": "86400", "X-RateLimit-Remaining": "0"},
        )
    )
    result = run("jobs", "get", JOB_ID)
    assert result.code == 6
    assert "wait" in result.err.lower()
    assert SECRET not in result.all


def test_402_on_submit_names_credits(mock_cli: MakeCli) -> None:
    run = mock_cli(lambda request: error(402, "payment_required", "Insufficient AI credits"))
    result = run("agent", "--project-id", "p1", "--prompt", "Remove filler words")
    assert result.code == 1
    assert "402" in result.err and "AI credits" in result.err
    assert run.sent == ["POST /v1/jobs/agent"]


def test_cancel_refuses_a_job_that_already_stopped_before_sending(mock_cli: MakeCli) -> None:
    stopped = {
        **RUNNING_JOB,
        "job_state": "stopped",
        "stopped_at": "2026-11-25T11:58:00Z",
        "result": {"status": "success", "agent_response": "done"},
    }
    run = mock_cli(lambda request: httpx.Response(200, json=stopped))
    result = run("jobs", "cancel", JOB_ID, "--yes")
    assert result.code == 1
    assert "already stopped" in result.err and "nothing to cancel" in result.err
    assert run.sent == [f"GET /v1/jobs/{JOB_ID}"], "no DELETE for a finished job"


def test_cancel_that_does_not_take_says_so(mock_cli: MakeCli) -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(200, json=RUNNING_JOB)

    run = mock_cli(server)
    result = run("jobs", "cancel", JOB_ID, "--yes")
    assert result.code == 0
    assert "204 No Content" in result.out
    assert "still reads" in result.out and "running" in result.out


def test_json_output_is_the_api_json(mock_cli: MakeCli) -> None:
    run = mock_cli(lambda request: httpx.Response(200, json={**RUNNING_JOB, "future_field": [1]}))
    result = run("jobs", "get", JOB_ID, "--json")
    assert result.code == 0
    assert json.loads(result.out) == {**RUNNING_JOB, "future_field": [1]}
