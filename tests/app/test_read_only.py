"""Read-only mode: every action that changes something is hidden, refused, and badged."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette
from textual.widgets import Switch

from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.app import CHANGING_ACTIONS, DashboardCommands, DescriptApp
from tui.config import resolve_connection
from tui.screens.settings import SettingsScreen
from tui.simulator.app import IN_PROCESS_BASE_URL
from tui.simulator.world import DEMO_TOKEN

from .conftest import SIZE, loaded, until


def shown_keys(app: DescriptApp) -> dict[str, str]:
    """What the footer offers: key -> description of every shown, enabled binding."""
    return {
        key: active.binding.description
        for key, active in app.screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


def palette_titles(app: DescriptApp) -> list[str]:
    return [title for title, _, _ in DashboardCommands(app.screen)._commands()]


async def test_read_only_hides_refuses_and_shows_the_badge(
    demo_app: Starlette, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        keys = shown_keys(app)
        assert not {"i", "a", "c"} & keys.keys()
        assert keys["l"] == "Activity"  # looking stays
        titles = palette_titles(app)
        assert "Import media" not in titles and "Cancel selected job" not in titles
        assert "Agent edit" not in titles and "Activity log" in titles
        for action in CHANGING_ACTIONS:
            assert app.check_action(action, ()) is False
        badge = screen.query_one("#status-badge")
        assert badge.display and "READ-ONLY" in app.status_text()

        await pilot.press("2")  # running jobs: cancellable were it not read-only
        await pilot.press("i", "a", "c")
        assert app.screen is screen
        refusals = [n.message for n in app._notifications if "Read-only" in n.message]
        assert len(refusals) == 3
        # Through the palette's path too (an action run by name): refused, nothing opens.
        await app.run_action("app.import_media")
        assert app.screen is screen


async def test_without_read_only_the_actions_show_and_no_badge(
    demo_app: Starlette, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        keys = shown_keys(app)
        assert keys["i"] == "Import" and keys["a"] == "Agent" and keys["c"] == "Cancel"
        assert "Import media" in palette_titles(app)
        assert not app.jobs_screen.query_one("#status-badge").display
        assert "READ-ONLY" not in app.status_text()
        assert app.check_action("refuse", ()) is False


async def test_saving_read_only_in_settings_applies_at_once(
    demo_app: Starlette, sim_clock: ManualClock
) -> None:
    transport = httpx.ASGITransport(app=demo_app)

    def client_for(connection: Any) -> DescriptClient:
        return DescriptClient(
            DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=transport, clock=sim_clock
        )

    app = DescriptApp(
        resolve_connection(), clock=sim_clock, refresh_interval=0, client_builder=client_for
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        assert not app.read_only
        await pilot.press("comma")
        await until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        settings = app.screen
        settings.query_one("#field-read_only", Switch).value = True
        await until(pilot, lambda: not settings.query_one("#save").disabled)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is app.jobs_screen, rounds=400)
        assert app.read_only
        assert "READ-ONLY" in app.status_text()
        assert "i" not in shown_keys(app)
        await pilot.press("i")
        assert app.screen is app.jobs_screen
    assert resolve_connection().read_only  # written to the config file too
