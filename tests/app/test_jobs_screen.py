"""The jobs screen as a user meets it, against the in-process simulator on virtual time."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.message import Message
from textual.widgets import Input

from tui.api.models import Outcome
from tui.api.scheduler import ConnectionEvent, JobEvent
from tui.app import DescriptApp
from tui.formatting import STATE_SYMBOLS, format_duration, progress_bar, state_text
from tui.live.filters import JobFilter
from tui.messages import LiveBatch
from tui.screens.confirm_cancel import ConfirmCancelScreen
from tui.screens.jobs import NO_TOKEN_HELP
from tui.simulator.world import World
from tui.widgets.job_table import COLUMN_KEYS, JobTable, row_values

from .conftest import (
    SIZE,
    SwitchableTransport,
    advance,
    advance_until,
    cell_text,
    demo_user,
    is_shown,
    loaded,
    painted_cell,
    shown_ids,
    until,
    watched,
)


def import_body(*urls: str, project_name: str = "Pilot test") -> dict[str, Any]:
    return {
        "project_name": project_name,
        "add_media": {url.rsplit("/", 1)[-1]: {"url": url} for url in urls},
    }


async def test_rows_appear_and_update_by_key_with_the_cursor_kept(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    slow, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/slow.mp4"), queued_s=1, run_s=120
    )
    sim_clock.advance_nowait(1)
    quick, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/quick.mp4"), queued_s=1, run_s=20
    )
    app = make_dashboard(sim_app)
    seen: list[Message] = []
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        table = screen.table
        assert table.row_count == 2
        # Newest first: the quick job is on top. Put the cursor on the slow one.
        await pilot.press("down")
        assert table.current_job_id == slow.job_id
        before = cell_text(app, slow.job_id, "progress")

        await advance_until(
            pilot, sim_clock, lambda: "success" in cell_text(app, quick.job_id, "state")
        )

        assert cell_text(app, slow.job_id, "progress") != before
        assert "running" in cell_text(app, slow.job_id, "state")
        assert table.row_count == 2
        assert table.current_job_id == slow.job_id
        assert any(
            isinstance(m, LiveBatch)
            and any(
                isinstance(e, JobEvent) and e.job_id == quick.job_id and e.kind == "finished"
                for e in m.events
            )
            for m in seen
        )

        # A job submitted elsewhere is discovered and added by key; the cursor stays put.
        newer, _ = sim_world.submit_import(
            user, import_body("https://media.example.com/new.mp4"), queued_s=1, run_s=60
        )
        await advance_until(pilot, sim_clock, lambda: is_shown(app, newer.job_id))
        assert table.row_count == 3
        assert table.current_job_id == slow.job_id


async def test_refresh_updates_only_changed_cells(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    job, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/a.mp4"), queued_s=1, run_s=100
    )
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        table = screen.table
        updated: list[str] = []
        repainted: set[str] = set()
        last = {job.job_id: row_values(screen.board.row(job.job_id), table.now())}
        original = JobTable.rows_changed

        def spy(self: JobTable, job_ids: Iterable[str]) -> None:
            # The cells that differ from the row as the table last had it.
            now = self.now()
            for job_id in (job_ids := list(job_ids)):
                repainted.add(job_id)
                fresh = row_values(self.source.row(job_id), now)
                old = last.get(job_id, fresh)
                pairs = zip(COLUMN_KEYS, old, fresh, strict=True)
                updated.extend(key for key, before, after in pairs if before != after)
                last[job_id] = fresh
            original(self, job_ids)

        JobTable.rows_changed = spy  # type: ignore[method-assign]
        try:
            await advance_until(pilot, sim_clock, lambda: "progress" in updated)
        finally:
            JobTable.rows_changed = original  # type: ignore[method-assign]
        assert "progress" in updated
        # Only the job's own row is repainted; its id, type, project and created never change.
        assert repainted == {job.job_id}
        assert not {"id", "type", "project", "created"} & set(updated)
        assert screen.table.row_count == 1
        assert is_shown(app, job.job_id)


async def test_filters_are_one_key_each_and_always_visible(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        total = screen.table.row_count
        assert total == screen.board.total > 10

        def shown_outcomes() -> set[Outcome]:
            return {screen.board.row(job_id).job.outcome for job_id in shown_ids(app)}

        await pilot.press("3")
        assert shown_outcomes() == {Outcome.FAILED}
        assert "state failed" in screen.filter_description()
        await pilot.press("4")
        assert shown_outcomes() == {Outcome.PARTIAL}
        await pilot.press("2")
        assert shown_outcomes() <= {Outcome.QUEUED, Outcome.RUNNING}
        await pilot.press("1")
        assert screen.table.row_count == total

        await pilot.press("t")  # all -> import
        assert {screen.board.row(j).job.kind for j in shown_ids(app)} == {"import"}
        assert "type import" in screen.filter_description()
        await pilot.press("t")  # -> agent
        assert {screen.board.row(j).job.kind for j in shown_ids(app)} == {"agent"}

        await pilot.press("0")
        assert screen.table.row_count == total
        selected = screen.selected_job()
        assert selected is not None and selected.project_id
        await pilot.press("p")
        projects = {screen.board.row(j).job.project_id for j in shown_ids(app)}
        assert projects == {selected.project_id}
        assert "project all" not in screen.filter_description()
        await pilot.press("p")
        assert screen.table.row_count == total

        # `/` filters over id, project name and label as the user types.
        target = screen.board.row(shown_ids(app)[-1]).job
        await pilot.press("slash")
        field = screen.query_one("#text-filter", Input)
        assert field.has_focus
        await pilot.press(*target.job_id[-6:])
        assert target.job_id in shown_ids(app)
        assert all(target.job_id[-6:] in job_id for job_id in shown_ids(app))
        assert f"text “{target.job_id[-6:]}”" in screen.filter_description()
        await pilot.press("escape")
        assert screen.table.row_count == total


async def test_sort_by_header_keeps_the_cursor_on_its_job(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("down", "down")
        chosen = screen.table.current_job_id
        await pilot.press("s")  # created -> age
        await pilot.press("s")  # age -> files
        assert "files" in screen.filter_description()
        assert screen.table.current_job_id == chosen
        await pilot.press("S")
        assert screen.table.current_job_id == chosen
        ids = shown_ids(app)
        keys = [len(screen.board.row(j).job.failed_files) for j in ids]
        assert keys == sorted(keys) or keys == sorted(keys, reverse=True)


async def test_detail_pane_of_a_partial_import_lists_failed_files_first(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    job, _ = sim_world.submit_import(
        user,
        import_body(
            "https://media.example.com/intro.mp4",
            "https://unreachable.example.com/broll.mov",
            "https://media.example.com/outro.mp4",
        ),
        queued_s=1,
        run_s=30,
    )
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await advance_until(
            pilot, sim_clock, lambda: "partial" in cell_text(app, job.job_id, "state")
        )
        assert cell_text(app, job.job_id, "files") == "2✔ 1✖"

        await pilot.press("enter")
        detail = screen.detail
        assert not detail.has_class("-hidden")
        files = detail.files_shown
        assert [media.name for media in files] == ["broll.mov", "intro.mp4", "outro.mp4"]
        assert [media.status for media in files] == ["failed", "success", "success"]
        assert files[0].error_message  # shown whole under its row: see test_detail_pane.py

        await pilot.press("r")
        assert detail.raw
        raw_text = str(detail.query_one("#detail-raw").render())
        assert job.job_id in raw_text or detail.job is not None
        await pilot.press("r")
        assert not detail.raw
        await pilot.press("d")
        assert detail.has_class("-hidden")


async def test_a_429_storm_shows_the_countdown_without_a_crash(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    job, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/a.mp4"), queued_s=1, run_s=200
    )
    transport = SwitchableTransport(sim_app, retry_after=30)
    app = make_dashboard(transport)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        transport.mode = "storm"
        # The scheduler says so once its request meets the 429 (the one owner of the state).
        await advance_until(pilot, sim_clock, lambda: screen.link.state == "rate_limited")
        # The header ticks on wall time (once a second); tick it here instead of waiting.
        screen.refresh_status()
        status = app.status_text()
        assert "limited" in status
        assert "Retry-After" in status
        first = int(status.split("Retry-After ")[1].split("s")[0])
        await advance(pilot, sim_clock, 5)
        screen.refresh_status()
        later = int(app.status_text().split("Retry-After ")[1].split("s")[0])
        assert 0 < later < first
        assert app.is_running

        transport.mode = "ok"
        before = cell_text(app, job.job_id, "progress")
        await advance_until(
            pilot, sim_clock, lambda: cell_text(app, job.job_id, "progress") != before
        )
        screen.refresh_status()
        assert "Retry-After" not in app.status_text()
        assert screen.link.state == "online"


async def test_lost_connection_shows_offline_then_recovers(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    job, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/a.mp4"), queued_s=1, run_s=200
    )
    transport = SwitchableTransport(sim_app)
    app = make_dashboard(transport)
    states: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, LiveBatch):  # the scheduler's ConnectionEvents ride in batches
            states.extend(e.state for e in message.events if isinstance(e, ConnectionEvent))

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        transport.mode = "offline"
        await advance_until(pilot, sim_clock, lambda: screen.link.state == "offline")
        assert "offline" in app.status_text()
        banner = screen.query_one("#banner")
        assert not banner.has_class("-hidden")
        assert is_shown(app, job.job_id)  # the last known rows stay
        refused = transport.refused
        await advance(pilot, sim_clock, 20)
        # Polite: backing off (client retries included), not one attempt per event-loop turn.
        assert transport.refused - refused <= 10

        transport.mode = "ok"
        before = cell_text(app, job.job_id, "progress")
        await advance_until(
            pilot,
            sim_clock,
            lambda: (
                screen.link.state == "online"
                and cell_text(app, job.job_id, "progress") != before
            ),
        )
        assert banner.has_class("-hidden")
        assert "offline" in states
        assert states[-1] == "online"


async def test_a_401_at_start_says_how_to_give_a_token(sim_app: Any, make_dashboard: Any) -> None:
    app = make_dashboard(sim_app, token="not-a-real-token")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: screen.link.state == "unauthorized")
        banner = str(screen.query_one("#banner").render())
        assert "DESCRIPT_API_TOKEN" in banner
        assert "descript-tui auth login" in banner
        assert "unauthorized" in app.status_text()
        assert "not-a-real-token" not in banner + app.status_text()
        await pilot.press("3", "1", "d")  # the app still answers keys
        assert app.is_running


async def test_no_token_at_all_opens_the_app_with_the_help() -> None:
    from tui.config import Connection

    app = DescriptApp(Connection(token=None, base_url="http://127.0.0.1:9/v1"))
    assert app.client is None
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = str(app.jobs_screen.query_one("#banner").render())
        assert NO_TOKEN_HELP.split(".")[0] in banner
        await pilot.press("i")  # refused with the same help, not a crash
        assert app.is_running
        assert any("token" in n.message.lower() for n in app._notifications)


async def test_a_watched_job_notifies_when_it_finishes(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    job, _ = sim_world.submit_import(
        user,
        import_body("https://media.example.com/a.mp4", "https://unreachable.example.com/b.mp4"),
        queued_s=1,
        run_s=30,
    )
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        await pilot.press("w")
        assert job.job_id in watched(app)
        assert cell_text(app, job.job_id, "id").startswith("◆")
        await advance_until(pilot, sim_clock, lambda: job.job_id not in watched(app))
        messages = [n.message for n in app._notifications]
        assert any("partial" in m and "1 of 2 files failed" in m for m in messages)


async def test_track_job_shows_a_submitted_job_at_once_and_watches_it(
    sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    from tui.api.requests import ImportRequest, UrlMedia

    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        request = ImportRequest(
            add_media={"clip.mp4": UrlMedia("https://media.example.com/clip.mp4")},
            project_name="From the app",
        )
        created = await app.client.import_media(request)
        app.track_job(created)
        await until(pilot, lambda: is_shown(app, created.job_id))
        await advance_until(
            pilot, sim_clock, lambda: created.job_id not in watched(app), step=5, limit=600
        )
        assert "success" in cell_text(app, created.job_id, "state")
        assert any("success" in n.message for n in app._notifications)


async def test_cancel_through_the_modal_turns_the_row_cancelled(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    job, _ = sim_world.submit_import(
        user, import_body("https://media.example.com/a.mp4"), queued_s=1, run_s=200
    )
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("c")
        await until(pilot, lambda: app.screen is not screen)
        modal = app.screen
        assert isinstance(modal, ConfirmCancelScreen)
        await pilot.press("y")
        await until(pilot, lambda: modal.phase == "done")
        await pilot.press("escape")  # the modal showed the 204 and the re-read; close it
        await until(pilot, lambda: app.screen is screen)
        await until(pilot, lambda: "cancelled" in cell_text(app, job.job_id, "state"))
        # A stopped job cannot be cancelled: the action says why instead of asking.
        await pilot.press("c")
        assert app.screen is screen
        assert any("already stopped" in n.message for n in app._notifications)


async def test_the_poller_posts_at_most_one_batch_per_refresh_interval(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    """The one throttle: however busy the scheduler, one LiveBatch per interval (clock)."""
    user = demo_user(sim_world)
    for n in range(30):
        sim_world.submit_import(
            user, import_body(f"https://media.example.com/{n}.mp4"), queued_s=1, run_s=90
        )
    app = make_dashboard(sim_app, refresh_interval=10)
    batches: list[float] = []

    def hook(message: Message) -> None:
        if isinstance(message, LiveBatch):
            batches.append(sim_clock.monotonic())

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await until(pilot, lambda: loaded(app))
        start = len(batches)
        await advance(pilot, sim_clock, 60)
        polled = batches[start:]
        assert 1 <= len(polled) <= 7  # 60 s at one per 10 s, plus the one in hand
        gaps = [b - a for a, b in itertools.pairwise(polled)]
        assert all(gap >= 10 for gap in gaps)


async def test_every_action_is_in_the_command_palette(demo_app: Any, make_dashboard: Any) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("ctrl+p")
        await until(pilot, lambda: app.screen is not screen)
        await pilot.press(*"filter: failed")
        await pilot.pause()
        await pilot.press("enter")
        await until(
            pilot, lambda: app.screen is screen and screen.board.job_filter.state == "failed"
        )
        assert {screen.board.row(j).job.outcome for j in shown_ids(app)} == {Outcome.FAILED}


async def test_themes_switch_and_states_keep_their_symbols(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        theme = app.theme
        failed = next(
            j
            for j in shown_ids(app)
            # Off the cursor row: there the cursor's text colour wins over the state's.
            if screen.board.row(j).job.outcome is Outcome.FAILED
            and j != screen.table.current_job_id
        )
        text, style_before = painted_cell(app, failed, "state")
        assert text == "✖ failed"
        await pilot.press("T")
        await pilot.pause()
        assert app.theme != theme
        text, style = painted_cell(app, failed, "state")
        assert text == "✖ failed"
        assert style.color != style_before.color  # recoloured from the new theme's $error


class BrokenScheduler:
    """A scheduler whose loop dies with a bug: the app must say so and stay up."""

    def __init__(self) -> None:
        self.watched: list[Any] = []

    def watch(self, job: Any) -> None:
        self.watched.append(job)

    def watch_many(self, jobs: Any) -> None:
        self.watched.extend(jobs)

    def poke(self, job_id: Any = None) -> None: ...

    def stop(self) -> None: ...

    async def run(self) -> Any:
        raise RuntimeError("scheduler bug")
        yield []  # an async generator, as the real one


async def test_an_unexpected_worker_error_becomes_a_notification(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app, scheduler_factory=lambda client, clock: BrokenScheduler())
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: any("scheduler bug" in n.message for n in app._notifications))
        # The list walk is the scheduler's too: with it broken the table stays empty, but
        # the app stays up and says why.
        assert app.is_running
        assert app.jobs_screen.table.row_count == 0


async def test_copy_and_open_the_project_url(
    demo_app: Any, make_dashboard: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPLAY", ":0")  # a browser can show up
    app = make_dashboard(demo_app)
    opened: list[str] = []
    app.open_url = lambda url, **_: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        job = app.jobs_screen.selected_job()
        assert job is not None and job.project_url
        await pilot.press("y")
        assert app.clipboard == job.project_url
        await pilot.press("o")
        if not job.is_finished:  # a running job's project asks first (ConfirmOpenScreen)
            await pilot.press("y")
        await until(pilot, lambda: opened == [job.project_url])


async def test_read_only_refuses_changes_with_a_reason(demo_app: Any, make_dashboard: Any) -> None:
    app = make_dashboard(demo_app, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("2")  # running jobs: cancellable were it not read-only
        await pilot.press("i", "a", "c")
        assert app.screen is screen
        refusals = [n.message for n in app._notifications if "Read-only" in n.message]
        assert len(refusals) == 3
        assert "read-only" in app.status_text()


@settings(max_examples=60, deadline=None)
@given(
    percent=st.one_of(st.none(), st.floats(-50, 150, allow_nan=False)),
    width=st.integers(1, 30),
)
def test_progress_bar_is_always_its_width_and_fills_with_percent(
    percent: float | None, width: int
) -> None:
    bar = progress_bar(percent, width)
    assert len(bar) == width
    if percent is not None:
        more = progress_bar(min(100.0, max(0.0, percent) + 10), width)
        assert more.count("░") <= bar.count("░")  # never less filled for a higher percent
    if percent is not None and percent >= 100:
        assert "░" not in bar


def test_cell_texts_read_without_colour() -> None:
    assert format_duration(42) == "42s"
    assert format_duration(185) == "3m05s"
    assert format_duration(2 * 3600 + 14 * 60) == "2h14m"
    assert format_duration(None) == "-"
    assert state_text(Outcome.PARTIAL) == "◐ partial"
    assert len({STATE_SYMBOLS[o] for o in Outcome}) == len(Outcome)  # one symbol each


def test_text_filter_matches_id_project_name_and_label_as_typed() -> None:
    from tui.api.models import Job

    job = Job.from_json(
        {
            "job_id": "6dc3f30a-58c2-4174-96a6-dc18cf3c7776",
            "job_state": "running",
            "project_id": "9f36ee32",
            "progress": {"label": "Transcribing [clip 2]"},
        }
    )
    assert JobFilter(text="cf3c77").matches(job)
    assert JobFilter(text="9F36").matches(job)
    assert JobFilter(text="podcast [rough]").matches(job, "Podcast [rough]")
    assert JobFilter(text="[clip 2]").matches(job)
    assert not JobFilter(text="nothing like it").matches(job, "Podcast [rough]")
    assert not JobFilter(state="failed").matches(job)


async def test_submit_an_import_from_the_dashboard_and_watch_its_row_finish(
    sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    from tui.screens.import_form import ImportScreen

    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, ImportScreen))
        form = app.screen
        form.query_one("#project-name", Input).value = "Podcast [take 2]"
        form.query_one(".media-source", Input).value = "https://cdn.example.com/ep.mp4"
        await pilot.pause()
        await until(pilot, lambda: not form.query_one("#submit").disabled)
        await pilot.click("#submit")
        await until(pilot, lambda: app.screen is screen, rounds=400)

        # The new job is in the table at once, typed, and watched.
        assert screen.table.row_count == 1
        job_id = shown_ids(app)[0]
        assert job_id in watched(app)
        assert cell_text(app, job_id, "type") == "import"
        assert screen.table.current_job_id == job_id

        await advance_until(
            pilot, sim_clock, lambda: job_id not in watched(app), step=5, limit=600
        )
        assert "success" in cell_text(app, job_id, "state")
        assert any(
            n.title == "Job finished" and job_id[-12:] in n.message for n in app._notifications
        )
