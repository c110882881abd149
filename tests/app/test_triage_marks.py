"""Issue 11 items 4 and 6, the gaps: `*` marks every row the filter shows (`u`/esc unmark),
`c` asks once with the count and skips what cannot be cancelled; `ctrl+r` from the failures
screen, and a retry of an import this tool did not send (the API returns no media URLs).
Against the in-process simulator on virtual time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, Static

from tui.api.models import Outcome
from tui.app import DescriptApp
from tui.journal import Journal
from tui.screens.bulk_cancel import BulkCancelScreen
from tui.screens.failures import FailuresScreen
from tui.screens.import_form import ImportScreen
from tui.simulator.world import World
from tui.triage.retry_failed import NO_URLS_FROM_API, RETRY_OF

from .conftest import SIZE, advance_until, build_dashboard, demo_user, loaded, until
from .test_triage_keys import import_body, toasts


def filter_bar(app: DescriptApp) -> str:
    return str(app.jobs_screen.query_one("#filter-bar", Static).render())


async def test_star_marks_every_shown_row_and_c_skips_the_stopped_ones(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)

    def submit(name: str, project: dict[str, str], run_s: float) -> Any:
        body = {**project, "add_media": {name: {"url": f"https://media.example.com/{name}"}}}
        return sim_world.submit_import(user, body, queued_s=0, run_s=run_s)[0]

    first = submit("r0.mp4", {"project_name": "Marks"}, 3600)
    marks = {"project_id": first.project_id}
    running = [first, *(submit(f"r{i}.mp4", marks, 3600) for i in (1, 2))]
    done = [submit(f"d{i}.mp4", marks, 1) for i in range(2)]
    other, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/o.mp4", project_name="Other"), run_s=3600
    )
    sim_clock.advance_nowait(30)  # the two short imports finish
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen, board = app.jobs_screen, app.jobs_screen.board
        screen.renderer.select_job(running[0].job_id)
        await pilot.press("p")  # only the Marks project: 5 rows shown of 6
        assert len(board) == 5 and other.job_id in board
        await pilot.press("asterisk")
        marked = set(board.marked_ids())
        assert marked == {job.job_id for job in [*running, *done]}
        assert "● 5 marked" in filter_bar(app)
        assert toasts(app, "Marked 5 shown: 3 can be cancelled; 2 already stopped, c skips them")
        await pilot.press("c")
        bulk = app.screen
        assert isinstance(bulk, BulkCancelScreen)
        assert {job.job_id for job in bulk.live} == {job.job_id for job in running}
        assert {job.job_id for job in bulk.stopped} == {job.job_id for job in done}
        assert bulk.question() == "Cancel 3 jobs?  (2 marked already stopped: skipped)"
        await pilot.press("n")  # declined: the marks stay
        await until(pilot, lambda: app.screen is screen)
        assert set(board.marked_ids()) == marked
        await pilot.press("u")
        assert board.marked_ids() == [] and "marked" not in filter_bar(app)
        await pilot.press("asterisk", "escape")  # esc: the project filter goes first...
        assert len(board) == 6 and len(board.marked_ids()) == 5
        await pilot.press("escape")  # ...then the marks
        assert board.marked_ids() == [] and "marked" not in filter_bar(app)


async def test_ctrl_r_from_failures_on_an_import_made_elsewhere_asks_for_the_urls(
    sim_world: World, sim_app: Any, sim_clock: Any, tmp_path: Path
) -> None:
    user = demo_user(sim_world)
    # Sent by another client: this tool's journal never saw its request.
    original, _ = sim_world.submit_import(
        user,
        import_body(
            "https://media.example.com/ok.mp4",
            "https://media.example.com/norange/cam-a.mp4",
            "https://media.example.com/norange/cam-b.mp4",
        ),
        queued_s=0,
        run_s=5,
    )
    journal = Journal(tmp_path / "journal.sqlite3", profile="default", clock=sim_clock)
    app = build_dashboard(sim_app, sim_clock, journal=journal)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.jobs_screen
        await advance_until(
            pilot,
            sim_clock,
            lambda: original.job_id in screen.board
            and screen.board.row(original.job_id).job.outcome is Outcome.PARTIAL,
            step=5,
        )
        await pilot.press("F")
        failures = app.screen
        assert isinstance(failures, FailuresScreen)
        await pilot.press("enter", "down")  # unfold the group, onto the job's row
        assert failures.chosen_job() == original.job_id
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, ImportScreen))
        form = app.screen
        assert isinstance(form, ImportScreen)
        await pilot.pause()
        rows = [
            (row.query_one(".media-source", Input).value, row.name_override)
            for row in form.query_one("#media").rows  # type: ignore[attr-defined]
        ]
        assert rows == [("", "cam-a.mp4"), ("", "cam-b.mp4")]
        note = str(form.query_one("#retry-note", Static).render())
        assert NO_URLS_FROM_API in note and "cam-a.mp4, cam-b.mp4" in note
        focused = app.focused
        assert isinstance(focused, Input) and focused.has_class("media-source")
        assert form.retry is not None and form.retry.original_job_id == original.job_id
        # One URL pasted: the other row stays empty and is not sent; the link is kept.
        await pilot.press(*"https://media.example.com/cam-a.mp4")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen, rounds=400)
        retry = screen.renderer.current_job_id()
        assert retry is not None and retry != original.job_id
        row = next(r for r in journal.load_jobs() if r.job_id == retry)
        assert row.extra == {RETRY_OF: original.job_id, "retried_files": ["cam-a.mp4"]}
        assert row.request is not None
        assert row.request["add_media"] == {
            "cam-a.mp4": {"url": "https://media.example.com/cam-a.mp4"}
        }
        assert screen.links_of(original.job_id).retried_by == (retry,)
