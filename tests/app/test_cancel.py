"""The cancel modal: confirm, DELETE, the 204 shown, the job re-read; refusals and failures."""

from __future__ import annotations

from typing import Any

import httpx
from textual.widgets import Button

from tui.api.errors import REMEDY_403, REMEDY_404, REMEDY_429
from tui.api.models import CancelResult, Job, Outcome
from tui.screens.confirm_cancel import AUTO_CLOSE_SECONDS, ConfirmCancelScreen
from tui.simulator.world import OTHER_DRIVE_TOKEN, World
from tui.widgets.error_panel import ErrorPanel

from .form_host import SIZE, FormHost, demo_user, make_client, screen_text, settle, sim_requests


def running_agent_job(world: World) -> str:
    job = world.submit_agent(
        demo_user(world),
        {"project_name": "Cancel me [now]", "prompt": "add captions"},
        queued_s=1,
        run_s=120,
    )
    return job.job_id


async def read_job(app: FormHost, job_id: str) -> Job:
    return await app.client.get_job(job_id)


def deletes(sim_app: Any) -> list[dict[str, Any]]:
    return sim_requests(sim_app, "DELETE")


async def open_modal(pilot: Any, app: FormHost, job: Job) -> ConfirmCancelScreen:
    modal = ConfirmCancelScreen(
        job, client=app.client, clock=app.clock, project_name="Cancel me [now]"
    )
    app.open(modal)
    await settle(pilot, lambda: modal.is_mounted and bool(modal.query("#cancel-close")))
    return modal


async def test_yes_sends_delete_shows_the_204_and_returns_the_cancelled_job(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    sim_clock.advance_nowait(5)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        job = await read_job(app, job_id)
        assert job.outcome is Outcome.RUNNING
        modal = await open_modal(pilot, app, job)
        shown = screen_text(app)
        for expected in (job_id, "agent", "Cancel me [now]", "running"):
            assert expected in shown
        # The state reads as the table reads it, then the API's word; how far it got.
        assert "▶ running  (job_state: running)" in shown
        assert f"Progress {job.progress.percent:.0f}% · " in shown  # type: ignore[union-attr]

        await pilot.press("y")
        await settle(pilot, lambda: modal.phase == "done")
        shown = screen_text(app)
        assert "now ⊘ cancelled" in shown
        assert "Closing in 3 s" in shown
        assert [d["status"] for d in deletes(sim_app)] == [204]
        # Any key closes it at once (no waiting for the auto-close).
        await pilot.press("space")
        await settle(pilot, lambda: bool(app.results))

    returned = app.results[0]
    assert isinstance(returned, Job)
    assert returned.job_id == job_id
    assert returned.outcome is Outcome.CANCELLED
    assert returned.job_state == "cancelled"


async def test_after_the_re_read_the_modal_closes_by_itself_on_the_app_clock(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_modal(pilot, app, await read_job(app, job_id))
        await pilot.click("#cancel-yes")
        await settle(pilot, lambda: modal.phase == "done")
        assert app.results == []
        # The countdown counts: one second of the app clock per step.
        for left in range(round(AUTO_CLOSE_SECONDS), 0, -1):
            await settle(pilot, lambda left=left: f"Closing in {left} s" in screen_text(app))
            assert app.results == []
            await sim_clock.advance(1)
        await settle(pilot, lambda: bool(app.results))
    assert app.results[0].outcome is Outcome.CANCELLED


async def test_the_modal_shows_the_status_line_the_server_sent(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    """Contract 6: the words come from the client's CancelResult, never a fixed string."""
    job_id = running_agent_job(sim_world)
    client = make_client(sim_app, sim_clock)
    sent = client.cancel_job

    async def cancel_job(job_id: str) -> CancelResult:
        await sent(job_id)
        return CancelResult(202, "Accepted", note="answer was odd")

    client.cancel_job = cancel_job  # type: ignore[method-assign]
    app = FormHost(client, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_modal(pilot, app, await read_job(app, job_id))
        await pilot.press("y")
        await settle(pilot, lambda: modal.phase == "done")
        shown = screen_text(app)
        assert "Server answered 202 Accepted (answer was odd)." in shown
        assert "204" not in shown


async def test_a_finished_job_cannot_be_cancelled_and_the_modal_says_why(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    sim_clock.advance_nowait(600)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        job = await read_job(app, job_id)
        assert job.is_finished
        modal = await open_modal(pilot, app, job)
        shown = screen_text(app)
        assert "Cannot cancel this job" in shown
        assert "already stopped" in shown
        # Only Close is offered; y does nothing.
        assert [b.id for b in modal.query(Button)] == ["cancel-close"]
        await pilot.press("y")
        await pilot.pause()
        assert modal.phase == "refused"
        await pilot.press("escape")
        await settle(pilot, lambda: bool(app.results))
    assert app.results == [None]
    assert deletes(sim_app) == []


async def test_no_and_escape_send_nothing(sim_app: Any, sim_world: World, sim_clock: Any) -> None:
    job_id = running_agent_job(sim_world)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        job = await read_job(app, job_id)
        await open_modal(pilot, app, job)
        await pilot.press("n")
        await settle(pilot, lambda: len(app.results) == 1)
        await open_modal(pilot, app, job)
        await pilot.press("escape")
        await settle(pilot, lambda: len(app.results) == 2)
    assert app.results == [None, None]
    assert deletes(sim_app) == []


async def test_a_403_from_another_drive_is_shown_with_its_meaning(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    demo = make_client(sim_app, sim_clock)
    job = await demo.get_job(job_id)
    await demo.aclose()
    app = FormHost(make_client(sim_app, sim_clock, token=OTHER_DRIVE_TOKEN), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_modal(pilot, app, job)
        await pilot.press("y")
        panel = modal.query_one("#cancel-error", ErrorPanel)
        await settle(pilot, lambda: panel.is_showing)
        shown = screen_text(app)
        assert "HTTP 403 Forbidden" in shown
        assert REMEDY_403[:40] in shown
        assert "not accepted" in shown
        await pilot.press("escape")
        await settle(pilot, lambda: bool(app.results))
    assert app.results == [None]
    assert [d["status"] for d in deletes(sim_app)] == [403]


async def test_a_404_for_an_expired_job_is_shown_with_its_meaning(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        job = await read_job(app, job_id)
        # 31 days later the job record has expired; the modal still holds the old copy.
        sim_clock.advance_nowait(31 * 86400)
        modal = await open_modal(pilot, app, job)
        await pilot.press("y")
        panel = modal.query_one("#cancel-error", ErrorPanel)
        await settle(pilot, lambda: panel.is_showing)
        shown = screen_text(app)
        assert "HTTP 404 Not Found" in shown
        assert REMEDY_404[:40] in shown
    assert [d["status"] for d in deletes(sim_app)] == [404]


class CancelThrottled(httpx.AsyncBaseTransport):
    """The simulator, except that a DELETE is answered 429 with a long Retry-After."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.deletes = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            self.deletes += 1
            return httpx.Response(
                429,
                headers={"Retry-After": "600", "X-RateLimit-Remaining": "0"},
                json={"error": "rate_limit_exceeded", "message": "Too many requests."},
                request=request,
            )
        return await self.inner.handle_async_request(request)


async def test_a_429_on_cancel_is_shown_with_its_meaning_and_not_slept_through(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    transport = CancelThrottled(sim_app)
    app = FormHost(make_client(transport, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        modal = await open_modal(pilot, app, await read_job(app, job_id))
        await pilot.press("y")
        panel = modal.query_one("#cancel-error", ErrorPanel)
        await settle(pilot, lambda: panel.is_showing)
        shown = screen_text(app)
        assert "HTTP 429 Too Many Requests" in shown
        assert REMEDY_429[:40] in shown
        assert "600 s" in shown
    assert transport.deletes == 1


async def test_a_job_that_stopped_meanwhile_gets_the_409_and_is_re_read(
    sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        stale = await read_job(app, job_id)
        # The modal opened on a live copy; the job finishes before the user says yes.
        sim_clock.advance_nowait(600)
        modal = await open_modal(pilot, app, stale)
        await pilot.press("y")
        await settle(pilot, lambda: modal.result is not None)
        shown = screen_text(app)
        assert "HTTP 409 Conflict" in shown
        assert "already stopped" in shown
        await pilot.press("escape")
        await settle(pilot, lambda: bool(app.results))
    assert app.results[0].outcome is Outcome.SUCCESS
    assert [d["status"] for d in deletes(sim_app)] == [409]


def test_snapshot_of_the_modal_after_the_204(
    snap_compare: Any, sim_app: Any, sim_world: World, sim_clock: Any
) -> None:
    job_id = running_agent_job(sim_world)
    sim_clock.advance_nowait(5)
    app = FormHost(make_client(sim_app, sim_clock), sim_clock)

    async def run_before(pilot: Any) -> None:
        modal = await open_modal(pilot, app, await read_job(app, job_id))
        await pilot.press("y")
        await settle(pilot, lambda: modal.phase == "done")

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
