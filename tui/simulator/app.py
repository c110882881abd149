"""The simulator's ASGI app: the Descript API under `/v1` (`v1.py`), storage under
`/_upload`, the control surface under `/_sim` (`control.py`), one middleware for time,
faults and the request log (`middleware.py`), and, served, a timer that drives the demo's
arrivals and callback deliveries (see `docs/simulator.md`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from tui.api.clock import Clock, ManualClock
from tui.simulator.callbacks import CallbackDispatcher
from tui.simulator.calls import error_response
from tui.simulator.clock import ScaledClock
from tui.simulator.control import CONTROL_ROUTES
from tui.simulator.demo import demo_world
from tui.simulator.faults import FaultInjector
from tui.simulator.limits import SimRateLimits
from tui.simulator.middleware import SimulatorMiddleware
from tui.simulator.state import SimState
from tui.simulator.v1 import V1_ROUTES
from tui.simulator.world import World

IN_PROCESS_BASE_URL = "http://simulator.local/v1"
BACKGROUND_TICK_S = 0.2

logger = logging.getLogger(__name__)


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    if status == 404:
        return error_response(404, "not_found", "Resource not found")
    if status == 405:
        return error_response(405, "method_not_allowed", "Method not allowed")
    return error_response(status, "error", str(getattr(exc, "detail", exc)))


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
        world = demo_world(seed, clock or ManualClock())
    elif clock is not None and clock is not world.clock:
        raise ValueError("create_app: `clock` must be the world's own clock")
    clock = world.clock
    sim_holder: list[SimState] = []
    sim = SimState(
        world=world,
        clock=clock,
        limits=SimRateLimits(enabled=rate_limits),
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

    app = Starlette(
        routes=[*V1_ROUTES, *CONTROL_ROUTES],
        exception_handlers={HTTPException: _http_exception},
        lifespan=lifespan,
    )
    app.state.sim = sim
    app.state.world = world
    app.state.clock = clock
    app.add_middleware(SimulatorMiddleware, sim=sim)
    return app


async def _background(sim: SimState) -> None:
    """Served only: demo arrivals, stopped jobs and callbacks even when nobody is polling."""
    while True:
        try:
            sim.catch_up()
            await sim.callbacks.tick()
        except Exception:  # the loop must outlive one bad callback or job
            logger.exception("simulator background tick failed")
        await asyncio.sleep(BACKGROUND_TICK_S)
