"""Every way a Descript API call can fail, as one exception class per documented cause.

Each error carries what the user and the activity log need: the HTTP status, the server's
`error` code and `message`, the whole body text, the rate-limit headers, and a one-line
`remedy` taken from the reference docs. `str(err)` is a one-line summary. No error ever
holds the API token: the request's headers are never copied in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import httpx

from tui.api.retry import NO_RETRY_AFTER, RETRY_AFTER, RetryAfter, parse_retry_after

# Headers the API sends for client-side budgeting (errors-and-rate-limits.txt).
RATELIMIT_REMAINING = "X-RateLimit-Remaining"
RATELIMIT_CONSUMED = "X-RateLimit-Consumed"

_SUMMARY_LIMIT = 200

REMEDY_400 = (
    "The request is malformed or misses a required field (project_name for imports, "
    "prompt for agent edits): fix the input; retrying will not help."
)
REMEDY_401 = (
    "The API token is missing, invalid or expired: create a new one in Descript Settings > "
    "API tokens and set DESCRIPT_API_TOKEN or run `descript-tui auth login`."
)
REMEDY_402 = (
    "The Drive is out of media minutes or AI credits: top up, or wait for the plan to renew."
)
REMEDY_403 = (
    "The token belongs to another Drive, or the project was moved or deleted: "
    "use a token for that Drive."
)
REMEDY_404 = "Wrong job or project id, the job is older than 30 days, or the project was deleted."
REMEDY_429 = "Rate limit reached: wait the Retry-After time before retrying; don't retry at once."
REMEDY_500 = (
    "Descript had an internal error: retry after 5-10 s; if it persists, check the Descript "
    "status page."
)
REMEDY_502 = (
    "A transient gateway error (seen during agent edits): retry after 10-30 s; it usually "
    "clears by itself."
)
REMEDY_5XX = (
    "Descript is unavailable: retry later with backoff; if it persists, check the Descript "
    "status page."
)
REMEDY_UNEXPECTED = (
    "The API gave an answer this client does not know: see the response body in the activity log."
)
REMEDY_TRANSPORT = (
    "Could not reach the Descript API: check the network connection and the base URL, then retry."
)
REMEDY_OUTCOME_UNKNOWN = (
    "The request was sent but its answer never came: check the jobs list before resubmitting, "
    "or a duplicate job may be created."
)
REMEDY_RETRY_AFTER_TOO_LONG = (
    "The API asked for a long pause: wait until the time shown, or raise the maximum wait."
)
REMEDY_INVALID_REQUEST = "Fix the fields named above; nothing was sent."
REMEDY_UPLOAD = (
    "The job was created but a file did not upload: retry the import, or cancel the job and "
    "check the file."
)


def one_line(text: str, limit: int = _SUMMARY_LIMIT) -> str:
    """Collapse whitespace and cut to `limit` characters, so a summary stays on one line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """The rate-limit headers of one response, parsed once (`retry_after.raw` for display).

    `retry_after` also accepts plain seconds (tests, hand-made errors): they become a
    `RetryAfter` whose raw text is `retry_after_raw`.
    """

    retry_after: RetryAfter = NO_RETRY_AFTER
    retry_after_raw: str | None = None
    remaining: int | None = None
    consumed: int | None = None

    def __post_init__(self) -> None:
        value: Any = self.retry_after
        if value is None:
            value = RetryAfter(0.0, self.retry_after_raw)
        elif isinstance(value, int | float):
            seconds = float(value) if math.isfinite(value) and value > 0 else 0.0
            value = RetryAfter(seconds, self.retry_after_raw)
        object.__setattr__(self, "retry_after", value)
        object.__setattr__(self, "retry_after_raw", value.raw)

    @classmethod
    def from_headers(cls, headers: Mapping[str, str], now: datetime) -> RateLimitInfo:
        return cls(
            retry_after=parse_retry_after(headers.get(RETRY_AFTER), now),
            remaining=_int_header(headers, RATELIMIT_REMAINING),
            consumed=_int_header(headers, RATELIMIT_CONSUMED),
        )

    @property
    def is_empty(self) -> bool:
        return self.retry_after.raw is None and self.remaining is None and self.consumed is None

    def describe(self) -> str:
        """`Retry-After 7 · remaining 0 · consumed 10` for the activity log."""
        parts = []
        if self.retry_after.raw is not None:
            parts.append(f"Retry-After {self.retry_after.raw}")
        if self.remaining is not None:
            parts.append(f"remaining {self.remaining}")
        if self.consumed is not None:
            parts.append(f"consumed {self.consumed}")
        return " · ".join(parts)


class DescriptError(Exception):
    """Base of every error this client raises; `remedy` says what the user can do."""

    remedy: str = REMEDY_UNEXPECTED
    #: How many attempts were made before giving up (set by the retry loop).
    attempts: int = 1


class ApiError(DescriptError):
    """The API answered with an error status."""

    default_remedy = REMEDY_UNEXPECTED

    def __init__(
        self,
        status: int,
        error: str | None,
        message: str | None,
        body: str,
        headers: Mapping[str, str] | None = None,
        rate_limit: RateLimitInfo | None = None,
        remedy: str | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.error = error
        self.message = message
        self.body = body
        # Response headers only: the request (and its Authorization) is never kept.
        self.headers: dict[str, str] = dict(headers or {})
        self.rate_limit = rate_limit or RateLimitInfo()
        self.remedy = remedy or self.default_remedy
        self.method = method
        self.path = path
        super().__init__(self.summary())

    @property
    def retry_after(self) -> RetryAfter:
        """The answer's `Retry-After` (a 429's, or a 503's), parsed once; `.seconds` is 0.0
        when it sent none usable."""
        return self.rate_limit.retry_after

    def summary(self) -> str:
        what = self.error or _reason_phrase(self.status)
        text = f"{self.status} {what}"
        if self.message:
            text += f": {self.message}"
        if self.method and self.path:
            text += f" ({self.method} {self.path})"
        return one_line(text)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary()!r})"


class BadRequestError(ApiError):
    default_remedy = REMEDY_400


class UnauthorizedError(ApiError):
    default_remedy = REMEDY_401


class PaymentRequiredError(ApiError):
    default_remedy = REMEDY_402


class ForbiddenError(ApiError):
    default_remedy = REMEDY_403


class NotFoundError(ApiError):
    default_remedy = REMEDY_404


class RateLimitedError(ApiError):
    default_remedy = REMEDY_429


class ServerError(ApiError):
    """Any 5xx: the request was fine, Descript was not."""

    default_remedy = REMEDY_5XX


class UnexpectedStatusError(ApiError):
    """A status the docs do not describe for this API (e.g. 409, 422, a 3xx)."""

    default_remedy = REMEDY_UNEXPECTED


_CLASS_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    402: PaymentRequiredError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitedError,
}
_SERVER_REMEDIES = {500: REMEDY_500, 502: REMEDY_502}


def error_class_for(status: int) -> type[ApiError]:
    if status in _CLASS_BY_STATUS:
        return _CLASS_BY_STATUS[status]
    if 500 <= status <= 599:
        return ServerError
    return UnexpectedStatusError


def error_from_response(
    response: httpx.Response,
    *,
    now: datetime | None = None,
    rate_limit: RateLimitInfo | None = None,
    method: str | None = None,
    path: str | None = None,
    secrets: tuple[str, ...] = (),
) -> ApiError:
    """Turn an error response into its typed exception, keeping the whole body.

    `rate_limit` is the headers already parsed by the caller (parsed here when not given).
    `secrets` (the token) are masked in the body, in case a proxy echoes the request.
    """
    status = response.status_code
    try:
        body = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        body = ""
    for secret in secrets:
        if secret:
            body = body.replace(secret, "****")
    error, message = _error_fields(body)
    if rate_limit is None:
        rate_limit = RateLimitInfo.from_headers(response.headers, now or datetime.now(UTC))
    if method is None or path is None:
        try:
            request = response.request
        except RuntimeError:
            request = None
        if request is not None:
            method = method or request.method
            path = path or request.url.raw_path.decode("ascii", "replace")
    cls = error_class_for(status)
    return cls(
        status,
        error,
        message,
        body,
        headers=response.headers,
        rate_limit=rate_limit,
        remedy=_SERVER_REMEDIES.get(status),
        method=method,
        path=path,
    )


def _error_fields(body: str) -> tuple[str | None, str | None]:
    """`{"error": ..., "message": ...}` when the body is that JSON; else no code, body as text."""
    try:
        data: Any = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        message = data.get("message")
        if isinstance(error, dict):  # some gateways nest {"error": {"code", "message"}}
            message = message or error.get("message")
            error = error.get("code") or error.get("type")
        return (
            str(error) if error is not None else None,
            str(message) if message is not None else None,
        )
    text = body.strip()
    return None, (one_line(text) if text else None)


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


class TransportError(DescriptError):
    """The API could not be reached, or the connection broke before an answer arrived."""

    remedy = REMEDY_TRANSPORT

    def __init__(
        self,
        detail: str,
        *,
        method: str | None = None,
        path: str | None = None,
        base_url: str | None = None,
    ):
        self.detail = detail
        self.method = method
        self.path = path
        self.base_url = base_url
        where = f" ({method} {path})" if method and path else ""
        api = f"the Descript API at {base_url}" if base_url else "the Descript API"
        super().__init__(one_line(f"could not reach {api}: {detail}{where}"))


class OutcomeUnknownError(DescriptError):
    """A POST whose body was sent but whose answer never came (or came unreadable).

    The job may or may not exist: the client never resends it. Reconcile by listing recent
    jobs (`GET /jobs`) before submitting again.
    """

    remedy = REMEDY_OUTCOME_UNKNOWN

    def __init__(
        self,
        method: str,
        path: str,
        request_json: Any,
        reason: str,
        *,
        status: int | None = None,
        body: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.request_json = request_json
        self.reason = reason
        self.status = status
        self.body = body
        super().__init__(one_line(f"outcome unknown for {method} {path}: {reason}"))


class UnexpectedResponseError(DescriptError):
    """A success status whose body is not the JSON the spec describes (kept in `body`)."""

    remedy = REMEDY_UNEXPECTED

    def __init__(
        self,
        status: int,
        body: str,
        reason: str,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.reason = reason
        self.method = method
        self.path = path
        where = f" ({method} {path})" if method and path else ""
        super().__init__(one_line(f"unreadable {status} answer: {reason}{where}"))


class ResponseTooLargeError(UnexpectedResponseError):
    """A success answer over the client's size cap: cut off, never read as complete."""


class RetryAfterTooLong(DescriptError):
    """A rate-limit wait longer than the configured maximum: surfaced, not slept.

    Raised for a server's long `Retry-After` (then `error` is the 429), for a shared gate
    still closed by one, and for a client-side window that cannot free a slot in time.
    `retry_after.seconds` is the wait still ahead from now (its `raw` the server's header,
    when it came from one), `until` the wall-clock time.
    """

    remedy = REMEDY_RETRY_AFTER_TOO_LONG

    def __init__(
        self,
        retry_after: float,
        *,
        until: datetime | None,
        max_wait: float,
        reason: str,
        error: ApiError | None = None,
        waited: float = 0.0,
    ) -> None:
        raw = error.retry_after.raw if error is not None else None
        capped = error.retry_after.capped if error is not None else False
        self.retry_after = RetryAfter(retry_after, raw, capped)
        self.until = until
        self.max_wait = max_wait
        self.reason = reason
        self.error = error
        self.waited = waited
        when = f" (until {until:%H:%M:%S} UTC)" if until else ""
        asked = f" (asked for {raw.strip()[:40]})" if capped and raw else ""
        already = f", after waiting {waited:.0f} s" if waited > 0 else ""
        super().__init__(
            one_line(
                f"{reason}: next send in {retry_after:.0f} s{when}{asked}{already}; "
                f"this client waits at most {max_wait:.0f} s"
            )
        )


class InvalidRequestError(DescriptError):
    """A submission refused before sending: `problems` lists each field and why."""

    remedy = REMEDY_INVALID_REQUEST

    def __init__(self, problems: list[Any]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid request"
        more = f" (+{len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(one_line(first + more))


class MissingTokenError(DescriptError):
    """No usable API token was given (never echoes what was given)."""

    remedy = REMEDY_401

    def __init__(self, detail: str = "no API token") -> None:
        super().__init__(detail)


class UploadError(DescriptError):
    """The import job exists, but a local file could not be PUT to its upload URL."""

    remedy = REMEDY_UPLOAD

    def __init__(self, media_name: str, detail: str, *, created: Any = None) -> None:
        self.media_name = media_name
        self.detail = detail
        # The JobCreated answer: the job exists and the caller may want to cancel it.
        self.created = created
        job = f" (job {created.job_id})" if created is not None else ""
        super().__init__(one_line(f"upload of {media_name!r} failed{job}: {detail}"))
