"""How `jobs watch` reacts to each kind of scheduler event."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from tui.api.errors import ForbiddenError, NotFoundError, TransportError, UnauthorizedError
from tui.api.link import ConnectionEvent, JobEvent, LinkState
from tui.api.models import Job
from tui.commands import CliContext
from tui.commands.watch import _Follow, _handle_event

JOB_ID = "6dc3f30a-58c2-4174-96a6-dc18cf3c7776"
RUNNING = Job.from_json({"job_id": JOB_ID, "job_type": "agent", "job_state": "running"})
DONE = Job.from_json(
    {"job_id": JOB_ID, "job_type": "agent", "job_state": "stopped", "result": {"status": "success"}}
)
NOT_FOUND = NotFoundError(404, "not_found", "Job not found", "")


def follow() -> tuple[_Follow, list[str], CliContext]:
    ctx = CliContext(stdout=io.StringIO(), stderr=io.StringIO())
    written: list[str] = []
    return _Follow(ctx, None, [JOB_ID], emit=written.append), written, ctx


def test_finished_job_stops_waiting() -> None:
    state, written, _ = follow()
    _handle_event(JobEvent("finished", JOB_ID, DONE), state)
    assert state.waiting == set() and state.gone == set() and state.last == {JOB_ID: DONE}
    assert "✔ success" in written[0]


def test_a_job_seen_then_gone_is_reported_and_stops_waiting() -> None:
    state, written, _ = follow()
    _handle_event(JobEvent("added", JOB_ID, RUNNING), state)
    _handle_event(JobEvent("gone", JOB_ID, RUNNING, error=NOT_FOUND), state)
    assert state.waiting == set() and state.gone == {JOB_ID}
    assert "404" in written[-1]


def test_an_id_never_read_that_is_gone_fails_the_watch() -> None:
    state, _, _ = follow()
    with pytest.raises(NotFoundError):
        _handle_event(JobEvent("gone", JOB_ID, None, error=NOT_FOUND), state)


def test_a_4xx_on_a_watched_job_ends_the_watch_with_that_error() -> None:
    error = ForbiddenError(403, "forbidden", "User does not have access to this job", "")
    with pytest.raises(ForbiddenError):
        _handle_event(JobEvent("error", JOB_ID, None, error=error), follow()[0])


def test_unauthorized_connection_ends_the_watch() -> None:
    error = UnauthorizedError(401, "unauthorized", "Missing or invalid token", "")
    with pytest.raises(UnauthorizedError):
        _handle_event(ConnectionEvent(LinkState.UNAUTHORIZED, str(error), None, error), follow()[0])


def test_offline_is_one_note_on_stderr_however_many_heartbeats() -> None:
    state, written, ctx = follow()
    retry_at = datetime(2026, 11, 25, 12, 0, 8, tzinfo=UTC)
    event = ConnectionEvent(LinkState.OFFLINE, "could not reach", retry_at, TransportError("x"))
    for _ in range(3):  # the change, then heartbeats that repeat it
        _handle_event(event, state)
    err = ctx.stderr.getvalue()  # type: ignore[attr-defined]
    assert state.waiting == {JOB_ID} and written == []
    assert err.count("offline") == 1 and "12:00:08" in err
