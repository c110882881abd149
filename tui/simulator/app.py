"""The simulator's ASGI app: the Descript API under `/v1`, storage under `/_upload`, and the
control surface under `/_sim` (see `docs/simulator.md`).

Order of checks on an API request, as a real gateway would: fault injection (flaky/storm),
authentication (401), rate limit (429), body parsing and schema validation (400), then the
world's own answers (404, 403, 402, 409, 422) and finally the 2xx.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.api.clock import Clock, ManualClock
from tui.api.models import JsonDict
from tui.simulator import validation
from tui.simulator.callbacks import CallbackDispatcher
from tui.simulator.clock import ScaledClock
from tui.simulator.demo import BULK_STATES, add_bulk_jobs
from tui.simulator.faults import FAULT_PROFILES, Fault, FaultInjector
from tui.simulator.limits import RateDecision, RateLimits, SlidingWindow
from tui.simulator.world import (
    DEFAULT_LIST_WINDOW_S,
    DEMO_TOKEN,
    JOB_TYPES,
    RETENTION_S,
    User,
    World,
    WorldError,
    parse_iso,
    ts_to_iso,
)

IN_PROCESS_BASE_URL = "http://simulator.local/v1"
# A client computing "30 days ago" on its own clock should not be refused for a few seconds.
CREATED_AFTER_GRACE_S = 60.0
BACKGROUND_TICK_S = 0.2
REQUEST_LOG_SIZE = 5000
RATE_LIMITED = {
    "error": "rate_limit_exceeded",
    "message": "Too many requests. Please try again later.",
}
UNAUTHORIZED = {"error": "unauthorized", "message": "Missing or invalid authentication token"}

logger = logging.getLogger(__name__)


@dataclass
class SimState:
    """Everything the app holds beside the world; `app.state.sim`."""

    world: World
    clock: Clock
    limits: RateLimits
    faults: FaultInjector
    callbacks: CallbackDispatcher
    # Rate windows run on the injected clock in-process, but on real time when served at
    # --speed X, so a client budgeting with its own clock agrees with the simulator.
    limit_clock: Callable[[], float] = time.monotonic
    served: bool = False
    request_log: deque[JsonDict] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    request_seq: int = 0


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status, headers=headers, media_type="application/json")


def error_response(
    status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return json_response({"error": error, "message": message}, status, headers)


class ApiError(Exception):
    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.response = error_response(status, error, message, headers)


def bad_request(message: str) -> ApiError:
    return ApiError(400, "invalid_input", message)


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
            raise ApiError(401, **UNAUTHORIZED)
        self.user: User = user

    @property
    def world(self) -> World:
        return self.sim.world

    def limit(self, window: SlidingWindow, key: str) -> None:
        decision = self.sim.limits.check(window, key, self.sim.limit_clock())
        if decision is None:
            return
        if not decision.allowed:
            raise ApiError(429, headers=decision.headers(), **RATE_LIMITED)
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
        except ApiError as exc:
            response = exc.response
        except WorldError as exc:
            response = error_response(exc.status, exc.error, exc.message)
        if call is not None and call.headers:
            for name, value in call.headers.items():
                response.headers.setdefault(name, value)
        return response

    return endpoint


def _created(job_id: str, world: World, project_id: str) -> JsonDict:
    project = world.projects[project_id]
    return {
        "job_id": job_id,
        "drive_id": project.drive_id,
        "project_id": project.id,
        "project_url": project.url,
    }


# -- /v1 -----------------------------------------------------------------------------------


@api
async def post_import(call: Call) -> Response:
    call.limit(call.sim.limits.imports, call.token)
    body = await call.json_body()
    if problem := validation.check_import(body):
        raise bad_request(problem)
    job, slots = call.world.submit_import(call.user, body)
    answer = _created(job.job_id, call.world, job.project_id)
    if slots:
        base = str(call.request.base_url).rstrip("/")
        answer["upload_urls"] = {
            name: {
                "upload_url": f"{base}/_upload/{slot.token}?X-Goog-Expires=10800",
                "asset_id": slot.asset_id,
                "artifact_id": slot.artifact_id,
            }
            for name, slot in slots.items()
        }
    return json_response(answer, 201)


@api
async def post_agent(call: Call) -> Response:
    call.limit(call.sim.limits.agent, call.token)
    body = await call.json_body()
    if problem := validation.check_agent(body):
        raise bad_request(problem)
    job = call.world.submit_agent(call.user, body)
    return json_response(_created(job.job_id, call.world, job.project_id), 201)


@api
async def post_publish(call: Call) -> Response:
    body = await call.json_body()
    if problem := validation.check_publish(body):
        raise bad_request(problem)
    job = call.world.submit_publish(call.user, body)
    return json_response(_created(job.job_id, call.world, job.project_id), 201)


def _int_param(params: Any, name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f'"{name}" must be an integer between {lo} and {hi}') from None
    if not lo <= value <= hi:
        raise bad_request(f'"{name}" must be an integer between {lo} and {hi}')
    return value


def _time_param(params: Any, name: str) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    parsed = parse_iso(raw)
    if parsed is None:
        raise bad_request(f'"{name}" must be an ISO 8601 date-time')
    return parsed.timestamp()


def encode_cursor(*parts: object) -> str:
    text = ":".join(repr(p) if isinstance(p, float) else str(p) for p in parts)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode().split(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("Invalid cursor") from None


@api
async def list_jobs(call: Call) -> Response:
    params = call.request.query_params
    now = call.world.now_ts()
    limit = _int_param(params, "limit", 20, 1, 100)
    job_type = params.get("type")
    if job_type is not None and job_type not in JOB_TYPES:
        raise bad_request(f'"type" must be one of [{", ".join(JOB_TYPES)}]')
    project_id = params.get("project_id") or None
    after = _time_param(params, "created_after")
    if after is None:
        after = now - DEFAULT_LIST_WINDOW_S
    elif after < now - RETENTION_S - CREATED_AFTER_GRACE_S:
        raise bad_request("created_after cannot be more than 30 days ago")
    before = _time_param(params, "created_before")
    cursor = None
    if params.get("cursor"):
        parts = decode_cursor(params["cursor"])
        try:
            cursor = (float(parts[0]), int(parts[1]))
        except (ValueError, IndexError):
            raise bad_request("Invalid cursor") from None
    jobs, next_key = call.world.list_jobs(
        call.user,
        now=now,
        job_type=job_type,
        project_id=project_id,
        after=after,
        before=now if before is None else before,
        cursor=cursor,
        limit=limit,
    )
    pagination: JsonDict = {}
    if next_key is not None:
        pagination["next_cursor"] = encode_cursor(*next_key)
    return json_response({"data": [j.to_json(now) for j in jobs], "pagination": pagination})


@api
async def get_job(call: Call) -> Response:
    call.limit(call.sim.limits.status, call.user.id)
    now = call.world.now_ts()
    job = call.world.job_for(call.user, call.request.path_params["job_id"], now)
    return json_response(job.to_json(now))


@api
async def cancel_job(call: Call) -> Response:
    call.world.cancel(call.user, call.request.path_params["job_id"])
    return Response(status_code=204)


_PROJECT_SORTS = ("name", "created_at", "updated_at", "last_viewed_at")


@api
async def list_projects(call: Call) -> Response:
    params = call.request.query_params
    limit = _int_param(params, "limit", 20, 1, 100)
    sort = params.get("sort", "created_at")
    if sort not in _PROJECT_SORTS:
        raise bad_request(f'"sort" must be one of [{", ".join(_PROJECT_SORTS)}]')
    direction = params.get("direction", "desc")
    if direction not in ("asc", "desc"):
        raise bad_request('"direction" must be one of [asc, desc]')
    bounds = {
        name: _time_param(params, name)
        for name in ("created_after", "created_before", "updated_after", "updated_before")
    }
    name = (params.get("name") or "").lower()
    folder = params.get("folder_path")
    folder = folder.strip("/") if folder is not None else None
    created_by = params.get("created_by")
    if created_by == "me":
        created_by = call.user.id
    projects = [
        p
        for p in call.world.projects_of(call.user.drive_id)
        if (not name or name in p.name.lower())
        and (folder is None or p.folder_path == folder)
        and (created_by is None or p.created_by == created_by)
        and (bounds["created_after"] is None or p.created_at > bounds["created_after"])
        and (bounds["created_before"] is None or p.created_at < bounds["created_before"])
        and (bounds["updated_after"] is None or p.updated_at > bounds["updated_after"])
        and (bounds["updated_before"] is None or p.updated_at < bounds["updated_before"])
    ]
    if sort == "name":
        projects.sort(key=lambda p: (p.name.lower(), p.id), reverse=direction == "desc")
    else:
        projects.sort(key=lambda p: (getattr(p, sort), p.id), reverse=direction == "desc")
    offset = 0
    if params.get("cursor"):
        parts = decode_cursor(params["cursor"])
        try:
            offset = int(parts[0])
        except (ValueError, IndexError):
            raise bad_request("Invalid cursor") from None
    page = projects[offset : offset + limit]
    pagination: JsonDict = {}
    if offset + limit < len(projects):
        pagination["next_cursor"] = encode_cursor(offset + limit, sort, direction)
    return json_response({"data": [p.summary_json() for p in page], "pagination": pagination})


@api
async def get_project(call: Call) -> Response:
    project = call.world.project_for(call.user, call.request.path_params["project_id"])
    return json_response(project.detail_json())


@api
async def get_status(call: Call) -> Response:
    return json_response({"status": "ok"})


# -- storage -------------------------------------------------------------------------------


def _storage_error(status: int, code: str, message: str) -> Response:
    body = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status, media_type="application/xml")


async def put_upload(request: Request) -> Response:
    world: World = request.app.state.sim.world
    data = await request.body()
    try:
        slot = world.receive_upload(request.path_params["token"], len(data))
    except WorldError as exc:
        return _storage_error(exc.status, exc.error, exc.message)
    return Response(status_code=200, headers={"ETag": f'"{slot.asset_id[:8]}-{len(data)}"'})


# -- /_sim: the control surface --------------------------------------------------------------


def _sim(request: Request) -> SimState:
    return request.app.state.sim


async def _control_body(request: Request) -> JsonDict:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ApiError(400, "invalid_input", "Invalid JSON in request body") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_input", "Request body must be a JSON object")
    return body


def control(handler: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response
        except (ValueError, TypeError) as exc:
            return error_response(400, "invalid_input", str(exc))
        except WorldError as exc:
            return error_response(exc.status, exc.error, exc.message)

    return endpoint


def _state_json(sim: SimState) -> JsonDict:
    clock = sim.clock
    world = sim.world
    return {
        "now": ts_to_iso(world.now_ts()),
        "frozen": clock.frozen if isinstance(clock, ScaledClock) else True,
        "speed": clock.speed if isinstance(clock, ScaledClock) else 0.0,
        "clock": type(clock).__name__,
        "seed": world.seed,
        "faults": sim.faults.profile,
        "fault_seed": sim.faults.seed,
        "rate_limits": sim.limits.enabled,
        "jobs": world.job_count(),
        "active_jobs": dict(world.active_by_type),
        "projects": len(world.projects),
        "callbacks_pending": len(world.callbacks_due),
        "tokens": sorted(world.tokens),
    }


@control
async def sim_index(request: Request) -> Response:
    return json_response(
        {
            "about": "Descript API simulator control surface; not part of the Descript API.",
            "endpoints": {
                "GET /_sim/state": "clock, seed, fault profile, counts",
                "POST /_sim/clock": '{"advance": s} | {"freeze": bool} | {"speed": x} | '
                '{"set": iso}',
                "GET /_sim/requests": "the request log (?limit=N, ?since=seq)",
                "DELETE /_sim/requests": "clear the request log",
                "POST /_sim/faults": '{"profile": "none|flaky|storm", "seed": n}',
                "POST /_sim/limits": '{"enabled": bool}',
                "POST /_sim/jobs": '{"count": n, "job_type": ..., "state": ..., "token": ..., '
                '"project_id": ...}',
                "POST /_sim/reset": '{"world": "demo|empty", "seed": n}',
                "POST /_sim/tick": "settle stopped jobs and deliver due callbacks now",
                "GET /_sim/callbacks": "callback delivery attempts",
            },
        }
    )


@control
async def sim_state(request: Request) -> Response:
    return json_response(_state_json(_sim(request)))


@control
async def sim_clock(request: Request) -> Response:
    sim = _sim(request)
    body = await _control_body(request)
    clock = sim.clock
    if "set" in body:
        target = parse_iso(str(body["set"]))
        if target is None:
            raise ValueError('"set" must be an ISO 8601 date-time')
        delta = target.timestamp() - sim.world.now_ts()
        if delta < 0:
            raise ValueError("the simulator clock only moves forward")
        body["advance"] = float(body.get("advance", 0)) + delta
    if "speed" in body:
        if not isinstance(clock, ScaledClock):
            raise ValueError("this simulator runs on a manual clock; it has no speed")
        clock.set_speed(float(body["speed"]))
    if "freeze" in body and isinstance(clock, ScaledClock):
        clock.freeze() if body["freeze"] else clock.unfreeze()
    if "advance" in body:
        seconds = float(body["advance"])
        if seconds < 0:
            raise ValueError("the simulator clock only moves forward")
        if isinstance(clock, ManualClock):
            clock.advance_nowait(seconds)
        elif isinstance(clock, ScaledClock):
            clock.advance(seconds)
        else:
            raise ValueError(f"cannot advance a {type(clock).__name__}")
    sim.world.settle()
    return json_response(_state_json(sim))


@control
async def sim_requests(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "DELETE":
        sim.request_log.clear()
        return Response(status_code=204)
    limit = int(request.query_params.get("limit", "100"))
    since = int(request.query_params.get("since", "0"))
    entries = [e for e in sim.request_log if e["seq"] > since]
    return json_response({"requests": entries[-limit:] if limit > 0 else []})


@control
async def sim_faults(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "POST":
        body = await _control_body(request)
        profile = str(body.get("profile", sim.faults.profile))
        if profile not in FAULT_PROFILES:
            raise ValueError(f"profile must be one of {', '.join(FAULT_PROFILES)}")
        seed = body.get("seed")
        sim.faults.configure(profile, int(seed) if seed is not None else None)
    return json_response({"profile": sim.faults.profile, "seed": sim.faults.seed})


@control
async def sim_limits(request: Request) -> Response:
    sim = _sim(request)
    body = await _control_body(request)
    if "enabled" in body:
        sim.limits.enabled = bool(body["enabled"])
    return json_response({"enabled": sim.limits.enabled})


@control
async def sim_jobs(request: Request) -> Response:
    sim = _sim(request)
    body = await _control_body(request)
    world = sim.world
    user = world.user_for_token(str(body.get("token", DEMO_TOKEN)))
    if user is None:
        raise ValueError("unknown token")
    count = int(body.get("count", 1))
    if not 1 <= count <= 200_000:
        raise ValueError("count must be between 1 and 200000")
    state = str(body.get("state", "running"))
    if state not in BULK_STATES:
        raise ValueError(f"state must be one of {', '.join(BULK_STATES)}")
    jobs = add_bulk_jobs(
        world,
        user,
        count,
        job_type=str(body.get("job_type", "agent")),
        state=state,
        project_id=body.get("project_id"),
    )
    return json_response(
        {"created": len(jobs), "job_ids": [j.job_id for j in jobs[:100]]}, status=201
    )


@control
async def sim_reset(request: Request) -> Response:
    sim = _sim(request)
    body = await _control_body(request)
    seed = int(body.get("seed", sim.world.seed))
    kind = body.get("world", "demo")
    if kind not in ("demo", "empty"):
        raise ValueError('"world" must be "demo" or "empty"')
    world = World.demo(seed, sim.clock) if kind == "demo" else World.empty(sim.clock, seed=seed)
    _install_world(request.app, world)
    sim.limits = RateLimits(enabled=sim.limits.enabled)
    sim.faults.configure(sim.faults.profile)
    sim.request_log.clear()
    return json_response(_state_json(sim))


@control
async def sim_tick(request: Request) -> Response:
    sim = _sim(request)
    stopped = sim.world.settle()
    delivered = await sim.callbacks.tick()
    return json_response({"stopped": stopped, "callbacks_attempted": delivered})


@control
async def sim_callbacks(request: Request) -> Response:
    sim = _sim(request)
    return json_response(
        {
            "attempts": list(sim.callbacks.log),
            "pending": [
                {"job_id": c.job_id, "url": c.url, "attempts": c.attempts}
                for c in sim.world.callbacks_due
            ],
        }
    )


def _install_world(app: Starlette, world: World) -> None:
    app.state.world = world
    app.state.sim.world = world


# -- faults and the request log: a pure ASGI middleware ------------------------------------


class SimulatedConnectionLoss(Exception):
    """Raised in-process where a real socket would have been cut."""


_BAD_GATEWAY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
)


class SimulatorMiddleware:
    """Settles the world before each request, injects faults, and logs what was answered."""

    def __init__(self, app: ASGIApp, sim: SimState) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sim = self.sim
        world = sim.world
        world.settle()
        path: str = scope["path"]
        fault: Fault | None = None
        if path.startswith("/v1/"):
            fault = sim.faults.decide(
                sim.limit_clock(), agent_active=world.active_by_type["agent"] > 0
            )
        status_seen = [0]

        async def logging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen[0] = message["status"]
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
                self._log(scope, status_seen[0], fault)

    async def _inject(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        if self.sim.served and fault.latency_s:
            await asyncio.sleep(fault.latency_s)
        if fault.kind == "status":
            if fault.status == 429:
                decision = RateDecision(False, 0, 100, fault.retry_after)
                response = error_response(429, headers=decision.headers(), **RATE_LIMITED)
            elif fault.status == 502:
                response = Response(_BAD_GATEWAY, 502, media_type="text/html")
            else:
                response = error_response(
                    fault.status, "internal_error", "An unexpected error occurred"
                )
            await response(scope, receive, send)
            return
        # reset / truncate: the server does the work, then the answer is lost on the way.
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.app(scope, receive, capture)
        start = next(m for m in captured if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
        if not self.sim.served:
            # In-process there is no socket to cut: fail the call as httpx would.
            if fault.kind == "reset":
                raise httpx.ReadError("[simulated] connection reset by peer")
            raise httpx.RemoteProtocolError(
                "[simulated] peer closed connection without sending complete message body"
            )
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(max(len(body), 2)).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        if fault.kind == "truncate":
            await send(
                {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
            )
        # Returning now leaves the response incomplete: uvicorn closes the connection.

    def _log(self, scope: Scope, status: int, fault: Fault | None) -> None:
        sim = self.sim
        sim.request_seq += 1
        user = None
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                token = value.decode("latin-1").partition(" ")[2].strip()
                found = sim.world.user_for_token(token)
                # The token itself is never logged: only whose it is.
                user = found.name if found else "unknown token"
                break
        sim.request_log.append(
            {
                "seq": sim.request_seq,
                "at": ts_to_iso(sim.world.now_ts()),
                "method": scope["method"],
                "path": scope["path"],
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": status or None,
                "user": user,
                "fault": fault.describe() if fault and fault.kind != "latency" else None,
            }
        )


# -- errors outside the handlers -----------------------------------------------------------


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status == 404:
        return error_response(404, "not_found", "Resource not found")
    if status == 405:
        return error_response(405, "method_not_allowed", "Method not allowed")
    return error_response(status, "error", str(getattr(exc, "detail", exc)))


# -- the app -------------------------------------------------------------------------------


def create_app(
    world: World | None = None,
    *,
    clock: Clock | None = None,
    seed: int = 0,
    faults: str = "none",
    rate_limits: bool = True,
    callback_transport: httpx.AsyncBaseTransport | None = None,
    served: bool = False,
) -> Starlette:
    """The simulator app. Without `world`, the seeded demo world on `clock` (or a ManualClock).

    `served=True` (set by server.py) adds real latency for the flaky profile, cuts real
    connections for resets, and runs the callback loop in the lifespan.
    """
    if world is None:
        world = World.demo(seed, clock or ManualClock())
    elif clock is not None and clock is not world.clock:
        raise ValueError("create_app: `clock` must be the world's own clock")
    clock = world.clock
    sim_holder: list[SimState] = []
    sim = SimState(
        world=world,
        clock=clock,
        limits=RateLimits(enabled=rate_limits),
        faults=FaultInjector(faults, seed),
        callbacks=CallbackDispatcher(lambda: sim_holder[0].world, transport=callback_transport),
        limit_clock=time.monotonic if isinstance(clock, ScaledClock) else clock.monotonic,
        served=served,
    )
    sim_holder.append(sim)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_background(sim)) if sim.served else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    routes = [
        Route("/v1/jobs/import/project_media", post_import, methods=["POST"]),
        Route("/v1/jobs/agent", post_agent, methods=["POST"]),
        Route("/v1/jobs/publish", post_publish, methods=["POST"]),
        Route("/v1/jobs", list_jobs, methods=["GET"]),
        Route("/v1/jobs/{job_id}", get_job, methods=["GET"]),
        Route("/v1/jobs/{job_id}", cancel_job, methods=["DELETE"]),
        Route("/v1/projects", list_projects, methods=["GET"]),
        Route("/v1/projects/{project_id}", get_project, methods=["GET"]),
        Route("/v1/status", get_status, methods=["GET"]),
        Route("/_upload/{token}", put_upload, methods=["PUT"]),
        Route("/_sim", sim_index, methods=["GET"]),
        Route("/_sim/state", sim_state, methods=["GET"]),
        Route("/_sim/clock", sim_clock, methods=["POST"]),
        Route("/_sim/requests", sim_requests, methods=["GET", "DELETE"]),
        Route("/_sim/faults", sim_faults, methods=["GET", "POST"]),
        Route("/_sim/limits", sim_limits, methods=["POST"]),
        Route("/_sim/jobs", sim_jobs, methods=["POST"]),
        Route("/_sim/reset", sim_reset, methods=["POST"]),
        Route("/_sim/tick", sim_tick, methods=["POST"]),
        Route("/_sim/callbacks", sim_callbacks, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_exception},
        lifespan=lifespan,
    )
    app.state.sim = sim
    app.state.world = world
    app.state.clock = clock
    app.add_middleware(SimulatorMiddleware, sim=sim)
    return app


async def _background(sim: SimState) -> None:
    """Served only: stop jobs and deliver callbacks even when nobody is polling."""
    while True:
        try:
            await sim.callbacks.tick()
        except Exception:  # the loop must outlive one bad callback or job
            logger.exception("simulator background tick failed")
        await asyncio.sleep(BACKGROUND_TICK_S)
