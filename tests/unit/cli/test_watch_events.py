"""How `jobs watch` reacts to each kind of scheduler event."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from tui.api.errors import ForbiddenError, NotFoundError, TransportError, UnauthorizedError
from tui.api.models import Job
from tui.api.scheduler import ConnectionEvent, JobEvent
from tui.commands import CliContext
from tui.commands.jobs import _handle_event

JOB_ID = "6dc3f30a-58c2-4174-96a6-dc18cf3c7776"
DONE = Job.from_json(
    {"job_id": JOB_ID, "job_type": "agent", "job_state": "stopped", "result": {"status": "success"}}
)


def handle(event: object) -> tuple[set[str], set[str], list[Job], list[str], str]:
    ctx = CliContext(stdout=io.StringIO(), stderr=io.StringIO())
    waiting, gone, shown, written = {JOB_ID}, set(), [], []
    _handle_event(event, ctx, waiting, shown.append, gone, written.append)
    return waiting, gone, shown, written, ctx.stderr.getvalue()  # type: ignore[attr-defined]


def test_finished_job_stops_waiting() -> None:
    waiting, gone, shown, _, _ = handle(JobEvent("finished", JOB_ID, DONE))
    assert waiting == set() and gone == set() and shown == [DONE]


def test_gone_job_is_reported_and_stops_waiting() -> None:
    error = NotFoundError(404, "not_found", "Job not found", "")
    waiting, gone, shown, written, _ = handle(JobEvent("gone", JOB_ID, None, error=error))
    assert waiting == set() and gone == {JOB_ID} and shown == []
    assert "404" in written[0]


def test_a_4xx_on_a_watched_job_ends_the_watch_with_that_error() -> None:
    error = ForbiddenError(403, "forbidden", "User does not have access to this job", "")
    with pytest.raises(ForbiddenError):
        handle(JobEvent("error", JOB_ID, None, error=error))


def test_unauthorized_connection_ends_the_watch() -> None:
    error = UnauthorizedError(401, "unauthorized", "Missing or invalid token", "")
    with pytest.raises(UnauthorizedError):
        handle(ConnectionEvent("unauthorized", str(error), None, error))


def test_offline_is_a_note_on_stderr_and_the_watch_goes_on() -> None:
    retry_at = datetime(2026, 11, 25, 12, 0, 8, tzinfo=UTC)
    event = ConnectionEvent("offline", "could not reach", retry_at, TransportError("refused"))
    waiting, _, _, written, err = handle(event)
    assert waiting == {JOB_ID} and written == []
    assert "offline" in err and "12:00:08" in err
