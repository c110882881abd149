"""The dashboard remembers: restart, expiry, lost answers, UI state and profiles (issue 5).

Every app here runs on the in-process simulator and a `ManualClock`; the journal is a file
in the test's own folder (`private_homes` in conftest), never the user's.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from textual.widgets import Input

from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.models import Job
from tui.app import DescriptApp
from tui.config import resolve_connection
from tui.formatting import RETENTION_NOTE
from tui.journal import OUTCOME_UNKNOWN, RECONCILED, Journal
from tui.live.filters import JobFilter
from tui.live.rows import ROW_STATUS_WORDS, RowStatus
from tui.screens.import_form import ImportScreen
from tui.screens.profiles import ProfilesScreen
from tui.screens.reconcile import ReconcileScreen
from tui.simulator.app import IN_PROCESS_BASE_URL
from tui.simulator.world import DEMO_TOKEN, OTHER_DRIVE_TOKEN, World

from .conftest import (
    SIZE,
    advance_until,
    build_dashboard,
    cell_text,
    demo_user,
    is_shown,
    loaded,
    shown_ids,
    until,
    watched,
)
from .form_host import screen_text

EXPIRED_NOTE = ROW_STATUS_WORDS[RowStatus.EXPIRED]
RECONCILE_NOTE = ROW_STATUS_WORDS[RowStatus.RECONCILE]

DAY = 86400.0


def import_body(*urls: str, project_name: str = "Journal test") -> dict[str, Any]:
    return {
        "project_name": project_name,
        "add_media": {url.rsplit("/", 1)[-1]: {"url": url} for url in urls},
    }


class GatedListTransport(httpx.AsyncBaseTransport):
    """The simulator, holding every `GET /jobs` list answer until `release()`.

    Lets a test look at the table after a restart and before any list has answered.
    """

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.gate = asyncio.Event()
        self.held = 0
        self.gets: list[str] = []

    def release(self) -> None:
        self.gate.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "GET" and path.endswith("/jobs"):
            self.held += 1
            await self.gate.wait()
        elif request.method == "GET" and "/jobs/" in path:
            self.gets.append(path.rsplit("/", 1)[-1])
        return await self.inner.handle_async_request(request)


class LostAnswerTransport(httpx.AsyncBaseTransport):
    """The simulator, but the answer to an import POST is lost after the job was made."""

    def __init__(self, app: Starlette) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/import/project_media"):
            self.lost += 1
            raise httpx.ReadTimeout("[test] the answer never came", request=request)
        return response


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


def dashboard(
    target: Starlette | httpx.AsyncBaseTransport,
    clock: ManualClock,
    journal: Journal | None,
    **kwargs: Any,
) -> DescriptApp:
    return build_dashboard(target, clock, journal=journal, **kwargs)


async def test_a_restart_shows_the_journal_at_once_and_resumes_polling(
    sim_world: World, sim_app: Starlette, sim_clock: ManualClock, journal_path: Path
) -> None:
    user = demo_user(sim_world)
    done, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/done.mp4"), queued_s=1, run_s=5
    )
    sim_clock.advance_nowait(30)
    running, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/long.mp4"), queued_s=1, run_s=600
    )
    sim_clock.advance_nowait(5)

    # First run: the list walk and the poller journal both jobs.
    journal = Journal(journal_path, profile="default", clock=sim_clock)
    first = dashboard(sim_app, sim_clock, journal)
    async with first.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(first))
        await until(pilot, lambda: len(journal.load_jobs()) == 2, rounds=400)
    assert journal.unfinished_job_ids() == [running.job_id]
    before = journal.get_job(running.job_id)
    assert before is not None and before.job is not None

    sim_clock.advance_nowait(60)  # the running job moved on while the app was closed

    # Second run: no list answer ever comes until released, yet the table is full at once.
    transport = GatedListTransport(sim_app)
    journal = Journal(journal_path, profile="default", clock=sim_clock)
    second = dashboard(transport, sim_clock, journal, discover=False)
    async with second.run_test(size=SIZE) as pilot:
        screen = second.jobs_screen
        await until(pilot, lambda: screen.restored_rows == 2)
        assert set(shown_ids(second)) == {done.job_id, running.job_id}
        assert "success" in cell_text(second, done.job_id, "state")
        assert "running" in cell_text(second, running.job_id, "state")
        assert not screen.listing_complete
        # The unfinished job only is watched again, while the list is still held.
        assert second.scheduler.watched == frozenset({running.job_id})
        await until(pilot, lambda: transport.held >= 1)  # the walk's first page is asked
        assert not transport.gate.is_set()
        # The scheduler reads one thing at a time: once the walk's page answers, polling
        # goes on (a page that hangs is cut off by the request deadline instead).
        old_progress = cell_text(second, running.job_id, "progress")
        transport.release()
        await advance_until(
            pilot, sim_clock, lambda: cell_text(second, running.job_id, "progress") != old_progress
        )
        assert done.job_id not in transport.gets  # a finished job is never read again
        await until(pilot, lambda: loaded(second))
        assert screen.table.row_count == 2
    after = journal.get_job(running.job_id)
    assert after is not None and after.job is not None
    assert after.job.raw != before.job.raw  # each change of state was journaled


async def test_an_expired_job_stays_visible_with_its_files(
    sim_world: World, sim_app: Starlette, sim_clock: ManualClock, journal_path: Path
) -> None:
    user = demo_user(sim_world)
    partial, _ = sim_world.submit_import(
        user,
        import_body("https://media.example.com/a.mp4", "https://unreachable.example.com/b.mp4"),
        queued_s=1,
        run_s=10,
    )
    stuck, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/long.mp4"), queued_s=1, run_s=10 * DAY
    )
    journal = Journal(journal_path, profile="default", clock=sim_clock)
    first = dashboard(sim_app, sim_clock, journal)
    async with first.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(first))
        await advance_until(
            pilot, sim_clock, lambda: "partial" in cell_text(first, partial.job_id, "state")
        )
        await until(pilot, lambda: journal.unfinished_job_ids() == [stuck.job_id], rounds=400)

    sim_clock.advance_nowait(31 * DAY)  # past the 30-day retention: the API answers 404

    journal = Journal(journal_path, profile="default", clock=sim_clock)
    second = dashboard(sim_app, sim_clock, journal)
    async with second.run_test(size=SIZE) as pilot:
        screen = second.jobs_screen
        await until(pilot, lambda: loaded(second))
        # The unfinished one was polled, met its 404 ("gone") and turned expired.
        await advance_until(pilot, sim_clock, lambda: stuck.job_id not in second.scheduler.watched)
        await until(pilot, lambda: cell_text(second, stuck.job_id, "state") == EXPIRED_NOTE)
        assert cell_text(second, partial.job_id, "state") == EXPIRED_NOTE
        assert screen.table.row_count == 2  # the list no longer has them; the table does
        assert cell_text(second, partial.job_id, "files") == "1✔ 1✖"
        # The detail pane still shows the last known state and files.
        assert screen.table.select_job(partial.job_id)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.detail.job is not None and screen.detail.job.job_id == partial.job_id
        shown = screen_text(second)
        assert "a.mp4" in shown and "b.mp4" in shown  # its files, failed one included
        await until(pilot, lambda: journal.get_job(partial.job_id).expired, rounds=400)  # type: ignore[union-attr]
    assert journal.get_job(stuck.job_id).expired  # type: ignore[union-attr]


async def test_an_expired_job_says_so_in_the_pane_and_is_not_running(
    sim_world: World, sim_app: Starlette, sim_clock: ManualClock, journal_path: Path
) -> None:
    user = demo_user(sim_world)
    stuck, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/long.mp4"), queued_s=1, run_s=10 * DAY
    )
    journal = Journal(journal_path, profile="default", clock=sim_clock)
    first = dashboard(sim_app, sim_clock, journal)
    async with first.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(first))
        await advance_until(
            pilot, sim_clock, lambda: "running" in cell_text(first, stuck.job_id, "state")
        )
        await until(pilot, lambda: journal.unfinished_job_ids() == [stuck.job_id], rounds=400)

    sim_clock.advance_nowait(31 * DAY)  # past retention: its poll meets a 404

    journal = Journal(journal_path, profile="default", clock=sim_clock)
    second = dashboard(sim_app, sim_clock, journal)
    async with second.run_test(size=SIZE) as pilot:
        screen = second.jobs_screen
        await until(pilot, lambda: loaded(second))
        await pilot.press("enter")  # the pane on the only row: the stuck job
        await advance_until(pilot, sim_clock, lambda: stuck.job_id not in second.scheduler.watched)
        await until(pilot, lambda: cell_text(second, stuck.job_id, "state") == EXPIRED_NOTE)
        assert screen.detail.job is not None and screen.detail.job.job_id == stuck.job_id
        title = str(screen.detail.query_one("#detail-title").render())
        assert title == f"{EXPIRED_NOTE} import {stuck.job_id[-12:]} (last seen ▶ running)"
        note = screen.detail.query_one("#detail-expired")
        assert note.display and str(note.render()) == RETENTION_NOTE
        # Last seen running, but over: with the finished jobs, never under "running".
        await pilot.press("2")
        assert not is_shown(second, stuck.job_id)
        await pilot.press("1")
        assert is_shown(second, stuck.job_id)


async def test_a_lost_answer_needs_reconciliation_and_the_list_finds_the_job(
    sim_app: Starlette, sim_clock: ManualClock, journal_path: Path
) -> None:
    transport = LostAnswerTransport(sim_app)
    journal = Journal(journal_path, profile="default", clock=sim_clock)
    app = dashboard(transport, sim_clock, journal, discover=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportScreen))
        form = app.screen
        form.query_one("#project-name", Input).value = "Lost answer"
        form.query_one(".media-source", Input).value = "https://cdn.example.com/ep.mp4"
        await until(pilot, lambda: not form.query_one("#submit").disabled)
        await pilot.click("#submit")
        await until(pilot, lambda: form.phase == "blocked", rounds=400)
        assert transport.lost == 1
        # The request was on disk before the POST; the outcome is unknown, not retried.
        [pending] = journal.pending_reconciliations()
        assert pending.status == OUTCOME_UNKNOWN
        assert pending.request["project_name"] == "Lost answer"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)
        key = f"local-{pending.local_id}"
        await until(pilot, lambda: is_shown(app, key))
        assert cell_text(app, key, "state") == RECONCILE_NOTE
        assert "R finds it" in cell_text(app, key, "label")
        assert len(shown_ids(app)) == 1  # no job row: the app never saw the answer

        assert screen.table.select_job(key)
        await pilot.press("c")  # no job id: cancel explains instead of asking
        assert app.screen is screen
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReconcileScreen))
        modal = app.screen
        await until(pilot, lambda: modal.phase == "found", rounds=400)
        [candidate] = modal.candidates
        assert "project with the same name" in candidate.reasons
        await pilot.press("enter")
        await until(pilot, lambda: app.screen is screen, rounds=400)
        job_id = candidate.job.job_id
        assert not is_shown(app, key)
        await until(pilot, lambda: is_shown(app, job_id))
        assert job_id in watched(app)
    row = journal.get_job(job_id)
    assert row is not None and row.submission_status == RECONCILED
    assert journal.pending_reconciliations() == []


async def test_a_pending_submission_is_announced_at_start_and_none_of_these_resolves_it(
    sim_app: Starlette, sim_clock: ManualClock, journal_path: Path
) -> None:
    journal = Journal(journal_path, profile="default", clock=sim_clock)
    local_id = journal.record_submission(
        "agent", {"prompt": "tighten the intro", "project_id": "no-such-project"}
    )
    journal.mark_outcome_unknown(local_id, "ReadTimeout")
    app = dashboard(sim_app, sim_clock, journal)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        key = f"local-{local_id}"
        assert cell_text(app, key, "state") == RECONCILE_NOTE
        assert cell_text(app, key, "type") == "agent"
        assert any(n.title == "Needs reconciliation" for n in app._notifications)
        assert screen.table.select_job(key)
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, ReconcileScreen))
        modal = app.screen
        await until(pilot, lambda: modal.phase == "found", rounds=400)
        assert modal.candidates == []
        await pilot.press("n")
        await until(pilot, lambda: app.screen is screen, rounds=400)
        assert not is_shown(app, key)
        assert any("safe to submit it again" in n.message for n in app._notifications)
    assert journal.pending_reconciliations() == []


async def test_filters_sort_detail_and_last_screen_persist_across_a_restart(
    demo_app: Starlette, sim_clock: ManualClock, journal_path: Path
) -> None:
    journal = Journal(journal_path, profile="default", clock=sim_clock)
    first = dashboard(demo_app, sim_clock, journal)
    async with first.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(first))
        await pilot.press("3", "t", "s", "d")
        screen = first.jobs_screen
        wanted_filter = {"state": "failed", "kind": "import", "project_id": None, "text": ""}
        wanted_sort = {"column": screen.board.sort.column, "reverse": screen.board.sort.reverse}
        assert wanted_sort["column"] == "age"
        await until(
            pilot,
            lambda: (
                journal.get_ui_state("jobs.filter") == wanted_filter
                and journal.get_ui_state("jobs.sort") == wanted_sort
                and journal.get_ui_state("jobs.detail") is True
            ),
            rounds=400,
        )
        await pilot.press("l")
        await until(pilot, lambda: journal.get_ui_state("screen") == "activity", rounds=400)

    journal = Journal(journal_path, profile="default", clock=sim_clock)
    second = dashboard(demo_app, sim_clock, journal)
    async with second.run_test(size=SIZE) as pilot:
        screen = second.jobs_screen
        await until(pilot, lambda: screen.restored_rows is not None)
        assert screen.board.job_filter == JobFilter("failed", "import")
        assert screen.board.sort.column == "age"
        assert not screen.detail.has_class("-hidden")
        assert "state failed" in screen.filter_description()
        await until(pilot, lambda: type(second.screen).__name__ == "ActivityScreen")
        await pilot.press("escape")
        await until(pilot, lambda: second.screen is screen)
        await until(pilot, lambda: loaded(second))
        assert screen.table.row_count > 0
        assert {screen.board.row(j).job.kind for j in shown_ids(second)} == {"import"}


async def test_switching_profile_moves_the_table_to_the_other_drive(
    sim_world: World, sim_app: Starlette, sim_clock: ManualClock, private_homes: Path
) -> None:
    config = private_homes / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'default_profile = "studio"\n\n[profiles.studio]\ntheme = "nord"\n\n'
        '[profiles.client]\nread_only = true\ntheme = "gruvbox"\n'
    )
    tokens = private_homes / "config" / "credentials.toml"
    tokens.write_text(f'[tokens]\nstudio = "{DEMO_TOKEN}"\nclient = "{OTHER_DRIVE_TOKEN}"\n')
    tokens.chmod(0o600)
    ours, _ = sim_world.submit_import(
        demo_user(sim_world), import_body("https://media.example.com/ours.mp4"), run_s=60
    )
    other_user = sim_world.user_for_token(OTHER_DRIVE_TOKEN)
    theirs, _ = sim_world.submit_import(
        other_user, import_body("https://media.example.com/theirs.mp4"), run_s=60
    )
    transport = httpx.ASGITransport(app=sim_app)

    def client_for(connection: Any) -> DescriptClient:
        return DescriptClient(
            connection.token, base_url=IN_PROCESS_BASE_URL, transport=transport, clock=sim_clock
        )

    app = DescriptApp(
        resolve_connection(),
        clock=sim_clock,
        refresh_interval=0,
        client_builder=client_for,
    )
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        assert app.theme == "nord"  # the profile's theme
        assert app.journal is not None and app.journal.profile == "studio"
        assert set(shown_ids(app)) == {ours.job_id}
        assert not app.read_only
        await pilot.press("P")
        await until(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        picker = app.screen
        assert picker.names == ["client", "default", "studio"]
        await pilot.press("home", "enter")  # "client"
        await until(pilot, lambda: app.connection.profile_name == "client", rounds=400)
        await until(pilot, lambda: loaded(app), rounds=400)
        assert set(shown_ids(app)) == {theirs.job_id}
        assert app.read_only and "READ-ONLY" in app.status_text()
        assert app.theme == "gruvbox"
        assert app.journal.profile == "client"
        await pilot.press("i")  # the read-only profile refuses
        assert app.screen is app.jobs_screen
    # Each Drive's jobs went to its own profile in the journal.
    with Journal(profile="studio") as studio, Journal(profile="client") as client:
        assert {row.job_id for row in studio.load_jobs()} == {ours.job_id}
        assert {row.job_id for row in client.load_jobs()} == {theirs.job_id}
        assert studio.get_ui_state("profile") == "client"


async def test_a_corrupt_journal_is_moved_aside_and_the_app_says_so(
    demo_app: Starlette, sim_clock: ManualClock, private_homes: Path
) -> None:
    from tui.journal import default_journal_path

    broken = default_journal_path()
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
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
        assert app.journal is not None and app.journal.recovered_from is not None
        assert app.journal.recovered_from.exists()
        said = [n.message for n in app._notifications if n.title == "Journal"]
        assert said and str(app.journal.recovered_from) in said[0]
        assert app.jobs_screen.table.row_count > 0  # and the dashboard works
        await until(pilot, lambda: len(app.journal.load_jobs()) > 0, rounds=400)


async def test_without_a_token_the_journal_still_shows_what_was_known(
    sim_clock: ManualClock, private_homes: Path
) -> None:
    from tui.config import Connection

    with Journal(profile="default", clock=sim_clock) as journal:
        journal.upsert_job(
            Job.from_json(
                {
                    "job_id": "job-remembered-0001",
                    "job_type": "import/project_media",
                    "job_state": "running",
                    "created_at": sim_clock.now().isoformat(),
                }
            )
        )
    app = DescriptApp(Connection(token=None, base_url="http://127.0.0.1:9/v1"), clock=sim_clock)
    assert app.client is None and app.journal is not None
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: screen.restored_rows == 1)
        assert is_shown(app, "job-remembered-0001")
        assert "unauthorized" in app.status_text()
        assert app.is_running
