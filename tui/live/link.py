"""The link view model: what the header says about the server, fed only by the scheduler.

The scheduler owns the link state (contract 3): every `ConnectionEvent` carries the state,
when the server last answered anything (`last_heard_at`) and when the loop sends next
(`next_request_at`). This model keeps the latest event and, with the clock, derives what the
scheduler does not say: "stale" (nothing heard for longer than `stale_after()` seconds while
the link claims to be up) and the words "polled 3 s ago · next in 5 s". A one-second timer
on the screen only re-renders these words; it is never a source of state.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tui.api.scheduler import PollPolicy
from tui.formatting import format_span

CONNECTING = "connecting"
ONLINE = "online"
OFFLINE = "offline"
RATE_LIMITED = "rate_limited"
UNAUTHORIZED = "unauthorized"
# States in which silence means something is wrong (offline and friends say so themselves).
_UP = frozenset({CONNECTING, ONLINE})
# Never amber sooner than this, however fast the polling (issue 8).
STALE_FLOOR = 30.0


class LinkReport(Protocol):
    """What the link model reads from a scheduler `ConnectionEvent`."""

    @property
    def state(self) -> object: ...
    @property
    def detail(self) -> str: ...
    @property
    def retry_at(self) -> datetime | None: ...
    @property
    def last_heard_at(self) -> datetime | None: ...
    @property
    def next_request_at(self) -> datetime | None: ...


def state_name(state: object) -> str:
    """`LinkState.RATE_LIMITED` (or the older literal "rate_limited") -> "rate_limited"."""
    return state.name.lower() if isinstance(state, enum.Enum) else str(state)


def default_stale_after(policy: PollPolicy) -> float:
    """Three poll intervals of a freshly changed job, or 30 s, whichever is larger."""
    return max(3 * policy.first_interval, STALE_FLOOR)


@dataclass
class LinkView:
    """The latest word from the scheduler about the link, and what the clock makes of it."""

    #: Seconds of silence after which an up link shows "stale" (the scheduler's number).
    stale_after: Callable[[], float]
    #: When this view started: silence before the first answer counts from here.
    started_at: datetime
    state: str = CONNECTING
    detail: str = ""
    retry_at: datetime | None = None
    last_heard_at: datetime | None = None
    next_request_at: datetime | None = None

    def observe(self, event: LinkReport, now: datetime) -> bool:
        """Take one event; True when the state or its detail changed (banner and colours)."""
        name = state_name(event.state)
        changed = (name, event.detail) != (self.state, self.detail)
        self.state, self.detail, self.retry_at = name, event.detail, event.retry_at
        if event.last_heard_at is not None:
            self.last_heard_at = event.last_heard_at
        self.next_request_at = event.next_request_at
        return changed

    def silence(self, now: datetime) -> float:
        """Seconds since the server last answered (or since the start, if it never has)."""
        since = self.last_heard_at or self.started_at
        return max(0.0, (now - since).total_seconds())

    def is_stale(self, now: datetime) -> bool:
        return self.state in _UP and self.silence(now) > self.stale_after()

    def header_text(self, now: datetime) -> str:
        """`polled 3 s ago · next in 5 s`, led by `stale · ` when silence is too long."""
        heard = "not heard yet"
        if self.last_heard_at is not None:
            heard = f"polled {format_span(self.silence(now))} ago"
        parts = ["stale", heard] if self.is_stale(now) else [heard]
        if self.next_request_at is not None:
            wait = (self.next_request_at - now).total_seconds()
            parts.append(f"next in {format_span(wait)}" if wait >= 1 else "next now")
        return " · ".join(parts)
