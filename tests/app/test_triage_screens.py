"""Issue 11's standalone screens, each on the bare host (the lead wires them into jobs)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, Tree

from tests.unit.triage.jobs import failed_import, make_job
from tui.api.models import Job, Outcome
from tui.screens.bulk_cancel import BulkCancelScreen
from tui.screens.confirm_open import WARNING, ConfirmOpenScreen, needs_confirmation
from tui.screens.failures import FailureChoice, FailuresScreen
from tui.screens.goto import GotoScreen
from tui.simulator.world import World
from tui.triage.failures import group_failures
from tui.triage.ids import resolve_job_id

from .form_host import SIZE, FormHost, demo_user, make_client, screen_text, settle, sim_requests

RANGE = "URL does not support Range requests"
FULL = "6dc3f30a-58c2-4b9e-9d3c-6b3a19beafbe"
OTHER = "6dc3f30a-1111-4b9e-9d3c-0a0a0a0a0a0a"


def host(sim_app: Any, sim_clock: Any) -> FormHost:
    return FormHost(make_client(sim_app, sim_clock), sim_clock)


async def test_goto_resolves_a_short_id_and_shows_errors_where_the_user_typed(
    sim_app: Any, sim_clock: Any
) -> None:
    board = [make_job(FULL), make_job(OTHER)]

    async def no_list() -> list[Job]:
        return []

    async def resolve(text: str) -> str:
        return await resolve_job_id(text, board, no_list)

    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = GotoScreen(resolve)
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#goto-input")))
        await pilot.press(*"6dc3f30a", "enter")
        await settle(pilot, lambda: "matches 2 jobs" in screen_text(app))
        shown = screen_text(app)
        assert FULL in shown and OTHER in shown
        assert screen.query_one("#goto-input", Input).value == "6dc3f30a"  # kept to correct
        assert app.results == []
        screen.query_one("#goto-input", Input).value = ""
        await pilot.press(*"6b3a19be", "enter")
        await settle(pilot, lambda: app.results == [FULL])


async def test_goto_escape_returns_none(sim_app: Any, sim_clock: Any) -> None:
    async def resolve(text: str) -> str:
        raise AssertionError("not called")

    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        app.open(GotoScreen(resolve))
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot, lambda: app.results == [None])


async def test_failures_screen_groups_expand_and_enter_opens_the_job(
    sim_app: Any, sim_clock: Any
) -> None:
    jobs = [
        failed_import("j1-aaaa", {"a.mp4": RANGE}),
        failed_import("j2-bbbb", {"[b].mp4": RANGE, "c.wav": "Unsupported codec"}),
    ]
    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = FailuresScreen(group_failures(jobs))
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#failures-tree")))
        shown = screen_text(app)
        assert f"{RANGE} × 2" in shown and "Unsupported codec × 1" in shown
        assert "j1-aaaa" not in shown  # groups start folded
        await pilot.press("enter")  # unfold the first group
        await settle(pilot, lambda: "j1-aaaa" in screen_text(app))
        assert "[b].mp4" in screen_text(app)  # a file name as typed, not markup
        tree = screen.query_one("#failures-tree", Tree)
        await pilot.press("down")
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        wanted = tree.cursor_node.data
        await pilot.press("enter")
        await settle(pilot, lambda: app.results == [FailureChoice(wanted)])


LONG = (
    "AI agent failed to process the request: the edit asked for is not possible in this "
    "composition because the referenced scene was removed while the job was queued"
)


async def test_failures_titles_keep_their_count_and_a_cut_message_ends_with_an_ellipsis(
    sim_app: Any, sim_clock: Any
) -> None:
    jobs = [failed_import(f"j{i}-aaaa", {"a.mp4": LONG}) for i in range(7)]
    jobs.append(failed_import("j9-bbbb", {"b.mp4": RANGE}))
    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = FailuresScreen(group_failures(jobs))
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#failures-tree")))
        await pilot.pause()
        lines = screen_text(app).splitlines()
        long_line = next(line for line in lines if LONG[:30] in line)
        assert LONG not in long_line  # cut to the dialog's width...
        assert "… × 7  (7 jobs)" in long_line  # ...with an ellipsis, the count kept
        assert f"{RANGE} × 1  (1 job)" in screen_text(app)  # a short one whole
        tree = screen.query_one("#failures-tree", Tree)
        assert tree.virtual_size.width <= tree.size.width  # nothing scrolls sideways
        await pilot.resize_terminal(70, SIZE[1])  # narrower: cut shorter, the count stays

        def narrow_line() -> str:
            return next((line for line in screen_text(app).splitlines() if "× 7" in line), "")

        await settle(pilot, lambda: len(narrow_line().strip()) < len(long_line.strip()))
        assert "… × 7  (7 jobs)" in narrow_line()


async def test_ctrl_r_on_a_job_or_file_row_asks_to_retry_that_job(
    sim_app: Any, sim_clock: Any
) -> None:
    jobs = [failed_import("j1-aaaa", {"a.mp4": RANGE, "b.mp4": None})]
    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = FailuresScreen(group_failures(jobs))
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#failures-tree")))
        await pilot.press("ctrl+r")  # on a group: no job to retry yet
        await pilot.pause()
        assert app.results == [] and app.screen is screen
        await pilot.press("enter", "down", "down")  # unfold, the job, its file
        tree = screen.query_one("#failures-tree", Tree)
        assert tree.cursor_node is not None and str(tree.cursor_node.label) == "a.mp4"
        await pilot.press("ctrl+r")
        await settle(pilot, lambda: app.results == [FailureChoice("j1-aaaa", retry=True)])


def running_agents(world: World, clock: Any, count: int) -> list[str]:
    user = demo_user(world)
    ids = [
        world.submit_agent(user, {"project_name": f"P{i}", "prompt": "x"}, run_s=600).job_id
        for i in range(count)
    ]
    clock.advance_nowait(10)
    return ids


def cancel_refusing(app: FormHost, refused: str, calls: list[str]) -> Any:
    """The client's cancel, except `refused` gets a real 404 (a job the server lost)."""

    async def cancel(job_id: str) -> Any:
        calls.append(job_id)
        return await app.client.cancel_job("no-such-job" if job_id == refused else job_id)

    return cancel


async def test_bulk_cancel_asks_once_then_shows_each_answer(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    ids = running_agents(sim_world, sim_clock, 3)
    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        jobs = [await app.client.get_job(job_id) for job_id in ids]
        done = make_job("done-1234", "stopped", result={"status": "success"})
        calls: list[str] = []
        cancel = cancel_refusing(app, ids[2], calls)

        screen = BulkCancelScreen([*jobs, done], cancel)
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#bulk-close")))
        shown = screen_text(app)
        assert "Cancel 3 jobs?" in shown and all(job_id in shown for job_id in ids)
        assert "done-1234  already success: not sent" in shown
        assert calls == [] and sim_requests(sim_app, "DELETE") == []
        await pilot.press("y")
        await settle(pilot, lambda: screen.phase == "done")
        shown = screen_text(app)
        assert calls == ids
        assert f"✔ {ids[0]}  204 No Content" in shown
        assert f"✖ {ids[2]}  404" in shown
        assert "2 cancelled, 1 refused" in shown
        await pilot.press("escape")
        await settle(pilot, lambda: len(app.results) == 1)
        answers = app.results[0]
        assert [a.ok for a in answers] == [True, True, False]
    cancelled = [await make_client(sim_app, sim_clock).get_job(ids[0])]
    assert cancelled[0].outcome is Outcome.CANCELLED


async def test_bulk_cancel_lists_at_most_its_limit_and_counts_the_rest(
    sim_world: World, sim_app: Any, sim_clock: Any
) -> None:
    ids = running_agents(sim_world, sim_clock, 5)
    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        jobs = [await app.client.get_job(job_id) for job_id in ids]
        stopped = [make_job(f"done-{i}", "stopped", result={"status": "success"}) for i in range(2)]
        cancel = cancel_refusing(app, ids[4], [])
        screen = BulkCancelScreen(jobs, cancel, skipped=stopped, limit=3)
        app.open(screen)
        await settle(pilot, lambda: screen.is_mounted and bool(screen.query("#bulk-close")))
        shown = screen_text(app)
        assert "Cancel 5 jobs?  (2 marked already stopped: skipped)" in shown
        assert sum(job_id in shown for job_id in ids) == 3
        assert "… and 2 more to cancel" in shown
        assert "… and 2 more already stopped: not sent" in shown
        await pilot.press("y")
        await settle(pilot, lambda: screen.phase == "done")
        shown = screen_text(app)
        # The refusal comes first; three lines, the rest counted.
        assert f"✖ {ids[4]}  404" in shown
        assert "… and 2 more answers (counted below)" in shown
        assert "4 cancelled, 1 refused" in shown


async def test_bulk_cancel_declined_sends_nothing(sim_app: Any, sim_clock: Any) -> None:
    async def cancel(job_id: str) -> Any:
        raise AssertionError("nothing may be sent")

    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        app.open(BulkCancelScreen([make_job("r-1234")], cancel))
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot, lambda: app.results == [None])


async def test_opening_a_running_jobs_project_asks_first(sim_app: Any, sim_clock: Any) -> None:
    running = make_job("r-1234", project_id="p-[x]")
    assert needs_confirmation(running)
    assert not needs_confirmation(make_job("d-1", "stopped", result={"status": "success"}))
    app = host(sim_app, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        app.open(ConfirmOpenScreen(running, project_name="Podcast [rough]"))
        await pilot.pause()
        shown = screen_text(app)
        assert "Podcast [rough]" in shown and "can cause conflicts" in shown
        assert WARNING.split(":")[0][:30] in shown
        await pilot.press("y")
        await settle(pilot, lambda: app.results == [True])
        app.open(ConfirmOpenScreen(running))
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot, lambda: app.results == [True, False])
