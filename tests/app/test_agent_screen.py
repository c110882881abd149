"""The agent form as a user fills it, against the in-process simulator on virtual time."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Static, TextArea

from tui.api.errors import REMEDY_402
from tui.api.models import JobCreated
from tui.screens.agent_form import AgentScreen
from tui.simulator.world import BROKE_TOKEN, World
from tui.widgets.error_panel import ErrorPanel

from .form_host import (
    SIZE,
    FormHost,
    demo_user,
    freeze_cursors,
    make_client,
    screen_text,
    settle,
    shown_whole,
    sim_requests,
)

AGENT_PATH = "/v1/jobs/agent"


def agent_posts(sim_app: Any) -> list[dict[str, Any]]:
    return [r for r in sim_requests(sim_app, "POST") if r["path"] == AGENT_PATH]


def problem(screen: AgentScreen, field: str) -> str:
    return str(screen.query_one(f"#problem-{field}", Static).render())


async def open_agent(pilot: Any, app: FormHost) -> AgentScreen:
    screen = AgentScreen()
    app.open(screen)
    await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#submit")))
    # The picker has read GET /projects.
    await settle(pilot, lambda: "Podcast [rough]" in screen_text(app))
    return screen


async def pick_podcast(pilot: Any, screen: AgentScreen) -> None:
    screen.query_one("#project-search", Input).focus()
    await pilot.press(*"rough", "enter")
    await pilot.pause()


async def test_an_empty_prompt_and_a_project_named_twice_are_refused_beside_their_fields(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agent(pilot, app)
        assert "the prompt cannot be empty" in problem(screen, "prompt")
        assert "pick a project or give a new project name" in problem(screen, "project")

        await pick_podcast(pilot, screen)
        assert "Picked: Podcast [rough]" in screen_text(app)
        screen.query_one("#project-name", Input).focus()
        await pilot.press(*"New")
        await pilot.pause()
        assert "not both" in problem(screen, "project")

        # Only whitespace is still an empty prompt.
        screen.query_one("#prompt", TextArea).focus()
        await pilot.press("space", "space")
        await pilot.pause()
        assert "the prompt cannot be empty" in problem(screen, "prompt")
        assert screen.query_one("#submit").disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert agent_posts(sim_app) == []
    assert app.results == []


async def test_a_prompt_on_a_picked_project_dismisses_with_the_created_job(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agent(pilot, app)
        await pick_podcast(pilot, screen)
        screen.query_one("#prompt", TextArea).text = "Add studio sound\nand captions"
        await pilot.pause()
        assert screen.problems == []
        await pilot.click("#submit")
        await settle(pilot, lambda: bool(app.results))

    created = app.results[0]
    assert isinstance(created, JobCreated)
    job = sim_world.job_for(demo_user(sim_world), created.job_id)
    podcast = next(p for p in sim_world.projects.values() if p.name == "Podcast [rough]")
    assert job.project_id == podcast.id
    assert [r["status"] for r in agent_posts(sim_app)] == [201]


async def test_a_new_project_name_is_enough_and_unpicking_clears_the_conflict(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agent(pilot, app)
        await pick_podcast(pilot, screen)
        screen.query_one("#project-name", Input).value = "Cooking tips"
        screen.query_one("#prompt", TextArea).text = "create a 30-second video"
        await pilot.pause()
        assert "not both" in problem(screen, "project")
        # Focus is still in the picker's search box: ctrl+l unpicks.
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert "No project picked" in screen_text(app)
        assert screen.problems == []
        await pilot.press("ctrl+s")
        await settle(pilot, lambda: bool(app.results))
    created = app.results[0]
    assert isinstance(created, JobCreated)
    assert sim_world.projects[created.project_id].name == "Cooking tips"


async def test_a_402_on_agent_submit_shows_the_remedy(sim_app: Any, sim_clock: Any) -> None:
    app = FormHost(make_client(sim_app, sim_clock, token=BROKE_TOKEN), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = AgentScreen()
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#submit")))
        screen.query_one("#project-name", Input).value = "Broke"
        screen.query_one("#prompt", TextArea).text = "remove filler words"
        await pilot.pause()
        await pilot.press("ctrl+s")
        panel = screen.query_one("#submit-error", ErrorPanel)
        await settle(pilot, lambda: panel.is_showing)
        shown = screen_text(app)
        assert "HTTP 402 Payment Required" in shown
        assert REMEDY_402[:40] in shown
        assert app.results == []


def test_snapshot_of_the_agent_form_ready_to_submit(
    snap_compare: Any, sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)

    async def run_before(pilot: Any) -> None:
        screen = await open_agent(pilot, app)
        freeze_cursors(screen)
        await pick_podcast(pilot, screen)
        screen.query_one("#prompt", TextArea).text = "Add studio sound\nand [bold] captions"
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_the_summary_lists_problems_in_the_order_the_fields_show_them(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agent(pilot, app)
        # The project's problem shows above the prompt's, so the summary names it first.
        assert [p.field for p in screen.problems] == ["project", "prompt"]
        summary = str(screen.query_one("#form-summary", Static).render())
        assert "(first: pick a project or give a new project name)" in summary
        text = screen_text(app)
        assert text.index("pick a project or give") < text.index("the prompt cannot be empty")


async def test_a_composition_id_of_only_spaces_is_refused(sim_app: Any, sim_clock: Any) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agent(pilot, app)
        await pick_podcast(pilot, screen)
        screen.query_one("#prompt", TextArea).text = "Add studio sound"
        await pilot.pause()
        assert screen.problems == []
        screen.query_one("#composition-id", Input).value = "   "
        await pilot.pause()
        assert problem(screen, "composition_id") == "the composition id is blank"
        assert screen.query_one("#submit").disabled
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert agent_posts(sim_app) == []


async def test_the_prompt_shows_its_character_count(sim_app: Any, sim_clock: Any) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_agent(pilot, app)
        count = screen.query_one("#prompt-count", Static)
        assert str(count.render()) == "0 characters"
        await pilot.press("alt+p")
        await pilot.press(*"Add captions")
        await pilot.pause()
        assert str(count.render()) == "12 characters"


async def test_at_80x24_alt_p_jumps_to_the_prompt_below_the_fold(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_agent(pilot, app)
        prompt = screen.query_one("#prompt", TextArea)
        assert not shown_whole(screen, prompt)
        await pilot.press("alt+p")
        await pilot.pause()
        assert app.focused is prompt
        assert shown_whole(screen, prompt)
        await pilot.press(*"Add captions")
        assert prompt.text == "Add captions"
        # Every jump key of the form is shown beside its label somewhere in the form.
        shown = {str(label.render()) for label in screen.query(".field-jump")}
        assert {f"alt+{letter}" for letter in screen.JUMP_KEYS.values()} <= shown
