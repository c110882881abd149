"""Injectable time: every limiter, retry loop, scheduler and the simulator read time here.

`SystemClock` is the real thing. `ManualClock` is virtual time for tests and benchmarks:
`sleep()` parks the caller until `advance()` (or the auto-advancer) moves time past its
deadline, so a test of "two polls are 3 s apart" runs in microseconds and never flakes.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """What the rest of the code needs from time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for intervals and deadlines)."""
        ...

    def now(self) -> datetime:
        """The current wall-clock time, timezone-aware UTC (for API timestamps)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock."""
        ...


class SystemClock:
    """Real time."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


DEFAULT_EPOCH = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


class ManualClock:
    """Virtual time. Nothing moves until `advance()` is awaited (or `auto_advance` is on).

    With `auto_advance=True`, a sleeper that finds the event loop otherwise idle jumps time
    straight to the earliest pending deadline, so whole retry or polling scenarios run in
    virtual time without a test driving the clock by hand. Idle means: after yielding to
    the loop a few times, no other sleeper was added or woken. That holds for in-process
    code (httpx.ASGITransport, MockTransport); do not mix it with real sockets.
    """

    def __init__(
        self,
        start: datetime = DEFAULT_EPOCH,
        *,
        auto_advance: bool = False,
        monotonic_start: float = 1000.0,
    ) -> None:
        self._epoch = start
        self._start = monotonic_start
        self._t = monotonic_start
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._activity = 0
        self.auto_advance = auto_advance
        self._advancer: asyncio.Task[None] | None = None

    def monotonic(self) -> float:
        return self._t

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=self._t - self._start)

    @property
    def pending_sleepers(self) -> int:
        return sum(1 for _, _, fut in self._waiters if not fut.done())

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (self._t + seconds, next(self._seq), future))
        self._activity += 1
        if self.auto_advance:
            self._ensure_advancer()
        try:
            await future
        finally:
            self._activity += 1

    def set(self, when: datetime) -> None:
        """Jump wall and monotonic time to `when` (forward only), waking due sleepers."""
        delta = (when - self.now()).total_seconds()
        if delta < 0:
            raise ValueError("ManualClock only moves forward")
        self._move_to(self._t + delta)

    def advance_nowait(self, seconds: float) -> None:
        """Move time forward at once and wake every sleeper that is now due."""
        if seconds < 0:
            raise ValueError("ManualClock only moves forward")
        self._move_to(self._t + seconds)

    async def advance(self, seconds: float) -> None:
        """Move time forward in steps, letting woken tasks run (and sleep again) at each step.

        A task that wakes at t=3 and sleeps 3 s more is woken again at t=6 within the same
        `advance(10)`, exactly as it would be in real time.
        """
        if seconds < 0:
            raise ValueError("ManualClock only moves forward")
        target = self._t + seconds
        await self._settle()
        while True:
            self._drop_cancelled()
            if not self._waiters or self._waiters[0][0] > target:
                break
            self._move_to(self._waiters[0][0])
            await self._settle()
        self._t = max(self._t, target)
        await self._settle()

    def _move_to(self, when: float) -> None:
        self._t = max(self._t, when)
        while self._waiters and self._waiters[0][0] <= self._t:
            _, _, future = heapq.heappop(self._waiters)
            if not future.done():
                future.set_result(None)

    def _drop_cancelled(self) -> None:
        while self._waiters and self._waiters[0][2].done():
            heapq.heappop(self._waiters)

    async def _settle(self, rounds: int = 20) -> None:
        for _ in range(rounds):
            await asyncio.sleep(0)

    def _ensure_advancer(self) -> None:
        if self._advancer is None or self._advancer.done():
            self._advancer = asyncio.get_running_loop().create_task(self._auto_advance_loop())

    async def _auto_advance_loop(self) -> None:
        while self.auto_advance:
            before = self._activity
            await self._settle(rounds=50)
            self._drop_cancelled()
            if not self._waiters:
                return
            if self._activity == before:
                self._move_to(self._waiters[0][0])

    def __repr__(self) -> str:
        return f"ManualClock(now={self.now().isoformat()})"
