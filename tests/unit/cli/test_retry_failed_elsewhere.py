"""`import --retry-failed JOB_ID` for an import this tool did not send (issue 11 item 4):
the API returns only the failed files' names, so the command names them, says how to give
their URLs (`--media NAME=URL`), exits 2 and sends nothing; with the URLs it imports just
those files into the same project, linked in the journal. In-process simulator."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cli.conftest import CliRunner
from tui.api.clock import ManualClock
from tui.journal import Journal
from tui.simulator.world import DEMO_TOKEN, World
from tui.triage.retry_failed import NO_URLS_FROM_API, RETRIED_FILES, RETRY_OF

BAD_A = "https://media.example.com/norange/cam-a.mp4"
BAD_B = "https://media.example.com/norange/cam-b.mp4"
FIXED_A = "https://cdn.example.com/fixed/cam-a.mp4?sig=1=2"
FIXED_B = "https://cdn.example.com/fixed/cam-b.mp4"


def partial_made_elsewhere(world: World, clock: ManualClock) -> str:
    """A partial import sent by another client (the journal never saw its request), over."""
    user = world.user_for_token(DEMO_TOKEN)
    assert user is not None
    body = {
        "project_name": "Elsewhere",
        "add_media": {
            "ok.mp4": {"url": "https://media.example.com/ok.mp4"},
            "cam-a.mp4": {"url": BAD_A},
            "cam-b.mp4": {"url": BAD_B},
        },
    }
    job, _ = world.submit_import(user, body, queued_s=0, run_s=5)
    clock.advance_nowait(60)
    return job.job_id


def posts(run: CliRunner) -> list[str]:
    return [line for line in run.sent if line.startswith("POST")]


def test_without_urls_it_names_the_files_says_how_exits_2_and_sends_nothing(
    sim_cli: CliRunner, sim_world: World, sim_clock: ManualClock
) -> None:
    job_id = partial_made_elsewhere(sim_world, sim_clock)
    result = sim_cli("import", "--retry-failed", job_id, "--no-preflight")
    assert result.code == 2, result.err
    assert NO_URLS_FROM_API in result.err
    assert "cam-a.mp4, cam-b.mp4" in result.err
    assert "--media cam-a.mp4=URL --media cam-b.mp4=URL" in result.err
    assert posts(sim_cli) == []


def test_with_name_equals_url_it_imports_just_those_files_linked_to_the_original(
    sim_cli: CliRunner, sim_world: World, sim_clock: ManualClock, cli_env: Path
) -> None:
    job_id = partial_made_elsewhere(sim_world, sim_clock)
    # One by NAME=URL (its own "=" in the query kept), one by a URL whose file name matches.
    result = sim_cli(
        "import", "--retry-failed", job_id, "--media", f"cam-a.mp4={FIXED_A}", FIXED_B,
        "--no-preflight", "--json",
    )
    assert result.code == 0, result.err
    [post] = [r for r in sim_cli.transport.requests if r.method == "POST"]
    body = json.loads(post.content)
    assert body["add_media"] == {"cam-a.mp4": {"url": FIXED_A}, "cam-b.mp4": {"url": FIXED_B}}
    assert body["project_id"] == sim_world.jobs[job_id].project_id
    assert "project_name" not in body
    new_id = json.loads(result.out)["job_id"]
    with Journal(cli_env / "data" / "journal.sqlite3", profile="default") as journal:
        row = journal.get_job(new_id)
    assert row is not None and row.extra is not None
    assert row.extra[RETRY_OF] == job_id and row.extra[RETRIED_FILES] == ["cam-a.mp4", "cam-b.mp4"]


def test_half_the_urls_still_exits_2_naming_the_one_missing_and_a_stranger_is_refused(
    sim_cli: CliRunner, sim_world: World, sim_clock: ManualClock
) -> None:
    job_id = partial_made_elsewhere(sim_world, sim_clock)
    half = sim_cli("import", "--retry-failed", job_id, "--media", FIXED_B, "--no-preflight")
    assert half.code == 2 and "of cam-b" not in half.err
    assert "--media cam-a.mp4=URL" in half.err and "cam-b.mp4=URL" not in half.err
    stranger = sim_cli(
        "import", "--retry-failed", job_id, "--media", "https://m.test/other.mp4",
        "--no-preflight",
    )
    assert stranger.code == 2
    assert "other.mp4 is not a failed file of job" in stranger.err
    assert "cam-a.mp4, cam-b.mp4" in stranger.err
    assert posts(sim_cli) == []
