"""The dashboard with a callback receiver (profile `callbacks` = HOST:PORT, or --callbacks).

The session owns the receiver: it starts with the session's polling on a real loopback port
(port 0 picks one), the header says "callbacks: on (N received)", a forged callback shows in
the activity log with the path cut, closing the app stops it, and a port that cannot bind
leaves the app polling with one clear line.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from textual.pilot import Pilot

from tests.app.conftest import demo_user, loaded, until
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.app import DescriptApp
from tui.callbacks.wiring import CallbackWatch
from tui.config import Connection, Profile
from tui.journal import MEMORY, Journal
from tui.simulator.app import IN_PROCESS_BASE_URL
from tui.simulator.world import DEMO_TOKEN, World

# Wide enough that the header never drops the callbacks part (it steps aside first).
SIZE = (220, 40)


def dashboard(sim_app: Starlette, clock: ManualClock, callbacks: str) -> DescriptApp:
    transport = httpx.ASGITransport(app=sim_app)

    def client_for(connection: Any) -> DescriptClient:
        return DescriptClient(
            connection.token, base_url=IN_PROCESS_BASE_URL, transport=transport, clock=clock
        )

    connection = Connection(
        token=DEMO_TOKEN,
        base_url=IN_PROCESS_BASE_URL,
        profile=Profile(callbacks=callbacks),
    )
    return DescriptApp(connection, clock=clock, refresh_interval=0, client_builder=client_for)


async def started(app: DescriptApp, pilot: Pilot[Any]) -> CallbackWatch:
    """The dashboard loaded, with its session's receiver up."""
    await until(pilot, lambda: loaded(app))
    watch = app.session.callbacks
    assert watch is not None
    await until(pilot, lambda: watch.running)
    return watch


async def test_the_session_runs_the_receiver_and_shows_it_in_the_header(
    sim_app: Starlette, sim_clock: ManualClock, private_homes: Path
) -> None:
    app = dashboard(sim_app, sim_clock, "127.0.0.1:0")
    async with app.run_test(size=SIZE) as pilot:
        watch = await started(app, pilot)
        app.jobs_screen.refresh_status()
        assert "callbacks: on (0 received)" in app.status_text()
        url = watch.callback_url
        assert url is not None and url.startswith(f"http://127.0.0.1:{watch.server.port}/")
        async with httpx.AsyncClient() as forger:
            answer = await forger.post(url, json={"job_id": "not-ours", "job_state": "stopped"})
        assert answer.status_code == 202
        app.jobs_screen.refresh_status()
        assert "1 refused: 1 unknown job" in app.status_text()
        notes = [e for e in app.client.activity.entries() if e.kind == "callback"]
        assert [e.note for e in notes][-1] == "callback refused: unknown job"
        assert all(url not in e.summary() for e in notes)  # the secret path is cut
        port = watch.server.port
    assert not watch.running  # closed with the session
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # the port is free again


async def test_a_port_that_cannot_bind_turns_callbacks_off_and_polling_goes_on(
    sim_app: Starlette, sim_clock: ManualClock, private_homes: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = dashboard(sim_app, sim_clock, f"127.0.0.1:{port}")
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: loaded(app))
            watch = app.session.callbacks
            assert watch is not None
            await until(pilot, lambda: watch.problem is not None)
            app.jobs_screen.refresh_status()
            said = f"off (cannot listen on 127.0.0.1:{port}: Address already in use)"
            assert said in app.status_text()
            assert watch.callback_url is None  # the forms submit without one
            notes = [e.note or "" for e in app.client.activity.entries() if e.kind == "callback"]
            assert any(note.startswith("callbacks off: cannot listen") for note in notes)
            assert app.session.scheduler is not None and not app.session.callbacks.running


async def test_a_narrow_header_keeps_just_on_or_off(
    sim_app: Starlette, sim_clock: ManualClock, private_homes: Path
) -> None:
    app = dashboard(sim_app, sim_clock, "127.0.0.1:0")
    async with app.run_test(size=(100, 30)) as pilot:
        await started(app, pilot)
        app.jobs_screen.refresh_status()
        assert app.jobs_screen.status_bar.compact
        assert "cb: on" in app.status_text() and "received" not in app.status_text()


async def test_a_bad_setting_says_why_in_the_header(
    sim_app: Starlette, sim_clock: ManualClock, private_homes: Path
) -> None:
    app = dashboard(sim_app, sim_clock, "no-port-here")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        assert app.session.callbacks is None
        app.jobs_screen.refresh_status()
        assert "callbacks: off (setting 'no-port-here' is not HOST:PORT)" in app.status_text()


async def test_a_form_submits_with_the_secret_url_and_journals_it_cut(
    sim_app: Starlette, sim_world: World, sim_clock: ManualClock
) -> None:
    from types import SimpleNamespace

    from textual.widgets import Input

    from tests.app.form_host import FormHost, make_client, settle
    from tests.app.test_import_screen import first_row, open_import

    watch = CallbackWatch(clock=sim_clock, port=0)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    app.session = SimpleNamespace(callbacks=watch)  # type: ignore[attr-defined]
    app.journal = Journal(MEMORY, clock=sim_clock)  # type: ignore[attr-defined]
    async with app.run_test(size=SIZE) as pilot:
        await watch.start()
        screen = await open_import(pilot, app)
        screen.query_one("#project-name", Input).value = "With callbacks"
        first_row(screen).query_one(".media-source", Input).value = "https://cdn.example.com/a.mp4"
        await pilot.pause()
        await pilot.click("#submit")
        await settle(pilot, lambda: bool(app.results))
        url = watch.callback_url
        await watch.stop()
    [created] = app.results
    job = sim_world.job_for(demo_user(sim_world), created.job_id)
    assert url is not None and job.callback_url == url  # the secret URL went to the API
    assert created.job_id in watch.expectations  # awaited: safety polls only
    [row] = app.journal.load_jobs()  # type: ignore[attr-defined]
    assert row.extra == {"expects_callback": True}
    assert row.request["callback_url"] == watch.receiver.shown_url  # the secret cut
    assert url not in str(row.request)
