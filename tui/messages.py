"""Every message a worker posts to the UI: the one way from background work to widgets.

Workers never touch widgets; they post one of these and a handler on the screen or app
reacts. `JobsChanged` can arrive in bursts (a poll batch every few hundred ms with many
jobs), so it coalesces: a queued one absorbs the one before it instead of both repainting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from textual.message import Message

from tui.api.models import Job


class ConnectionState(StrEnum):
    """What the header says about the link to the API."""

    CONNECTING = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"  # a transport error; retrying with backoff
    UNAUTHORIZED = "unauthorized"  # 401: the token is missing, wrong or expired
    RATE_LIMITED = "rate_limited"  # a Retry-After holds every request
    ERROR = "error"  # a 4xx that retrying will not fix (e.g. 403 on the list)


@dataclass
class JobsChanged(Message):
    """Jobs the poller (or a submit, or a cancel) saw change; keyed by job_id."""

    jobs: dict[str, Job] = field(default_factory=dict)
    # Jobs that reached a terminal state in this batch (for notifications).
    finished: dict[str, Job] = field(default_factory=dict)
    # Jobs the API no longer knows (404 / past the 30-day retention).
    gone: set[str] = field(default_factory=set)

    def can_replace(self, message: Message) -> bool:
        # `message` is queued behind us: hand it our jobs (its newer copies win) and drop us.
        if not isinstance(message, JobsChanged):
            return False
        # A job gone before and seen alive in the newer message is alive after all.
        message.gone = (self.gone - message.jobs.keys()) | message.gone
        message.jobs = {**self.jobs, **message.jobs}
        message.finished = {**self.finished, **message.finished}
        return True


@dataclass
class JobsListed(Message):
    """A page of the initial `GET /jobs` walk."""

    jobs: list[Job]
    complete: bool = False


@dataclass
class ProjectsListed(Message):
    """Project names for the project column and filter (`GET /projects`)."""

    names: dict[str, str]


@dataclass
class ConnectionChanged(Message):
    """The poller's view of the API link; `retry_at` is when the next attempt goes (UTC)."""

    state: ConnectionState
    detail: str = ""
    retry_at: datetime | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ConnectionChanged)


@dataclass
class DriveKnown(Message):
    """The Drive the token belongs to, learned from the first job or created job."""

    drive_id: str


@dataclass
class JournalRestored(Message):
    """What the journal remembered, read at start before any list answer.

    `rows`: `tui.journal.JournaledJob`s (jobs, expired jobs, submissions needing
    reconciliation); `unfinished`: ids to poll again; `ui_state`: filters, sort, last screen.
    """

    rows: list[Any]
    unfinished: list[str]
    ui_state: dict[str, Any]


@dataclass
class ReconciliationsFound(Message):
    """Submissions whose outcome is unknown (`tui.journal.PendingSubmission`s) to show."""

    pending: list[Any]
