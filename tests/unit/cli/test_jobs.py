"""`jobs list|get|watch|cancel` against the in-process simulator, as a user would run them."""

from __future__ import annotations

import json

import pytest

from tests.unit.cli.conftest import TOKEN, CliRunner
from tui.api.models import Job, Outcome
from tui.commands import jobs as jobs_module


def listed(run: CliRunner, *args: str) -> list[Job]:
    result = run("jobs", "list", "--json", *args)
    assert result.code == 0, result.err
    return [Job.from_json(item) for item in json.loads(result.out)]


def submit(run: CliRunner, *media: str, name: str = "CLI test") -> str:
    result = run("import", "--name", name, "--media", *media, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)["job_id"]


# --- list ----------------------------------------------------------------------------------


def test_list_prints_an_aligned_table_that_reads_without_colour(demo_cli: CliRunner) -> None:
    result = demo_cli("jobs", "list")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split()[:3] == ["JOB", "ID", "TYPE"]
    rows = lines[1:]
    assert len(rows) >= 10
    symbols = {"◌", "▶", "✔", "◐", "✖", "⊘", "?"}
    assert all(any(f" {s} " in row for s in symbols) for row in rows), "each row has a symbol"
    # Aligned: the TYPE column starts at the same offset on every line.
    type_col = lines[0].index("TYPE")
    assert {row[type_col - 2 : type_col] for row in rows} == {"  "}
    assert f"{len(rows)} jobs" in result.err
    assert TOKEN not in result.all


def test_list_json_is_the_api_json_and_matches_the_table(demo_cli: CliRunner) -> None:
    table = demo_cli("jobs", "list")
    jobs = listed(demo_cli)
    assert len(jobs) == len(table.out.splitlines()) - 1
    assert all(job.raw["job_id"] in table.out for job in jobs)
    assert {"job_id", "job_type", "job_state", "created_at"} <= set(jobs[0].raw)


def test_list_follows_every_page(demo_cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    everything = listed(demo_cli)
    monkeypatch.setattr(jobs_module, "LIST_PAGE_SIZE", 4)
    before = len(demo_cli.sent)
    paged = listed(demo_cli)
    pages = [r for r in demo_cli.transport.requests[before:] if r.url.path == "/v1/jobs"]
    assert len(pages) >= len(everything) // 4
    assert any("cursor" in str(r.url.params) for r in pages)
    assert [j.job_id for j in paged] == [j.job_id for j in everything]


@pytest.mark.parametrize(
    ("flag", "job_type"),
    [("import", "import/project_media"), ("agent", "agent"), ("publish", "publish")],
)
def test_list_by_type(demo_cli: CliRunner, flag: str, job_type: str) -> None:
    jobs = listed(demo_cli, "--type", flag)
    assert jobs, f"the demo world has {flag} jobs"
    assert {job.job_type for job in jobs} == {job_type}


@pytest.mark.parametrize("state", ["failed", "partial", "running", "cancelled", "success"])
def test_list_by_outcome(demo_cli: CliRunner, state: str) -> None:
    jobs = listed(demo_cli, "--state", state)
    assert jobs, f"the demo world has {state} jobs"
    assert {job.outcome for job in jobs} == {Outcome(state)}


def test_list_by_raw_job_state_and_groups(demo_cli: CliRunner) -> None:
    stopped = listed(demo_cli, "--state", "stopped")
    assert stopped and {job.job_state for job in stopped} == {"stopped"}
    active = listed(demo_cli, "--state", "active")
    finished = listed(demo_cli, "--state", "finished")
    assert active and finished
    assert len(active) + len(finished) == len(listed(demo_cli))


def test_list_limit_and_project(demo_cli: CliRunner) -> None:
    assert len(listed(demo_cli, "--limit", "3")) == 3
    project_id = next(job.project_id for job in listed(demo_cli) if job.project_id)
    jobs = listed(demo_cli, "--project-id", project_id)
    assert jobs and {job.project_id for job in jobs} == {project_id}


def test_list_since_sends_created_after(demo_cli: CliRunner) -> None:
    recent = listed(demo_cli, "--since", "1h")
    request = demo_cli.transport.requests[-1]
    assert "created_after" in request.url.params
    now = demo_cli.clock.now()
    assert all(job.created_at and (now - job.created_at).total_seconds() <= 3600 for job in recent)
    assert len(listed(demo_cli, "--since", "30d")) >= len(listed(demo_cli))


@pytest.mark.parametrize("since", ["31d", "45d", "5w", "yesterday", "0h", "-1d"])
def test_bad_since_exits_2_before_any_request(demo_cli: CliRunner, since: str) -> None:
    result = demo_cli("jobs", "list", f"--since={since}")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert demo_cli.sent == []


def test_list_table_shows_files_of_a_partial_import(demo_cli: CliRunner) -> None:
    partial = next(j for j in listed(demo_cli, "--state", "partial") if j.kind == "import")
    row = next(line for line in demo_cli("jobs", "list").out.splitlines() if partial.job_id in line)
    assert "◐ partial" in row
    ok, failed = len(partial.succeeded_files), len(partial.failed_files)
    assert f"{ok}/{failed}" in row and failed >= 1


def test_list_is_ascii_when_the_terminal_cannot_print_symbols(
    demo_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs_module, "plain_ascii", lambda ctx: True)
    result = demo_cli("jobs", "list")
    assert result.code == 0
    assert result.out.isascii() or "…" in result.out  # labels may hold non-ASCII text
    assert " + success" in result.out or " x failed" in result.out


# --- get -----------------------------------------------------------------------------------


def test_get_partial_import_lists_failed_files_first(demo_cli: CliRunner) -> None:
    partial = next(j for j in listed(demo_cli, "--state", "partial") if j.kind == "import")
    result = demo_cli("jobs", "get", partial.job_id)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert any(line.startswith("job_id") and partial.job_id in line for line in lines)
    files_at = next(i for i, line in enumerate(lines) if line.startswith("files:"))
    file_rows = lines[files_at + 2 :]
    assert len(file_rows) == len(partial.result.media_status)
    failed = len(partial.failed_files)
    assert all("✖" in row for row in file_rows[:failed])
    assert all("✔" in row for row in file_rows[failed:])
    assert partial.failed_files[0].error_message in "\n".join(file_rows[:failed])


def test_get_agent_job_shows_answer_and_credits(demo_cli: CliRunner) -> None:
    done = next(
        j
        for j in listed(demo_cli, "--type", "agent", "--state", "success")
        if j.result and j.result.agent_response
    )
    result = demo_cli("jobs", "get", done.job_id)
    assert "agent_response" in result.out and "ai_credits_used" in result.out
    assert done.result.agent_response[:30] in result.out


def test_get_failed_job_shows_error_message_and_code(demo_cli: CliRunner) -> None:
    failed = next(j for j in listed(demo_cli, "--state", "failed") if j.error_message)
    result = demo_cli("jobs", "get", failed.job_id)
    assert "error_message" in result.out and failed.error_message in result.out
    assert "error_code" in result.out


def test_get_json_is_the_raw_job(demo_cli: CliRunner) -> None:
    job = listed(demo_cli, "--limit", "1")[0]
    result = demo_cli("jobs", "get", job.job_id, "--json")
    assert json.loads(result.out)["job_id"] == job.job_id


def test_get_unknown_job_is_404_exit_1(sim_cli: CliRunner) -> None:
    result = sim_cli("jobs", "get", "00000000-0000-4000-8000-000000000000")
    assert result.code == 1
    assert "404" in result.err and "30 days" in result.err


def test_get_a_job_of_another_drive_is_403_exit_4(
    demo_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = listed(demo_cli, "--limit", "1")[0]
    monkeypatch.setenv("DESCRIPT_API_TOKEN", "other-drive-token")
    result = demo_cli("jobs", "get", job.job_id)
    assert result.code == 4
    assert "403" in result.err and "Drive" in result.err
    assert "other-drive-token" not in result.all


def test_unknown_token_is_401_exit_4(sim_cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESCRIPT_API_TOKEN", "not-a-real-token-123")
    result = sim_cli("jobs", "list")
    assert result.code == 4
    assert "401" in result.err and "auth login" in result.err
    assert "not-a-real-token-123" not in result.all


# --- watch ---------------------------------------------------------------------------------


def test_watch_follows_a_job_to_success(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/intro.mp4")
    result = sim_cli("jobs", "watch", job_id, "--exit-status")
    assert result.code == 0, result.err
    lines = [line for line in result.out.splitlines() if job_id in line]
    assert len(lines) >= 3, "several progress lines before the end"
    assert "✔ success" in lines[-1]
    assert any("%" in line and "▶ running" in line for line in lines)
    gets = [s for s in sim_cli.sent if s.startswith("GET")]
    assert len(gets) < 200, "polled politely"


@pytest.mark.parametrize(
    ("media", "exit_code", "outcome"),
    [
        (
            ("https://media.example.com/a.mp4", "https://unreachable.example.com/b.mp4"),
            2,
            "◐ partial",
        ),
        (("https://unreachable.example.com/b.mp4",), 1, "✖ failed"),
    ],
)
def test_watch_exit_status_by_outcome(
    sim_cli: CliRunner, media: tuple[str, ...], exit_code: int, outcome: str
) -> None:
    job_id = submit(sim_cli, *media)
    result = sim_cli("jobs", "watch", job_id, "--exit-status")
    assert result.code == exit_code
    lines = result.out.splitlines()
    # The job's last line says how it ended; then every failed file, with its whole error.
    assert outcome in lines[-2]
    assert "b.mp4: URL is not accessible or does not support Range requests" in lines[-1]


def test_watch_without_exit_status_exits_0_whatever_the_outcome(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://unreachable.example.com/b.mp4")
    assert sim_cli("jobs", "watch", job_id).code == 0


def test_watch_cancelled_is_3_and_worst_wins(sim_cli: CliRunner) -> None:
    ok = submit(sim_cli, "https://media.example.com/a.mp4")
    partial = submit(
        sim_cli, "https://media.example.com/c.mp4", "https://unreachable.example.com/d.mp4"
    )
    cancelled = submit(sim_cli, "https://media.example.com/e.mp4")
    assert sim_cli("jobs", "cancel", cancelled, "--yes").code == 0
    assert sim_cli("jobs", "watch", cancelled, "--exit-status").code == 3
    assert sim_cli("jobs", "watch", ok, partial, "--exit-status").code == 2
    result = sim_cli("jobs", "watch", ok, partial, cancelled, "--exit-status")
    assert result.code == 3
    assert "finished:" in result.out.splitlines()[-1]


def test_watch_json_lines(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    result = sim_cli("jobs", "watch", job_id, "--json")
    docs = [json.loads(line) for line in result.out.splitlines()]
    assert len(docs) >= 2 and {d["job_id"] for d in docs} == {job_id}
    assert Job.from_json(docs[-1]).outcome is Outcome.SUCCESS


def test_watch_unknown_job_fails_at_once(sim_cli: CliRunner) -> None:
    result = sim_cli("jobs", "watch", "00000000-0000-4000-8000-000000000000", "--exit-status")
    assert result.code == 1 and "404" in result.err


# --- cancel --------------------------------------------------------------------------------


def test_cancel_reports_the_204_and_the_new_state(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    result = sim_cli("jobs", "cancel", job_id, "--yes")
    assert result.code == 0, result.err
    assert "the server answered 204 No Content" in result.out
    assert "⊘ cancelled" in result.out.splitlines()[-1]
    expected = [f"GET /v1/jobs/{job_id}", f"DELETE /v1/jobs/{job_id}", f"GET /v1/jobs/{job_id}"]
    assert sim_cli.sent[-3:] == expected
    assert sim_cli.server_log()[-3:] == expected


def test_cancel_asks_on_a_terminal(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    declined = sim_cli("jobs", "cancel", job_id, stdin="n\n", tty=True)
    assert declined.code == 1
    assert "[y/N]" in declined.err and "nothing was sent" in declined.err
    assert f"DELETE /v1/jobs/{job_id}" not in sim_cli.sent
    accepted = sim_cli("jobs", "cancel", job_id, stdin="y\n", tty=True)
    assert accepted.code == 0
    assert "204 No Content" in accepted.out


def test_cancel_without_a_terminal_needs_yes(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    before = list(sim_cli.sent)
    result = sim_cli("jobs", "cancel", job_id)
    assert result.code == 2 and "--yes" in result.err
    assert sim_cli.sent == before


def test_cancel_a_finished_job_is_refused_with_why(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    assert sim_cli("jobs", "watch", job_id).code == 0
    result = sim_cli("jobs", "cancel", job_id, "--yes")
    assert result.code == 1
    assert "already stopped" in result.err and "success" in result.err
    assert f"DELETE /v1/jobs/{job_id}" not in sim_cli.sent


def test_cancel_in_read_only_mode_is_refused(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    before = list(sim_cli.sent)
    result = sim_cli("--read-only", "jobs", "cancel", job_id, "--yes")
    assert result.code == 2 and "read-only" in result.err
    assert sim_cli.sent == before


def test_list_warns_about_an_unknown_state_word(demo_cli: CliRunner) -> None:
    result = demo_cli("jobs", "list", "--state", "faild")
    assert result.code == 0 and result.out == ""
    assert "note: --state 'faild' is not one of" in result.err
    assert "no jobs found" in result.err
