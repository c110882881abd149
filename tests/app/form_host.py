"""A bare host App for the form, modal and triage screens, on the in-process simulator.

The screens need only what the dashboard promises them (`app.client`, `app.clock`), so their
tests run without the poller: each screen is pushed on this host and its dismiss value is
collected in `results`.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.simulator.app import IN_PROCESS_BASE_URL
from tui.simulator.world import DEMO_TOKEN, User, World
from tui.widgets.state_colours import with_state_colours

SIZE = (120, 36)


class FormHost(App[None]):
    """Holds a client and a clock; `open(screen)` pushes it and records what it dismisses with."""

    def __init__(self, client: DescriptClient, clock: ManualClock) -> None:
        super().__init__()
        self.client = client
        self.clock = clock
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def get_css_variables(self) -> dict[str, str]:
        # The `$state-*` colours the screens' TCSS uses, as the dashboard defines them.
        return with_state_colours(super().get_css_variables())

    def open(self, screen: Screen[Any]) -> None:
        self.push_screen(screen, self.results.append)


def make_client(
    target: Starlette | httpx.AsyncBaseTransport,
    clock: ManualClock,
    token: str = DEMO_TOKEN,
) -> DescriptClient:
    transport = (
        target if isinstance(target, httpx.AsyncBaseTransport) else httpx.ASGITransport(app=target)
    )
    return DescriptClient(token, base_url=IN_PROCESS_BASE_URL, transport=transport, clock=clock)


def demo_user(world: World) -> User:
    """The simulated user behind `demo-token` (whose Drive the tests' jobs live on)."""
    user = world.user_for_token(DEMO_TOKEN)
    assert user is not None
    return user


def screen_text(app: App[Any]) -> str:
    """What the terminal shows right now, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def sim_requests(sim_app: Starlette, method: str | None = None) -> list[dict[str, Any]]:
    """The simulator's request log (method, path, status), optionally one method only."""
    log = list(sim_app.state.sim.request_log)
    return [entry for entry in log if method is None or entry["method"] == method]


async def settle(pilot: Pilot[Any], condition: Any, rounds: int = 200) -> None:
    """Let the app work until `condition()` holds (no sleeps, no clock moves)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the screen never reached the expected state")


def freeze_cursors(screen: Screen[Any]) -> None:
    """Stop every text cursor blinking, so a snapshot is the same on every run."""
    for field in screen.query("Input, TextArea"):
        field.cursor_blink = False  # type: ignore[attr-defined]


def shown_whole(screen: Screen[Any], widget: Widget) -> bool:
    """Whether all of `widget` is inside the form's scrolled view (not above or below it)."""
    view = screen.query_one("#form-fields").region
    return widget.region.height > 0 and view.contains_region(widget.region)
