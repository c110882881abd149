"""The dashboard's single-letter keys act on the jobs screen only, never inside a form or modal."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from textual.widgets import Button, Input

from tui.screens.confirm_cancel import ConfirmCancelScreen
from tui.screens.import_form import ImportScreen
from tui.screens.settings import SettingsScreen
from tui.simulator.world import World

from .conftest import SIZE, demo_user, loaded, until


async def test_q_and_i_on_the_import_form_neither_quit_nor_open_anything(
    sim_app: Starlette, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportScreen))
        form = app.screen
        depth = len(app.screen_stack)
        form.query_one("#project-name", Input).value = "Half filled"
        form.query_one("#close", Button).focus()  # a Button: printable keys are not typed
        await pilot.press("q", "i", "a", "l", "question_mark", "T", "comma", "P")
        await pilot.pause()
        assert app.is_running
        assert app.screen is form and len(app.screen_stack) == depth
        assert form.query_one("#project-name", Input).value == "Half filled"
        # In a field the same keys are just text.
        field = form.query_one("#project-name", Input)
        field.focus()
        await pilot.press("q", "i")
        assert field.value.endswith("qi")
        assert app.screen is form


async def test_keys_do_not_leak_into_the_cancel_modal_or_settings(
    sim_world: World, sim_app: Starlette, make_dashboard: Any
) -> None:
    sim_world.submit_import(
        demo_user(sim_world),
        {"project_name": "Keys", "add_media": {"a.mp4": {"url": "https://m.example/a.mp4"}}},
        queued_s=1,
        run_s=300,
    )
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmCancelScreen))
        modal = app.screen
        await pilot.press("q", "i", "l")
        assert app.is_running and app.screen is modal
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)

        await pilot.press("comma")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        settings = app.screen
        settings.query_one("#close", Button).focus()
        await pilot.press("q", "a", "c")
        assert app.is_running and app.screen is settings
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)

        # On the jobs screen the keys work, and ctrl+q still quits from anywhere.
        await pilot.press("l")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running
