"""Issue 11 from the command line, against the in-process simulator: short ids, failures,
incident reports, `--stalled`, bulk cancel, `--retry-failed` and the URL preflight."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.cli.conftest import TOKEN, CliRunner
from tui.api.clock import ManualClock
from tui.api.models import Job
from tui.journal import Journal
from tui.simulator.world import DEMO_TOKEN, World
from tui.triage.retry_failed import RETRY_OF

NORANGE = "https://media.example.com/norange-{}.mp4"
GOOD = "https://media.example.com/good-{}.mp4"


def submit(run: CliRunner, *urls: str, wait: bool = True) -> dict:
    args = ["import", "--name", "Triage", "--media", *urls, "--no-preflight", "--json"]
    result = run(*args, *(["--wait"] if wait else []))
    assert result.code in (0, 1, 2), result.err
    return json.loads(result.out)


def journal_of(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "data" / "journal.sqlite3", profile="default")


def test_jobs_get_accepts_the_short_id_the_table_shows(sim_cli: CliRunner) -> None:
    job = Job.from_json(submit(sim_cli, GOOD.format(1)))
    sim_cli.transport.requests.clear()
    result = sim_cli("jobs", "get", job.short_id, "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["job_id"] == job.job_id
    # The journal knew it: one GET of the job, no list walk.
    assert sim_cli.sent == [f"GET /v1/jobs/{job.job_id}"]


def test_an_ambiguous_short_id_exits_2_listing_the_candidates(
    sim_cli: CliRunner, cli_env: Path
) -> None:
    with journal_of(cli_env) as journal:
        for job_id in ("abcd1111-x", "abcd2222-y"):
            journal.upsert_job(Job.from_json({"job_id": job_id, "job_state": "running"}))
    result = sim_cli("jobs", "get", "abcd")
    assert result.code == 2
    assert "abcd1111-x" in result.err and "abcd2222-y" in result.err
    assert sim_cli.sent == []


def test_failures_are_grouped_by_message_with_counts(sim_cli: CliRunner) -> None:
    for i in range(3):
        submit(sim_cli, NORANGE.format(i), GOOD.format(i))
    submit(sim_cli, "https://media.example.com/unreachable-9.mp4")
    result = sim_cli("jobs", "failures", "--json")
    assert result.code == 0, result.err
    groups = json.loads(result.out)
    assert [(g["message"], g["count"]) for g in groups] == [
        ("URL does not support HTTP Range requests", 3),
        ("URL is not accessible or does not support Range requests", 1),
    ]
    assert groups[1]["files"] == [{"job_id": groups[1]["jobs"][0], "name": "unreachable-9.mp4"}]
    assert sorted(f["name"] for f in groups[0]["files"]) == [f"norange-{i}.mp4" for i in range(3)]
    text = sim_cli("jobs", "failures", "--since", "1d")
    assert "URL does not support HTTP Range requests × 3" in text.out
    assert "4 failures in 2 groups" in text.err


def test_the_incident_report_is_written_to_a_file_without_the_token(
    sim_cli: CliRunner, tmp_path: Path
) -> None:
    job = Job.from_json(submit(sim_cli, NORANGE.format(1), GOOD.format(1)))
    result = sim_cli("jobs", "report", job.short_id, "--output", str(tmp_path / "reports"))
    assert result.code == 0, result.err
    path = Path(result.out.strip())
    assert path.parent == tmp_path / "reports"
    text = path.read_text()
    assert f"# Incident report: job {job.job_id}" in text
    assert f"`GET /jobs/{job.job_id}` → 200" in text
    assert "$DESCRIPT_API_TOKEN" in text and TOKEN not in text
    assert "failed file **norange-1.mp4**" in text


def test_the_report_holds_the_state_history_the_wait_journaled_and_request_ids(
    sim_cli: CliRunner, tmp_path: Path
) -> None:
    job = Job.from_json(submit(sim_cli, NORANGE.format(2)))
    assert job.outcome.value == "failed"
    result = sim_cli("jobs", "report", job.job_id, "--output", str(tmp_path))
    assert result.code == 0, result.err
    text = Path(result.out.strip()).read_text()
    history = text.split("## State history", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in history.splitlines() if line.startswith("| 20")]
    # The submit's 201, then what `--wait` polled, in order, the failure last and final.
    assert "| submit |" in rows[0]
    assert any("| running |" in row for row in rows[1:-1])
    assert rows[-1].endswith("| stopped | error | failed | - | poll | final |")
    # The polls of `--wait` and the report's own GET: one run, first id to last.
    assert re.search(rf"`GET /jobs/{job.job_id}` → 200 × \d+, .*ids sim-\d{{8}}…sim-\d{{8}}", text)
    assert TOKEN not in text


def test_list_stalled_names_a_job_queued_too_long(
    sim_cli: CliRunner, sim_world: World, sim_clock: ManualClock
) -> None:
    stuck = queued_job(sim_world, "Stuck")
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    body = {"project_name": "Fine", "add_media": {"a.mp4": {"url": GOOD.format(1)}}}
    sim_world.submit_import(user, body, queued_s=1, run_s=3600)
    sim_clock.advance_nowait(6 * 60)
    result = sim_cli("jobs", "list", "--stalled", "--json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert [f["job_id"] for f in found] == [stuck]
    assert found[0]["stalled_seconds"] == 360 and "queued for 6m00s" in found[0]["reason"]
    table = sim_cli("jobs", "list", "--stalled")
    assert "⏸ stalled 6m00s" in table.out


def queued_job(world: World, name: str) -> str:
    """A job that stays queued for an hour (however far `--wait` moves the clock)."""
    user = world.user_for_token(DEMO_TOKEN)
    assert user is not None
    body = {"project_name": name, "add_media": {"a.mp4": {"url": GOOD.format(name)}}}
    job, _ = world.submit_import(user, body, queued_s=3600)
    return job.job_id


def test_bulk_cancel_reports_each_jobs_answer_in_one_summary(
    sim_cli: CliRunner, sim_world: World
) -> None:
    first = queued_job(sim_world, "one")
    second = queued_job(sim_world, "two")
    done = submit(sim_cli, GOOD.format(3))["job_id"]
    result = sim_cli("jobs", "cancel", first, second, done, "--yes")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert f"{done}  already success: nothing sent" in lines
    assert f"{first}  204 No Content" in lines and f"{second}  204 No Content" in lines
    assert lines[-1] == "2 cancelled, 1 already stopped"
    assert sim_cli.sent.count(f"DELETE /v1/jobs/{first}") == 1
    assert f"DELETE /v1/jobs/{done}" not in sim_cli.sent


def test_bulk_cancel_without_a_terminal_needs_yes(sim_cli: CliRunner) -> None:
    result = sim_cli("jobs", "cancel", "a-1234", "b-1234")
    assert result.code == 2 and "--yes" in result.err
    assert sim_cli.sent == []


def test_retry_failed_imports_just_the_failed_files_into_the_same_project(
    sim_cli: CliRunner, cli_env: Path
) -> None:
    original = Job.from_json(submit(sim_cli, NORANGE.format(1), GOOD.format(1), NORANGE.format(2)))
    assert original.outcome.value == "partial"
    result = sim_cli("import", "--retry-failed", original.short_id, "--no-preflight", "--json")
    assert result.code == 0, result.err
    assert "retrying 2 failed file(s)" in result.err
    post = [r for r in sim_cli.transport.requests if r.method == "POST"][-1]
    body = json.loads(post.content)
    assert body == {
        "project_id": original.project_id,
        "add_media": {
            "norange-1.mp4": {"url": NORANGE.format(1)},
            "norange-2.mp4": {"url": NORANGE.format(2)},
        },
    }
    new_id = json.loads(result.out)["job_id"]
    with journal_of(cli_env) as journal:
        row = journal.get_job(new_id)
    assert row is not None and row.extra is not None and row.extra[RETRY_OF] == original.job_id


def test_retry_failed_of_a_successful_import_says_why_and_sends_nothing(
    sim_cli: CliRunner,
) -> None:
    done = submit(sim_cli, GOOD.format(1))["job_id"]
    before = len(sim_cli.sent)
    result = sim_cli("import", "--retry-failed", done)
    assert result.code == 1 and "only a partial or failed import" in result.err
    assert not any(s.startswith("POST") for s in sim_cli.sent[before:])


@pytest.mark.parametrize("flag", [[], ["--no-preflight"]])
def test_preflight_warns_with_the_documented_reason_and_still_sends(
    sim_cli: CliRunner, flag: list[str]
) -> None:
    url = "https://media.example.com/a.mp4"
    result = sim_cli("import", "--name", "P", "--media", url, *flag)
    assert result.code == 0, result.err
    assert "POST /v1/jobs/import/project_media" in sim_cli.sent
    if flag:
        assert "GET /a.mp4" not in sim_cli.sent and "warning" not in result.err
    else:
        # The in-process simulator serves no media: the ranged GET gets a 4xx.
        assert "GET /a.mp4" in sim_cli.sent
        request = next(r for r in sim_cli.transport.requests if r.url.path == "/a.mp4")
        assert request.headers["range"] == "bytes=0-0"
        assert "authorization" not in request.headers
        assert "media URLs must be accessible by Descript servers" in result.err
        assert "sending anyway" in result.err


def test_watch_and_a_single_cancel_accept_short_ids_too(
    sim_cli: CliRunner, sim_world: World
) -> None:
    done = Job.from_json(submit(sim_cli, GOOD.format(1)))
    watched = sim_cli("jobs", "watch", done.short_id, "--json")
    assert watched.code == 0, watched.err
    assert json.loads(watched.out.splitlines()[0])["job_id"] == done.job_id
    queued = Job.from_json({"job_id": queued_job(sim_world, "Q")})
    sim_cli("jobs", "list")  # journals it, as the dashboard or any listing would
    sim_cli.transport.requests.clear()
    result = sim_cli("jobs", "cancel", queued.short_id, "--yes")
    assert result.code == 0, result.err
    assert "204 No Content" in result.out
    assert sim_cli.sent[:2] == [f"GET /v1/jobs/{queued.job_id}", f"DELETE /v1/jobs/{queued.job_id}"]
