"""`/_sim`: the simulator's control surface (not part of the Descript API): clock, faults,
limits, bulk jobs, reset, the request log and callback deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.api.clock import ManualClock
from tui.api.models import JsonDict
from tui.simulator.calls import SimApiError, error_response, json_response
from tui.simulator.clock import ScaledClock
from tui.simulator.demo import BULK_STATES, add_bulk_jobs, demo_world
from tui.simulator.faults import FAULT_PROFILES
from tui.simulator.limits import SimRateLimits
from tui.simulator.state import SimState
from tui.simulator.world import DEMO_TOKEN, World, WorldError, parse_iso, ts_to_iso


def _sim(request: Request) -> SimState:
    return request.app.state.sim


async def _control_body(request: Request) -> JsonDict:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise SimApiError(400, "invalid_input", "Invalid JSON in request body") from None
    if not isinstance(body, dict):
        raise SimApiError(400, "invalid_input", "Request body must be a JSON object")
    return body


def control(handler: Callable[[Request], Awaitable[Response]]) -> Callable[..., Any]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except SimApiError as exc:
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
        "callback_faults": sim.callbacks.profile,
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
                "GET /_sim/requests": "the request log (?limit=N, ?since=seq); see "
                "tui/simulator/requestlog.py",
                "DELETE /_sim/requests": "clear the request log",
                "POST /_sim/faults": '{"profile": "none|flaky|storm|trickle|hold", "seed": n, '
                '"trickle_delay_s": s, "hold_methods": ["POST"], '
                '"callbacks": "none|late|duplicated|lost|out_of_order|mixed"}',
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
    sim.catch_up()
    return json_response(_state_json(sim))


@control
async def sim_requests(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "DELETE":
        sim.request_log.clear()
        return Response(status_code=204)
    limit = int(request.query_params.get("limit", "100"))
    since = int(request.query_params.get("since", "0"))
    entries = sim.request_log.since(since)
    shown = entries[-limit:] if limit > 0 else []
    return json_response(
        {"requests": [e.to_json() for e in shown], "last_seq": sim.request_log.last_seq}
    )


@control
async def sim_faults(request: Request) -> Response:
    sim = _sim(request)
    if request.method == "POST":
        body = await _control_body(request)
        if body.keys() & {"profile", "seed", "trickle_delay_s", "hold_methods"}:
            _configure_faults(sim, body)
        if "callbacks" in body:
            sim.callbacks.configure(str(body["callbacks"]), sim.faults.seed)
    return json_response(_faults_json(sim))


def _configure_faults(sim: SimState, body: JsonDict) -> None:
    """Switching the profile restarts its seeded sequence (callbacks alone leave it be)."""
    profile = str(body.get("profile", sim.faults.profile))
    if profile not in FAULT_PROFILES:
        raise ValueError(f"profile must be one of {', '.join(FAULT_PROFILES)}")
    seed = int(body["seed"]) if body.get("seed") is not None else None
    delay = body.get("trickle_delay_s")
    methods = body.get("hold_methods")
    sim.faults.configure(
        profile,
        seed,
        trickle_delay_s=float(delay) if delay is not None else None,
        hold_methods=tuple(str(m) for m in methods) if methods else None,
    )


def _faults_json(sim: SimState) -> JsonDict:
    return {**sim.faults.describe(), "callbacks": sim.callbacks.profile}


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
    world = demo_world(seed, sim.clock) if kind == "demo" else World.empty(sim.clock, seed=seed)
    _install_world(request.app, world)
    sim.limits = SimRateLimits(enabled=sim.limits.enabled)
    sim.faults.configure(sim.faults.profile)
    sim.request_log.clear()
    return json_response(_state_json(sim))


@control
async def sim_tick(request: Request) -> Response:
    sim = _sim(request)
    stopped = sim.catch_up()
    delivered = await sim.callbacks.tick()
    return json_response({"stopped": stopped, "callbacks_attempted": delivered})


@control
async def sim_callbacks(request: Request) -> Response:
    sim = _sim(request)
    return json_response(
        {
            "attempts": list(sim.callbacks.log),
            "pending": [
                {"job_id": c.job_id, "url": c.url, "attempts": c.attempts, "fault": c.fault}
                for c in sim.world.callbacks_due
            ],
            "fault": sim.callbacks.profile,
        }
    )


def _install_world(app: Starlette, world: World) -> None:
    app.state.world = world
    app.state.sim.world = world

CONTROL_ROUTES = [
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
