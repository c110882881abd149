"""The Line API jobs table (`tui/widgets/job_table.py`): what a change costs, and the cursor.

The table reads rows from a `RowSource`; here a list and a dict stand in for the live model
and a frozen dataclass for its `JobRow`. `rows_rendered` counts row strips built (cache
misses), so "a changed job repaints its row only" is a count, not a timing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot

from tui.api.clock import ManualClock
from tui.api.models import Job
from tui.formatting import EXPIRED_WORDS
from tui.live.rows import RowStatus
from tui.paths import style_paths
from tui.widgets.job_table import (
    COLUMN_HEADERS,
    OPTIONAL_COLUMNS,
    WATCHED_MARK,
    JobTable,
    columns_to_hide,
)
from tui.widgets.state_colours import with_state_colours

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """Structurally the live model's `JobRow`."""

    job: Job
    status: RowStatus = RowStatus.LIVE
    project_name: str | None = None
    watched: bool = False
    stalled_since: datetime | None = None
    marked: bool = False


class ListSource:
    """A RowSource over a list of ids (the shown order) and a dict of rows."""

    def __init__(self, rows: list[Row]) -> None:
        self.rows = {row.job.job_id: row for row in rows}
        self.order: list[str] = []
        self.show([row.job.job_id for row in rows])

    def show(self, job_ids: list[str]) -> None:
        self.order = job_ids
        self.index = {job_id: i for i, job_id in enumerate(job_ids)}

    def __len__(self) -> int:
        return len(self.order)

    def job_id_at(self, index: int) -> str:
        return self.order[index]

    def index_of(self, job_id: str) -> int | None:
        return self.index.get(job_id)

    def row(self, job_id: str) -> Row:
        return self.rows[job_id]


def make_job(index: int, *, percent: float | None = None, running: bool | None = None) -> Job:
    created = START - timedelta(seconds=30 * index + 5)
    raw: dict[str, Any] = {
        "job_id": f"{index:08x}-58c2-4174-96a6-dc18cf3c{index:04x}",
        "job_type": "agent" if index % 2 else "import/project_media",
        "created_at": created.isoformat(),
        "project_id": "0000000a-0000-4000-8000-000000000000",
    }
    if running if running is not None else index % 3 == 0:
        raw["job_state"] = "running"
        raw["progress"] = {"label": f"Step of job {index}", "percent": percent or 10.0}
    else:
        raw["job_state"] = "stopped"
        raw["stopped_at"] = (created + timedelta(seconds=90)).isoformat()
        raw["result"] = {"status": "success"}
    return Job.from_json(raw)


class TableApp(App[None]):
    # The table's look, and the state colours from jobs.tcss (their one place) with the
    # `$state-*` variables the dashboard app provides.
    CSS_PATH = style_paths("jobs.tcss", "job_table.tcss")

    def get_css_variables(self) -> dict[str, str]:
        return with_state_colours(super().get_css_variables())

    def __init__(self, source: ListSource, clock: ManualClock) -> None:
        super().__init__()
        self.source = source
        self.clock = clock
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield JobTable(self.source, now=self.clock.now, id="job-table")

    @property
    def table(self) -> JobTable:
        return self.query_one(JobTable)

    def on_job_table_highlighted(self, message: JobTable.Highlighted) -> None:
        self.messages.append(message)

    def on_job_table_selected(self, message: JobTable.Selected) -> None:
        self.messages.append(message)

    def on_job_table_header_clicked(self, message: JobTable.HeaderClicked) -> None:
        self.messages.append(message)


def table_app(count: int) -> TableApp:
    source = ListSource([Row(make_job(i)) for i in range(count)])
    return TableApp(source, ManualClock(START))


def line_text(table: JobTable, y: int) -> str:
    return "".join(segment.text for segment in table.render_line(y))


def screen_lines(table: JobTable) -> list[str]:
    return [line_text(table, y) for y in range(table.size.height)]


async def settled(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.pause()


async def test_a_changed_row_is_the_only_row_rendered_again() -> None:
    app = table_app(5000)
    async with app.run_test(size=(120, 20)) as pilot:
        await settled(pilot)
        table = app.table
        shown = table.size.height - 1  # the header takes a line
        assert table.rows_rendered == shown  # the first paint: visible rows, not 5,000
        source = app.source
        job_id = source.job_id_at(3)
        source.rows[job_id] = replace(source.rows[job_id], job=make_job(3, percent=77.0))
        table.rows_changed([job_id])
        await settled(pilot)
        assert table.rows_rendered == shown + 1
        assert "77%" in line_text(table, 4)
        # Off screen: its strip is dropped, nothing is rendered until it scrolls in.
        far = source.job_id_at(4000)
        table.rows_changed([far, "not-shown-at-all"])
        await settled(pilot)
        assert table.rows_rendered == shown + 1


async def test_rows_reset_keeps_every_strip_and_the_cursor_on_its_job() -> None:
    app = table_app(300)
    async with app.run_test(size=(120, 20)) as pilot:
        await settled(pilot)
        table, source = app.table, app.source
        chosen = source.job_id_at(5)
        assert table.select_job(chosen)
        await settled(pilot)
        assert table.current_job_id == chosen
        rendered = table.rows_rendered
        source.show(source.order[-100:] + source.order[:-100])  # a new sort
        table.rows_reset()
        await settled(pilot)
        assert table.current_job_id == chosen
        assert table.cursor_row == 105
        # The cursor keeps its height on screen (row 5 of the view) after the reorder.
        assert table.cursor_row - round(table.scroll_y) == 5
        assert source.row(chosen).job.short_id in line_text(table, 6)
        # Another screenful of rows is new to the cache; no row already seen is redone.
        assert table.rows_rendered - rendered <= table.size.height - 1
        # A filter that keeps the job: still on it. One that drops it: a neighbour, said so.
        source.show([job_id for job_id in source.order if job_id != source.order[0]])
        table.rows_reset()
        assert table.current_job_id == chosen
        app.messages.clear()
        source.show([job_id for job_id in source.order if job_id != chosen][:10])
        table.rows_reset()
        await settled(pilot)
        assert table.current_job_id == source.order[-1]
        highlighted = [m for m in app.messages if isinstance(m, JobTable.Highlighted)]
        assert [m.job_id for m in highlighted] == [source.order[-1]]
        source.show([])
        table.rows_reset()
        await settled(pilot)
        assert table.current_job_id is None
        assert all(not line.strip() for line in screen_lines(table)[1:])


async def test_rows_joining_below_the_screen_repaint_no_row_and_no_layout() -> None:
    """A load's page lands under the screen (newest first): only the scrollbar moves."""
    app = table_app(1000)
    async with app.run_test(size=(120, 20)) as pilot:
        await settled(pilot)
        table, source = app.table, app.source
        painted: list[int] = []
        render_line = table.render_line

        def counting(y: int) -> Any:
            painted.append(y)
            return render_line(y)

        table.render_line = counting  # type: ignore[method-assign]
        layouts = 0
        refresh_layout = app.screen._refresh_layout

        def counting_layout(*args: Any, **kwargs: Any) -> Any:
            nonlocal layouts
            layouts += 1
            return refresh_layout(*args, **kwargs)

        app.screen._refresh_layout = counting_layout  # type: ignore[method-assign]
        bar = table.vertical_scrollbar
        bar_paints = 0
        bar_render = bar.render

        def counting_bar() -> Any:
            nonlocal bar_paints
            bar_paints += 1
            return bar_render()

        bar.render = counting_bar  # type: ignore[method-assign]
        joining = [Row(make_job(i)) for i in range(1000, 1100)]
        source.rows.update((row.job.job_id, row) for row in joining)
        source.show([*source.order, *(row.job.job_id for row in joining)])
        table.rows_reset()
        await settled(pilot)
        assert [y for y in painted if y > 0] == [] and layouts == 0
        # The bar knows the new count (a drag reads it); its thumb is drawn where it was.
        assert bar.window_virtual_size == 1101 and bar_paints == 0  # the header's line too
        # A row leaves from the middle of the screen: the lines from there down move up.
        source.show([job_id for index, job_id in enumerate(source.order) if index != 10])
        table.rows_reset()
        await settled(pilot)
        assert sorted({y for y in painted if y > 0}) == list(range(11, table.size.height))


async def test_narrow_tables_hide_the_optional_columns_without_sideways_scroll() -> None:
    app = table_app(50)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        table = app.table
        assert table.hidden_columns() == columns_to_hide(80) == set(OPTIONAL_COLUMNS)
        header = line_text(table, 0)
        assert "Created" not in header and "Files" not in header
        for key in ("id", "type", "state", "progress", "label", "project"):
            assert COLUMN_HEADERS[key] in header
        assert table.max_scroll_x == 0
        await pilot.resize_terminal(160, 24)
        await settled(pilot)
        assert table.hidden_columns() == set()
        assert "Created" in line_text(table, 0) and "Files" in line_text(table, 0)
        assert table.max_scroll_x == 0


async def test_keys_move_the_cursor_and_enter_selects() -> None:
    app = table_app(100)
    async with app.run_test(size=(120, 20)) as pilot:
        await settled(pilot)
        table, order = app.table, app.source.order
        for keys, row in (
            (("j", "j", "down"), 3),
            (("k", "up"), 1),
            (("G",), 99),
            (("g",), 0),
            (("end",), 99),
            (("home",), 0),
            (("pagedown",), 19),
            (("pageup",), 0),
        ):
            await pilot.press(*keys)
            assert table.cursor_row == row, keys
            assert table.current_job_id == order[row]
        await pilot.press("G")
        assert round(table.scroll_y) == 100 - 19  # the last row is in view, at the bottom
        app.messages.clear()
        await pilot.press("enter")
        await settled(pilot)
        assert [type(m) for m in app.messages] == [JobTable.Selected]
        assert app.messages[0].job_id == order[99]  # type: ignore[attr-defined]


async def test_clicks_select_rows_and_headers_ask_for_a_sort() -> None:
    app = table_app(100)
    async with app.run_test(size=(120, 20)) as pilot:
        await settled(pilot)
        table = app.table
        await pilot.click("#job-table", offset=(3, 4))  # line 4: the fourth row
        await settled(pilot)
        assert table.cursor_row == 3
        app.messages.clear()
        await pilot.click("#job-table", offset=(3, 4))  # the cursor row again: select it
        await settled(pilot)
        assert [type(m) for m in app.messages] == [JobTable.Selected]
        app.messages.clear()
        state_x = (13 + 2) + (7 + 2) + 5  # inside the State column, after ID and Type
        await pilot.click("#job-table", offset=(state_x, 0))
        await settled(pilot)
        clicked = [m for m in app.messages if isinstance(m, JobTable.HeaderClicked)]
        assert [m.column_key for m in clicked] == ["state"]
        assert table.cursor_row == 3  # a header click never moves the cursor


async def test_refresh_ages_repaints_only_rows_whose_time_text_moved() -> None:
    app = table_app(60)
    async with app.run_test(size=(120, 20)) as pilot:
        await settled(pilot)
        table = app.table
        rendered = table.rows_rendered
        table.refresh_ages()  # the clock has not moved: nothing to redo
        await settled(pilot)
        assert table.rows_rendered == rendered
        await app.clock.advance(3600)  # running jobs' Elapsed moves; stopped ones stay
        table.refresh_ages()
        await settled(pilot)
        running = sum(
            1 for i in range(table.size.height - 1) if not app.source.row(
                app.source.job_id_at(i)
            ).job.is_finished
        )
        assert 0 < running < table.size.height - 1
        # Created reads "today 11:59" for every row; only the running rows' Elapsed moved.
        assert table.rows_rendered - rendered == running


async def test_row_text_comes_from_the_row_status_watch_and_project_name() -> None:
    job = make_job(0, running=True)
    rows = [
        Row(job, watched=True, project_name="Podcast [rough]"),
        Row(make_job(1), status=RowStatus.EXPIRED),
        Row(make_job(2), status=RowStatus.RECONCILE),
    ]
    app = TableApp(ListSource(rows), ManualClock(START))
    async with app.run_test(size=(160, 10)) as pilot:
        await settled(pilot)
        first, second, third = (line_text(app.table, y) for y in (1, 2, 3))
        assert f"{WATCHED_MARK}{job.short_id}" in first
        assert "Podcast [rough]" in first  # API text as text, never markup
        assert EXPIRED_WORDS in second
        assert "reconcile" in third
        # The state cell carries its colour class's style (the theme's, from TCSS).
        state = next(s for s in app.table.render_line(1) if "running" in s.text)
        assert state.style is not None and state.style.color is not None


async def test_a_theme_switch_recolours_the_state_cells() -> None:
    app = table_app(40)
    async with app.run_test(size=(120, 12)) as pilot:
        await settled(pilot)
        table = app.table

        def running_style() -> Any:
            for y in range(1, table.size.height):
                for segment in table.render_line(y):
                    if "running" in segment.text:
                        return segment.style
            raise AssertionError("no running row on screen")

        before, rendered = running_style(), table.rows_rendered
        table.focus()  # focus restyles the cursor only: no row is built again
        await settled(pilot)
        assert table.rows_rendered == rendered
        app.theme = "gruvbox" if app.theme != "gruvbox" else "nord"
        await settled(pilot)
        assert table.rows_rendered > rendered  # the state colour is baked into each strip
        assert running_style().color != before.color
