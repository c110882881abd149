"""The triage keys of the jobs screen (issue 11), against the in-process simulator on
virtual time: `:` go to, `Y` copy id, stalls and `5`, `F` failures, space + `c` bulk cancel,
`!` incident report, `o` asking first and copying when no browser can open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tui.api.models import Outcome
from tui.app import DescriptApp
from tui.screens.bulk_cancel import BulkCancelScreen
from tui.screens.confirm_open import ConfirmOpenScreen
from tui.screens.failures import FailureChoice, FailuresScreen
from tui.screens.goto import GotoScreen
from tui.simulator.world import DEMO_TOKEN, World
from tui.widgets.job_table import COLUMN_KEYS, row_values

from .conftest import SIZE, advance, demo_user, is_shown, loaded, until, watched

STATE = COLUMN_KEYS.index("state")


def import_body(*urls: str, project_name: str = "Triage") -> dict[str, Any]:
    return {
        "project_name": project_name,
        "add_media": {url.rsplit("/", 1)[-1]: {"url": url} for url in urls},
    }


def toasts(app: DescriptApp, words: str) -> list[str]:
    return [n.message for n in app._notifications if words in n.message]


async def test_goto_fetches_a_job_missing_from_the_board_selects_and_watches_it(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    sim_world.submit_import(user, import_body("https://media.example.com/a.mp4"), run_s=60)
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        # Made after the list walk and before any discovery: not on the board.
        late, _ = sim_world.submit_import(
            user, import_body("https://media.example.com/late.mp4"), run_s=600
        )
        assert late.job_id not in app.jobs_screen.board
        await pilot.press("colon")
        assert isinstance(app.screen, GotoScreen)
        short = late.job_id.rsplit("-", 1)[-1][:8]
        await pilot.press(*short, "enter")
        await until(pilot, lambda: is_shown(app, late.job_id))
        screen = app.jobs_screen
        await until(pilot, lambda: screen.renderer.current_job_id() == late.job_id)
        assert late.job_id in watched(app)
        await pilot.press("Y")
        assert app.clipboard == late.job_id
        assert toasts(app, f"Copied {late.job_id}")


async def test_a_stalled_job_is_shown_filtered_and_announced_once(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    # A `stuck` URL stops at 40 % for 45 minutes (the simulator's stall).
    stuck, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/stuck.mp4"), queued_s=1, run_s=100
    )
    moving, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/long.mp4"), queued_s=1, run_s=3600
    )
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        board = app.jobs_screen.board
        assert board.row(stuck.job_id).stalled_since is None
        await advance(pilot, sim_clock, 12 * 60, step=20)
        app.jobs_screen.check_stalls()
        await pilot.pause()
        row = board.row(stuck.job_id)
        assert row.stalled_since is not None
        assert board.row(moving.job_id).stalled_since is None
        cell = row_values(row, sim_clock.now())[STATE]
        assert cell.startswith("⏸ stall ") and cell.endswith("m")
        assert len(toasts(app, "no progress for")) == 1
        app.jobs_screen.check_stalls()  # still stalled: not said again
        await pilot.pause()
        assert len(toasts(app, "no progress for")) == 1
        await pilot.press("5")
        assert board.shown_ids() == [stuck.job_id]
        await pilot.press("1")
        assert moving.job_id in board.shown_ids()


async def test_failures_screen_lists_the_boards_failures_and_enter_selects_the_job(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.jobs_screen
        await pilot.press("F")
        failures = app.screen
        assert isinstance(failures, FailuresScreen)
        assert failures.groups, "the demo world has failures"
        job_id = failures.groups[0].job_ids[0]
        failures.dismiss(FailureChoice(job_id))
        await until(pilot, lambda: screen.renderer.current_job_id() == job_id)
        assert app.screen is screen


@pytest.mark.parametrize("marking", ["space on each", "* on the running filter"])
async def test_marked_rows_are_all_cancelled_by_c_then_marks_clear(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any, marking: str
) -> None:
    user = demo_user(sim_world)
    ids = [
        sim_world.submit_import(
            user, import_body(f"https://media.example.com/m{i}.mp4"), run_s=600
        )[0].job_id
        for i in range(2)
    ]
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.jobs_screen
        board = screen.board
        if marking.startswith("space"):
            for job_id in ids:
                screen.renderer.select_job(job_id)
                await pilot.press("space")
        else:
            await pilot.press("2", "asterisk")  # every row the filter shows
        assert sorted(board.marked_ids()) == sorted(ids)
        assert row_values(board.row(ids[0]), sim_clock.now())[0].startswith("●")
        await pilot.press("c")
        bulk = app.screen
        assert isinstance(bulk, BulkCancelScreen)
        assert sorted(job.job_id for job in bulk.live) == sorted(ids)
        await pilot.press("y")
        await until(pilot, lambda: bulk.phase == "done")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        assert board.marked_ids() == []
        assert toasts(app, "Bulk cancel: 2 cancelled")
        for job_id in ids:
            assert (await app.client.get_job(job_id)).outcome is Outcome.CANCELLED


async def test_bang_writes_the_incident_report_and_copies_it(
    demo_app: Any, make_dashboard: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the demo's journal is in memory: the report goes to cwd
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        job = app.jobs_screen.selected_job()
        assert job is not None
        await pilot.press("exclamation_mark")
        await until(pilot, lambda: bool(toasts(app, "Incident report written")))
        written = list(tmp_path.glob(f"incident-{job.job_id}-*.md"))
        assert len(written) == 1
        text = written[0].read_text(encoding="utf-8")
        assert text.startswith(f"# Incident report: job {job.job_id}")
        assert app.clipboard == text
        assert "$DESCRIPT_API_TOKEN" in text and DEMO_TOKEN not in text


async def test_o_on_a_running_job_asks_and_without_a_display_copies_the_url(
    sim_world: World,
    sim_app: Any,
    sim_clock: Any,
    make_dashboard: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    user = demo_user(sim_world)
    running, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/r.mp4"), queued_s=1, run_s=600
    )
    app = make_dashboard(sim_app)
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.jobs_screen
        screen.renderer.select_job(running.job_id)
        job = screen.selected_job()
        assert job is not None and job.outcome in (Outcome.QUEUED, Outcome.RUNNING)
        await pilot.press("o")
        assert isinstance(app.screen, ConfirmOpenScreen)
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen)
        assert opened == [] and app.clipboard != job.project_url
        await pilot.press("o", "y")
        await until(pilot, lambda: app.clipboard == job.project_url)
        assert opened == []  # no display: nothing to open it in
        assert toasts(app, "No browser here to open it")


async def test_ctrl_r_resubmits_only_the_failed_files_linked_both_ways(
    sim_app: Any, sim_clock: Any, tmp_path: Path
) -> None:
    from tui.journal import Journal
    from tui.screens.import_form import ImportScreen

    from .conftest import build_dashboard, submit_import_until
    from .form_host import screen_text

    journal = Journal(tmp_path / "journal.sqlite3", profile="default", clock=sim_clock)
    app = build_dashboard(sim_app, sim_clock, journal=journal)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.jobs_screen
        original = await submit_import_until(
            pilot,
            app,
            journal,
            sim_clock,
            {
                "ok.mp4": "https://media.example.com/ok.mp4",
                "slides.pdf": "https://media.example.com/slides.pdf",
            },
            project_name="Retry me",
            outcome=Outcome.PARTIAL,
        )
        screen.renderer.select_job(original)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, ImportScreen))
        form = app.screen
        assert isinstance(form, ImportScreen)
        await pilot.pause()
        assert [e.name for e in form.media_entries()] == ["slides.pdf"]
        assert form.build_request()[0].project_id == screen.board.row(original).job.project_id
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen, rounds=400)
        retry = screen.renderer.current_job_id()
        assert retry is not None and retry != original
        rows = {row.job_id: row for row in journal.load_jobs()}
        assert rows[retry].extra == {"retry_of": original, "retried_files": ["slides.pdf"]}
        assert screen.links_of(retry).retry_of == original
        assert screen.links_of(original).retried_by == (retry,)
        await pilot.press("d")
        await pilot.pause()
        assert screen.detail.job is not None and screen.detail.job.job_id == retry
        assert f"Retry of {original}" in " ".join(screen_text(app).split())



async def test_a_just_finished_agent_job_says_to_wait_a_minute_then_stops_saying_it(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    from tui.triage.stalls import AGENT_SETTLE_NOTE

    from .conftest import advance_until
    from .form_host import screen_text

    user = demo_user(sim_world)
    agent = sim_world.submit_agent(
        user, {"project_name": "Settle", "prompt": "tidy up"}, queued_s=1, run_s=30
    )
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        screen = app.jobs_screen
        screen.renderer.select_job(agent.job_id)
        await pilot.press("d")
        await advance_until(
            pilot, sim_clock, lambda: screen.board.row(agent.job_id).job.is_finished, limit=120
        )
        await pilot.pause()
        assert AGENT_SETTLE_NOTE[:40] in " ".join(screen_text(app).split())
        await advance(pilot, sim_clock, 61, step=5)
        screen.triage_tick()  # the app's 5 s tick runs on wall time
        await pilot.pause()
        assert AGENT_SETTLE_NOTE[:40] not in " ".join(screen_text(app).split())


async def test_the_settings_screen_shows_the_stall_thresholds_and_the_board_uses_them(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=(150, 60)) as pilot:
        await until(pilot, lambda: loaded(app))
        thresholds = app.jobs_screen.stall_tracker.thresholds
        assert (thresholds.running_minutes, thresholds.queued_minutes) == (10.0, 5.0)
        await pilot.press("comma")
        await pilot.pause()
        shown = " ".join(str(hint.render()) for hint in app.screen.query(".field-hint"))
        assert "may stand still before it shows ⏸ stalled" in shown
        assert "may stay queued before it shows ⏸ stalled" in shown
