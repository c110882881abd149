"""`SimState`: everything the app holds beside the world (`app.state.sim`), and the one place
time is caught up before an answer: demo arrivals, then jobs that stopped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.api.clock import Clock
from tui.simulator.callbacks import CallbackDispatcher
from tui.simulator.demo import run_arrivals
from tui.simulator.faults import FaultInjector
from tui.simulator.limits import SimRateLimits
from tui.simulator.requestlog import RequestLog
from tui.simulator.world import World


@dataclass
class SimState:
    """The world, its clock, limits, faults, callbacks and the request log."""

    world: World
    clock: Clock
    limits: SimRateLimits
    faults: FaultInjector
    callbacks: CallbackDispatcher
    # Rate windows run on the injected clock in-process, but on real time when served at
    # --speed X, so a client budgeting with its own clock agrees with the simulator.
    limit_clock: Callable[[], float] = time.monotonic
    served: bool = False
    request_log: RequestLog = field(default_factory=RequestLog)

    def catch_up(self) -> int:
        """Submit the demo's arrivals due by now, then settle; returns jobs that stopped.

        Called before every request and by the served app's timer: the app drives the demo
        script, the world never calls into it.
        """
        world = self.world
        now = world.now_ts()
        if world.next_arrival_at is not None:
            run_arrivals(world, now)
        return world.settle(now)
