"""The journal's answers: a job as the table needs it at start, a submission to reconcile."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.api.models import Job, parse_timestamp
from tui.journal.schema import OUTCOME_UNKNOWN, SENDING


@dataclass(frozen=True)
class JournaledJob:
    """One row of the table at start: a job, or a submission still without a job."""

    local_id: int | None
    job_id: str | None
    kind: str
    job: Job | None
    request: dict[str, Any] | None = field(default=None, repr=False)
    extra: dict[str, Any] | None = field(default=None, repr=False)
    submitted_at: datetime | None = None
    submission_status: str | None = None
    error: str | None = None
    source: str = "submitted"
    first_seen_at: datetime | None = None
    updated_at: datetime | None = None
    expired_at: datetime | None = None

    @property
    def expired(self) -> bool:
        return self.expired_at is not None

    @property
    def needs_reconciliation(self) -> bool:
        return self.job_id is None and self.submission_status in (SENDING, OUTCOME_UNKNOWN)

    @property
    def key(self) -> str:
        """A stable row key: the job id, or `local-N` for a submission without one yet."""
        return self.job_id or f"local-{self.local_id}"


@dataclass(frozen=True)
class PendingSubmission:
    """A submission whose POST may or may not have created a job."""

    local_id: int
    kind: str
    request: dict[str, Any] = field(repr=False)
    submitted_at: datetime
    status: str
    error: str | None
    #: Still `sending`, and the process that sent it is gone (killed, crashed): its POST
    #: may have gone out; it needs reconciling now, not after `STALE_SENDING`.
    orphaned: bool = False


def parse_time(value: str | None) -> datetime | None:
    return parse_timestamp(value) if value else None
