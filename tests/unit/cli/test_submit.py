"""`import`, `agent`, `publish`: what they send, `--wait`, `--json`, and bad input exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.cli.conftest import TOKEN, CliRunner
from tui.api.models import Job, Outcome
from tui.simulator.world import World


def body_of(run: CliRunner, path: str) -> dict:
    request = next(r for r in reversed(run.transport.requests) if r.url.path == path)
    return json.loads(request.content)


def project_id(run: CliRunner) -> str:
    """A project of the simulator's demo Drive (tests/conftest.py adds two)."""
    run.transport.requests.clear()
    result = run("import", "--name", "Seed", "--media", "https://media.example.com/s.mp4", "--json")
    return json.loads(result.out)["project_id"]


# --- import --------------------------------------------------------------------------------


def test_import_urls_with_composition(sim_cli: CliRunner) -> None:
    result = sim_cli(
        "import",
        "--name", "Marketing Video",
        "--media", "https://media.example.com/Misc/intro.mp4", "https://media.example.com/demo.mp4",
        "--language", "en",
        "--folder", "Clients/Acme",
        "--team-access", "edit",
        "--composition", "Rough Cut",
        "--callback-url", "https://hooks.example.com/descript",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "import job" in result.out and "created" in result.out
    body = body_of(sim_cli, "/v1/jobs/import/project_media")
    assert body == {
        "project_name": "Marketing Video",
        "team_access": "edit",
        "folder_name": "Clients/Acme",
        "add_media": {
            "intro.mp4": {"url": "https://media.example.com/Misc/intro.mp4", "language": "en"},
            "demo.mp4": {"url": "https://media.example.com/demo.mp4", "language": "en"},
        },
        "add_compositions": [
            {"name": "Rough Cut", "clips": [{"media": "intro.mp4"}, {"media": "demo.mp4"}]}
        ],
        "callback_url": "https://hooks.example.com/descript",
    }
    assert TOKEN not in result.all


def test_import_uploads_a_local_file_with_a_progress_bar(
    sim_cli: CliRunner, tmp_path: Path
) -> None:
    media = tmp_path / "interview.wav"
    media.write_bytes(b"RIFF" + b"\0" * 300_000)
    result = sim_cli("import", "--name", "Upload", "--media", str(media), "--wait")
    assert result.code == 0, result.err
    body = body_of(sim_cli, "/v1/jobs/import/project_media")
    assert (
        body["add_media"]
        == {"interview.wav": {"content_type": "audio/x-wav", "file_size": 300_004}}
        or body["add_media"]["interview.wav"]["file_size"] == 300_004
    )
    puts = [r for r in sim_cli.transport.requests if r.method == "PUT"]
    assert len(puts) == 1 and "authorization" not in puts[0].headers
    assert "uploading interview.wav" in result.err and "100%" in result.err
    assert "✔ success" in result.out.splitlines()[-1]


def test_import_wait_json_prints_only_the_final_job(sim_cli: CliRunner) -> None:
    result = sim_cli(
        "import", "--name", "W", "--media", "https://media.example.com/a.mp4",
        "https://unreachable.example.com/b.mp4", "--wait", "--json",
    )  # fmt: skip
    assert result.code == 2, "partial"
    job = Job.from_json(json.loads(result.out))
    assert job.outcome is Outcome.PARTIAL
    assert "partial" in result.err  # the progress went to stderr


def test_import_into_existing_project(sim_cli: CliRunner) -> None:
    existing = project_id(sim_cli)
    result = sim_cli(
        "import", "--project-id", existing, "--media", "https://media.example.com/more.mp4"
    )
    assert result.code == 0, result.err
    body = body_of(sim_cli, "/v1/jobs/import/project_media")
    assert body["project_id"] == existing and "project_name" not in body


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--media", "https://media.example.com/a.mp4"], "--name"),
        (["--name", "X", "--media", "ftp://media.example.com/a.mp4"], "http"),
        (["--name", "X", "--media", "https://"], "host"),
        (["--name", "X", "--media", "https://exa mple.com/a.mp4"], "spaces"),
        (["--name", "X", "--media", "/no/such/file.mp4"], "no such file"),
        (["--name", "X", "--project-id", "p1", "--media", "https://e.com/a.mp4"], "not both"),
        (["--name", "X", "--media", "https://e.com/a.mp4", "https://f.com/a.mp4"], "twice"),
        (["--name", "X", "--media", "https://e.com/a.mp4", "--language", "english"], "ISO 639-1"),
        (["--name", "X", "--media", "https://e.com/a.mp4", "--team-access", "all"], "one of"),
        (["--name", "X", "--media", "https://e.com/a.mp4", "--callback-url", "nope"], "http"),
        (["--name", "X", "--media", "https://e.com/a.mp4", "--composition", " "], "name"),
        (["--name", " ", "--media", "https://e.com/a.mp4"], "required"),
    ],
)
def test_bad_import_exits_2_with_one_line_and_sends_nothing(
    sim_cli: CliRunner, args: list[str], says: str
) -> None:
    result = sim_cli("import", *args)
    assert result.code == 2
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert says in result.err
    assert sim_cli.sent == []
    assert sim_cli.server_log() == [], "the simulator saw no request"


def test_empty_local_file_is_refused(sim_cli: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    result = sim_cli("import", "--name", "X", "--media", str(empty))
    assert result.code == 2 and "empty" in result.err
    assert sim_cli.sent == []


def test_no_token_exits_2_before_any_request(
    sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DESCRIPT_API_TOKEN")
    for argv in (
        ["import", "--name", "X", "--media", "https://e.com/a.mp4"],
        ["agent", "--name", "X", "--prompt", "hi"],
        ["jobs", "list"],
        ["jobs", "get", "abc"],
    ):
        result = sim_cli(*argv)
        assert result.code == 2, argv
        assert "no API token" in result.err and "DESCRIPT_API_TOKEN" in result.err
    assert sim_cli.sent == []
    assert sim_cli.server_log() == []


def test_read_only_refuses_submits(sim_cli: CliRunner) -> None:
    for argv in (
        ["import", "--name", "X", "--media", "https://e.com/a.mp4"],
        ["agent", "--name", "X", "--prompt", "hi"],
        ["publish", "--project-id", "p1"],
    ):
        result = sim_cli("--read-only", *argv)
        assert result.code == 2 and "read-only" in result.err
    assert sim_cli.sent == []


def test_broke_drive_gets_402(sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", "broke-token")
    result = sim_cli("import", "--name", "X", "--media", "https://media.example.com/a.mp4")
    assert result.code == 1
    assert "402" in result.err and "media minutes" in result.err
    assert "broke-token" not in result.all


# --- agent ---------------------------------------------------------------------------------


def test_agent_prompt_from_stdin_and_wait(sim_cli: CliRunner) -> None:
    existing = project_id(sim_cli)
    result = sim_cli(
        "agent", "--project-id", existing, "--prompt", "-", "--wait",
        stdin="Add Studio Sound to every clip\n",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert body_of(sim_cli, "/v1/jobs/agent") == {
        "prompt": "Add Studio Sound to every clip",
        "project_id": existing,
    }
    assert "✔ success" in result.out.splitlines()[-1]


def test_agent_new_project_with_model_and_json(sim_cli: CliRunner) -> None:
    result = sim_cli(
        "agent", "--name", "Fresh", "--prompt", "Make a trailer", "--model", "fast", "--json"
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["job_id"]
    assert body_of(sim_cli, "/v1/jobs/agent") == {
        "prompt": "Make a trailer",
        "project_name": "Fresh",
        "model": "fast",
    }


def test_agent_that_fails_exits_1_under_wait(sim_cli: CliRunner) -> None:
    result = sim_cli("agent", "--name", "X", "--prompt", "do the impossible", "--wait")
    assert result.code == 1
    assert "✖ failed" in result.out.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["--name", "X", "--prompt", "   "], "", "--prompt: the prompt cannot be empty"),
        (["--name", "X", "--prompt", "-"], "\n", "--prompt: the prompt cannot be empty"),
        (["--name", "X", "--project-id", "p", "--prompt", "hi"], "", "not both"),
        (["--prompt", "hi"], "", "pick a project"),
        (["--name", "X", "--composition-id", "c", "--prompt", "hi"], "", "existing project"),
        (["--name", "X", "--prompt", "hi", "--callback-url", "x"], "", "--callback-url"),
    ],
)
def test_bad_agent_exits_2_and_sends_nothing(
    sim_cli: CliRunner, args: list[str], stdin: str, says: str
) -> None:
    result = sim_cli("agent", *args, stdin=stdin)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert says in result.err
    assert sim_cli.sent == []
    assert sim_cli.server_log() == []


# --- publish -------------------------------------------------------------------------------


def test_publish_and_wait(sim_cli: CliRunner, sim_world: World) -> None:
    ada = next(p for p in sim_world.projects.values() if p.name == "Interview with Ada")
    result = sim_cli(
        "publish", "--project-id", ada.id, "--media-type", "Video", "--resolution", "720p",
        "--wait",
    )  # fmt: skip
    assert result.code == 0, result.all
    assert body_of(sim_cli, "/v1/jobs/publish") == {
        "project_id": ada.id,
        "media_type": "Video",
        "resolution": "720p",
    }
    assert "publish" in result.out and "✔ success" in result.out.splitlines()[-1]


def test_publish_of_a_project_without_composition_reports_the_server_message(
    sim_cli: CliRunner,
) -> None:
    bare = project_id(sim_cli)
    result = sim_cli("publish", "--project-id", bare)
    assert result.code == 1
    assert "422" in result.err and "no composition" in result.err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--project-id", "p", "--resolution", "8K"], "--resolution"),
        (["--project-id", "p", "--media-type", "Film"], "--media-type"),
        (["--project-id", "p", "--media-type", "Audio", "--resolution", "720p"], "Video"),
        (["--project-id", "p", "--access-level", "world"], "--access-level"),
        (["--project-id", " "], "--project-id"),
    ],
)
def test_bad_publish_exits_2(sim_cli: CliRunner, args: list[str], says: str) -> None:
    result = sim_cli("publish", *args)
    assert result.code == 2 and says in result.err
    assert sim_cli.sent == []
