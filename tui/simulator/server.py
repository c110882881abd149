"""Serving the simulator on loopback: `serve()` blocks (for `descript-tui simulate`),
`start_in_background()` runs it in a thread (for `descript-tui --demo` and live tests).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette

from tui.simulator.app import create_app
from tui.simulator.clock import ScaledClock
from tui.simulator.demo import demo_world
from tui.simulator.world import World

STARTUP_TIMEOUT_S = 10.0


class _DropSimulatedFaultNoise(logging.Filter):
    """A simulated reset or truncation is on purpose; uvicorn need not call it an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "without completing response" not in record.getMessage()


_FAULT_NOISE_FILTER = _DropSimulatedFaultNoise()


def build_served_app(speed: float = 1.0, seed: int = 0, faults: str = "none") -> Starlette:
    """The demo world on a real-time clock scaled by `speed`, as served."""
    clock = ScaledClock(speed)
    return create_app(demo_world(seed, clock), seed=seed, faults=faults, served=True)


def _config(app: Starlette, host: str, port: int, log_level: str) -> uvicorn.Config:
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if _FAULT_NOISE_FILTER not in uvicorn_errors.filters:
        uvicorn_errors.addFilter(_FAULT_NOISE_FILTER)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        lifespan="on",
        access_log=log_level in ("debug", "info"),
    )


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    speed: float = 1.0,
    seed: int = 0,
    faults: str = "none",
    *,
    log_level: str = "info",
) -> None:
    """Serve the simulator until interrupted (Ctrl+C)."""
    app = build_served_app(speed, seed, faults)
    uvicorn.Server(_config(app, host, port, log_level)).run()


@dataclass
class RunningSimulator:
    """A simulator serving in a background thread."""

    app: Starlette
    host: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def world(self) -> World:
        return self.app.state.world

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_background(
    host: str = "127.0.0.1",
    port: int = 0,
    speed: float = 1.0,
    seed: int = 0,
    faults: str = "none",
    *,
    app: Starlette | None = None,
    log_level: str = "warning",
) -> RunningSimulator:
    """Start serving in a daemon thread (port 0 picks a free port); returns once it listens."""
    app = app or build_served_app(speed, seed, faults)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, host, bound_port, log_level))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="descript-simulator", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the simulator did not start on {host}:{bound_port}")
        time.sleep(0.01)
    return RunningSimulator(app, host, bound_port, server, thread)
