"""`!` on a job the dashboard submitted and watched fail: the report holds its state history
from the journal, oldest first, and the request ids of the calls about it, which the
session also journals for a later process."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tui.api.models import Outcome
from tui.journal import Journal
from tui.simulator.world import DEMO_TOKEN

from .conftest import SIZE, build_dashboard, loaded, submit_import_until, until


async def test_bang_reports_the_journaled_history_and_the_request_ids(
    sim_app: Any, sim_clock: Any, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", profile="default", clock=sim_clock)
    app = build_dashboard(sim_app, sim_clock, journal=journal)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.jobs_screen
        job_id = await submit_import_until(
            pilot,
            app,
            journal,
            sim_clock,
            {"norange.mp4": "https://media.example.com/norange-7.mp4"},
            project_name="Range trouble",
            outcome=Outcome.FAILED,
        )
        # The batch that said "failed" reaches the journal (in a thread) just after the table.
        await until(pilot, lambda: journal.state_history(job_id)[-1].outcome == "failed")
        screen.renderer.select_job(job_id)
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: bool(list(tmp_path.glob(f"incident-{job_id}-*.md"))))
    [path] = tmp_path.glob(f"incident-{job_id}-*.md")
    text = path.read_text(encoding="utf-8")
    history = text.split("## State history", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in history.splitlines() if line.startswith("| 20")]
    assert "| submit |" in rows[0]
    outcomes = [row.split(" | ")[3] for row in rows]
    assert outcomes.index("running") < outcomes.index("failed") == len(rows) - 1
    assert rows[-1].endswith("| final |")
    post = re.search(r"`POST /jobs/import/project_media` → 201.* X-Request-Id: (sim-\d{8})", text)
    assert post is not None
    # The polls: one line per run of identical ones, with the run's first and last id.
    polls = [line for line in text.splitlines() if f"`GET /jobs/{job_id}` → 200" in line]
    ids = re.findall(r"sim-\d{8}", " ".join(polls))
    assert ids and ids == sorted(set(ids)) and post.group(1) not in ids
    assert DEMO_TOKEN not in text and "$DESCRIPT_API_TOKEN" in text
    # The session journaled its calls about the job (written in batches, the rest at exit).
    calls = journal.job_calls(job_id)
    assert (calls[0].method, calls[0].request_id) == ("POST", post.group(1))
    assert {c.request_id for c in calls[1:]} >= set(ids)
    journal.close()
