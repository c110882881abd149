"""The documented rate limits, as sliding windows (on the injected clock in-process, on real
time when served; the app passes the time in).

Imports 10 per 60 s and agent edits 10 per 60 s per token; job status (GET /jobs/{id}) 20 per
second per user. A refused request does not count. Every decision carries the numbers for
`X-RateLimit-Remaining`, `X-RateLimit-Consumed` and (when refused) `Retry-After`.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

IMPORT_LIMIT = (10, 60.0)
AGENT_LIMIT = (10, 60.0)
STATUS_LIMIT = (20, 1.0)


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    remaining: int
    consumed: int
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        headers = {
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Consumed": str(self.consumed),
        }
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class SlidingWindow:
    """At most `limit` hits per key in any `window_s` seconds."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: dict[str, deque[float]] = {}

    def hit(self, key: str, now: float) -> RateDecision:
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque()
        horizon = now - self.window_s
        while hits and hits[0] <= horizon:
            hits.popleft()
        if len(hits) >= self.limit:
            wait = hits[0] + self.window_s - now
            return RateDecision(False, 0, len(hits), max(1, math.ceil(wait)))
        hits.append(now)
        return RateDecision(True, self.limit - len(hits), len(hits))


class SimRateLimits:
    """The three documented limits; `enabled=False` lets benchmarks measure raw speed."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.imports = SlidingWindow(*IMPORT_LIMIT)
        self.agent = SlidingWindow(*AGENT_LIMIT)
        self.status = SlidingWindow(*STATUS_LIMIT)

    def check(self, window: SlidingWindow, key: str, now: float) -> RateDecision | None:
        if not self.enabled:
            return None
        return window.hit(key, now)
