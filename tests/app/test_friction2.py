"""Issue 13, the rest: keys shown as keys in the palette (8), unknown job types (9), the
detail pane's width and long ids (11), the watch marker (10), the footer at every size (4)."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from textual.command import CommandPalette
from textual.content import Content
from textual.widgets._footer import FooterKey

from tui.app import PALETTE_COMMANDS, DashboardCommands, DescriptApp, binding_key
from tui.journal import Journal
from tui.screens.jobs.screen import PANE_WIDTH_STATE
from tui.simulator.world import World
from tui.widgets.detail_pane import DEFAULT_PANE_WIDTH, PANE_WIDTHS, middle_cut, pane_width_after
from tui.widgets.job_table import WATCHED_MARK
from tui.widgets.jobs_footer import JobsFooter, footer_tier

from .conftest import (
    SIZE,
    advance_until,
    build_dashboard,
    demo_user,
    loaded,
    painted_cell,
    shown_ids,
    until,
)
from .form_host import screen_text
from .test_detail_pane import region_text

LEGACY = "transcode/legacy"


def palette_help(app: DescriptApp) -> dict[str, str]:
    """title -> the help column as the palette shows it (markup rendered to plain text)."""
    commands = DashboardCommands(app.screen)._commands()
    return {title: Content.from_markup(help_text).plain for title, help_text, _ in commands}


def add_import(world: World, name: str, *, run_s: float = 30) -> str:
    body = {"project_name": name, "add_media": {"a.mp4": {"url": "https://m.example/a.mp4"}}}
    job, _ = world.submit_import(demo_user(world), body, queued_s=1, run_s=run_s)
    return job.job_id


# -- 8: the palette shows keys as keys ---------------------------------------------------------


async def test_the_palette_shows_each_key_apart_from_the_words(
    sim_app: Starlette, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: loaded(app))
        helps = palette_help(app)
        assert helps["Filter: failed"] == "Failed jobs   3 "  # not "Failed jobs (3)", a count
        assert helps["Help: keys"].endswith(" ? ")
        assert helps["Filter: text"].endswith(" / ")
        assert not [help_text for help_text in helps.values() if help_text.endswith(")")]
        # Every command names its key, read from the bindings (the palette never goes stale).
        assert all(binding_key(action, where) for _, _, action, where in PALETTE_COMMANDS)
        assert helps["Detail pane: wider"].endswith(" > ")
        # In the palette itself: the words, and no "(3)".
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Filter: failed")
        await until(pilot, lambda: "Failed jobs" in screen_text(app))
        assert "(3)" not in screen_text(app)


# -- 9: unknown job types ----------------------------------------------------------------------


async def test_an_unknown_type_shows_with_an_ellipsis_and_t_filters_it(
    sim_world: World, sim_app: Starlette, make_dashboard: Any
) -> None:
    plain = add_import(sim_world, "Plain")
    legacy = add_import(sim_world, "Legacy")
    sim_world.jobs[legacy].job_type = LEGACY
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app) and len(shown_ids(app)) == 2)
        text, _ = painted_cell(app, legacy, "type")
        assert text == "transc…"  # cut, and visibly so
        assert painted_cell(app, plain, "type")[0] == "import"
        # t: import, agent, publish, then the type seen on the board.
        await pilot.press("t", "t", "t", "t")
        assert screen.board.job_filter.kind == LEGACY
        assert shown_ids(app) == [legacy]
        assert f"type {LEGACY}" in screen_text(app).splitlines()[1]  # the filter bar says so
        await pilot.press("t")
        assert screen.board.job_filter.kind == "all" and len(shown_ids(app)) == 2


# -- 4: the footer fits at every size ----------------------------------------------------------


def footer_hints(app: DescriptApp) -> tuple[str, list[str]]:
    """The footer's line as the terminal shows it, and each shown hint's own words."""
    footer = app.screen.query_one(JobsFooter)
    line = screen_text(app).splitlines()[footer.region.y]
    hints = [
        f"{key.key_display} {key.description}".strip()
        for key in footer.query(FooterKey)
        if key.region.width and not key.has_class("-command-palette")  # laid out, not hidden
    ]
    return line, hints


def assert_footer_fits(app: DescriptApp) -> str:
    """Every shown hint is on the line whole, left of the palette's key; the line is returned."""
    line, hints = footer_hints(app)
    assert "▏^p palette" in line, line
    keys_part = line.split("▏")[0]
    for hint in hints:
        assert hint in keys_part, (hint, line)
    for needed in ("i Import", "a Agent", "l ", "? Keys"):
        assert needed in keys_part, (needed, line)
    return keys_part


async def test_the_footer_cuts_no_hint_at_80_120_and_200_columns(
    sim_app: Starlette, make_dashboard: Any
) -> None:
    app = make_dashboard(sim_app)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: loaded(app))
        footer = app.screen.query_one(JobsFooter)
        lines: dict[int, str] = {}
        for width, height in ((80, 24), (100, 30), (120, 36), (200, 50), (80, 24)):
            await pilot.resize_terminal(width, height)
            await until(pilot, lambda w=width: footer.tier == footer_tier(w) == footer_tier(
                footer.region.width))
            await pilot.pause()
            lines[width] = assert_footer_fits(app)
        assert "l Activity" in lines[200] and "all/running/failed/partial" in lines[200]
        assert "l Log" in lines[120] and "1234 state" in lines[120]
        assert "d Detail" in lines[100] and "d Detail" not in lines[80]
        # A hint the narrow footer leaves out still works.
        await pilot.press("d")
        assert not app.jobs_screen.detail.has_class("-hidden")


def test_the_footer_tiers_only_grow_with_the_width() -> None:
    order = ["narrow", "compact", "short", "full"]
    tiers = [order.index(footer_tier(width)) for width in range(60, 240)]
    assert tiers == sorted(tiers) and set(tiers) == {0, 1, 2, 3}


# -- 11: the detail pane's width, long ids ----------------------------------------------------


def test_ids_are_cut_in_the_middle_and_widths_step_within_the_list() -> None:
    job_id = "6b3a19be-0d4e-4c1a-9a57-2f1e0dafbe12"
    cut = middle_cut(job_id, 15)
    assert cut == "6b3a19b…dafbe12" and len(cut) == 15
    assert middle_cut(job_id, 40) == job_id
    assert pane_width_after(DEFAULT_PANE_WIDTH, 1) > DEFAULT_PANE_WIDTH
    assert pane_width_after(PANE_WIDTHS[-1], 1) == PANE_WIDTHS[-1]
    assert pane_width_after(PANE_WIDTHS[0], -1) == PANE_WIDTHS[0]
    assert pane_width_after(99, -1) == pane_width_after(DEFAULT_PANE_WIDTH, -1)  # unknown: default


async def test_the_pane_widens_with_gt_and_the_journal_keeps_it(
    sim_world: World, sim_app: Starlette, sim_clock: Any, tmp_path: Any
) -> None:
    add_import(sim_world, "Wide")
    journal = Journal(tmp_path / "journal.sqlite3", profile="default", clock=sim_clock)
    app = build_dashboard(sim_app, sim_clock, journal=journal)
    async with app.run_test(size=(200, 50)) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app) and len(shown_ids(app)) == 1)
        await pilot.press("greater_than_sign")  # opens the pane too
        await pilot.pause()
        assert not screen.detail.has_class("-hidden")
        widths = [screen.detail.region.width]
        for key in ("greater_than_sign", "greater_than_sign", "less_than_sign"):
            await pilot.press(key)
            await pilot.pause()
            widths.append(screen.detail.region.width)
        assert widths == [90, 110, 110, 90]  # 45%, 55%, no further, back to 45% of 200
        await until(pilot, lambda: journal.get_ui_state(PANE_WIDTH_STATE) == 45, rounds=400)
    again = build_dashboard(sim_app, sim_clock, journal=journal)
    async with again.run_test(size=(200, 50)) as pilot:
        await until(pilot, lambda: loaded(again))
        await pilot.pause()
        detail = again.jobs_screen.detail  # open (remembered too), and as wide as it was
        assert not detail.has_class("-hidden") and detail.region.width == 90


async def test_long_ids_cut_in_the_middle_at_120_and_Y_copies_the_whole_id(
    sim_world: World, sim_app: Starlette, make_dashboard: Any
) -> None:
    job_id = add_import(sim_world, "Ids")
    app = make_dashboard(sim_app)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app) and len(shown_ids(app)) == 1)
        await pilot.press("d")
        await pilot.pause()
        fields = screen.detail.query_one("#detail-fields")
        shown = region_text(app, fields)
        job_line = next(line for line in shown.splitlines() if line.startswith("Job "))
        value = job_line.removeprefix("Job").strip()
        assert "…" in value and job_id not in shown  # one line, not folded
        head, tail = value.split("…")
        assert job_id.startswith(head) and job_id.endswith(tail) and len(head) >= 6
        await pilot.press("Y")
        assert app.clipboard == job_id
        await pilot.press("y")  # y still copies the project URL
        job = screen.selected_job()
        assert job is not None and app.clipboard == job.project_url


# -- 10: the watch marker goes when the job finishes -------------------------------------------


async def test_the_watch_marker_leaves_the_painted_row_when_the_job_finishes(
    sim_world: World, sim_app: Starlette, sim_clock: Any, make_dashboard: Any
) -> None:
    job_id = add_import(sim_world, "Watched", run_s=30)
    app = make_dashboard(sim_app)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.jobs_screen
        await until(pilot, lambda: loaded(app) and len(shown_ids(app)) == 1)
        await pilot.press("w")
        await pilot.pause()
        assert painted_cell(app, job_id, "id")[0].startswith(WATCHED_MARK)  # on screen
        await advance_until(pilot, sim_clock, lambda: screen.board.row(job_id).job.is_finished)
        await pilot.pause()
        assert not screen.board.row(job_id).watched
        text, _ = painted_cell(app, job_id, "id")  # the row as painted now, not a stale strip
        assert WATCHED_MARK not in text and text.endswith(screen.board.row(job_id).job.short_id)
        assert WATCHED_MARK not in screen_text(app)
