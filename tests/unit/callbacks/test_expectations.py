"""A job that waits for a callback is polled every 60 s, until the callback is overdue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.api.clock import ManualClock
from tui.api.models import Job
from tui.callbacks.expectations import CallbackExpectations, CallbackTiming

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def job(state: str = "running", percent: float | None = None, created: datetime = START) -> Job:
    data: dict[str, object] = {
        "job_id": "j1",
        "job_type": "import/project_media",
        "job_state": state,
        "created_at": created.isoformat(),
    }
    if percent is not None:
        data["progress"] = {"percent": percent}
    if state == "stopped":
        data["result"] = {"status": "success"}
    return Job.from_json(data)


def test_safety_poll_until_overdue_then_normal_schedule() -> None:
    clock = ManualClock(START)
    expectations = CallbackExpectations(clock, CallbackTiming(default_run_time=600))
    expectations.expect("j1")
    assert expectations.poll_floor("j1") == 60.0
    assert expectations.poll_floor("other") is None
    clock.advance_nowait(600 + 299)
    assert expectations.poll_floor("j1") == 60.0
    clock.advance_nowait(2)
    assert expectations.overdue("j1")
    assert expectations.poll_floor("j1") is None


def test_progress_moves_the_expected_end() -> None:
    clock = ManualClock(START)
    expectations = CallbackExpectations(clock, CallbackTiming(default_run_time=60))
    expectations.expect("j1")
    clock.advance_nowait(100)
    # 10 % after 100 s: about 900 s to go, so not overdue 400 s later.
    expectations.observed(job(percent=10))
    clock.advance_nowait(400)
    assert not expectations.overdue("j1")
    assert expectations.poll_floor("j1") == 60.0


def test_a_finished_read_ends_the_wait_and_a_stopped_receiver_reverts_all() -> None:
    clock = ManualClock(START)
    expectations = CallbackExpectations(clock)
    expectations.expect("j1")
    expectations.expect("j2")
    expectations.observed(job("stopped"))
    assert "j1" not in expectations and len(expectations) == 1
    expectations.receiver_running = False
    assert expectations.poll_floor("j2") is None


def test_a_job_created_long_ago_without_progress_is_overdue() -> None:
    clock = ManualClock(START + timedelta(hours=1))
    expectations = CallbackExpectations(clock, CallbackTiming(default_run_time=600))
    expectations.expect("j1")
    expectations.observed(job(created=START))
    assert expectations.overdue("j1")
