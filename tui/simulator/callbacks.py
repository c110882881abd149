"""Delivering `callback_url` POSTs when a job stops (or is cancelled), with retries and faults.

The payload is the job's final GET JSON. A delivery that fails (connection error, timeout
or a non-2xx answer) is retried after 5 s, 30 s and 120 s of simulator time, then given up.
`tick()` delivers whatever is due; served, the app's timer calls it every 0.2 s, so a
loopback receiver hears of a job in real time; tests call it. Served without an injected
transport, only loopback hosts are called (127.0.0.0/8, ::1, localhost), so a demo never
posts to the internet. Every attempt, skip and fault is recorded (`GET /_sim/callbacks`).

Callback fault profiles (`POST /_sim/faults {"callbacks": ...}`), seeded by the fault seed
and the job id, so the same jobs get the same faults:
- `none`: delivered once, as soon as the job stops.
- `late`: the first attempt waits `CALLBACK_LATE_S` (90 s of simulator time).
- `duplicated`: the same payload is POSTed twice in a row.
- `lost`: never sent (recorded as lost), as if the network ate it.
- `out_of_order`: each delivery waits a seeded 0-30 s, and a tick's deliveries go out
  newest stop first, so a job that stopped later may be heard of first.
- `mixed`: per callback, 20 % late, 15 % duplicated, 10 % lost, 20 % out of order.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx

from tui.simulator.world import CallbackDue, World, seeded_rng, ts_to_iso

RETRY_DELAYS_S = (5.0, 30.0, 120.0)
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1
# Short: a receiver on this machine answers at once or not at all.
DELIVERY_TIMEOUT_S = 2.0
CALLBACK_FAULTS = ("none", "late", "duplicated", "lost", "out_of_order", "mixed")
CALLBACK_LATE_S = 90.0
OUT_OF_ORDER_DELAY_S = (0.0, 30.0)
# `mixed`: cumulative shares of each fault, the rest delivered normally.
_MIXED_SHARES = (("late", 0.20), ("duplicated", 0.35), ("lost", 0.45), ("out_of_order", 0.65))


def is_loopback_host(host: str) -> bool:
    """`localhost`, `*.localhost`, `127.x.y.z`, `::1` (brackets allowed): this machine only."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def callback_fault(profile: str, seed: int, job_id: str) -> str:
    """The fault one job's callback gets under `profile` (deterministic)."""
    if profile != "mixed":
        return profile
    roll = seeded_rng(seed, "callback", job_id).random()
    return next((name for name, upto in _MIXED_SHARES if roll < upto), "none")


class CallbackDispatcher:
    def __init__(
        self,
        world: Callable[[], World],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        any_host: bool = False,
    ) -> None:
        self._world = world
        self._transport = transport
        # An injected transport never leaves the process, so any host is fine.
        self._any_host = any_host or transport is not None
        self.log: deque[dict[str, Any]] = deque(maxlen=10_000)
        self.profile = "none"
        self.seed = 0
        # The served timer and POST /_sim/tick may tick at once: one delivery round at a time.
        self._lock = asyncio.Lock()

    def configure(self, profile: str, seed: int | None = None) -> None:
        if profile not in CALLBACK_FAULTS:
            raise ValueError(f"callback fault must be one of {', '.join(CALLBACK_FAULTS)}")
        self.profile = profile
        if seed is not None:
            self.seed = seed

    async def tick(self) -> int:
        """Stop whatever is due, then deliver every callback due now; returns POSTs tried."""
        async with self._lock:
            return await self._tick()

    async def _tick(self) -> int:
        world = self._world()
        now = world.now_ts()
        world.settle(now)
        for callback in [c for c in world.callbacks_due if c.fault is None]:
            self._assign_fault(world, callback, now)
        due = [c for c in world.callbacks_due if c.next_at <= now]
        if not due:
            return 0
        if self.profile in ("out_of_order", "mixed"):
            due.sort(key=lambda c: c.payload.get("stopped_at") or "", reverse=True)
        attempted = 0
        async with httpx.AsyncClient(
            transport=self._transport, timeout=DELIVERY_TIMEOUT_S
        ) as client:
            for callback in due:
                attempted += await self._deliver(world, client, callback, now)
        return attempted

    def _assign_fault(self, world: World, callback: CallbackDue, now: float) -> None:
        """Decide once, when the job stops, what goes wrong with its callback."""
        fault = callback_fault(self.profile, self.seed, callback.job_id)
        callback.fault = fault
        if fault == "late":
            callback.next_at += CALLBACK_LATE_S
        elif fault == "out_of_order":
            rng = seeded_rng(self.seed, "callback-delay", callback.job_id)
            callback.next_at += rng.uniform(*OUT_OF_ORDER_DELAY_S)
        elif fault == "lost":
            self._record(callback, now, outcome="lost (fault)")
            world.callbacks_due.remove(callback)

    async def _deliver(
        self, world: World, client: httpx.AsyncClient, callback: CallbackDue, now: float
    ) -> int:
        """One attempt (two POSTs when duplicated); returns how many POSTs were tried."""
        if not self._allowed(callback.url):
            self._record(callback, now, outcome="skipped: not a loopback host")
            world.callbacks_due.remove(callback)
            return 0
        callback.attempts += 1
        outcome = await self._post(client, callback)
        self._record(callback, now, outcome=outcome)
        posts = 1
        if outcome == "delivered" and callback.fault == "duplicated":
            self._record(callback, now, outcome=f"{await self._post(client, callback)} (duplicate)")
            posts = 2
        if outcome == "delivered" or callback.attempts >= MAX_ATTEMPTS:
            world.callbacks_due.remove(callback)
        else:
            callback.next_at = now + RETRY_DELAYS_S[callback.attempts - 1]
        return posts

    async def _post(self, client: httpx.AsyncClient, callback: CallbackDue) -> str:
        try:
            response = await client.post(callback.url, json=callback.payload)
        except Exception as exc:  # any failure is recorded; delivery never crashes the app
            return f"error: {type(exc).__name__}"
        if 200 <= response.status_code < 300:
            return "delivered"
        return f"status {response.status_code}"

    def _allowed(self, url: str) -> bool:
        if self._any_host:
            return True
        return is_loopback_host(urlparse(url).hostname or "")

    def _record(self, callback: CallbackDue, now: float, *, outcome: str) -> None:
        self.log.append(
            {
                "job_id": callback.job_id,
                "url": callback.url,
                "attempt": callback.attempts,
                "at": ts_to_iso(now),
                "outcome": outcome,
                "fault": callback.fault,
            }
        )
