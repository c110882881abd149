"""`jobs watch` as a user sees it: the in-place board, whole errors, --interval, --timeout,
and the request log of a watch by ids (list pages, not one GET per id)."""

from __future__ import annotations

import itertools
import os
import re
from datetime import datetime

import pytest
from starlette.applications import Starlette

from tests.unit.cli.conftest import CliRunner
from tests.unit.cli.test_jobs import submit
from tui.api.models import Job
from tui.commands import watch as watch_module
from tui.commands.output import failure_lines
from tui.simulator.demo import add_bulk_jobs
from tui.simulator.world import DEMO_TOKEN, World

RANGE_ERROR = "URL is not accessible or does not support Range requests"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """stdout is a 100x20 terminal."""
    monkeypatch.setattr(watch_module, "terminal_width", lambda ctx: 100)
    monkeypatch.setattr(
        watch_module.shutil, "get_terminal_size", lambda *a: os.terminal_size((100, 20))
    )


def last_frame(out: str) -> list[str]:
    """The screen after the last redraw: the text after the last cursor-up, ANSI removed."""
    tail = re.split(r"\x1b\[\d+F", out)[-1]
    return [line for line in _ANSI.sub("", tail).splitlines() if line]


def test_on_a_terminal_the_board_redraws_in_place(sim_cli: CliRunner, terminal: None) -> None:
    ok = submit(sim_cli, "https://media.example.com/a.mp4")
    partial = submit(sim_cli, "https://media.example.com/c.mp4", "https://unreachable.example.com/d.mp4")
    result = sim_cli("jobs", "watch", ok, partial, "--exit-status")
    assert result.code == 2, result.err
    redraws = re.findall(r"\x1b\[(\d+)F", result.out)
    assert len(redraws) >= 3 and set(redraws) == {"3"}, "status line + one line per job"
    frame = last_frame(result.out)
    assert "2/2 finished" in frame[0]
    assert frame[1].startswith("✔ success") and ok in frame[1] and "█" * 20 in frame[1]
    assert frame[2].startswith("◐ partial") and partial in frame[2]
    assert all(len(line) <= 100 for line in frame[:3]), "job lines fit the terminal"
    # Then the failed file with its whole error.
    assert frame[3:] == [
        f"◐ partial {partial}",
        f"  ✖ d.mp4: {RANGE_ERROR}",
        "finished: 1 success, 1 partial",
    ]


def test_a_long_error_is_wrapped_never_cut() -> None:
    error = "Transcoding failed: " + "the audio track could not be decoded " * 4
    job = Job.from_json(
        {
            "job_id": "6dc3f30a-58c2-4174-96a6-dc18cf3c7776",
            "job_type": "import/project_media",
            "job_state": "stopped",
            "result": {
                "status": "partial",
                "media_status": {
                    "ok.mp4": {"status": "success"},
                    "long.mp4": {"status": "failed", "error_message": error},
                },
            },
        }
    )
    lines = failure_lines(job, width=40)
    assert all(len(line) <= 40 for line in lines)
    start = next(i for i, line in enumerate(lines) if line.startswith("  ✖ long.mp4: "))
    rest = lines[start + 1 :]
    assert rest and all(line.startswith("      ") for line in rest), "wrapped, indented"
    assert " ".join(line.strip() for line in lines[start:]) == f"✖ long.mp4: {error.strip()}"
    piped = failure_lines(job)
    assert piped[-1] == f"  ✖ long.mp4: {error.strip()}", "piped: one line per file"


def test_piped_the_last_line_of_a_partial_job_names_its_failed_files(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4", "https://unreachable.example.com/b.mp4")
    result = sim_cli("jobs", "watch", job_id)
    assert "\x1b[" not in result.out, "no ANSI in a pipe"
    # The watch lines (time first), then the failed files; the job's last line names them.
    ended = [line for line in result.out.splitlines() if job_id in line and line[2] == ":"][-1]
    assert "◐ partial" in ended and f"1 of 2 files failed: b.mp4: {RANGE_ERROR}" in ended


def test_import_wait_ends_with_the_failed_files_in_full(sim_cli: CliRunner) -> None:
    result = sim_cli(
        "import",
        "--name",
        "Wait",
        "--media",
        "https://media.example.com/a.mp4",
        "https://unreachable.example.com/b.mp4",
        "--wait",
    )
    assert result.code == 2, result.err
    last = result.out.splitlines()[-1]
    assert "◐ partial" in last and f"b.mp4: {RANGE_ERROR}" in last


def test_timeout_stops_the_watch_and_says_what_is_unfinished(sim_cli: CliRunner) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    start = sim_cli.clock.monotonic()
    result = sim_cli("jobs", "watch", job_id, "--timeout", "4")
    assert result.code == 1
    assert "timed out after 4s: 1 of 1 jobs not finished" in result.err and job_id in result.err
    assert sim_cli.clock.monotonic() - start < 10


@pytest.mark.parametrize("flag", ["--interval", "--timeout"])
def test_interval_and_timeout_refuse_nonsense(sim_cli: CliRunner, flag: str) -> None:
    before = list(sim_cli.sent)
    result = sim_cli("jobs", "watch", "6dc3f30a-58c2-4174-96a6-dc18cf3c7776", flag, "0.5")
    assert result.code == 2 and "at least" in result.err
    assert sim_cli.sent == before


def test_interval_spaces_the_reads_of_a_job(sim_cli: CliRunner, sim_app: Starlette) -> None:
    job_id = submit(sim_cli, "https://media.example.com/a.mp4")
    assert sim_cli("jobs", "watch", job_id, "--interval", "20").code == 0
    times = [
        datetime.fromisoformat(str(e["at"]))
        for e in sim_app.state.sim.request_log
        if e["path"] == f"/v1/jobs/{job_id}"
    ]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert len(gaps) >= 2 and min(gaps) >= 20


def test_a_thousand_ids_are_watched_by_list_pages(
    sim_cli: CliRunner, sim_app: Starlette, sim_world: World
) -> None:
    user = sim_world.user_for_token(DEMO_TOKEN)
    assert user is not None
    ids = [job.job_id for job in add_bulk_jobs(sim_world, user, 1000, state="running")]
    result = sim_cli("jobs", "watch", *ids, "--timeout", "10")
    assert result.code == 1  # still running after 10 s: told so
    assert "timed out after 10s: 1000 of 1000 jobs not finished" in result.err
    assert "finished:" not in result.out, "nothing finished: no count line"
    log = [e for e in sim_app.state.sim.request_log if e["method"] == "GET"]
    gets = [e for e in log if str(e["path"]).startswith("/v1/jobs/")]
    pages = [e for e in log if e["path"] == "/v1/jobs"]
    assert gets == [], "no GET per id"
    assert 10 <= len(pages) <= 40  # 10 pages find them; sweeps at <= 2.5 pages/s refresh
    assert all(job_id in result.out for job_id in ids[:5])


def test_watch_policy_revisits_a_big_fleet_sooner_than_the_dashboard_within_its_pace() -> None:
    from tui.api.clock import ManualClock
    from tui.api.planning import DEFAULT_POLICY, PollPolicy
    from tui.api.sweeping import SweepPlanner
    from tui.commands.watch import watch_policy

    def planner(policy: PollPolicy) -> SweepPlanner:
        return SweepPlanner(policy, ManualClock(), {}, lambda _tracked: 0.0)

    watch, dashboard = planner(watch_policy()), planner(DEFAULT_POLICY)
    # 5,000 ids are 50 pages and the Drive's newest: back every 5.5 s, not every 6.4 s.
    assert watch.gap(51) == 5.5
    assert dashboard.gap(51) == 51 / 8
    # A 10-page fleet (1,000 ids) keeps its cheap 2.5 pages/s, the 3 s floor still holds,
    # and 100 pages never cost more than 10 pages/s on average.
    assert watch.gap(10) == dashboard.gap(10) == 4.0
    assert watch.gap(1) == 3.0
    assert watch.gap(100) == 10.0
    assert watch_policy(7.0).first_interval == 7.0
