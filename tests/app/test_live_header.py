"""What the header and the start tell of the live model: requests at start, "stale"."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.api.scheduler import ConnectionEvent
from tui.messages import LiveBatch
from tui.simulator.world import World

from .conftest import SIZE, advance, demo_user, until


@dataclass(frozen=True)
class Heartbeat:
    """A `ConnectionEvent` as contract 3 has it: state, when heard, when next asked."""

    state: str
    detail: str = ""
    retry_at: datetime | None = None
    last_heard_at: datetime | None = None
    next_request_at: datetime | None = None


async def test_at_start_no_list_page_is_asked_twice_within_a_second(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    for n in range(250):
        body = {"project_name": f"P{n}", "add_media": {"a.mp4": {"url": "https://m.example/a.mp4"}}}
        sim_world.submit_import(user, body, queued_s=1, run_s=600)
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: screen.listing_complete, rounds=400)
        await advance(pilot, sim_clock, 2)
        assert screen.board.total == 250
    log = list(sim_app.state.sim.request_log)
    pages = Counter(
        (entry["at"][:19], entry["path"], entry["query"])
        for entry in log
        if entry["method"] == "GET" and entry["path"].endswith("/jobs")
    )
    assert pages, "the walk asked for no page"
    assert [key for key, count in pages.items() if count > 1] == []


async def test_a_quiet_drive_turns_the_header_amber_as_the_clock_moves(
    sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app, discover=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: screen.listing_complete)
        heard = sim_clock.now()
        soon = heard + timedelta(seconds=5)
        beat = Heartbeat("online", last_heard_at=heard, next_request_at=soon)
        screen.post_message(LiveBatch([beat]))  # type: ignore[list-item]
        await pilot.pause()
        await sim_clock.advance(3)
        screen.refresh_status()
        await pilot.pause()
        assert "polled 3 s ago · next in 2 s" in app.status_text()
        heard_part = screen.query_one("#status-heard")
        assert not heard_part.has_class("-stale")
        await sim_clock.advance(60)
        screen.refresh_status()
        await pilot.pause()
        assert "stale · polled 1 min ago" in app.status_text()
        assert heard_part.has_class("-stale")


def test_a_scheduler_event_is_a_heartbeat_the_screen_accepts() -> None:
    # The stand-in above has every field the screen reads from the scheduler's event.
    fields = set(ConnectionEvent.__dataclass_fields__)
    assert {"state", "detail", "retry_at"} <= fields
