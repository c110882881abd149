"""The header's link words from scheduler events and the clock alone."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.unit.live.helpers import T0
from tui.api.clock import ManualClock
from tui.api.scheduler import PollPolicy
from tui.live.link import LinkView, default_stale_after, state_name


class LinkState(enum.Enum):  # the scheduler's enum as contract 3 names it
    ONLINE = "online"
    RATE_LIMITED = "rate_limited"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Event:  # the fields a ConnectionEvent carries (contract 3)
    state: object
    detail: str = ""
    retry_at: datetime | None = None
    last_heard_at: datetime | None = None
    next_request_at: datetime | None = None


def view(stale_after: float = 30.0) -> LinkView:
    return LinkView(stale_after=lambda: stale_after, started_at=T0)


def test_the_header_says_when_the_server_was_heard_and_when_it_is_asked_next() -> None:
    link = view()
    assert link.header_text(T0) == "not heard yet"
    first = Event(LinkState.ONLINE, last_heard_at=T0, next_request_at=T0 + timedelta(seconds=8))
    assert link.observe(first, T0)
    assert link.state == "online"
    assert link.header_text(T0 + timedelta(seconds=3)) == "polled 3 s ago · next in 5 s"
    # A heartbeat with the same state: not a state change, but the words move on.
    later = T0 + timedelta(seconds=10)
    assert not link.observe(Event("online", last_heard_at=later, next_request_at=later), T0)
    assert link.header_text(later + timedelta(seconds=2)) == "polled 2 s ago · next now"


async def test_a_quiet_drive_turns_stale_when_the_clock_moves_on() -> None:
    clock = ManualClock()
    start = clock.now()
    link = LinkView(stale_after=lambda: 30.0, started_at=start)
    link.observe(Event(LinkState.ONLINE, last_heard_at=start), T0)
    await clock.advance(29)
    assert not link.is_stale(clock.now())
    assert link.header_text(clock.now()) == "polled 29 s ago"
    await clock.advance(66)
    assert link.is_stale(clock.now())
    assert link.header_text(clock.now()) == "stale · polled 1 min ago"


def test_an_error_state_is_not_called_stale_and_never_heard_counts_from_start() -> None:
    link = view()
    assert link.is_stale(T0 + timedelta(seconds=31))  # connecting, no answer for 31 s
    link.observe(Event(LinkState.OFFLINE, "no answer"), T0)
    assert link.state == "offline" and not link.is_stale(T0 + timedelta(hours=1))


def test_stale_after_is_three_intervals_or_thirty_seconds() -> None:
    assert default_stale_after(PollPolicy()) == 30.0
    assert default_stale_after(PollPolicy(first_interval=20.0, max_interval=60.0)) == 60.0
    assert state_name(LinkState.RATE_LIMITED) == "rate_limited"
    assert state_name("offline") == "offline"
