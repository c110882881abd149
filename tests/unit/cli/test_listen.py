"""`descript-tui listen`: a callback is a hint; the job printed is the one re-read by GET."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import httpx
import pytest

from tests.unit.cli.conftest import CliResult, CliRunner
from tui.commands.simulate import free_port
from tui.journal import Journal

SECRET = "s3cret-path-for-tests-only-0123456789"


def _wait_for_port(port: int) -> None:
    """Readiness, not timing: a bounded number of connection attempts."""
    for _ in range(500):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.05):
                return
        except OSError:
            threading.Event().wait(0.01)
    raise AssertionError(f"the receiver never listened on {port}")


def _listen_in_thread(
    runner: CliRunner, port: int, *argv: str
) -> tuple[threading.Thread, list[CliResult]]:
    results: list[CliResult] = []
    thread = threading.Thread(
        target=lambda: results.append(
            runner("listen", "--port", str(port), "--count", "1", *argv)
        ),
        daemon=True,
    )
    thread.start()
    _wait_for_port(port)
    return thread, results


def test_listen_rereads_the_job_and_ignores_forgeries(
    sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch, cli_env: Path
) -> None:
    submitted = sim_cli(
        "import", "--name", "Cb", "--media", "https://media.example.com/a.mp4", "--json"
    )
    job_id = json.loads(submitted.out)["job_id"]
    monkeypatch.setattr("secrets.token_urlsafe", lambda _n: SECRET)
    port = free_port("127.0.0.1", 0)
    thread, results = _listen_in_thread(sim_cli, port)
    base = f"http://127.0.0.1:{port}/descript-callback/"
    with httpx.Client() as client:
        forged = client.post(base + SECRET, json={"job_id": "not-ours", "job_state": "stopped"})
        wrong = client.post(base + "guess", json={"job_id": job_id})
        real = client.post(base + SECRET, json={"job_id": job_id, "job_state": "stopped"})
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert (forged.status_code, wrong.status_code, real.status_code) == (202, 404, 202)
    [result] = results
    assert result.code == 0
    assert job_id in result.out
    assert "not-ours" not in result.out
    # One GET for the real callback, none for the forged one.
    assert sim_cli.sent.count(f"GET /v1/jobs/{job_id}") == 1
    assert not any("not-ours" in line for line in sim_cli.sent)
    assert SECRET not in result.all
    assert "1 received" in result.err and "1 unknown job" in result.err
    assert "1 wrong path" in result.err
    # The journal's history says a callback brought the state the GET read.
    with Journal(cli_env / "data" / "journal.sqlite3") as journal:
        assert [c.source for c in journal.state_history(job_id)] == ["submit", "callback"]


def test_listen_refuses_a_public_url_without_a_scheme(sim_cli: CliRunner) -> None:
    result = sim_cli("listen", "--public-url", "hooks.example.com")
    assert result.code == 2
    assert "--public-url" in result.err
    assert sim_cli.sent == []
