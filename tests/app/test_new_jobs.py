"""A job submitted from the app's forms shows at once, selected, with its new project's name;
a project made elsewhere gets its name from a throttled `GET /projects`.

Against the in-process simulator on virtual time: "at once" means with no clock move, so no
poll can have brought the row.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, TextArea

from tui.app import DescriptApp
from tui.screens.agent_form import AgentScreen
from tui.screens.import_form import ImportScreen
from tui.screens.jobs.feed import PROJECT_NAMES_EVERY
from tui.simulator.world import World
from tui.widgets.media_rows import MediaRows

from .conftest import (
    advance,
    advance_until,
    cell_text,
    demo_user,
    is_shown,
    loaded,
    shown_ids,
    until,
)
from .form_host import screen_text, sim_requests

SIZE = (120, 36)
PROJECT = "Podcast [rough] QA"


def project_gets(sim_app: Any) -> int:
    return sum(1 for r in sim_requests(sim_app, "GET") if r["path"] == "/v1/projects")


async def open_form(pilot: Any, app: DescriptApp, key: str, kind: type) -> Any:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, kind) and bool(app.screen.query("#submit")))
    return app.screen


async def submitted(pilot: Any, app: DescriptApp, form: Any) -> str:
    """Ctrl+S on a valid form; back on the jobs screen, the id of the job it made."""
    await pilot.pause()
    assert not form.query_one("#submit").disabled, form.problems
    before = set(app.jobs_screen.board.submitted_ids)
    await pilot.press("ctrl+s")
    await until(pilot, lambda: app.screen is app.jobs_screen, rounds=400)
    (job_id,) = app.jobs_screen.board.submitted_ids - before
    return job_id


async def test_an_import_from_the_form_shows_at_once_on_top_selected_with_its_project_name(
    demo_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        table = screen.table
        await until(pilot, lambda: loaded(app))
        await pilot.press("G")  # the cursor far down, the table scrolled: the new row is not
        await until(pilot, lambda: table.scroll_y > 0)
        form = await open_form(pilot, app, "i", ImportScreen)
        form.query_one("#project-name", Input).value = PROJECT
        source = form.query_one(MediaRows).rows[0].query_one(".media-source", Input)
        source.value = "https://media.example.com/qa-episode.mp4"
        job_id = await submitted(pilot, app, form)

        # No clock move since the submit: no poll brought it; the submit did.
        assert is_shown(app, job_id)
        assert app.jobs_screen.board.index_of(job_id) == 0  # newest first
        assert table.current_job_id == job_id
        await until(pilot, lambda: table.scroll_y == 0)
        assert job_id[-12:] in screen_text(app)  # on screen, not just in the table
        assert cell_text(app, job_id, "type") == "import"
        # The request named the new project: the row says so before any GET /projects.
        assert cell_text(app, job_id, "project") == PROJECT
        await pilot.press("slash", *"QA", "enter")
        assert shown_ids(app) == [job_id]

        # The first polls keep it where it is, with its name.
        await advance_until(pilot, sim_clock, lambda: "running" in cell_text(app, job_id, "state"))
        assert app.jobs_screen.board.index_of(job_id) == 0
        assert cell_text(app, job_id, "project") == PROJECT


async def test_an_agent_edit_from_the_form_shows_at_once_selected(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        table = app.jobs_screen.table
        await until(pilot, lambda: loaded(app))
        await pilot.press("down", "down", "down")
        await pilot.press("3")  # failed jobs only: a new job would be hidden by this filter
        form = await open_form(pilot, app, "a", AgentScreen)
        form.query_one("#project-name", Input).value = "Agent QA"
        form.query_one("#prompt", TextArea).text = "Remove filler words"
        job_id = await submitted(pilot, app, form)

        assert app.jobs_screen.board.job_filter.state == "all"  # cleared, and the user is told
        assert any("Filters cleared" in n.message for n in app._notifications)
        assert app.jobs_screen.board.index_of(job_id) == 0
        assert table.current_job_id == job_id
        assert cell_text(app, job_id, "type") == "agent"
        assert cell_text(app, job_id, "project") == "Agent QA"


async def test_a_project_made_elsewhere_gets_its_name_from_a_throttled_refresh(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app) and project_gets(sim_app) == 1)
        # Another client makes a new project; the poller discovers its job.
        job, _ = sim_world.submit_import(
            demo_user(sim_world),
            {
                "project_name": "Made in the web app",
                "add_media": {"a.mp4": {"url": "https://media.example.com/a.mp4"}},
            },
            queued_s=1,
            run_s=600,
        )
        await advance_until(pilot, sim_clock, lambda: is_shown(app, job.job_id))
        assert cell_text(app, job.job_id, "project") != "Made in the web app"  # an id for now

        took = await advance_until(
            pilot, sim_clock, lambda: cell_text(app, job.job_id, "project") == "Made in the web app"
        )
        # One refresh, not sooner than the throttle allows after the start's own fetch.
        assert took <= PROJECT_NAMES_EVERY + 2
        assert project_gets(sim_app) == 2
        # Every name known: polls of the job ask for nothing more.
        await advance(pilot, sim_clock, 3 * PROJECT_NAMES_EVERY)
        assert project_gets(sim_app) == 2
        await pilot.press("slash", *"web app", "enter")
        assert shown_ids(app) == [job.job_id]
