"""A refused base URL: exit 2, one line, no traceback, no request, no journal entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.unit.cli.conftest import CliRunner
from tui import cli
from tui.config import load_config


@pytest.fixture
def never_sends(mock_cli: Any, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    runner = mock_cli(fail)
    # Real sockets, as a user would have: so the plain-http rule applies (an in-process
    # transport cannot leak the token and is let through).
    monkeypatch.setattr(cli, "TRANSPORT_FACTORY", None)
    return runner


BAD_URLS = [
    ("http://[::1", "not a valid URL"),
    ("http://127.0.0.1:99999/v1", "not a valid URL"),
    ("https://descriptapi.com/v1?region=eu", "query string"),
    ("ftp://descriptapi.com/v1", "must start with https://"),
    ("https://me:pw@descriptapi.com/v1", "credentials"),
    ("http://192.0.2.1/v1", "plain http://"),
]


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
@pytest.mark.parametrize(
    "command",
    [
        ["jobs", "list"],
        ["import", "--name", "P", "--media", "https://media.example.com/a.mp4"],
        ["agent", "--name", "P", "--prompt", "add captions"],
    ],
)
def test_a_bad_base_url_exits_2_before_anything(
    never_sends: CliRunner, cli_env: Path, url: str, problem: str, command: list[str]
) -> None:
    result = never_sends("--base-url", url, *command)
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0] and "--base-url" in lines[0]
    assert "Traceback" not in result.all and "pw" not in result.err
    # Nothing journaled: the journal was not even created.
    assert not (cli_env / "data").exists() or not any((cli_env / "data").iterdir())


@pytest.mark.parametrize(("url", "problem"), BAD_URLS)
def test_the_environment_variable_is_checked_too(
    never_sends: CliRunner, monkeypatch: pytest.MonkeyPatch, url: str, problem: str
) -> None:
    monkeypatch.setenv("DESCRIPT_API_BASE_URL", url)
    result = never_sends("jobs", "list")
    assert result.code == 2 and problem in result.err
    assert "DESCRIPT_API_BASE_URL" in result.err


def test_auth_login_refuses_to_store_remote_http_without_the_flag(
    never_sends: CliRunner, cli_env: Path
) -> None:
    result = never_sends("--profile", "lan", "--base-url", "http://192.0.2.1/v1", "auth", "login")
    assert result.code == 2 and "plain http://" in result.err
    assert "lan" not in load_config().profiles


def test_profiles_add_keeps_the_insecure_flag_when_given(
    never_sends: CliRunner, cli_env: Path
) -> None:
    refused = never_sends("--base-url", "http://192.0.2.1/v1", "profiles", "add", "lan")
    assert refused.code == 2
    added = never_sends(
        "--base-url",
        "http://192.0.2.1/v1",
        "--allow-insecure-http",
        "profiles",
        "add",
        "lan",
    )
    assert added.code == 0, added.err
    profile = load_config().profiles["lan"]
    assert profile.allow_insecure_http and profile.base_url == "http://192.0.2.1/v1"


@pytest.mark.parametrize("header", ["1e300", "inf", "Fri, 31 Dec 9999 23:59:59 GMT", "3600"])
def test_a_retry_after_beyond_the_ceiling_exits_6_without_a_traceback(
    mock_cli: Any, header: str
) -> None:
    run = mock_cli(
        lambda request: httpx.Response(
            429, json={"error": "rate_limit_exceeded"}, headers={"Retry-After": header}
        )
    )
    result = run("jobs", "list")
    assert result.code == 6, result.err
    assert "Traceback" not in result.all and "next send in" in result.err
    assert len(run.sent) == 1  # reported, not slept through nor retried
