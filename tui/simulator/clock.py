"""`ScaledClock`: real time run `speed` times faster, which `/_sim/clock` can freeze and jump.

The served simulator runs on it, so `--speed 10` makes a 5-minute import take 30 real
seconds while every timestamp the API shows stays consistent with the simulator's own now.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

# How often a sleeper on a frozen clock looks again (real seconds).
_FROZEN_POLL_S = 0.05


class ScaledClock:
    """A `Clock` whose time flows at `speed` x real time; freezable and advanceable."""

    def __init__(
        self,
        speed: float = 1.0,
        start: datetime | None = None,
        *,
        monotonic_start: float = 1000.0,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._lock = threading.Lock()
        self._speed = float(speed)
        self._epoch = (start or datetime.now(UTC)).astimezone(UTC)
        self._start = monotonic_start
        # Simulated monotonic = _base + (real - _real_base) * speed while running.
        self._base = monotonic_start
        self._real_base = time.monotonic()
        self._frozen = False

    # -- the Clock protocol --------------------------------------------------------------

    def monotonic(self) -> float:
        with self._lock:
            return self._now_locked()

    def now(self) -> datetime:
        return self._epoch + timedelta(seconds=self.monotonic() - self._start)

    async def sleep(self, seconds: float) -> None:
        deadline = self.monotonic() + max(0.0, seconds)
        while True:
            remaining = deadline - self.monotonic()
            if remaining <= 0:
                return
            if self._frozen:
                await asyncio.sleep(_FROZEN_POLL_S)
            else:
                await asyncio.sleep(min(remaining / self._speed, _FROZEN_POLL_S * 10))

    # -- control (via /_sim/clock) -------------------------------------------------------

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def frozen(self) -> bool:
        return self._frozen

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        with self._lock:
            self._rebase_locked()
            self._speed = float(speed)

    def freeze(self) -> None:
        with self._lock:
            self._rebase_locked()
            self._frozen = True

    def unfreeze(self) -> None:
        with self._lock:
            self._rebase_locked()
            self._frozen = False

    def advance(self, seconds: float) -> None:
        """Jump forward (works frozen or not); time never goes backwards."""
        if seconds < 0:
            raise ValueError("the simulator clock only moves forward")
        with self._lock:
            self._rebase_locked()
            self._base += seconds

    def _now_locked(self) -> float:
        if self._frozen:
            return self._base
        return self._base + (time.monotonic() - self._real_base) * self._speed

    def _rebase_locked(self) -> None:
        self._base = self._now_locked()
        self._real_base = time.monotonic()

    def __repr__(self) -> str:
        state = "frozen" if self._frozen else f"x{self._speed:g}"
        return f"ScaledClock({state}, now={self.now().isoformat()})"
