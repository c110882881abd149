"""Snapshots of the jobs screen and detail pane on the seeded demo world, frozen clock.

The world, the client and the app share a `ManualClock` that nobody advances, so every
timestamp, age and progress bar is the same on every run; no Input has focus, so no cursor
blinks. Update with `pytest tests/app/test_snapshots.py --snapshot-update` and look at the
SVGs before accepting them.
"""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from tui.app import DescriptApp

from .conftest import loaded, until

SIZE = (130, 36)


async def _loaded(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, DescriptApp)
    screen = app.jobs_screen
    await until(pilot, lambda: loaded(app))
    await until(pilot, lambda: bool(screen.board.project_names))
    # The frozen clock lets the scheduler make its first polls and then sleep for good;
    # wait for that so the request counts in the header are the same on every run.
    # (Quiet for three rounds in a row: one round can end between two requests under load.)
    calls, quiet = -1, 0
    while quiet < 3:
        quiet = quiet + 1 if calls == len(app.client.activity) else 0
        calls = len(app.client.activity)
        for _ in range(5):
            await pilot.pause()
    # The demo world's stalled jobs are announced in a toast; the shots are of the table.
    app.clear_notifications()
    # The header's counts are re-read once a second: read them now, after the last request.
    screen.refresh_status()
    await pilot.pause()


def test_jobs_screen(snap_compare: Any, demo_app: Any, make_dashboard: Any) -> None:
    app = make_dashboard(demo_app)
    assert snap_compare(app, terminal_size=SIZE, run_before=_loaded)


def test_detail_pane_of_a_partial_import(
    snap_compare: Any, demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)

    async def open_detail(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        await pilot.press("4", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=open_detail)


def test_failed_filter_with_raw_json(snap_compare: Any, demo_app: Any, make_dashboard: Any) -> None:
    app = make_dashboard(demo_app)

    async def raw_json(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)
        await pilot.press("3", "r")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=raw_json)


def test_unauthorized_at_start(snap_compare: Any, sim_app: Any, make_dashboard: Any) -> None:
    app = make_dashboard(sim_app, token="not-a-real-token")

    async def wait_for_401(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, DescriptApp)
        await until(pilot, lambda: not app.jobs_screen.query_one("#banner").has_class("-hidden"))

    assert snap_compare(app, terminal_size=SIZE, run_before=wait_for_401)
