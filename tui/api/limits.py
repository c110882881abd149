"""Client-side rate limiting, so the Descript API seldom has to say 429.

- Imports and agent edits: a sliding window log each, 10 per 60 s (errors-and-rate-limits.txt).
  A log, not a token bucket: a bucket of 10 refilling 10/min lets 19 through in one 60 s
  window; the log never lets an 11th start within 60 s of the 1st. Publishes get a window of
  their own too (undocumented, so the same cautious 10/60 s).
- Job status ("20 requests per second per user"): a 1 s sliding window with headroom
  (default 18/s). Every GET and DELETE spends it, since the spec publishes no other number.
- One shared gate: a 429 or `X-RateLimit-Remaining: 0` closes it for every waiting request
  until its deadline.
- Across processes: given a `SharedBudget` (tui/api/budget.py), the windows, the gate and a
  3 s spacing per polled job are kept in one file every process on the same token and base
  URL uses; the local windows then only mirror this process's sends for the UI.

Every send (first attempts and retries alike) is recorded. All waiting goes through the
injected `Clock`, so tests run in virtual time.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tui.api.budget import SharedBudget, open_shared_budget
from tui.api.clock import Clock, SystemClock
from tui.api.errors import RateLimitInfo, RetryAfterTooLong


class RequestKind(StrEnum):
    """Which budget a request spends."""

    IMPORT = "import"
    AGENT = "agent"
    PUBLISH = "publish"
    # GET /jobs/{id}, GET /jobs, projects and DELETE: the per-second budget.
    STATUS = "status"


@dataclass(frozen=True, slots=True)
class LimitConfig:
    import_limit: int = 10
    agent_limit: int = 10
    publish_limit: int = 10
    submit_window: float = 60.0
    #: The server's per-second status limit, and how many of those we leave unused.
    status_server_limit: int = 20
    status_headroom: int = 2
    status_window: float = 1.0
    #: Extra seconds before a window slot counts as free, against clock skew with the server.
    slack: float = 0.05
    #: How long `X-RateLimit-Remaining: 0` without a usable Retry-After holds the next send.
    remaining_zero_hold: float = 1.0
    #: Across processes a grant and its request's arrival at the server are further apart
    #: (a busy process may be slow to send): wider margins on the shared windows.
    shared_submit_slack: float = 1.0
    shared_status_slack: float = 0.1

    @property
    def status_limit(self) -> int:
        return max(1, self.status_server_limit - self.status_headroom)


class SlidingWindowLog:
    """At most `limit` sends in any `window` seconds: the times of recent sends, in order."""

    def __init__(self, name: str, limit: int, window: float, *, slack: float = 0.0) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a window needs limit >= 1 and a positive length")
        self.name = name
        self.limit = limit
        self.window = window
        self.slack = slack
        self._sends: deque[float] = deque()

    def _prune(self, now: float) -> None:
        while self._sends and self._sends[0] + self.window + self.slack <= now:
            self._sends.popleft()

    def used(self, now: float) -> int:
        self._prune(now)
        return len(self._sends)

    def remaining(self, now: float) -> int:
        return max(0, self.limit - self.used(now))

    def next_free(self, now: float) -> float:
        """The monotonic time at which one more send fits (`now` if it fits already)."""
        self._prune(now)
        if len(self._sends) < self.limit:
            return now
        # The send that must age out is the one `limit` places from the newest.
        return self._sends[-self.limit] + self.window + self.slack

    def record(self, now: float) -> None:
        self._sends.append(now)

    def __repr__(self) -> str:
        return f"SlidingWindowLog({self.name!r}, {self.limit}/{self.window:g}s)"


class Gate:
    """Shut for everyone until a deadline (a 429's Retry-After, or Remaining: 0)."""

    def __init__(self) -> None:
        self.closed_until: float = float("-inf")
        self.reason: str | None = None

    def close(self, until: float, reason: str) -> None:
        # Only ever extends: a shorter Retry-After never reopens a longer closure.
        if until > self.closed_until:
            self.closed_until = until
            self.reason = reason

    def wait(self, now: float) -> float:
        return max(0.0, self.closed_until - now)

    def is_closed(self, now: float) -> bool:
        return self.closed_until > now


@dataclass(frozen=True, slots=True)
class WindowSnapshot:
    name: str
    limit: int
    window_seconds: float
    used: int
    remaining: int
    #: When the next slot frees (None: one is free now).
    next_free_at: datetime | None


@dataclass(frozen=True, slots=True)
class BudgetSnapshot:
    """What the UI header shows about the request budget, at `taken_at`."""

    taken_at: datetime
    status_last_second: int
    status_limit: int
    status_server_limit: int
    imports: WindowSnapshot
    agents: WindowSnapshot
    publishes: WindowSnapshot
    gate_closed_until: datetime | None
    gate_reason: str | None
    #: The last rate-limit headers the server sent (any endpoint).
    server_remaining: int | None
    server_consumed: int | None

    @property
    def gate_closed(self) -> bool:
        return self.gate_closed_until is not None


class RateLimits:
    """Every request waits here for its budget (and the shared gate) before it is sent."""

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        config: LimitConfig | None = None,
        shared: SharedBudget | None = None,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.shared = shared
        self.config = config or LimitConfig()
        c = self.config
        self._windows: dict[RequestKind, SlidingWindowLog] = {
            RequestKind.IMPORT: SlidingWindowLog(
                "import", c.import_limit, c.submit_window, slack=c.slack
            ),
            RequestKind.AGENT: SlidingWindowLog(
                "agent", c.agent_limit, c.submit_window, slack=c.slack
            ),
            RequestKind.PUBLISH: SlidingWindowLog(
                "publish", c.publish_limit, c.submit_window, slack=c.slack
            ),
            RequestKind.STATUS: SlidingWindowLog("status", c.status_limit, c.status_window),
        }
        self.gate = Gate()
        self.last_server_info = RateLimitInfo()

    @classmethod
    def shared_for(
        cls, token: str, base_url: str, clock: Clock | None = None
    ) -> tuple[RateLimits, str | None]:
        """Limits shared with every process on this token and base URL, or per-process ones
        and the one-line warning to show when the state dir cannot be used."""
        clock = clock or SystemClock()
        shared, warning = open_shared_budget(token, base_url, clock)
        return cls(clock, shared=shared), warning

    def _shared(self) -> SharedBudget | None:
        """The shared budget while it works; after a failure, this process's own limits."""
        if self.shared is not None and self.shared.failed:
            self.shared = None
        return self.shared

    def window(self, kind: RequestKind) -> SlidingWindowLog:
        return self._windows[kind]

    # -- waiting ------------------------------------------------------------------------

    def would_wait(self, kind: RequestKind) -> float:
        """Seconds a send of `kind` would wait right now (0: it would go at once)."""
        now = self.clock.monotonic()
        budget = self._shared()
        shared = budget.gate().wait if budget is not None else 0.0
        return max(self.gate.wait(now), shared, self._windows[kind].next_free(now) - now, 0.0)

    def next_slot_at(self, kind: RequestKind) -> datetime | None:
        """Wall-clock time the next send of `kind` may start; None when it may start now."""
        wait = self.would_wait(kind)
        return self.clock.now() + timedelta(seconds=wait) if wait > 0 else None

    async def acquire(
        self, kind: RequestKind, *, max_wait: float | None = None, job_id: str | None = None
    ) -> float:
        """Wait for the gate and `kind`'s window, then record the send; returns seconds waited.

        A wait longer than `max_wait` raises `RetryAfterTooLong` at once (nothing recorded),
        so the caller can show "rate-limited until T" instead of hanging. `job_id`: a status
        GET of that job, spaced 3 s from any other process's (shared budget only).
        """
        if (budget := self._shared()) is not None:
            return await self._acquire_shared(budget, kind, max_wait, job_id)
        window = self._windows[kind]
        started = self.clock.monotonic()
        while True:
            now = self.clock.monotonic()
            gate_wait = self.gate.wait(now)
            wait = max(gate_wait, window.next_free(now) - now)
            if wait <= 0:
                # Check and record with no await between: concurrent waiters cannot overbook.
                window.record(now)
                return now - started
            if max_wait is not None and (now - started) + wait > max_wait:
                reason = (
                    (self.gate.reason or "rate limited")
                    if gate_wait >= wait
                    else f"the {window.name} window is full ({window.limit} per "
                    f"{window.window:g} s)"
                )
                raise RetryAfterTooLong(
                    wait,
                    until=self.clock.now() + timedelta(seconds=wait),
                    max_wait=max_wait,
                    reason=reason,
                    waited=now - started,
                )
            await self.clock.sleep(wait)

    async def _acquire_shared(
        self,
        shared: SharedBudget,
        kind: RequestKind,
        max_wait: float | None,
        job_id: str | None,
    ) -> float:
        """`acquire` against the budget every process on this token shares."""
        window = self._windows[kind]
        started = self.clock.monotonic()
        while True:
            c = self.config
            slack = c.shared_status_slack if kind is RequestKind.STATUS else c.shared_submit_slack
            grant = shared.try_acquire(
                kind.value, window.limit, window.window + slack, job_id=job_id
            )
            now = self.clock.monotonic()
            if grant.wait <= 0:
                window.record(now)  # this process's share, for the header
                return now - started
            if max_wait is not None and (now - started) + grant.wait > max_wait:
                raise RetryAfterTooLong(
                    grant.wait,
                    until=self.clock.now() + timedelta(seconds=grant.wait),
                    max_wait=max_wait,
                    reason=grant.reason,
                    waited=now - started,
                )
            await self.clock.sleep(grant.wait)

    # -- what the server said -----------------------------------------------------------

    def close_gate(self, seconds: float, reason: str) -> None:
        """Hold every request for `seconds` (e.g. after a 429), in every process sharing the
        budget."""
        self.gate.close(self.clock.monotonic() + max(0.0, seconds), reason)
        if (budget := self._shared()) is not None:
            budget.close_gate(seconds, reason)

    def observe(self, status: int, rate_limit: RateLimitInfo) -> None:
        """Note a response's rate-limit headers; `Remaining: 0` holds the next send.

        A 429 is not handled here: the retry loop closes the gate for the delay it decided.
        """
        if not rate_limit.is_empty:
            self.last_server_info = rate_limit
        if status != 429 and rate_limit.remaining is not None and rate_limit.remaining <= 0:
            hold = rate_limit.retry_after.seconds or self.config.remaining_zero_hold
            self.close_gate(hold, "X-RateLimit-Remaining: 0")

    # -- for the UI ---------------------------------------------------------------------

    def snapshot(self) -> BudgetSnapshot:
        mono = self.clock.monotonic()
        wall = self.clock.now()

        def at(t: float) -> datetime:
            return wall + timedelta(seconds=t - mono)

        def window_snapshot(kind: RequestKind) -> WindowSnapshot:
            w = self._windows[kind]
            free = w.next_free(mono)
            return WindowSnapshot(
                name=w.name,
                limit=w.limit,
                window_seconds=w.window,
                used=w.used(mono),
                remaining=w.remaining(mono),
                next_free_at=at(free) if free > mono else None,
            )

        closed = self.gate.is_closed(mono)
        if (budget := self._shared()) is not None:
            # Another process's 429 holds this one too: show the later of the two.
            shared = budget.gate()
            if shared.wait > 0 and mono + shared.wait > self.gate.closed_until:
                self.gate.close(mono + shared.wait, shared.reason)
                closed = True
        return BudgetSnapshot(
            taken_at=wall,
            status_last_second=self._windows[RequestKind.STATUS].used(mono),
            status_limit=self.config.status_limit,
            status_server_limit=self.config.status_server_limit,
            imports=window_snapshot(RequestKind.IMPORT),
            agents=window_snapshot(RequestKind.AGENT),
            publishes=window_snapshot(RequestKind.PUBLISH),
            gate_closed_until=at(self.gate.closed_until) if closed else None,
            gate_reason=self.gate.reason if closed else None,
            server_remaining=self.last_server_info.remaining,
            server_consumed=self.last_server_info.consumed,
        )

    def __repr__(self) -> str:
        return f"RateLimits(status={self.config.status_limit}/s, clock={self.clock!r})"
