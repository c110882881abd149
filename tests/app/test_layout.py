"""The dashboard at the sizes people use: 80x24, 100 columns, 120x36 with the detail pane.

Nothing may need sideways scrolling: the table hides its least useful columns when narrow,
the detail pane goes under the table below 115 columns, and the status line shortens its
words so the connection, the budgets and a Retry-After countdown always fit.
"""

from __future__ import annotations

from typing import Any

from tui.api.limits import RequestKind
from tui.api.scheduler import ConnectionEvent
from tui.app import DescriptApp
from tui.messages import LiveBatch
from tui.screens.jobs.screen import STACKED_BELOW
from tui.widgets.job_table import COLUMN_HEADERS, OPTIONAL_COLUMNS, columns_to_hide

from .conftest import loaded, shown_ids, until
from .form_host import screen_text

MUST_SHOW = ("id", "type", "state", "progress", "label", "project")


def table_header(app: DescriptApp) -> str:
    """The table's header line as the terminal shows it."""
    table = app.jobs_screen.table
    line = screen_text(app).splitlines()[table.region.y]
    return line[table.region.x : table.region.right]


def assert_no_sideways_scroll(app: DescriptApp) -> None:
    table = app.jobs_screen.table
    assert table.max_scroll_x == 0, (table.virtual_size, table.size)
    header = table_header(app)
    for column in MUST_SHOW:
        assert COLUMN_HEADERS[column] in header, header


async def test_at_120x36_the_pane_is_beside_and_the_table_keeps_its_key_columns(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        assert_no_sideways_scroll(app)
        await pilot.press("d")
        await pilot.pause()
        assert_no_sideways_scroll(app)
        detail, table = screen.detail, screen.table
        assert detail.region.x >= table.region.right  # beside
        assert 40 <= detail.region.width <= 45
        assert not screen.stacked
        assert screen.table.hidden_columns() == set(OPTIONAL_COLUMNS)


async def test_below_115_columns_the_pane_goes_under_the_table(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        await pilot.press("d")
        await pilot.pause()
        detail, table = screen.detail, screen.table
        assert detail.region.y >= table.region.bottom  # under
        assert detail.region.width == table.region.width == 100
        assert_no_sideways_scroll(app)
        assert screen.stacked
        # Widening the terminal puts it back beside.
        await pilot.resize_terminal(STACKED_BELOW + 5, 30)
        await until(pilot, lambda: not screen.stacked)
        await pilot.pause()
        assert detail.region.x >= table.region.right
        assert_no_sideways_scroll(app)


async def test_at_80x24_nothing_scrolls_sideways(demo_app: Any, make_dashboard: Any) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        assert_no_sideways_scroll(app)
        header = table_header(app)
        assert "Created" not in header and "Files" not in header
        assert {"created", "files"} <= screen.table.hidden_columns()
        # A text filter on top of the defaults: the filter bar still shows what is in force,
        # the sort and the count (shorter words).
        target = shown_ids(app)[3]
        await pilot.press("slash", *target[-6:], "enter")
        bar = screen_text(app).splitlines()[1]
        assert f"text “{target[-6:]}”" in bar
        assert "created ↓" in bar and f"1/{screen.board.total}" in bar


async def test_at_80_columns_the_status_keeps_connection_budgets_and_countdown(
    demo_app: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(demo_app)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app))
        # The worst case: a Retry-After holds and this minute's imports are used up.
        limits = app.client.limits
        for _ in range(10):
            limits.window(RequestKind.IMPORT).record(app.clock.monotonic())
        limits.close_gate(30, "test 429")
        # The scheduler's word on the link (the only source of the state).
        screen.post_message(LiveBatch([ConnectionEvent("rate_limited", "test 429")]))
        await pilot.pause()
        screen.refresh_status()
        await pilot.pause()
        top = screen_text(app).splitlines()[0]
        assert "limited" in top  # the connection state
        assert "imp 0/10" in top and "agt 10/10" in top  # both budgets
        assert "Retry-After 30s" in top  # the countdown


def test_optional_columns_go_in_order_as_the_table_narrows() -> None:
    assert columns_to_hide(200) == set()
    assert columns_to_hide(100) == {"created"}
    assert columns_to_hide(80) == set(OPTIONAL_COLUMNS)
    widths = range(60, 200)
    hidden = [len(columns_to_hide(width)) for width in widths]
    assert hidden == sorted(hidden, reverse=True)  # never more columns when narrower
