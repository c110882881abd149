"""The job table's columns and the detail pane, read as a user reads them at 80-200 columns.

Against the in-process simulator on virtual time: a partial import's failed file must show
its whole error at 120 columns, its row must say why it is partial, and API text must show
as typed (`Podcast [rough]`).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.models import Job
from tui.app import DescriptApp
from tui.formatting import files_failed_summary, job_label
from tui.live.filters import JobFilter, JobSort
from tui.simulator.world import World
from tui.widgets.job_table import COLUMN_HEADERS, FLEX, flex_widths

from .conftest import advance_until, cell_text, demo_user, loaded, painted_cell, until

UNREACHABLE_ERROR = "URL is not accessible or does not support Range requests"


def import_body(world: World, *urls: str) -> dict[str, Any]:
    """An import into the existing project `Podcast [rough]` (a name with markup in it)."""
    project = next(p for p in world.projects.values() if p.name == "Podcast [rough]")
    return {
        "project_id": project.id,
        "add_media": {url.rsplit("/", 1)[-1]: {"url": url} for url in urls},
    }


def region_text(app: DescriptApp, widget: Any) -> str:
    """The characters the terminal shows inside `widget`'s region, one line per row."""
    region = widget.content_region
    strips = app.screen._compositor.render_strips()
    lines = [strip.text for strip in strips[region.y : region.bottom]]
    return "\n".join(line[region.x : region.right].rstrip() for line in lines)


def words(text: str) -> str:
    """Whitespace-insensitive text: wrapping moves words between lines, it keeps them."""
    return " ".join(text.split())


async def partial_import(
    sim_world: World, sim_clock: Any, pilot: Any, app: DescriptApp, *urls: str
) -> Job:
    user = demo_user(sim_world)
    created, _ = sim_world.submit_import(user, import_body(sim_world, *urls), queued_s=1, run_s=20)
    screen = app.jobs_screen
    await until(pilot, lambda: loaded(app))
    await advance_until(
        pilot,
        sim_clock,
        lambda: (row := screen.board.get(created.job_id)) is not None and row.job.is_finished,
    )
    return screen.board.row(created.job_id).job


async def test_a_partial_imports_failed_file_shows_its_whole_error_at_120_columns(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=(120, 36)) as pilot:
        job = await partial_import(
            sim_world,
            sim_clock,
            pilot,
            app,
            "https://media.example.com/intro.mp4",
            "https://unreachable.example.com/broll.mov",
        )
        await pilot.press("enter")
        await pilot.pause()
        detail = app.jobs_screen.detail
        assert [media.name for media in detail.files_shown] == ["broll.mov", "intro.mp4"]

        shown = region_text(app, detail)
        assert UNREACHABLE_ERROR in words(shown)
        # The error sits under its file's row, before the next file.
        assert shown.index("broll.mov") < shown.index("Range") < shown.index("intro.mp4")
        assert "Files: 1 of 2 files failed, failed first" in words(shown)
        # API text as typed, markup characters and all.
        assert "Podcast [rough]" in shown
        assert files_failed_summary(job) == "1 of 2 files failed"


async def test_the_label_column_says_why_an_import_is_partial(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=(200, 40)) as pilot:
        job = await partial_import(
            sim_world,
            sim_clock,
            pilot,
            app,
            "https://media.example.com/intro.mp4",
            "https://unreachable.example.com/broll.mov",
            "https://media.example.com/outro.mp4",
        )
        table = app.jobs_screen.table
        label = cell_text(app, job.job_id, "label")
        assert label == f"1 of 3 files failed: {UNREACHABLE_ERROR}"
        assert label == job_label(job)
        # 200 columns leave Label far more room than 120 do.
        assert table.column_widths()["label"] >= 70
        assert cell_text(app, job.job_id, "project") == "Podcast [rough]"
        # And painted as typed: the brackets are text, not markup.
        assert painted_cell(app, job.job_id, "project")[0] == "Podcast [rough]"


async def test_label_and_project_take_the_spare_width_and_nothing_scrolls_sideways(
    sim_app: Any, make_dashboard: Any
) -> None:
    widths: dict[int, tuple[int, int]] = {}
    for columns in (120, 200):
        app = make_dashboard(sim_app)
        async with app.run_test(size=(columns, 30)) as pilot:
            await until(pilot, lambda app=app: loaded(app))
            table = app.jobs_screen.table
            await pilot.pause()
            widths[columns] = (
                table.column_widths()["label"],
                table.column_widths()["project"],
            )
            assert table.virtual_size.width <= table.size.width
    label_120, project_120 = widths[120]
    assert label_120 >= 20 and project_120 >= 16
    assert widths[200][0] > label_120 and widths[200][1] > project_120


async def test_j_k_g_and_shift_g_move_the_cursor(
    sim_world: World, sim_app: Any, make_dashboard: Any
) -> None:
    user = demo_user(sim_world)
    for name in ("a", "b", "c"):
        sim_world.submit_import(
            user, import_body(sim_world, f"https://media.example.com/{name}.mp4")
        )
    app = make_dashboard(sim_app)
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: loaded(app) and app.jobs_screen.table.row_count == 3)
        table = app.jobs_screen.table
        table.focus()
        await pilot.press("j")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_raw_json_wraps_long_values_instead_of_cutting_them(
    sim_world: World, sim_app: Any, sim_clock: Any, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=(120, 40)) as pilot:
        await partial_import(
            sim_world,
            sim_clock,
            pilot,
            app,
            "https://media.example.com/intro.mp4",
            "https://unreachable.example.com/broll.mov",
        )
        await pilot.press("enter", "r")
        await pilot.pause()
        detail = app.jobs_screen.detail
        assert detail.raw
        assert UNREACHABLE_ERROR in words(region_text(app, detail))


def test_the_elapsed_column_is_named_for_what_it_shows() -> None:
    assert COLUMN_HEADERS["age"] == "Elapsed"
    assert JobSort("age").describe() == "elapsed ↓"


@settings(max_examples=60, deadline=None)
@given(spare=st.integers(min_value=0, max_value=400))
def test_flex_widths_stay_within_bounds_and_use_the_room(spare: int) -> None:
    widths = flex_widths(spare)
    for key, (minimum, _, maximum) in FLEX.items():
        assert minimum <= widths[key] <= maximum
    minimums = sum(minimum for minimum, _, _ in FLEX.values())
    maximums = sum(maximum for _, _, maximum in FLEX.values())
    # Never more than the room (unless even the minimums do not fit), all of it up to the caps.
    assert sum(widths.values()) == max(minimums, min(spare, maximums))


def _job(job_id: str, created: str, stopped: str | None, **result: Any) -> Job:
    data: dict[str, Any] = {
        "job_id": job_id,
        "job_type": "import/project_media",
        "job_state": "stopped" if stopped else "running",
        "created_at": created,
    }
    if stopped:
        data["stopped_at"] = stopped
        data["result"] = result
    return Job.from_json(data)


PARTIAL = _job(
    "00000000-0000-0000-0000-00000000000a",
    "2026-11-25T10:00:00Z",
    "2026-11-25T10:04:00Z",
    status="partial",
    media_status={
        "talk.mp4": {"status": "success", "duration_seconds": 19},
        "b-roll.mov": {"status": "failed", "error_message": "URL does not support HTTP Range"},
    },
)
QUICK = _job(
    "00000000-0000-0000-0000-00000000000b",
    "2026-11-25T11:00:00Z",
    "2026-11-25T11:00:30Z",
    status="success",
)
LIVE = _job("00000000-0000-0000-0000-00000000000c", "2026-11-25T09:00:00Z", None)


def test_the_text_filter_finds_a_job_by_the_failure_its_label_shows() -> None:
    assert job_label(PARTIAL) == "1 of 2 files failed: URL does not support HTTP Range"
    assert JobFilter(text="http range").matches(PARTIAL)
    assert not JobFilter(text="http range").matches(QUICK)


def test_sorting_by_elapsed_orders_by_duration_with_live_jobs_longest() -> None:
    ascending = sorted([LIVE, PARTIAL, QUICK], key=JobSort("age", reverse=False).key)
    assert [job.job_id[-1] for job in ascending] == ["b", "a", "c"]
