"""What the polling scheduler tells its readers: job changes, the link's state, the first walk.

The scheduler is the one owner of the link to the API: the UI learns whether it is online,
rate limited, offline or unauthorized, when the server last answered and when the next
request goes, only from these events. "Stale" is not a state here: the UI derives it from
`ConnectionEvent.last_heard_at`, its clock and `PollingScheduler.stale_after()`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from tui.api.errors import (
    DescriptError,
    MissingTokenError,
    RateLimitedError,
    RetryAfterTooLong,
    ServerError,
    TransportError,
    UnauthorizedError,
)
from tui.api.models import Job, JobPage

JobEventKind = Literal["added", "changed", "finished", "gone", "error"]


class JobSource(Protocol):
    """What the scheduler needs from `DescriptClient`."""

    async def get_job(self, job_id: str) -> Job: ...

    async def list_jobs_page(
        self,
        *,
        job_type: str | None = None,
        project_id: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> JobPage: ...


class LinkState(enum.StrEnum):
    """How the scheduler's link to the API stands (a str, so "online" == LinkState.ONLINE)."""

    #: Nothing answered yet (at start, and after `resume()` following a 401).
    CONNECTING = "connecting"
    #: The last request was answered.
    ONLINE = "online"
    #: A transport failure or a 5xx; retrying at `retry_at` with backoff.
    OFFLINE = "offline"
    #: A 429 (or the client's closed Retry-After gate) holds every request until `retry_at`.
    RATE_LIMITED = "rate_limited"
    #: A 401: polling stops until `resume()` (a new token).
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True, slots=True)
class JobEvent:
    """A watched job appeared, changed, finished, expired (404) or could not be read.

    `job` is the latest known state (None only when a job watched by id was never read);
    `previous` the state before this event. "finished" fires once per job, also when the
    first read already shows it finished (right after its "added"). `error` is set for
    "gone" (the 404) and "error" (a 4xx other than 401/404/429, or an unreadable answer).
    """

    kind: JobEventKind
    job_id: str
    job: Job | None
    previous: Job | None = None
    error: DescriptError | None = None


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """The link's state, emitted on every change and after every request (a heartbeat).

    Consumers coalesce: only the latest matters. `retry_at` is set while offline or rate
    limited; `last_heard_at` is when the server last answered anything, even an error;
    `next_request_at` when the loop plans to send next (None: not known, or nothing to do
    until something is watched). Times are aware UTC on the scheduler's clock.
    """

    state: LinkState
    detail: str = ""
    retry_at: datetime | None = None
    error: DescriptError | None = None
    last_heard_at: datetime | None = None
    next_request_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WalkEvent:
    """The first list walk (`walk_on_start=True`) read another page.

    Emitted after each page's "added" events; `complete` after the last page. A walk the
    API refuses for good (a 4xx other than 401/429) ends with `complete=False` and `error`.
    """

    pages: int
    jobs: int
    complete: bool
    error: DescriptError | None = None


SchedulerEvent = JobEvent | ConnectionEvent | WalkEvent


def is_connection_error(error: BaseException) -> bool:
    """A failure that says nothing about one job: the API is unreachable, refusing or busy."""
    return isinstance(
        error,
        UnauthorizedError
        | MissingTokenError
        | RateLimitedError
        | RetryAfterTooLong
        | TransportError
        | ServerError,
    )


class UnexpectedFailure(DescriptError):
    """A failure no other class describes, kept so the loop can report it and go on."""


def unexpected(error: Exception) -> DescriptError:
    wrapped = UnexpectedFailure(f"{type(error).__name__}: {error}")
    wrapped.__cause__ = error
    return wrapped
