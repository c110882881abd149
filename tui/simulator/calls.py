"""Plumbing shared by the `/v1` routes and the `/_sim` control surface: JSON answers,
`SimApiError` (an answer raised from deep inside a handler), and `Call`, one API request in
flight with its user and the rate headers its answer must carry.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tui.simulator.limits import SlidingWindow
from tui.simulator.state import SimState
from tui.simulator.world import User, World, WorldError

RATE_LIMITED = {
    "error": "rate_limit_exceeded",
    "message": "Too many requests. Please try again later.",
}
UNAUTHORIZED = {"error": "unauthorized", "message": "Missing or invalid authentication token"}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status, headers=headers, media_type="application/json")


def error_response(
    status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response({"error": error, "message": message}, status, headers)


class SimApiError(Exception):
    """An error answer, raised; named apart from the client's `tui.api` errors."""

    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.response = error_response(status, error, message, headers)


def bad_request(message: str) -> SimApiError:
    return SimApiError(400, "invalid_input", message)


# -- plumbing for API handlers -------------------------------------------------------------


class Call:
    """One API request in flight: who asked, and the rate headers its answer must carry."""

    __slots__ = ("headers", "request", "sim", "token", "user")

    def __init__(self, request: Request) -> None:
        self.request = request
        self.sim: SimState = request.app.state.sim
        self.headers: dict[str, str] = {}
        auth = request.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        self.token = token.strip() if scheme.lower() == "bearer" else ""
        user = self.sim.world.user_for_token(self.token)
        if user is None:
            raise SimApiError(401, **UNAUTHORIZED)
        self.user: User = user

    @property
    def world(self) -> World:
        return self.sim.world

    def limit(self, window: SlidingWindow, key: str) -> None:
        decision = self.sim.limits.check(window, key, self.sim.limit_clock())
        if decision is None:
            return
        if not decision.allowed:
            raise SimApiError(429, headers=decision.headers(), **RATE_LIMITED)
        self.headers.update(decision.headers())

    async def json_body(self) -> Any:
        raw = await self.request.body()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("Invalid JSON in request body") from None


Handler = Callable[[Call], Awaitable[Response]]


def api(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        call: Call | None = None
        try:
            call = Call(request)
            response = await handler(call)
        except SimApiError as exc:
            response = exc.response
        except WorldError as exc:
            response = error_response(exc.status, exc.error, exc.message)
        if call is not None and call.headers:
            for name, value in call.headers.items():
                response.headers.setdefault(name, value)
        return response

    return endpoint
