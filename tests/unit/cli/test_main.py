"""The `descript-tui` entry point: the token rule, globals, the dashboard, --demo, simulate."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.unit.cli.conftest import CliRunner
from tui import __version__, cli
from tui.commands import ExitCode, worst_outcome_exit

SECRET = "sk-live-abcdef0123456789"


@pytest.fixture
def never_sends(mock_cli: Any) -> CliRunner:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    return mock_cli(fail)


@pytest.mark.parametrize(
    "argv",
    [
        ["--token", SECRET, "jobs", "list"],
        ["jobs", "list", f"--token={SECRET}"],
        ["jobs", "list", "--api-key", SECRET],
        ["--api-token", SECRET],
        ["auth", "login", "--token", SECRET],
        ["jobs", "get", f"Bearer {SECRET}"],
        ["jobs", "get", f"DESCRIPT_API_TOKEN={SECRET}"],
        ["jobs", "get", SECRET],  # the configured token itself, pasted as an argument
        ["agent", "--name", "x", "--prompt", f"use {SECRET}"],
    ],
)
def test_a_token_on_the_command_line_is_refused_and_never_echoed(
    never_sends: CliRunner, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", SECRET)
    result = never_sends(*argv)
    assert result.code == 2
    assert "command line" in result.err or "argument" in result.err
    assert SECRET not in result.all
    assert never_sends.sent == []


def test_argparse_errors_do_not_echo_the_token(
    never_sends: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", SECRET)
    monkeypatch.setattr(cli, "token_in_argv", lambda argv, known=(): None)
    result = never_sends("jobs", "list", "--limit", SECRET)
    assert result.code == 2
    assert SECRET not in result.all


def test_version(never_sends: CliRunner) -> None:
    result = never_sends("--version")
    assert result.code == 0 and __version__ in result.out


@pytest.mark.parametrize(
    "argv",
    [["jobs"], ["jobs", "frobnicate"], ["import"], ["agent", "--name", "x"], ["nope"]],
)
def test_usage_errors_exit_2(never_sends: CliRunner, argv: list[str]) -> None:
    assert never_sends(*argv).code == 2


def test_global_options_work_after_the_command(never_sends: CliRunner, cli_env: Path) -> None:
    before = never_sends("--profile", "nope", "jobs", "list")
    after = never_sends("jobs", "list", "--profile", "nope")
    assert before.code == after.code == 2
    assert "nope" in after.err and before.err == after.err


def test_bad_base_url_exits_2(never_sends: CliRunner) -> None:
    result = never_sends("--base-url", "descriptapi.com", "jobs", "list")
    assert result.code == 2 and "--base-url" in result.err


def test_demo_and_base_url_do_not_mix(never_sends: CliRunner) -> None:
    result = never_sends("--demo", "--base-url", "http://127.0.0.1:1/v1", "jobs", "list")
    assert result.code == 2


@pytest.mark.parametrize(
    ("outcomes", "code"),
    [
        ([], 0),
        (["success"], 0),
        (["failed"], 1),
        (["partial"], 2),
        (["cancelled"], 3),
        (["success", "partial"], 2),
        (["partial", "cancelled"], 3),
        (["cancelled", "failed", "success"], 1),
        (["gone"], 1),
        (["finished_unknown", "partial"], 1),
    ],
)
def test_worst_outcome_wins(outcomes: list[str], code: int) -> None:
    assert worst_outcome_exit(outcomes) == code


# --- the dashboard and --demo, with fake app and simulator modules ----------------------------


@dataclass
class FakeSimulator:
    base_url: str = "http://127.0.0.1:54321/v1"
    stopped: bool = False
    started_with: dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        self.stopped = True


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {"simulator": FakeSimulator()}

    def run_app(connection: Any, *, demo: bool = False, read_only: bool | None = None) -> int:
        seen["app"] = (connection, demo, read_only)
        return 0

    def start_in_background(**kwargs: Any) -> FakeSimulator:
        seen["simulator"].started_with = kwargs
        return seen["simulator"]

    def serve(**kwargs: Any) -> None:
        seen["serve"] = kwargs

    app = types.ModuleType("tui.app")
    app.run_app = run_app  # type: ignore[attr-defined]
    server = types.ModuleType("tui.simulator.server")
    server.start_in_background = start_in_background  # type: ignore[attr-defined]
    server.serve = serve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tui.app", app)
    monkeypatch.setitem(sys.modules, "tui.simulator.server", server)
    # No real socket: the port check would fail the test whenever 8765 is busy here.
    monkeypatch.setattr("tui.commands.simulate.free_port", lambda host, port: port)
    return seen


def test_no_command_opens_the_dashboard_on_the_profile(
    never_sends: CliRunner, fakes: dict[str, Any]
) -> None:
    result = never_sends("--read-only")
    assert result.code == 0
    connection, demo, read_only = fakes["app"]
    assert demo is False and read_only is True
    assert connection.base_url == "https://api.test/v1"
    assert connection.read_only is True


def test_demo_opens_the_dashboard_in_demo_mode(
    never_sends: CliRunner, fakes: dict[str, Any]
) -> None:
    result = never_sends("--demo")
    assert result.code == 0
    connection, demo, read_only = fakes["app"]
    # The app starts (and stops) its own simulator for the demo: the CLI must not start one.
    assert demo is True and connection is None and read_only is None
    assert fakes["simulator"].started_with == {}


def test_demo_subcommands_run_on_a_background_simulator(
    never_sends: CliRunner, fakes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    def fake_list(args: Any, ctx: Any) -> int:
        seen.append(ctx.connection())
        return 0

    from tui.commands import jobs

    monkeypatch.setattr(jobs, "list_jobs", fake_list)
    monkeypatch.delenv("DESCRIPT_API_TOKEN")
    result = never_sends("--demo", "jobs", "list")
    assert result.code == 0, result.err
    simulator = fakes["simulator"]
    assert simulator.started_with["port"] == 0
    assert seen[0].token == "demo-token" and seen[0].base_url == simulator.base_url
    assert simulator.stopped, "the simulator is stopped when the command ends"


def test_simulate_serves_on_loopback_and_prints_url_and_tokens(
    never_sends: CliRunner, fakes: dict[str, Any]
) -> None:
    result = never_sends(
        "simulate", "--port", "9000", "--speed", "5", "--seed", "7", "--faults", "flaky"
    )
    assert result.code == 0
    assert fakes["serve"] == {
        "host": "127.0.0.1", "port": 9000, "speed": 5.0, "seed": 7, "faults": "flaky"
    }  # fmt: skip
    assert "http://127.0.0.1:9000/v1" in result.out
    for token in ("demo-token", "other-drive-token", "broke-token"):
        assert token in result.out


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["simulate", "--host", "0.0.0.0"], 2),
        (["simulate", "--host", "192.168.1.4"], 2),
        (["simulate", "--host", "0.0.0.0", "--allow-remote"], 0),
        (["simulate", "--host", "::1"], 0),
        (["simulate", "--host", "localhost"], 0),
        (["simulate", "--speed", "0"], 2),
        (["simulate", "--port", "70000"], 2),
        (["simulate", "--faults", "hurricane"], 2),
    ],
)
def test_simulate_options(
    never_sends: CliRunner, fakes: dict[str, Any], argv: list[str], code: int
) -> None:
    result = never_sends(*argv)
    assert result.code == code, result.err
    assert ("serve" in fakes) == (code == 0)


def test_python_dash_m_tui_is_the_same_entry_point() -> None:
    import tui.__main__ as entry

    assert entry.main is cli.main
    assert ExitCode.USAGE == 2


def test_a_broken_config_is_named_with_its_line_and_exits_2(
    never_sends: CliRunner, cli_env: Path
) -> None:
    config = cli_env / "config.toml"
    config.write_text('[profiles.work]\nbase_url = "https://descriptapi.com/v1"\nbroken = \n')
    result = never_sends("jobs", "list")
    assert result.code == 2
    assert str(config) in result.err and "line 3" in result.err
    assert "Traceback" not in result.err


def test_the_headless_cli_does_not_load_textual() -> None:
    """Headless commands start fast and work where Textual would not: no UI import."""
    import subprocess

    code = (
        "import sys, tui.cli\n"
        "tui.cli.build_parser()\n"
        "import tui.commands.jobs, tui.commands.submit, tui.commands.output\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if 'textual' in m)\n"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
