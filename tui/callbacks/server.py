"""Serving a `CallbackReceiver` on a local port with uvicorn, inside the caller's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn

from tui.callbacks.receiver import CallbackReceiver


class _NoSignalServer(uvicorn.Server):
    """uvicorn would take over Ctrl+C; the caller (CLI or dashboard) owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ReceiverServer:
    """`await start()` binds and serves (port 0 picks a free one); `await stop()` ends it."""

    def __init__(self, receiver: CallbackReceiver, host: str = "127.0.0.1", port: int = 8787):
        self.receiver = receiver
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Bind first, so a port in use fails here with OSError instead of inside uvicorn.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host.strip("[]"), self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.receiver, log_level="critical", access_log=False, lifespan="off"
        )
        self._server = _NoSignalServer(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._server = None
        self._task = None
