"""What a new user hit when trying the CLI against `descript-tui simulate` (QA pass).

Each test failed before its fix: a non-ASCII token crashed with a traceback, a 429 held a
command silently for up to two minutes, `http:/host/a.mp4` was reported as a missing file,
and `--since 30d` against a server whose clock runs ahead printed a misleading remedy.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.unit.cli.conftest import CliRunner

MakeCli = Callable[[Callable[[httpx.Request], httpx.Response]], CliRunner]
JOB_ID = "6dc3f30a-58c2-4174-96a6-dc18cf3c7776"
JOB = {
    "job_id": JOB_ID,
    "job_type": "agent",
    "job_state": "stopped",
    "created_at": "2026-11-25T11:55:00Z",
    "stopped_at": "2026-11-25T11:57:00Z",
    "result": {"status": "success", "agent_response": "Done"},
}


def test_a_non_ascii_token_is_refused_in_one_line_without_a_request(
    mock_cli: MakeCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "tökén-sekrit-42"
    monkeypatch.setenv("DESCRIPT_API_TOKEN", secret)
    run = mock_cli(lambda request: httpx.Response(200, json=JOB))
    result = run("jobs", "get", JOB_ID)
    assert result.code == 2
    assert "not ASCII" in result.err
    assert "Traceback" not in result.all
    assert secret not in result.all
    assert run.sent == []


def test_a_429_wait_is_announced_on_stderr_not_slept_through_silently(
    mock_cli: MakeCli,
) -> None:
    answers = iter(
        [
            httpx.Response(
                429,
                json={"error": "rate_limit_exceeded", "message": "Too many requests."},
                headers={"Retry-After": "37"},
            ),
            httpx.Response(200, json=JOB),
        ]
    )
    run = mock_cli(lambda request: next(answers))
    result = run("jobs", "get", JOB_ID, "--json")
    assert result.code == 0
    assert "note: 429 on GET /jobs/" in result.err
    assert "retrying in 37.0 s" in result.err
    # stdout stays pure JSON.
    assert result.out.lstrip().startswith("{")
    assert "note:" not in result.out


@pytest.mark.parametrize("media", ["http:/bad", "https:example.com/a.mp4", "HTTP:/x"])
def test_a_mistyped_url_is_called_a_url_problem_not_a_missing_file(
    sim_cli: CliRunner, media: str
) -> None:
    result = sim_cli("import", "--name", "Try", "--media", media)
    assert result.code == 2
    assert "URL has no host" in result.err
    assert "no such file" not in result.err
    assert sim_cli.sent == []


def test_since_refused_by_a_server_clock_ahead_says_to_shorten_it(mock_cli: MakeCli) -> None:
    refusal = {
        "error": "invalid_input",
        "message": "created_after cannot be more than 30 days ago",
    }
    run = mock_cli(lambda request: httpx.Response(400, json=refusal))
    result = run("jobs", "list", "--since", "30d")
    assert result.code == 1
    assert "--since 30d" in result.err
    assert "shorter --since" in result.err
    # Not the generic 400 remedy about project_name and prompts.
    assert "project_name" not in result.err


def test_other_400s_of_jobs_list_keep_their_own_message(mock_cli: MakeCli) -> None:
    refusal = {"error": "invalid_input", "message": '"limit" must be an integer'}
    run = mock_cli(lambda request: httpx.Response(400, json=refusal))
    result = run("jobs", "list", "--since", "7d")
    assert result.code == 1
    assert '"limit" must be an integer' in result.err
    assert "shorter --since" not in result.err


def test_simulate_on_a_busy_port_is_one_line_not_a_uvicorn_log() -> None:
    import socket

    from tui.commands import UsageError
    from tui.commands.simulate import free_port

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError, match=f"--port {port} is already in use"):
            free_port("127.0.0.1", port)


def test_simulate_on_port_0_names_the_port_it_will_use() -> None:
    from tui.commands.simulate import free_port

    assert free_port("127.0.0.1", 0) > 0
