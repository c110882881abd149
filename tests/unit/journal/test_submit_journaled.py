"""`submit_journaled`: the request is in the journal before the POST, and what became of it
after: attached, needing reconciliation, or rejected."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from tui.api.clock import ManualClock
from tui.api.errors import (
    OutcomeUnknownError,
    TransportError,
    UnexpectedResponseError,
    UploadError,
)
from tui.api.models import Job, JobCreated
from tui.journal import OUTCOME_UNKNOWN, Journal
from tui.submissions import submit_journaled

REQUEST = {"project_id": "proj-1", "prompt": "remove filler words"}


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    clock = ManualClock()
    clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    with Journal(tmp_path / "journal.sqlite3", clock=clock) as journal:
        yield journal


def created(job_id: str = "job-1") -> JobCreated:
    return JobCreated.from_json({"job_id": job_id, "project_id": "proj-1"})


async def test_the_request_is_journaled_before_the_post(journal: Journal) -> None:
    seen_before_send: list[int] = []

    async def send() -> JobCreated:
        # The POST "goes out" now: the submission must already be on disk.
        rows = journal._read("SELECT local_id, request_json FROM submissions")
        seen_before_send.append(len(rows))
        return created()

    result = await submit_journaled(journal, "agent", REQUEST, send)
    assert result.job_id == "job-1"
    assert seen_before_send == [1]
    row = journal.get_job("job-1")
    assert row is not None and row.request == REQUEST and row.kind == "agent"
    assert journal.unfinished_job_ids() == ["job-1"]


async def test_an_unknown_outcome_needs_reconciliation(journal: Journal) -> None:
    async def send() -> JobCreated:
        raise OutcomeUnknownError("POST", "/jobs/agent", REQUEST, "ReadTimeout")

    with pytest.raises(OutcomeUnknownError):
        await submit_journaled(journal, "agent", REQUEST, send)
    (pending,) = journal.pending_reconciliations()
    assert pending.status == OUTCOME_UNKNOWN and pending.request == REQUEST
    assert "ReadTimeout" in (pending.error or "")


@pytest.mark.parametrize(
    "error",
    [
        TransportError("connection refused", method="POST", path="/jobs/agent"),
        UnexpectedResponseError(502, "<html>", "not JSON"),
        ValueError("anything else"),
    ],
)
async def test_a_proven_failure_is_rejected_not_pending(journal: Journal, error: Exception) -> None:
    async def send() -> JobCreated:
        raise error

    with pytest.raises(type(error)):
        await submit_journaled(journal, "agent", REQUEST, send)
    assert journal.pending_reconciliations() == []
    assert journal.load_jobs() == []


async def test_an_unreadable_201_needs_reconciliation(journal: Journal) -> None:
    async def send() -> JobCreated:
        raise UnexpectedResponseError(201, "{", "truncated JSON")

    with pytest.raises(UnexpectedResponseError):
        await submit_journaled(journal, "import", REQUEST, send)
    assert len(journal.pending_reconciliations()) == 1


async def test_a_failed_upload_still_journals_the_job_that_exists(journal: Journal) -> None:
    async def send() -> JobCreated:
        raise UploadError("ada.mp4", "connection reset", created=created("job-up"))

    with pytest.raises(UploadError):
        await submit_journaled(journal, "import", REQUEST, send)
    assert journal.unfinished_job_ids() == ["job-up"]


async def test_cancelled_while_sending_is_not_forgotten(journal: Journal) -> None:
    started = asyncio.Event()

    async def send() -> JobCreated:
        started.set()
        await asyncio.Event().wait()  # never answers
        raise AssertionError("unreachable")

    task = asyncio.create_task(submit_journaled(journal, "agent", REQUEST, send))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [p.error for p in journal.pending_reconciliations()] == ["cancelled while sending"]


async def test_no_journal_just_sends() -> None:
    async def send() -> JobCreated:
        return created()

    assert (await submit_journaled(None, "agent", REQUEST, send)).job_id == "job-1"


def test_record_events_upserts_and_expires_in_one_go(journal: Journal) -> None:
    running = Job.from_json({"job_id": "a", "job_type": "agent", "job_state": "running"})
    done = Job.from_json(
        {
            "job_id": "b",
            "job_type": "agent",
            "job_state": "stopped",
            "result": {"status": "success"},
        }
    )
    journal.upsert_job(
        Job.from_json({"job_id": "old", "job_type": "agent", "job_state": "running"})
    )
    events = [
        SimpleNamespace(kind="added", job_id="a", job=running),
        SimpleNamespace(kind="finished", job_id="b", job=done),
        SimpleNamespace(kind="gone", job_id="old", job=None),
        SimpleNamespace(state="online"),  # a ConnectionEvent: skipped
    ]
    assert journal.record_events(events) == 3
    rows = {r.job_id: r for r in journal.load_jobs()}
    assert rows["old"].expired and rows["old"].job is not None
    assert journal.unfinished_job_ids() == ["a"]


async def test_the_twin_of_an_unknown_outcome_is_refused_before_send(journal: Journal) -> None:
    """The one check the CLI and the dashboard's forms share (both submit through here)."""
    from tui.submissions import UnresolvedTwinError

    sent: list[str] = []

    async def lost() -> JobCreated:
        sent.append("first")
        raise OutcomeUnknownError("POST", "/jobs/agent", REQUEST, "ReadTimeout")

    async def again() -> JobCreated:
        sent.append("twin")
        return created("job-2")

    with pytest.raises(OutcomeUnknownError):
        await submit_journaled(journal, "agent", REQUEST, lost)
    with pytest.raises(UnresolvedTwinError) as caught:
        await submit_journaled(journal, "agent", dict(REQUEST), again)
    assert sent == ["first"]
    assert "descript-tui reconcile" in caught.value.remedy and "--force" in caught.value.remedy
    assert (await submit_journaled(journal, "agent", REQUEST, again, force=True)).job_id == "job-2"
    assert sent == ["first", "twin"]
