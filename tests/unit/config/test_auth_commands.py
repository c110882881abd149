"""`auth login|status|logout` and `profiles list|add|use`, run as a user would, in-process.

The API is an `httpx.MockTransport` answering `GET /v1/projects` like the simulator does
(`demo-token` accepted, anything else 401). The token must never be printed by any command:
every captured line is checked.
"""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import httpx
import pytest

from tui import cli
from tui.api.clock import ManualClock
from tui.config import load_config

DEMO_TOKEN = "demo-token"
SIM = "http://simulator.local/v1"


def fake_api(request: httpx.Request) -> httpx.Response:
    """`GET /v1/projects`, checking the bearer token like the real API."""
    if request.headers.get("authorization") != f"Bearer {DEMO_TOKEN}":
        return httpx.Response(
            401, json={"error": "unauthorized", "message": "Invalid or missing API token"}
        )
    if request.url.path != "/v1/projects":
        return httpx.Response(404, json={"error": "not_found", "message": "Not Found"})
    return httpx.Response(200, json={"data": [], "pagination": {"next_cursor": None}})


class Run:
    """Runs `descript-tui ARGS` with a stdin, collecting everything printed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.printed: list[str] = []

    def __call__(self, *args: str, stdin: str = "") -> tuple[int, str, str]:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main(list(args))
        out, err = self.capsys.readouterr()
        self.printed += [out, err]
        return code, out, err


@pytest.fixture
def run(
    config_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    monkeypatch.setattr(cli, "TRANSPORT_FACTORY", lambda: httpx.MockTransport(fake_api))
    monkeypatch.setattr(cli, "CLOCK_FACTORY", ManualClock)
    return Run(monkeypatch, capsys)


def test_login_status_list_logout_never_print_the_token(run: Run, config_home: Path) -> None:
    code, out, _ = run(
        "auth", "login", "--profile", "sim", "--base-url", SIM, stdin=DEMO_TOKEN + "\n"
    )
    assert code == 0
    assert "stored for profile 'sim'" in out and "****oken" in out
    token_file = config_home / "credentials.toml"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(config_home.stat().st_mode) == 0o700
    assert load_config(config_home / "config.toml").profiles["sim"].base_url == SIM

    code, out, _ = run("auth", "status", "--profile", "sim", "--check")
    assert code == 0
    assert "****oken" in out and f"token file {token_file}" in out and "Check:       ok" in out

    code, out, _ = run("profiles", "list")
    assert code == 0
    sim_row = next(line for line in out.splitlines() if " sim " in line)
    assert SIM in sim_row and "****oken" in sim_row and "token file" in sim_row

    code, out, _ = run("profiles", "use", "sim")
    assert code == 0
    code, out, _ = run("auth", "status")
    assert "Profile:     sim" in out

    code, out, _ = run("auth", "logout", "--profile", "sim")
    assert code == 0 and "token file" in out
    code, out, err = run("auth", "status", "--profile", "sim")
    assert code == 1 and "(none)" in out and "auth login --profile sim" in err

    assert all(DEMO_TOKEN not in text for text in run.printed)


def test_a_refused_token_is_not_stored(run: Run, config_home: Path) -> None:
    wrong = "wrong-token-that-is-long"
    code, _, err = run("auth", "login", "--base-url", SIM, stdin=wrong + "\n")
    assert code == 4
    assert "refused this token (401)" in err and "nothing was stored" in err
    assert not (config_home / "credentials.toml").exists()
    assert not (config_home / "config.toml").exists()
    assert all(wrong not in text for text in run.printed)


def test_empty_stdin_is_a_usage_error(run: Run) -> None:
    code, _, err = run("auth", "login", "--base-url", SIM, stdin="\n")
    assert code == 2 and "no token given" in err


def test_env_token_overrides_and_is_masked(
    run: Run, monkeypatch: pytest.MonkeyPatch, config_home: Path
) -> None:
    secret = "env-secret-token-7777"
    monkeypatch.setenv("DESCRIPT_API_TOKEN", secret)
    code, out, _ = run("auth", "status")
    assert code == 0 and "env DESCRIPT_API_TOKEN" in out and "****7777" in out
    code, out, _ = run("profiles", "list")
    assert "env DESCRIPT_API_TOKEN" in out
    assert all(secret not in text for text in run.printed)


def test_a_group_readable_token_file_stops_every_command_cleanly(
    run: Run, config_home: Path
) -> None:
    assert run("auth", "login", "--base-url", SIM, stdin=DEMO_TOKEN)[0] == 0
    token_file = config_home / "credentials.toml"
    os.chmod(token_file, 0o644)
    for args in (("auth", "status"), ("profiles", "list")):
        code, _, err = run(*args)
        assert code in (1, 2), args
        assert f"chmod 600 {token_file}" in err
        assert "Traceback" not in err
    assert all(DEMO_TOKEN not in text for text in run.printed)


def test_a_broken_config_is_reported_with_file_and_line(run: Run, config_home: Path) -> None:
    config_home.mkdir(parents=True)
    path = config_home / "config.toml"
    path.write_text("[profiles.default\n", encoding="utf-8")
    code, _, err = run("auth", "status")
    assert code == 2
    assert f"{path}, line 1" in err and "Traceback" not in err
    assert path.read_text(encoding="utf-8") == "[profiles.default\n"


def test_profiles_add_then_login_to_it(run: Run, config_home: Path) -> None:
    code, out, _ = run("profiles", "add", "audit", "--base-url", SIM, "--read-only")
    assert code == 0 and "auth login --profile audit" in out
    profile = load_config(config_home / "config.toml").profiles["audit"]
    assert profile.read_only and profile.base_url == SIM
    assert run("profiles", "add", "audit")[0] == 2
    assert run("auth", "login", "--profile", "audit", stdin=DEMO_TOKEN)[0] == 0
    code, out, _ = run("auth", "status", "--profile", "audit")
    assert "Read-only:   yes" in out


def test_a_token_typed_as_an_argument_is_refused_without_echoing_it(
    run: Run, config_home: Path
) -> None:
    code, _, err = run("auth", "login", "--profile", "x", "pasted-secret-token-1234")
    assert code == 2 and "takes no token argument" in err
    assert not (config_home / "credentials.toml").exists()
    assert all("pasted-secret-token-1234" not in text for text in run.printed)
