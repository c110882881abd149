"""`import|agent|publish --wait --callbacks HOST:PORT`: a receiver for the wait, safety polls.

In-process the simulator delivers callbacks only when ticked, so here no callback arrives:
the wait ends by the 60 s safety poll (virtual time), which is the "lost callback" path of
the CLI. The hint path is tested against the simulator's delivery in
tests/unit/callbacks/test_wiring.py.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.unit.cli.conftest import CliRunner

MEDIA = "https://media.example.com/a.mp4"


def test_callbacks_without_wait_are_refused(sim_cli: CliRunner) -> None:
    result = sim_cli("import", "--name", "X", "--media", MEDIA, "--callbacks", "127.0.0.1:0")
    assert result.code == 2
    assert "--callbacks needs --wait" in result.err
    assert sim_cli.sent == []


def test_callbacks_and_a_callback_url_are_refused_together(sim_cli: CliRunner) -> None:
    result = sim_cli(
        "publish", "--project-id", "p", "--wait", "--callbacks", "127.0.0.1:0",
        "--callback-url", "https://hooks.example.com/x",
    )
    assert result.code == 2
    assert "drop --callback-url" in result.err
    assert sim_cli.sent == []


def test_a_bad_host_port_or_public_url_is_a_usage_error(sim_cli: CliRunner) -> None:
    bad_port = sim_cli("import", "--name", "X", "--media", MEDIA, "--wait", "--callbacks", "8787")
    assert bad_port.code == 2 and "HOST:PORT" in bad_port.err
    bad_url = sim_cli(
        "import", "--name", "X", "--media", MEDIA, "--wait", "--callbacks", "127.0.0.1:0",
        "--public-url", "hooks.example.com",
    )
    assert bad_url.code == 2 and "--public-url" in bad_url.err
    lone_url = sim_cli("import", "--name", "X", "--media", MEDIA, "--public-url", "https://h")
    assert lone_url.code == 2 and "goes with --callbacks" in lone_url.err
    assert sim_cli.sent == []


def test_wait_with_callbacks_submits_the_secret_url_and_only_safety_polls(
    sim_cli: CliRunner, cli_env: Path
) -> None:
    result = sim_cli(
        "import", "--name", "Cb", "--media", MEDIA, "--no-preflight", "--wait", "--json",
        "--callbacks", "127.0.0.1:0",
    )
    assert result.code == 0, result.err
    job = json.loads(result.out)
    assert job["job_state"] == "stopped"
    [post] = [r for r in sim_cli.transport.requests if r.method == "POST"]
    sent_url = json.loads(post.content)["callback_url"]
    assert sent_url.startswith("http://127.0.0.1:") and "/descript-callback/" in sent_url
    secret = sent_url.rsplit("/", 1)[1]
    assert len(secret) >= 32
    assert secret not in result.all  # shown cut: "receiving at http://127.0.0.1:N/…/abcd…"
    assert "callbacks: receiving at" in result.err and "on (0 received)" in result.err
    # No 5 s polling while the callback is awaited: a read at first, then one per 60 s.
    stopped = job["stopped_at"]
    gets = [r for r in sim_cli.transport.requests if r.url.path.endswith(job["job_id"])]
    created, ended = _seconds(job["created_at"]), _seconds(stopped)
    assert len(gets) <= 2 + int((ended - created) // 60)
    # The journal says the job expects a callback, and keeps no secret.
    [(request_json, extra_json)] = _submissions(cli_env)
    assert json.loads(extra_json)["expects_callback"] is True
    assert secret not in request_json


def test_a_port_that_cannot_bind_falls_back_to_polling(sim_cli: CliRunner) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = sim_cli(
            "import", "--name", "Cb", "--media", MEDIA, "--no-preflight", "--wait",
            "--callbacks", f"127.0.0.1:{port}",
        )
    assert result.code == 0, result.err
    assert "callbacks off: cannot listen on" in result.err and "polling instead" in result.err
    [post] = [r for r in sim_cli.transport.requests if r.method == "POST"]
    assert "callback_url" not in json.loads(post.content)


def _seconds(iso: str) -> float:
    from tui.api.models import parse_timestamp

    moment = parse_timestamp(iso)
    assert moment is not None
    return moment.timestamp()


def _submissions(data_dir: Path) -> list[tuple[str, str]]:
    [db] = list(data_dir.rglob("*.sqlite*")) or list(data_dir.rglob("*.db"))
    with sqlite3.connect(db) as connection:
        return list(connection.execute("SELECT request_json, extra_json FROM submissions"))


def test_the_dashboard_flags_go_into_the_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import cli
    from tui.config import Connection

    opened: list[Connection] = []
    monkeypatch.setattr("tui.app.run_app", lambda source, **_: opened.append(source) or 0)
    monkeypatch.setattr(
        cli.CliContext, "connection", lambda self: Connection(token="t", profile_name="studio")
    )
    assert cli.main(["--callbacks", "127.0.0.1:8787", "--public-url", "https://h.example"]) == 0
    [connection] = opened
    assert connection.profile is not None
    assert connection.profile.callbacks == "127.0.0.1:8787"
    assert connection.profile.callbacks_public_url == "https://h.example"
    assert connection.profile.name == "studio"
    assert cli.main(["--public-url", "https://h.example"]) == 2  # nothing to reach
    assert cli.main(["--callbacks", "nope"]) == 2
    assert len(opened) == 1
