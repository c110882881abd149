"""A receiver for Descript's `callback_url` POSTs, treated as hints, never as truth.

Descript POSTs a job's final status to the `callback_url` given at submit (async-job-model.txt).
The API documents no signature, so anybody who learns the URL can post anything to it. The
receiver therefore only ever takes a callback as a hint that a job *may* have changed:

1. POST on the secret path only (a random path made per receiver, never shown in full);
2. `application/json`, at most 1 MB, an object with a string `job_id`;
3. a job this profile submitted or knows (`is_known`);
4. then the consumer re-reads the job with one GET (within the shared budget) and applies
   *that* answer, never the payload.

Everything refused is counted by reason and logged (path redacted); nothing raises out of the
ASGI app. No Textual import: the CLI's `listen` and the dashboard share this module.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.api.base_url import is_loopback_host
from tui.api.clock import Clock, SystemClock

#: Descript's payload is one job's JSON; a megabyte is far above any real one.
MAX_BODY_BYTES = 1_000_000
#: The secret part of the path: 32 URL-safe characters, about 190 bits.
SECRET_BYTES = 24
PATH_PREFIX = "/descript-callback/"

#: Reasons a request is refused, as counted in `CallbackReceiver.refused`.
WRONG_PATH = "wrong path"
WRONG_METHOD = "wrong method"
NOT_JSON = "not JSON"
TOO_LARGE = "over 1 MB"
BAD_BODY = "no job_id"
UNKNOWN_JOB = "unknown job"


@dataclass(frozen=True, slots=True)
class CallbackHint:
    """A callback that passed every check: re-read `job_id` with one GET."""

    job_id: str
    received_at: datetime
    #: The `job_state` the payload claimed: shown, never applied.
    claimed_state: str | None


@dataclass(frozen=True, slots=True)
class ReceiverEvent:
    """One request the receiver saw, for the activity log. `path` is already redacted."""

    at: datetime
    method: str
    path: str
    accepted: bool
    reason: str
    job_id: str | None = None
    #: The HTTP status answered (202 for an unknown job too: a forger learns nothing).
    status: int = 202


HintSink = Callable[[CallbackHint], Awaitable[None] | None]


def bind_warning(host: str) -> str | None:
    """A one-line warning when the receiver would be reachable from other machines."""
    if is_loopback_host(host):
        return None
    return (
        f"warning: the callback receiver listens on {host}, reachable from other machines; "
        "prefer 127.0.0.1 behind an HTTPS reverse proxy or tunnel (--public-url)"
    )


def redact_path(path: str, secret: str) -> str:
    """The path with the secret cut to its first 4 characters."""
    return path.replace(secret, secret[:4] + "…") if secret else path


class CallbackReceiver:
    """The ASGI app behind the callback URL. `await receiver(scope, receive, send)`.

    `is_known(job_id)` says whether this profile submitted or knows the job; `on_hint` gets
    each accepted callback (sync or async). `public_url` is where Descript reaches this
    receiver (scheme, host, port, no path), e.g. the HTTPS URL of a reverse proxy.
    """

    def __init__(
        self,
        *,
        is_known: Callable[[str], bool],
        on_hint: HintSink,
        public_url: str,
        clock: Clock | None = None,
        secret: str | None = None,
        max_body: int = MAX_BODY_BYTES,
        on_event: Callable[[ReceiverEvent], None] | None = None,
    ) -> None:
        self._is_known = is_known
        # Told of every request seen (path redacted): the dashboard's activity log.
        self.on_event = on_event
        self._on_hint = on_hint
        self._clock = clock or SystemClock()
        self._secret = secret or secrets.token_urlsafe(SECRET_BYTES)
        self._max_body = max_body
        self.public_url = public_url.rstrip("/")
        self.accepted = 0
        self.refused: Counter[str] = Counter()
        self.events: deque[ReceiverEvent] = deque(maxlen=500)

    @property
    def path(self) -> str:
        return PATH_PREFIX + self._secret

    @property
    def callback_url(self) -> str:
        """The full URL to pass as `callback_url`: secret, so never print it."""
        return self.public_url + self.path

    @property
    def shown_url(self) -> str:
        """The callback URL as it may be shown or logged."""
        return redact_path(self.callback_url, self._secret)

    def __repr__(self) -> str:
        return f"CallbackReceiver({self.shown_url!r}, accepted={self.accepted})"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _answer_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        method = scope.get("method", "")
        path = scope.get("path", "")
        status, reason, job_id = await self._judge(scope, receive, method, path)
        self._record(method, path, status, reason, job_id)
        await _respond(send, status, reason)

    async def _judge(
        self, scope: dict[str, Any], receive: Any, method: str, path: str
    ) -> tuple[int, str, str | None]:
        """(status, reason, job id) for one request; calls the hint sink when accepted."""
        # Compared in constant time: the path is the only secret a callback carries.
        if not secrets.compare_digest(path.encode(), self.path.encode()):
            return 404, WRONG_PATH, None
        if method != "POST":
            return 405, WRONG_METHOD, None
        if _content_type(scope) != "application/json":
            return 415, NOT_JSON, None
        body = await _read_body(receive, self._max_body)
        if body is None:
            return 413, TOO_LARGE, None
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return 400, NOT_JSON, None
        job_id = payload.get("job_id") if isinstance(payload, dict) else None
        if not isinstance(job_id, str) or not job_id.strip():
            return 400, BAD_BODY, None
        if not self._is_known(job_id):
            # 202 all the same: a forger learns nothing about which ids exist.
            return 202, UNKNOWN_JOB, job_id
        claimed = payload.get("job_state")
        hint = CallbackHint(
            job_id, self._clock.now(), claimed if isinstance(claimed, str) else None
        )
        result = self._on_hint(hint)
        if result is not None:
            await result
        return 202, "accepted", job_id

    def _record(
        self, method: str, path: str, status: int, reason: str, job_id: str | None
    ) -> None:
        accepted = status == 202 and reason == "accepted"
        if accepted:
            self.accepted += 1
        else:
            self.refused[reason] += 1
        event = ReceiverEvent(
            self._clock.now(),
            method,
            redact_path(path, self._secret),
            accepted,
            reason,
            job_id,
            status,
        )
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def describe(self) -> str:
        """"on (3 received)" or "on (3 received, 2 refused: 1 unknown job, 1 wrong path)"."""
        text = f"on ({self.accepted} received"
        refused = sum(self.refused.values())
        if refused:
            reasons = ", ".join(f"{count} {reason}" for reason, count in self.refused.items())
            text += f", {refused} refused: {reasons}"
        return text + ")"


def _content_type(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


async def _read_body(receive: Any, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` bytes (the rest is not kept)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(send: Any, status: int, reason: str) -> None:
    body = json.dumps({"status": reason}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _answer_lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
