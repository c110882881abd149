"""The record of every request and response, for the activity screen and for debugging.

An entry holds what was asked and what came back (time, method, path with query, status,
latency, the rate-limit headers, the request-id headers the server or a proxy sent, the
body of an error, the job the call was about, and a note such as "retry 2/5 in 7.0 s" or
"outcome unknown"). It never holds request headers, so the Authorization header cannot
leak; `redact()` also scrubs the token from any text (an error body that echoes it).
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "****"

# Query parameters that carry secrets in signed URLs or badly written proxies.
_SECRET_PARAMS = {
    "token",
    "access_token",
    "api_key",
    "apikey",
    "key",
    "signature",
    "x-goog-signature",
    "x-goog-credential",
    "x-amz-signature",
    "x-amz-credential",
    "x-amz-security-token",
    "sig",
}


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every secret replaced by `****`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def redact_query(query: str) -> str:
    """A query string with the values of secret-looking parameters masked."""
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(k, REDACTED if k.lower() in _SECRET_PARAMS else v) for k, v in pairs]
    return urlencode(masked, safe="/:,*")


def redact_url(url: str) -> str:
    """A URL with secret-looking query values (signatures, tokens) masked."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=redact_query(parts.query)))


class RedactingLogFilter(logging.Filter):
    """Masks signed-URL query values in httpx's "HTTP Request: GET <url>" log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                redact_url(str(arg)) if _looks_like_url(arg) else arg for arg in record.args
            )
        return True


def _looks_like_url(value: object) -> bool:
    text = str(value) if type(value).__name__ == "URL" or isinstance(value, str) else ""
    return "://" in text and "?" in text


def install_log_redaction(logger_name: str = "httpx") -> None:
    """Attach the filter once to `logger_name` (httpx logs every request URL at INFO)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactingLogFilter) for f in logger.filters):
        logger.addFilter(RedactingLogFilter())


def rate_limit_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Only the rate-limit headers of a response, under their documented names."""
    found: dict[str, str] = {}
    for name in ("Retry-After", "X-RateLimit-Remaining", "X-RateLimit-Consumed"):
        value = headers.get(name)
        if value is not None:
            found[name] = value
    return found


#: Response headers that name a request on the server's side, as the API's hosts and the
#: proxies in front of them spell them: what a support ticket asks for.
REQUEST_ID_HEADERS = ("X-Request-Id", "Request-Id", "X-Amzn-RequestId", "CF-Ray")


def request_id_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Only the request-id headers of a response (those present), under their usual names."""
    found: dict[str, str] = {}
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value is not None:
            found[name] = value
    return found


def created_job_id(method: str, status: int, body: bytes) -> str | None:
    """The job a submit's 201 created (its body's `job_id`), so the log can tie the POST to
    the job; None for anything else or an unreadable body."""
    if method != "POST" or status != 201:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    job_id = data.get("job_id") if isinstance(data, dict) else None
    return str(job_id) if job_id else None


#: The methods of `/jobs/{job_id}` (a POST to `/jobs/agent` is a submit, not about "agent").
_JOB_METHODS = frozenset({"GET", "DELETE"})


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    at: datetime
    method: str
    #: Path and query as sent, relative to the base URL (or host + path for uploads).
    path: str
    #: None when no answer came (connect failure, timeout, reset).
    status: int | None
    latency_ms: float | None
    rate_limit: Mapping[str, str] = field(default_factory=dict)
    #: The whole body of an error response (token scrubbed); None on success.
    error_body: str | None = None
    #: "retry 2/5 in 7.0 s (500)", "outcome unknown, not resent", "upload 5.2 MB" ...
    note: str | None = None
    attempt: int = 1
    #: Which budget it spent ("import", "agent", "status", "upload" ...).
    kind: str | None = None
    #: The request-id headers of the answer (`request_id_headers`); empty when none came.
    request_ids: Mapping[str, str] = field(default_factory=dict)
    #: The job the call was about when the path does not say (the job a POST created).
    job_id: str | None = None

    @property
    def is_error(self) -> bool:
        return self.status is None or self.status >= 400

    @property
    def request_id(self) -> str | None:
        """The first request id the answer carried (`REQUEST_ID_HEADERS` order)."""
        return next(iter(self.request_ids.values()), None)

    @property
    def about_job(self) -> str | None:
        """The job this call created (a submit's 201), read or cancelled (`GET`/`DELETE
        /jobs/{id}`); None for a list page, an upload, a submit that made no job."""
        if self.job_id:
            return self.job_id
        segments = self.path.split("?", 1)[0].strip("/").split("/")
        if self.method in _JOB_METHODS and len(segments) == 2 and segments[0] == "jobs":
            return segments[1]
        return None

    def is_about(self, job_id: str) -> bool:
        """Whether this call read, cancelled or created `job_id`."""
        return self.about_job == job_id

    def summary(self) -> str:
        """One line: `14:32:05 GET /jobs/abc 200 41 ms · remaining 19 · retry 2/5 in 7.0 s`."""
        status = str(self.status) if self.status is not None else "---"
        parts = [f"{self.at:%H:%M:%S} {self.method} {self.path} {status}"]
        if self.latency_ms is not None:
            parts[0] += f" {self.latency_ms:.0f} ms"
        if self.rate_limit:
            parts.append(", ".join(f"{k} {v}" for k, v in self.rate_limit.items()))
        if self.request_id:
            parts.append(f"request {self.request_id}")
        if self.note:
            parts.append(self.note)
        return " · ".join(parts)


Subscriber = Callable[[ActivityEntry], None]


class ActivityLog:
    """A bounded ring of entries, newest last, with live subscribers."""

    def __init__(self, capacity: int = 1000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._entries: deque[ActivityEntry] = deque(maxlen=capacity)
        self._subscribers: list[Subscriber] = []
        #: Entries ever recorded (the ring forgets, this does not).
        self.total = 0

    def record(self, entry: ActivityEntry) -> None:
        self._entries.append(entry)
        self.total += 1
        for callback in list(self._subscribers):
            # A broken subscriber (e.g. a closed screen) must not break the request.
            try:
                callback(entry)
            except Exception:
                self.unsubscribe(callback)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call `callback(entry)` for every new entry; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self.unsubscribe(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def entries(self) -> list[ActivityEntry]:
        return list(self._entries)

    def errors(self) -> list[ActivityEntry]:
        return [e for e in self._entries if e.is_error]

    def clear(self) -> None:
        self._entries.clear()

    def __iter__(self) -> Iterator[ActivityEntry]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"ActivityLog({len(self)}/{self.capacity} entries)"
