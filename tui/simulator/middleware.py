"""The simulator's one ASGI middleware: catch time up, inject faults, log every request.

Faults touch only `/v1/...` (see `faults.py` for the profiles). Served, a lost connection
is headers then a closed socket, a truncation half the body then a closed socket, a trickle
the body a byte at a time with a delay, and a held answer is never sent (the socket stays
open until the client gives up). In-process there is no socket: a reset raises
`httpx.ReadError`, a truncation `httpx.RemoteProtocolError`, a held answer
`httpx.ReadTimeout` (as the client's deadline would), and a trickle sends one byte per
ASGI message without waiting.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Sequence

import httpx
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.simulator.calls import RATE_LIMITED, error_response
from tui.simulator.faults import Fault
from tui.simulator.limits import RateDecision
from tui.simulator.requestlog import LoggedRequest, job_id_in_path, token_hash
from tui.simulator.state import SimState
from tui.simulator.world import ts_to_iso

_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)
# A held answer waits for the client to hang up, at most this long (real seconds).
HOLD_MAX_S = 3600.0
# Every answer names itself, as real APIs and their proxies do, so a client's log and an
# incident report can quote it: `sim-00000001`, counted per simulator (deterministic).
REQUEST_ID_HEADER = b"x-request-id"


class _Answer:
    """What the inner app answered, as far as the log needs it."""

    __slots__ = ("job_id", "retry_after", "status")

    def __init__(self) -> None:
        self.status: int | None = None
        self.retry_after: int | None = None
        self.job_id: str | None = None

    def see_start(self, message: Message) -> None:
        self.status = message["status"]
        for name, value in message.get("headers", ()):
            if name.lower() == b"retry-after":
                try:
                    self.retry_after = int(value)
                except ValueError:
                    self.retry_after = None

    def see_body(self, body: bytes) -> None:
        # A 201 names the job it created: the log ties the POST to it.
        if self.status == 201 and self.job_id is None and body:
            try:
                self.job_id = str(json.loads(body).get("job_id")) or None
            except (ValueError, AttributeError):
                self.job_id = None


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return value.decode("latin-1").partition(" ")[2].strip()
    return None


class SimulatorMiddleware:
    """Catches the world up before each request, injects faults, and logs what was answered."""

    def __init__(self, app: ASGIApp, sim: SimState) -> None:
        self.app = app
        self.sim = sim
        self._request_ids = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sim = self.sim
        sim.catch_up()
        path: str = scope["path"]
        fault: Fault | None = None
        if path.startswith("/v1/"):
            fault = sim.faults.decide(
                sim.limit_clock(),
                agent_active=sim.world.active_by_type["agent"] > 0,
                method=scope["method"],
            )
        answer = _Answer()
        # When the request arrived (a held or trickled answer ends much later).
        started = (sim.limit_clock(), ts_to_iso(sim.world.now_ts()))
        request_id = f"sim-{next(self._request_ids):08d}".encode()

        async def logging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (REQUEST_ID_HEADER, request_id)]
                message = {**message, "headers": headers}
                answer.see_start(message)
            elif message["type"] == "http.response.body":
                answer.see_body(message.get("body", b""))
            await send(message)

        try:
            if fault is None or fault.kind == "latency":
                if fault is not None and sim.served:
                    await asyncio.sleep(fault.latency_s)
                await self.app(scope, receive, logging_send)
            else:
                await self._inject(fault, scope, receive, logging_send)
        finally:
            if not path.startswith("/_sim"):
                self._log(scope, answer, fault, started)

    async def _inject(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if self.sim.served and fault.latency_s:
            await asyncio.sleep(fault.latency_s)
        if fault.kind == "status":
            await self._status_answer(fault)(scope, receive, send)
            return
        # reset / truncate / trickle / hold: the server does the work, then the answer
        # goes wrong on the way.
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.app(scope, receive, capture)
        start = next(m for m in captured if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
        if fault.kind == "trickle":
            await self._trickle(start, body, fault.byte_delay_s, send)
        elif fault.kind == "hold":
            await self._hold(receive, send, start, body)
        else:
            await self._cut(fault, start, body, send)

    @staticmethod
    def _status_answer(fault: Fault) -> Response:
        if fault.status == 429:
            decision = RateDecision(False, 0, 100, fault.retry_after)
            return error_response(429, headers=decision.headers(), **RATE_LIMITED)
        if fault.status == 502:
            return Response(_BAD_GATEWAY, 502, media_type="text/html")
        return error_response(fault.status, "internal_error", "An unexpected error occurred")

    async def _cut(self, fault: Fault, start: Message, body: bytes, send: Send) -> None:
        if not self.sim.served:
            # In-process there is no socket to cut: fail the call as httpx would.
            if fault.kind == "reset":
                raise httpx.ReadError("[simulated] connection reset by peer")
            raise httpx.RemoteProtocolError(
                "[simulated] peer closed connection without sending complete message body"
            )
        headers = _with_length(start.get("headers", []), max(len(body), 2))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        if fault.kind == "truncate":
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
        # Returning now leaves the response incomplete: uvicorn closes the connection.

    async def _trickle(self, start: Message, body: bytes, delay_s: float, send: Send) -> None:
        headers = _with_length(start.get("headers", []), len(body))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        for i in range(len(body)):
            if self.sim.served:
                await asyncio.sleep(delay_s)
            more = i < len(body) - 1
            await send({"type": "http.response.body", "body": body[i : i + 1], "more_body": more})
        if not body:
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _hold(self, receive: Receive, send: Send, start: Message, body: bytes) -> None:
        """The work is done (a POST's job exists) but no byte of the answer is ever sent."""
        if not self.sim.served:
            raise httpx.ReadTimeout("[simulated] the answer was held and never sent")
        try:
            async with asyncio.timeout(HOLD_MAX_S):
                while (await receive())["type"] != "http.disconnect":
                    pass
        except TimeoutError:
            pass

    def _log(
        self, scope: Scope, answer: _Answer, fault: Fault | None, started: tuple[float, str]
    ) -> None:
        sim = self.sim
        token = _bearer(scope)
        user = None
        if token is not None:
            found = sim.world.user_for_token(token)
            # The token itself is never logged: whose it is, and a short hash.
            user = found.name if found else "unknown token"
        path: str = scope["path"]
        sim.request_log.append(
            LoggedRequest(
                seq=sim.request_log.next_seq(),
                at=started[1],
                t=started[0],
                method=scope["method"],
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                status=answer.status,
                user=user,
                token_hash=token_hash(token) if token else None,
                job_id=job_id_in_path(path) or answer.job_id,
                retry_after=answer.retry_after,
                fault=fault.describe() if fault and fault.kind != "latency" else None,
            )
        )


def _with_length(
    headers: Sequence[tuple[bytes, bytes]], length: int
) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    kept.append((b"content-length", str(length).encode()))
    return kept
