"""Triage screens: the activity log (every call, errors, bodies, live) and the `?` keys."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable, Static
from textual.widgets.data_table import ColumnKey

from tui.api.activity import ActivityEntry
from tui.api.errors import NotFoundError
from tui.screens.activity import (
    NOTE_MIN,
    PATH_MIN,
    PATH_WIDTH,
    ActivityScreen,
    ActivityTable,
    path_and_note_widths,
    status_class,
)
from tui.screens.help import HelpScreen
from tui.screens.import_form import ImportScreen
from tui.simulator.world import DEMO_TOKEN

from .form_host import SIZE, FormHost, freeze_cursors, make_client, screen_text, settle


async def make_some_calls(app: FormHost) -> None:
    """One success and one error: a project list, then a job id that does not exist."""
    async for _ in app.client.iter_projects(max_items=5):
        pass
    with pytest.raises(NotFoundError):
        await app.client.get_job("no-such-job")


async def open_activity(pilot: Any, app: FormHost) -> ActivityScreen:
    screen = ActivityScreen()
    app.open(screen)
    await settle(pilot, lambda: screen.is_mounted and bool(screen.query(ActivityTable)))
    return screen


async def test_every_call_is_listed_with_errors_coloured_and_the_token_never_shown(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        await make_some_calls(app)
        screen = await open_activity(pilot, app)
        table = screen.query_one(ActivityTable)
        assert table.row_count == 2
        shown = screen_text(app)
        assert "GET     /projects" in shown
        assert "/jobs/no-such-job" in shown and "404" in shown
        assert DEMO_TOKEN not in shown
        # The 404's status cell carries the theme's error style, the 200's the success one.
        entries = list(app.client.activity.entries())
        assert [status_class(e) for e in entries] == ["activity--success", "activity--error"]
        error_style = table.get_component_rich_style("activity--error", partial=True)
        status_cell = table.get_row_at(1)[3]
        assert status_cell.style == error_style
        assert error_style.color is not None
        # A theme switch repaints the rows in the new theme's colours.
        app.theme = "nord"
        await pilot.pause()
        repainted = table.get_row_at(1)[3].style
        assert repainted == table.get_component_rich_style("activity--error", partial=True)
        assert repainted != error_style


async def test_enter_shows_the_whole_error_body_and_the_filter_keeps_errors_only(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        await make_some_calls(app)
        screen = await open_activity(pilot, app)
        table = screen.query_one(DataTable)
        assert not screen.detail_shown

        await pilot.press("e")
        assert table.row_count == 1
        assert "errors only" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.detail_shown
        shown = screen_text(app)
        assert "response body:" in shown
        assert '"error": "not_found"' in shown
        assert DEMO_TOKEN not in shown

        # Escape folds the body first, then leaves the screen.
        await pilot.press("escape")
        assert not screen.detail_shown
        await pilot.press("escape")
        await settle(pilot, lambda: bool(app.results))


async def test_the_detail_shows_the_request_id_the_simulator_sent(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        await make_some_calls(app)
        sent = [e.request_id for e in app.client.activity.entries()]
        assert all(sent) and len(set(sent)) == 2
        await open_activity(pilot, app)
        await pilot.press("enter")  # the cursor is on the last call, the 404
        await pilot.pause()
        assert f"request id: X-Request-Id: {sent[1]}" in screen_text(app)
        assert sent[0] not in screen_text(app)  # the table itself shows no ids


async def test_new_calls_appear_live_while_the_screen_is_open(sim_app: Any, sim_clock: Any) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_activity(pilot, app)
        table = screen.query_one(ActivityTable)
        assert table.row_count == 0
        await make_some_calls(app)
        await settle(pilot, lambda: table.row_count == 2)
        # Leaving unsubscribes: later calls do not reach a closed screen.
        await pilot.press("escape")
        await settle(pilot, lambda: bool(app.results))
        assert app.client.activity._subscribers == []


async def test_question_mark_lists_the_keys_of_the_screen_below_and_of_the_app(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        form = ImportScreen()
        app.open(form)
        await settle(pilot, lambda: form.is_mounted and bool(form.query("#submit")))
        help_screen = HelpScreen()
        app.push_screen(help_screen)
        await settle(
            pilot, lambda: help_screen.is_mounted and bool(help_screen.query(".help-keys"))
        )
        shown = screen_text(app)
        for expected in ("This screen (Import screen)", "Submit", "Add media", "Everywhere (app)"):
            assert expected in shown
        assert "^s" in shown and "^n" in shown
        await pilot.press("escape")
        await settle(pilot, lambda: app.screen is form)


async def test_a_long_path_is_cut_so_the_note_stays_on_screen_and_enter_shows_it_whole(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    long_path = "/jobs?created_after=2026-11-25T15:04:58.058Z&project_id=" + "f" * 36
    app.client.activity.record(
        ActivityEntry(
            at=sim_clock.now(),
            method="GET",
            path=long_path,
            status=500,
            latency_ms=12.0,
            note="retry 2/5 in 7.0 s (500)",
        )
    )
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_activity(pilot, app)
        shown = screen_text(app)
        assert "retry 2/5 in 7.0 s (500)" in shown
        path_width = screen.query_one(ActivityTable).columns[ColumnKey("path")].width
        assert PATH_MIN <= path_width <= PATH_WIDTH
        assert long_path not in shown and long_path[: path_width - 1] + "…" in shown
        await pilot.press("enter")
        await pilot.pause()
        assert screen.detail_shown
        assert long_path in screen_text(app)


async def test_question_mark_on_the_dashboard_explains_the_columns_and_states(
    sim_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot, lambda: app.jobs_screen.listing_complete)
        await pilot.press("question_mark")
        await settle(pilot, lambda: bool(app.screen.query("#help-legend")))
        # The table's own keys, the k9s way, beside the arrows they stand for.
        shown = screen_text(app)
        assert "↓ / j" in shown and "home / g" in shown
        app.screen.query_one("#help-legend").scroll_visible(animate=False)
        await pilot.pause()
        shown = screen_text(app)
        for expected in ("Elapsed", "created until stopped", "◐ partial", "✖ failed", "◆"):
            assert expected in shown


def test_snapshot_of_the_activity_log_with_an_error_body_open(
    snap_compare: Any, sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)

    async def run_before(pilot: Any) -> None:
        await make_some_calls(app)
        await open_activity(pilot, app)
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_of_the_keys_over_the_import_form(
    snap_compare: Any, sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)

    async def run_before(pilot: Any) -> None:
        form = ImportScreen()
        app.open(form)
        await settle(pilot, lambda: form.is_mounted and bool(form.query("#submit")))
        await settle(pilot, lambda: "Podcast [rough]" in screen_text(app))
        freeze_cursors(form)
        await pilot.press("f1")
        await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


LONG_NOTE = (
    "outcome unknown, not resent (read timeout after 30 s); journaled as pending, "
    "reconcile with R on the jobs screen"
)


def record_calls(app: FormHost, count: int, note: str | None = None) -> None:
    for index in range(count):
        app.client.activity.record(
            ActivityEntry(
                at=app.clock.now(),
                method="GET",
                path=f"/jobs/{index}",
                status=200,
                latency_ms=10.0,
                note=note,
            )
        )


async def test_j_k_g_and_shift_g_move_like_the_arrows_home_and_end(
    sim_app: Any, sim_clock: Any
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    record_calls(app, 5)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_activity(pilot, app)
        table = screen.query_one(ActivityTable)
        assert table.cursor_row == 4  # it follows the newest call
        moves = [("k", 3), ("k", 2), ("j", 3), ("g", 0), ("G", 4), ("up", 3), ("home", 0)]
        for key, row in [*moves, ("down", 1), ("end", 4)]:
            await pilot.press(key)
            assert table.cursor_row == row, key


@pytest.mark.parametrize("width", [80, 120, 200])
async def test_the_note_takes_the_spare_width_and_ends_at_the_edge_with_an_ellipsis(
    sim_app: Any, sim_clock: Any, width: int
) -> None:
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    record_calls(app, 1, note=LONG_NOTE)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await open_activity(pilot, app)
        table = screen.query_one(ActivityTable)
        # Nothing runs past the edge: no sideways scrolling, the note starts on screen.
        assert table.virtual_size.width <= table.size.width
        row = next(line for line in screen_text(app).splitlines() if "/jobs/0" in line)
        note_width = table.columns[ColumnKey("note")].width
        assert row.endswith(LONG_NOTE[: note_width - 1] + "…")
        # From 120 columns on, the note has room to say what happened.
        assert note_width >= (NOTE_MIN if width >= 120 else 4)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.detail_shown
        assert LONG_NOTE in str(screen.query_one("#activity-detail-text", Static).render())


def test_path_and_note_split_the_spare_cells_note_first() -> None:
    assert path_and_note_widths(NOTE_MIN + PATH_WIDTH + 50) == (PATH_WIDTH, NOTE_MIN + 50)
    assert path_and_note_widths(NOTE_MIN + 20) == (20, NOTE_MIN)
    assert path_and_note_widths(10) == (PATH_MIN, 4)
    for spare in range(PATH_MIN + 4, 200):
        path, note = path_and_note_widths(spare)
        assert path + note == spare and PATH_MIN <= path <= PATH_WIDTH
