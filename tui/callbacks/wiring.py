"""One running receiver wired to a polling scheduler: the CLI's `--wait` and the dashboard.

`CallbackWatch` owns the receiver, its server and the expectations. The scheduler is built
with `poll_floor=watch.expectations.poll_floor` (jobs awaiting a callback get a 60 s safety
poll) and handed to `attach()`; an accepted callback pokes its job, so it is re-read with one
GET within the scheduler's budget (duplicates of a finished job cost nothing); `observe()`
feeds each scheduler batch back so a finished job stops waiting and a running one re-estimates
its end. No Textual here: the session and the CLI share it.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from tui.api.activity import ActivityEntry, ActivityLog
from tui.api.clock import Clock
from tui.api.link import JobEvent, SchedulerEvent
from tui.api.scheduler import PollingScheduler
from tui.callbacks.expectations import CallbackExpectations, CallbackTiming
from tui.callbacks.receiver import CallbackHint, CallbackReceiver, ReceiverEvent, bind_warning
from tui.callbacks.server import ReceiverServer

#: Where the receiver listens when `HOST:PORT` names no host (loopback: see `bind_warning`).
DEFAULT_HOST = "127.0.0.1"


def parse_host_port(text: str) -> tuple[str, int]:
    """`HOST:PORT`, `:PORT` or `[::1]:PORT` -> (host, port); ValueError says what is wrong."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8787; port 0 picks one)")
    return host.strip("[]") or DEFAULT_HOST, int(port_text)


def host_port_argument(text: str) -> tuple[str, int]:
    """argparse type for `--callbacks HOST:PORT`."""
    try:
        return parse_host_port(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def check_public_url(url: str | None) -> str | None:
    """The reason a `--public-url` is unusable, or None."""
    if url and not url.startswith(("http://", "https://")):
        return "--public-url must start with https:// (or http:// for loopback)"
    return None


def url_host(host: str) -> str:
    """A host as it goes into a URL (IPv6 in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


class CallbackWatch:
    """A receiver for one wait or one dashboard session; `await start()` / `await stop()`."""

    def __init__(
        self,
        *,
        clock: Clock,
        host: str = DEFAULT_HOST,
        port: int = 8787,
        public_url: str = "",
        is_known: Callable[[str], bool] | None = None,
        timing: CallbackTiming | None = None,
    ) -> None:
        self.host = host
        self.expectations = CallbackExpectations(clock, timing)
        self.expectations.receiver_running = False
        self._is_known = is_known or (lambda _job_id: False)
        # Every id given our URL, finished or not: a late duplicate is ours, not a forgery.
        self._ours: set[str] = set()
        self._poke: Callable[[str], None] | None = None
        self._clock = clock
        self._activity: ActivityLog | None = None
        #: Why the receiver is off (it could not bind), for the header.
        self.problem: str | None = None
        self._public_url = public_url
        self.receiver = CallbackReceiver(
            is_known=self.knows, on_hint=self._hint, public_url=public_url, clock=clock
        )
        self.server = ReceiverServer(self.receiver, host, port)

    @property
    def warning(self) -> str | None:
        """The bind warning when the receiver is reachable from other machines."""
        return bind_warning(self.host)

    @property
    def running(self) -> bool:
        return self.server.running

    @property
    def callback_url(self) -> str | None:
        """The secret URL to submit with, or None while the receiver is not running."""
        return self.receiver.callback_url if self.running else None

    def describe(self) -> str:
        """"on (3 received)" while running, else "off" and why."""
        if self.running:
            return self.receiver.describe()
        return f"off ({self.problem})" if self.problem else "off"

    async def start(self) -> None:
        """Bind and serve; OSError (port in use, bad address) leaves it off."""
        await self.server.start()
        if not self._public_url:
            self.receiver.public_url = f"http://{url_host(self.host)}:{self.server.port}"
        self.expectations.receiver_running = True

    async def stop(self) -> None:
        """Stop serving; every awaited job goes back to the normal schedule at once."""
        self.expectations.receiver_running = False
        await self.server.stop()
        if self._poke is not None:
            for job_id in sorted(self._ours):
                self._poke(job_id)

    def attach(self, poke: Callable[[str], None]) -> None:
        """`scheduler.poke`: what an accepted callback calls with its job id."""
        self._poke = poke

    def expect(self, job_id: str) -> None:
        """`job_id` was just submitted with `callback_url`."""
        self._ours.add(job_id)
        self.expectations.expect(job_id)

    def knows(self, job_id: str) -> bool:
        return job_id in self._ours or self._is_known(job_id)

    def observe(self, batch: Iterable[SchedulerEvent]) -> None:
        """Feed a scheduler batch: finished jobs stop waiting, running ones re-estimate."""
        for event in batch:
            if isinstance(event, JobEvent) and event.job is not None:
                self.expectations.observed(event.job)

    def journaled(
        self, request_json: Mapping[str, Any], extra: Mapping[str, Any] | None
    ) -> tuple[Mapping[str, Any], Mapping[str, Any] | None]:
        """What the journal keeps of a submission: the URL's secret cut, and that the job
        expects a callback (when the request carries our URL)."""
        if request_json.get("callback_url") != self.receiver.callback_url:
            return request_json, extra
        request_json = {**request_json, "callback_url": self.receiver.shown_url}
        return request_json, {**(extra or {}), "expects_callback": True}

    def with_url(self, request: Any) -> Any:
        """A dashboard form's request with our callback URL, while the receiver runs (a
        request that names its own URL keeps it)."""
        url = self.callback_url
        if url is None or getattr(request, "callback_url", "missing") is not None:
            return request
        return dataclasses.replace(request, callback_url=url)

    def log_to(self, activity: ActivityLog) -> None:
        """Put every refused callback and the receiver's own troubles in the activity log."""
        self._activity = activity

        def refused(event: ReceiverEvent) -> None:
            if not event.accepted:
                note = f"callback refused: {event.reason}"
                self._note(event.method, event.path, event.status, note, at=event.at)

        self.receiver.on_event = refused

    async def start_or_explain(self) -> None:
        """Start; a port that cannot bind turns callbacks off with one clear line."""
        if self.running:
            return
        try:
            await self.start()
        except OSError as error:
            reason = error.strerror or str(error)
            self.problem = f"cannot listen on {self.host}:{self.server.port}: {reason}"
            self._note("LISTEN", self.host, None, f"callbacks off: {self.problem}; polling")
            return
        self.problem = None
        self._note("LISTEN", self.receiver.shown_url, 200, self.warning or "callbacks on")

    def _note(
        self,
        method: str,
        path: str,
        status: int | None,
        note: str,
        *,
        at: datetime | None = None,
    ) -> None:
        if self._activity is not None:
            entry = ActivityEntry(
                at or self._clock.now(), method, path, status, None, note=note, kind="callback"
            )
            self._activity.record(entry)

    def _hint(self, hint: CallbackHint) -> None:
        if self._poke is not None:
            self._poke(hint.job_id)


class CallbackScheduler(PollingScheduler):
    """The dashboard's scheduler with a receiver: it starts with the first `run()` (the
    session's polling), and every batch run yields feeds the expectations."""

    def __init__(self, client: Any, *, callbacks: CallbackWatch, **options: Any) -> None:
        super().__init__(client, poll_floor=callbacks.expectations.poll_floor, **options)
        self.callbacks = callbacks
        callbacks.attach(self.poke)

    async def run(self) -> AsyncIterator[list[SchedulerEvent]]:
        await self.callbacks.start_or_explain()
        async for batch in super().run():
            self.callbacks.observe(batch)
            yield batch
