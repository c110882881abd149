"""No command ever prints the token; `--demo` works on a real loopback simulator."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tests.unit.cli.conftest import CliRunner
from tui import cli
from tui.simulator.world import DEMO_DRIVE_ID, World

SECRET = "sk-live-4c0ffee-do-not-print"


def test_no_command_prints_the_token(
    sim_cli: CliRunner, sim_world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sim_world.add_user("9e8d7c6b-5a49-4382-9716-a5b4c3d2e1f0", "Secret User", DEMO_DRIVE_ID, SECRET)
    monkeypatch.setenv("DESCRIPT_API_TOKEN", SECRET)
    media = tmp_path / "a.wav"
    media.write_bytes(b"x" * 1000)
    created = sim_cli("import", "--name", "S", "--media", str(media), "--json")
    assert created.code == 0, created.err
    job_id = json.loads(created.out)["job_id"]
    project_id = json.loads(created.out)["project_id"]
    results = [
        created,
        sim_cli("jobs", "list"),
        sim_cli("jobs", "list", "--json"),
        sim_cli("jobs", "get", job_id),
        sim_cli("jobs", "get", job_id, "--json"),
        sim_cli("jobs", "watch", job_id, "--exit-status"),
        sim_cli("jobs", "watch", job_id, "--json"),
        sim_cli("agent", "--project-id", project_id, "--prompt", "tidy up", "--wait"),
        sim_cli("jobs", "cancel", job_id, "--yes"),
        sim_cli("jobs", "get", "00000000-0000-4000-8000-000000000000"),
        sim_cli("publish", "--project-id", project_id),
        sim_cli("import", "--name", "x", "--media", "/missing.mp4"),
        sim_cli("auth", "status"),
        sim_cli("profiles", "list"),
        sim_cli("--help"),
    ]
    assert [r.code for r in results[:8]] == [0] * 8
    for result in results:
        assert SECRET not in result.all
        assert SECRET[-8:] not in result.all


def test_demo_runs_a_command_on_a_real_loopback_simulator(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DESCRIPT_API_TOKEN")
    monkeypatch.setattr(cli, "TRANSPORT_FACTORY", None)
    monkeypatch.setattr(cli, "CLOCK_FACTORY", None)
    monkeypatch.setattr(sys, "stdin", io.StringIO())
    code = cli.main(["--demo", "jobs", "list", "--json", "--state", "partial"])
    out = capsys.readouterr().out
    assert code == 0
    jobs = json.loads(out)
    assert jobs and all(job["result"]["status"] == "partial" for job in jobs)


def test_watch_without_a_scheduler_polls_every_3_seconds(
    sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = sim_cli(
        "import", "--name", "P", "--media", "https://media.example.com/a.mp4", "--json"
    )
    job_id = json.loads(created.out)["job_id"]
    monkeypatch.setitem(sys.modules, "tui.api.scheduler", None)  # import fails
    start = sim_cli.clock.monotonic()
    before = len(sim_cli.sent)
    result = sim_cli("jobs", "watch", job_id, "--exit-status")
    assert result.code == 0 and "✔ success" in result.out.splitlines()[-1]
    gets = len(sim_cli.sent) - before
    elapsed = sim_cli.clock.monotonic() - start
    assert gets >= 2 and elapsed / (gets - 1) >= 3.0, "never faster than every 3 s"
