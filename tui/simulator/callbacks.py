"""Delivering `callback_url` POSTs when a job stops (or is cancelled), with retries.

The payload is the job's final GET JSON. A delivery that fails (connection error or a
non-2xx answer) is retried after 5 s, 30 s and 120 s of simulator time, then given up.
`tick()` delivers whatever is due; served, a background loop calls it; tests call it.
Served without an injected transport, only loopback hosts are called, so a demo never
posts to the internet.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx

from tui.simulator.world import CallbackDue, World, ts_to_iso

RETRY_DELAYS_S = (5.0, 30.0, 120.0)
MAX_ATTEMPTS = len(RETRY_DELAYS_S) + 1
DELIVERY_TIMEOUT_S = 5.0


def is_loopback_host(host: str) -> bool:
    """`localhost`, `*.localhost`, `127.x.y.z`, `::1` (brackets allowed): this machine only."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


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
        self.log: deque[dict[str, Any]] = deque(maxlen=1000)

    async def tick(self) -> int:
        """Stop whatever is due, then deliver every callback due now; returns POSTs tried."""
        world = self._world()
        now = world.now_ts()
        world.settle(now)
        due = [c for c in world.callbacks_due if c.next_at <= now]
        if not due:
            return 0
        attempted = 0
        async with httpx.AsyncClient(
            transport=self._transport, timeout=DELIVERY_TIMEOUT_S
        ) as client:
            for callback in due:
                if not self._allowed(callback.url):
                    self._record(callback, now, outcome="skipped: not a loopback host")
                    world.callbacks_due.remove(callback)
                    continue
                attempted += 1
                callback.attempts += 1
                outcome = await self._post(client, callback)
                self._record(callback, now, outcome=outcome)
                if outcome == "delivered" or callback.attempts >= MAX_ATTEMPTS:
                    world.callbacks_due.remove(callback)
                else:
                    callback.next_at = now + RETRY_DELAYS_S[callback.attempts - 1]
        return attempted

    async def _post(self, client: httpx.AsyncClient, callback: CallbackDue) -> str:
        try:
            response = await client.post(callback.url, json=callback.payload)
        except httpx.HTTPError as exc:
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
            }
        )
