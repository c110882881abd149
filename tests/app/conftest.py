"""Dashboard fixtures: the app on the in-process simulator, on virtual time.

The client talks to the simulator through `httpx.ASGITransport` (no socket), and the app,
its client, scheduler and the simulated world share one `ManualClock` (`sim_clock`). Nothing
polls until a test moves time with `await sim_clock.advance(s)`: a test of "the row turns
finished after a minute" takes milliseconds. `refresh_interval=0` applies each poll at once
(the 0.5 s repaint throttle is measured by the benchmark, not waited for here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from rich.style import Style
from starlette.applications import Starlette
from textual.pilot import Pilot

from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.app import DescriptApp
from tui.simulator.app import IN_PROCESS_BASE_URL
from tui.simulator.world import DEMO_TOKEN, World
from tui.widgets.job_table import CELL_PADDING, COLUMN_KEYS, row_values

SIZE = (150, 40)


@pytest.fixture(autouse=True)
def private_homes(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every app test gets its own config, token file and journal folder; never the user's.

    No real keyring and no token from the environment either.
    """
    from tui.config import BASE_URL_ENV, CONFIG_ENV, TOKEN_ENV, TOKEN_FILE_ENV
    from tui.journal import DATA_DIR_ENV
    from tui.secrets import KEYRING_ENV

    home = tmp_path / "descript-tui-home"
    monkeypatch.setenv(CONFIG_ENV, str(home / "config" / "config.toml"))
    monkeypatch.setenv(TOKEN_FILE_ENV, str(home / "config" / "credentials.toml"))
    monkeypatch.setenv(DATA_DIR_ENV, str(home / "data"))
    monkeypatch.setenv(KEYRING_ENV, "0")
    for name in (TOKEN_ENV, BASE_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    return home


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The simulator, with a switch for whole-network trouble a test can flip.

    `mode`: "ok" passes through; "offline" fails every request to connect (a lost network);
    "storm" answers every API request 429 with `Retry-After: retry_after`.
    """

    def __init__(self, app: Starlette, retry_after: int = 30) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.mode = "ok"
        self.retry_after = retry_after
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.mode == "offline":
            self.refused += 1
            raise httpx.ConnectError("[test] network unreachable", request=request)
        if self.mode == "storm":
            self.refused += 1
            return httpx.Response(
                429,
                headers={
                    "Retry-After": str(self.retry_after),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Consumed": "100",
                },
                json={"error": "rate_limited", "message": "Too many requests"},
                request=request,
            )
        return await self.inner.handle_async_request(request)


def build_dashboard(
    target: Starlette | httpx.AsyncBaseTransport,
    clock: ManualClock,
    *,
    token: str = DEMO_TOKEN,
    **kwargs: Any,
) -> DescriptApp:
    """A dashboard whose client talks to `target` (an ASGI app or a transport) on `clock`."""
    transport = (
        target if isinstance(target, httpx.AsyncBaseTransport) else httpx.ASGITransport(app=target)
    )

    def client() -> DescriptClient:
        return DescriptClient(token, base_url=IN_PROCESS_BASE_URL, transport=transport, clock=clock)

    kwargs.setdefault("refresh_interval", 0)
    return DescriptApp(client, clock=clock, **kwargs)


@pytest.fixture
def make_dashboard(sim_clock: ManualClock) -> Callable[..., DescriptApp]:
    """`make_dashboard(asgi_app_or_transport, token=DEMO_TOKEN, **app_kwargs)`."""

    def make(
        target: Starlette | httpx.AsyncBaseTransport,
        *,
        token: str = DEMO_TOKEN,
        **kwargs: Any,
    ) -> DescriptApp:
        return build_dashboard(target, sim_clock, token=token, **kwargs)

    return make


async def until(pilot: Pilot[Any], condition: Callable[[], bool], rounds: int = 200) -> None:
    """Let the app process messages until `condition()` holds (no sleeps, no clock moves)."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("the app never reached the expected state")


async def advance(pilot: Pilot[Any], clock: ManualClock, seconds: float, step: float = 1.0) -> None:
    """Move virtual time forward in steps, letting the app handle what each poll brings."""
    moved = 0.0
    while moved < seconds:
        delta = min(step, seconds - moved)
        await clock.advance(delta)
        moved += delta
        await pilot.pause()


async def advance_until(
    pilot: Pilot[Any],
    clock: ManualClock,
    condition: Callable[[], bool],
    *,
    step: float = 1.0,
    limit: float = 300.0,
) -> float:
    """Move virtual time in steps until `condition()` holds; returns the seconds it took.

    Requests in flight (retries, backoff) sleep on the clock from whenever they get there,
    so "advance 20 s, then look" can land between two steps; stepping until the effect is
    seen is exact about the effect and still bounded in virtual time.
    """
    moved = 0.0
    while not condition():
        if moved >= limit:
            raise AssertionError(f"not reached within {limit:g} s of virtual time")
        await clock.advance(step)
        moved += step
        await pilot.pause()
    return moved


async def submit_import_until(
    pilot: Pilot[Any],
    app: DescriptApp,
    journal: Any,
    clock: ManualClock,
    urls: dict[str, str],
    *,
    project_name: str,
    outcome: Any,
) -> str:
    """Submit an import as the dashboard does (journaled, then tracked) and move virtual
    time until the board shows it ended with `outcome`; returns its job id."""
    from tui.api.requests import ImportRequest, UrlMedia
    from tui.submissions import submit_journaled

    media = {name: UrlMedia(url) for name, url in urls.items()}
    request = ImportRequest(add_media=media, project_name=project_name)
    created = await submit_journaled(
        journal, "import", request.to_json(), lambda: app.client.import_media(request)
    )
    screen = app.jobs_screen
    screen.track_created(created, job_type="import", project_name=project_name)
    job_id = created.job_id
    await advance_until(
        pilot,
        clock,
        lambda: job_id in screen.board and screen.board.row(job_id).job.outcome is outcome,
        step=5,
        limit=900,
    )
    return job_id


def demo_user(world: World) -> Any:
    user = world.user_for_token(DEMO_TOKEN)
    assert user is not None
    return user


def watched(app: DescriptApp) -> set[str]:
    """The job ids whose rows carry the watch mark (the board owns it)."""
    return {row.job.job_id for row in app.jobs_screen.board.rows() if row.watched}


# -- reading the jobs table (tui/widgets/job_table.py reads its rows from the board) -------


def loaded(app: DescriptApp) -> bool:
    """The start's list walk is over; the table shows what the board holds at once."""
    return app.jobs_screen.listing_complete


def shown_ids(app: DescriptApp) -> list[str]:
    """The job ids the table shows, top first (the board owns the filtered, sorted order)."""
    return app.jobs_screen.board.shown_ids()


def is_shown(app: DescriptApp, job_id: str) -> bool:
    """Whether `job_id` has a row in the table (held and passing the filter)."""
    return app.jobs_screen.board.index_of(job_id) is not None


def cell_text(app: DescriptApp, job_id: str, column: str) -> str:
    """The whole text the table puts in a shown row's cell (before cutting it to width)."""
    table = app.jobs_screen.table
    assert is_shown(app, job_id), f"{job_id} has no row in the table"
    return row_values(table.source.row(job_id), table.now())[COLUMN_KEYS.index(column)]


def painted_cell(app: DescriptApp, job_id: str, column: str) -> tuple[str, Style]:
    """A row's cell as the table paints it on screen: its text (cut to width) and the
    style of that text (row background, state colour, cursor and all)."""
    table = app.jobs_screen.table
    index = app.jobs_screen.board.index_of(job_id)
    assert index is not None, f"{job_id} has no row in the table"
    y = index - round(table.scroll_y) + 1  # line 0 is the header
    assert 1 <= y < table.scrollable_content_region.height, f"{job_id} is off screen"
    widths = table.column_widths()
    assert column in widths, f"{column} is hidden at this width"
    x = 0
    for key, width in widths.items():
        if key == column:
            break
        x += width + 2 * CELL_PADDING
    strip = table.render_line(y).crop(x, x + widths[column] + 2 * CELL_PADDING)
    text = strip.text.strip()
    styles = [seg.style for seg in strip if seg.text.strip() and seg.style is not None]
    assert styles, f"no text in {column} of {job_id}"
    return text, styles[0]
