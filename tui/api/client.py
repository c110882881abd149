"""`DescriptClient`: every job and project endpoint of the Descript API, typed and careful.

Each call waits for its rate-limit budget (`limits.py`), is retried only as `retry.py`
allows, is recorded in the `ActivityLog`, and either returns a model from `models.py` or
raises an error from `errors.py`. The token lives only in the Authorization header of the
API client: it is never sent to upload URLs, never logged, never in a repr or an error.

    async with DescriptClient(token) as client:
        created = await client.import_media(request, upload_progress=on_progress)
        job = await client.get_job(created.job_id)
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from tui.api.activity import (
    ActivityEntry,
    ActivityLog,
    created_job_id,
    install_log_redaction,
    rate_limit_headers,
    redact,
    redact_query,
    request_id_headers,
)
from tui.api.answers import (
    MAX_ANSWER_BYTES,
    checked,
    job_page_problem,
    job_problem,
    page_problem,
    read_capped,
    reason_of,
)
from tui.api.base_url import check_base_url
from tui.api.clock import Clock, SystemClock
from tui.api.errors import (
    ApiError,
    DescriptError,
    InvalidRequestError,
    MissingTokenError,
    OutcomeUnknownError,
    RateLimitInfo,
    ResponseTooLargeError,
    RetryAfterTooLong,
    TransportError,
    UnexpectedResponseError,
    UploadError,
    error_from_response,
)
from tui.api.limits import RateLimits, RequestKind
from tui.api.models import (
    CancelResult,
    Job,
    JobCreated,
    JobPage,
    ModelError,
    Project,
    ProjectDetail,
    ProjectPage,
    format_timestamp,
)
from tui.api.requests import AgentRequest, ImportRequest, Problem, PublishRequest
from tui.api.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    classify_failure,
    retry_delay,
)
from tui.api.uploads import UPLOAD_TIMEOUT, UploadProgress, Uploads

T = TypeVar("T")

DEFAULT_BASE_URL = "https://descriptapi.com/v1"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: The whole of one request (connect, send, every byte of the answer) must fit in this many
#: seconds, however slowly a server trickles its bytes (profile `request_timeout`).
DEFAULT_REQUEST_TIMEOUT = 30.0
USER_AGENT = "descript-tui/0.1"

# httpx logs each request URL at INFO: mask signed upload URLs' signatures there.
install_log_redaction()

When = datetime | str | None
#: `on_retry(what, seconds)`, called just before the client sleeps `seconds` to retry `what`
#: (e.g. "429 on GET /jobs/abc"), so a caller can say why it is waiting instead of hanging.
RetryNotice = Callable[[str, float], None]


def _when(value: When) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return format_timestamp(value)


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None and v != ""}


def _id_path(prefix: str, value: str, field: str) -> str:
    if not value or not value.strip():
        raise InvalidRequestError([Problem(field, f"a {field.replace('_', ' ')} is required")])
    # Ids are opaque: quote everything, a slash in an id must not change the route.
    return f"{prefix}/{quote(value.strip(), safe='')}"


class DescriptClient(Uploads):
    """The Descript API over httpx.AsyncClient. Use as `async with`, or call `aclose()`."""

    def __init__(
        self,
        token: str | None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        limits: RateLimits | None = None,
        retry: RetryPolicy | None = None,
        activity: ActivityLog | None = None,
        upload_transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        rng: random.Random | None = None,
        on_retry: RetryNotice | None = None,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        if not token or not token.strip():
            raise MissingTokenError("no API token: set DESCRIPT_API_TOKEN or log in")
        if any(ch.isspace() or ord(ch) < 32 for ch in token.strip()):
            raise MissingTokenError("the API token contains spaces or control characters")
        # An HTTP header is ASCII: httpx would raise UnicodeEncodeError from deep inside.
        if not token.strip().isascii():
            raise MissingTokenError("the API token contains characters that are not ASCII")
        self.clock: Clock = clock or (limits.clock if limits else SystemClock())
        self._limits = limits or RateLimits(self.clock)
        # Not `activity or ...`: an empty log is falsy (it has a length), and is still the one.
        self._activity = activity if activity is not None else ActivityLog()
        self.retry_policy = retry or DEFAULT_POLICY
        self._rng = rng or random.Random()
        self.on_retry = on_retry
        self.request_timeout = request_timeout
        self.max_answer_bytes = max_answer_bytes
        # Structure only (scheme, host, port, no query or credentials): whether plain http
        # to a remote host is allowed is the connection's decision (tui.config).
        self._base_url = check_base_url(base_url, allow_insecure_http=True)
        self._base_path = urlsplit(self._base_url).path.rstrip("/")
        # The one place the token lives.
        self._http = httpx.AsyncClient(
            base_url=self._base_url,
            transport=transport,
            timeout=timeout,
            headers={
                "Authorization": f"Bearer {token.strip()}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        # Signed upload URLs get no Authorization: a separate client with no default headers.
        self._upload_http = httpx.AsyncClient(
            transport=upload_transport or transport,
            timeout=UPLOAD_TIMEOUT,
            headers={"User-Agent": USER_AGENT},
        )

    # -- plumbing -----------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def limits(self) -> RateLimits:
        return self._limits

    @property
    def activity(self) -> ActivityLog:
        return self._activity

    def __repr__(self) -> str:
        return f"DescriptClient(base_url={self._base_url!r}, token=****)"

    async def __aenter__(self) -> DescriptClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._upload_http.aclose()

    def _secrets(self) -> tuple[str, ...]:
        header = self._http.headers.get("Authorization", "")
        return (header.removeprefix("Bearer ").strip(),)

    def _scrub(self, text: str) -> str:
        return redact(text, self._secrets())

    def _display_path(self, request: httpx.Request) -> str:
        path = request.url.path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :] or "/"
        query = redact_query(request.url.query.decode("ascii", "replace"))
        return self._scrub(f"{path}?{query}" if query else path)

    async def _send(
        self,
        method: str,
        path: str,
        *,
        kind: RequestKind,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        job_id: str | None = None,
    ) -> httpx.Response:
        """Send with budget, retries and logging; return the 2xx response or raise.

        `job_id`: this is a status GET of that job (spaced 3 s across processes)."""
        policy = self.retry_policy
        started = self.clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            elapsed = self.clock.monotonic() - started
            await self._limits.acquire(
                kind,
                max_wait=min(policy.max_retry_after, max(0.0, policy.deadline - elapsed)),
                job_id=job_id,
            )
            request = self._http.build_request(method, path, params=params, json=json)
            shown = self._display_path(request)
            at = self.clock.now()
            sent_at = self.clock.monotonic()
            try:
                response = await self._exchange(request)
            except httpx.RequestError as exc:
                delay = self._after_failure(
                    exc, request, json, shown, at, sent_at, kind, attempt, started
                )
                await self._wait_to_retry(f"{self._failure_text(exc)} on {method} {shown}", delay)
                continue
            latency = _ms(self.clock, sent_at)
            rate_limit = RateLimitInfo.from_headers(response.headers, self.clock.now())
            self._limits.observe(response.status_code, rate_limit)
            if response.is_success:
                self._log(
                    at,
                    method,
                    shown,
                    response.status_code,
                    latency,
                    kind,
                    attempt,
                    headers=response.headers,
                    job_id=created_job_id(method, response.status_code, response.content),
                )
                self._check_size(response, method, shown, json)
                return response
            delay = self._after_error_status(
                response, json, rate_limit, shown, at, latency, kind, attempt, started
            )
            await self._wait_to_retry(f"{response.status_code} on {method} {shown}", delay)

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """One request and its whole answer within `request_timeout` (connect included), so a
        server trickling bytes is cut off; a body over `max_answer_bytes` is cut at the cap
        (`extensions["truncated"]`). Returns a response whose body is read."""
        try:
            async with asyncio.timeout(self.request_timeout):
                response = await self._http.send(request, stream=True)
                try:
                    body, truncated = await read_capped(response, self.max_answer_bytes)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise httpx.ReadTimeout(
                f"no complete answer within {self.request_timeout:g} s", request=request
            ) from None
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=body,
            request=request,
            extensions={**response.extensions, "truncated": truncated},
        )

    def _failure_text(self, exc: BaseException) -> str:
        return self._scrub(f"{type(exc).__name__}: {exc}".rstrip(": "))

    def _after_failure(
        self,
        exc: httpx.RequestError,
        request: httpx.Request,
        request_json: Any,
        shown: str,
        at: datetime,
        sent_at: float,
        kind: RequestKind,
        attempt: int,
        started: float,
    ) -> float:
        """A request with no answer: log it, then raise, or return the wait before a retry."""
        method = request.method
        detail = self._failure_text(exc)
        elapsed = self.clock.monotonic() - started
        decision = retry_delay(
            method,
            failure=classify_failure(exc),
            attempt=attempt,
            elapsed=elapsed,
            policy=self.retry_policy,
            rng=self._rng,
        )
        note = decision.note(attempt, self.retry_policy.max_attempts)
        latency = _ms(self.clock, sent_at)
        self._log(at, method, shown, None, latency, kind, attempt, detail=detail, note=note)
        if decision.outcome_unknown:
            raise OutcomeUnknownError(method, shown, request_json, detail) from exc
        if not decision.retry:
            error = TransportError(
                f"{detail}; gave up after {attempt} attempt(s) in {elapsed:.0f} s",
                method=method,
                path=shown,
                base_url=self._base_url,
            )
            error.attempts = attempt
            raise error from exc
        return decision.delay

    def _after_error_status(
        self,
        response: httpx.Response,
        request_json: Any,
        rate_limit: RateLimitInfo,
        shown: str,
        at: datetime,
        latency: float,
        kind: RequestKind,
        attempt: int,
        started: float,
    ) -> float:
        """An error answer: log it, then raise, or return the wait before a retry."""
        policy = self.retry_policy
        method = response.request.method
        error = error_from_response(
            response, rate_limit=rate_limit, method=method, path=shown, secrets=self._secrets()
        )
        error.attempts = attempt
        decision = retry_delay(
            method,
            status=response.status_code,
            retry_after=rate_limit.retry_after,
            attempt=attempt,
            elapsed=self.clock.monotonic() - started,
            policy=policy,
            rng=self._rng,
        )
        if response.status_code == 429:
            # One 429 pauses every waiting request, not just this one (even when this
            # caller has given up: the others still must not hammer the server).
            hold = decision.delay or error.retry_after.seconds or policy.backoff_base
            self._limits.close_gate(hold, f"429 on {method} {shown}")
        self._log(
            at,
            method,
            shown,
            response.status_code,
            latency,
            kind,
            attempt,
            headers=response.headers,
            error_body=error.body,
            note=decision.note(attempt, policy.max_attempts),
        )
        if decision.too_long:
            raise RetryAfterTooLong(
                decision.delay,
                until=self._until(decision.delay),
                max_wait=policy.max_retry_after,
                reason=f"429 on {method} {shown}",
                error=error,
            ) from error
        if decision.outcome_unknown:
            raise OutcomeUnknownError(
                method, shown, request_json, decision.reason, status=error.status, body=error.body
            ) from error
        if not decision.retry:
            raise error
        return decision.delay

    def _check_size(
        self, response: httpx.Response, method: str, shown: str, request_json: Any
    ) -> None:
        """A 2xx cut at `max_answer_bytes` is an error, never read as a short answer."""
        if not response.extensions.get("truncated"):
            return
        reason = f"the answer is over {self.max_answer_bytes // 1_000_000} MB; it was cut off"
        if method == "POST":
            # The job may exist: never resubmit blindly.
            raise OutcomeUnknownError(
                method, shown, request_json, reason, status=response.status_code
            )
        raise ResponseTooLargeError(response.status_code, "", reason, method=method, path=shown)

    async def _wait_to_retry(self, what: str, seconds: float) -> None:
        if self.on_retry is not None:
            # A broken listener (a closed screen, a closed pipe) must not break the request.
            with contextlib.suppress(Exception):
                self.on_retry(self._scrub(what), seconds)
        await self.clock.sleep(seconds)

    def _until(self, seconds: float) -> datetime:
        return self.clock.now() + timedelta(seconds=seconds)

    def _log(
        self,
        at: datetime,
        method: str,
        path: str,
        status: int | None,
        latency_ms: float | None,
        kind: RequestKind | str,
        attempt: int,
        *,
        headers: Mapping[str, str] | None = None,
        error_body: str | None = None,
        detail: str | None = None,
        note: str | None = None,
        job_id: str | None = None,
    ) -> None:
        text_note = "; ".join(part for part in (detail, note) if part) or None
        self._activity.record(
            ActivityEntry(
                at=at,
                method=method,
                path=path,
                status=status,
                latency_ms=latency_ms,
                rate_limit=rate_limit_headers(headers or {}),
                error_body=self._scrub(error_body) if error_body is not None else None,
                note=self._scrub(text_note) if text_note else None,
                attempt=attempt,
                kind=str(kind),
                request_ids=request_id_headers(headers or {}),
                job_id=job_id,
            )
        )

    def _json(self, response: httpx.Response, method: str) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError) as exc:
            raise self._unreadable(response, method, f"invalid JSON ({exc})") from None

    def _unreadable(
        self, response: httpx.Response, method: str, reason: str
    ) -> UnexpectedResponseError:
        body = self._scrub(response.text)
        # The request was logged as a success: say in the activity log that it was not.
        self._log(
            self.clock.now(),
            method,
            self._display_path(response.request),
            response.status_code,
            None,
            "check",
            1,
            headers=response.headers,
            note=f"unreadable answer: {reason}",
        )
        return UnexpectedResponseError(
            response.status_code,
            body,
            reason,
            method=method,
            path=self._display_path(response.request),
        )

    async def _create_job(self, path: str, kind: RequestKind, body: Any) -> JobCreated:
        response = await self._send("POST", path, kind=kind, json=body)
        # A 2xx means the job exists: an unreadable answer must not lead to a resubmit.
        try:
            return JobCreated.from_json(response.json())
        except (ValueError, UnicodeDecodeError, ModelError) as exc:
            raise OutcomeUnknownError(
                "POST",
                self._display_path(response.request),
                body,
                f"{response.status_code} with an unreadable body ({exc})",
                status=response.status_code,
                body=self._scrub(response.text),
            ) from None

    async def _get_model(
        self,
        path: str,
        parse: Callable[[Any], Any],
        *,
        job_id: str | None = None,
        **params: Any,
    ) -> Any:
        response = await self._send(
            "GET", path, kind=RequestKind.STATUS, params=_params(**params), job_id=job_id
        )
        data = self._json(response, "GET")
        try:
            return parse(data)
        except ModelError as exc:
            raise self._unreadable(response, "GET", str(exc)) from None

    # -- jobs: submit -------------------------------------------------------------------

    async def import_media(
        self, request: ImportRequest, *, upload_progress: UploadProgress | None = None
    ) -> JobCreated:
        """`POST /jobs/import/project_media`, then PUT each local file to its upload URL."""
        if problems := request.validate():
            raise InvalidRequestError(problems)
        created = await self._create_job(
            "/jobs/import/project_media", RequestKind.IMPORT, request.to_json()
        )
        for name, media in request.uploads.items():
            target = created.upload_urls.get(name)
            if target is None:
                raise UploadError(name, "the API returned no upload_url for it", created=created)
            await self._upload(name, media, target.upload_url, created, upload_progress)
        return created

    async def agent_edit(self, request: AgentRequest) -> JobCreated:
        """`POST /jobs/agent`."""
        if problems := request.validate():
            raise InvalidRequestError(problems)
        return await self._create_job("/jobs/agent", RequestKind.AGENT, request.to_json())

    async def publish(self, request: PublishRequest) -> JobCreated:
        """`POST /jobs/publish`."""
        if problems := request.validate():
            raise InvalidRequestError(problems)
        return await self._create_job("/jobs/publish", RequestKind.PUBLISH, request.to_json())

    # -- jobs: read and cancel ----------------------------------------------------------

    async def list_jobs_page(
        self,
        *,
        job_type: str | None = None,
        project_id: str | None = None,
        created_after: When = None,
        created_before: When = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> JobPage:
        """`GET /jobs`: one page, newest first; `next_cursor` is None on the last page."""
        return await self._get_model(
            "/jobs",
            checked(JobPage.from_json, job_page_problem),
            type=job_type,
            project_id=project_id,
            created_after=_when(created_after),
            created_before=_when(created_before),
            limit=limit,
            cursor=cursor,
        )

    def iter_jobs(
        self,
        *,
        job_type: str | None = None,
        project_id: str | None = None,
        created_after: When = None,
        created_before: When = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncIterator[Job]:
        """Every job matching the filters, following `pagination.next_cursor`.

        `limit` is the page size; `max_items` stops early.
        """

        async def page(cursor: str | None) -> tuple[list[Job], str | None]:
            found = await self.list_jobs_page(
                job_type=job_type,
                project_id=project_id,
                created_after=created_after,
                created_before=created_before,
                limit=limit,
                cursor=cursor,
            )
            return list(found.jobs), found.next_cursor

        return _follow_pages(page, max_items)

    async def get_job(self, job_id: str) -> Job:
        """`GET /jobs/{job_id}`."""
        return await self._get_model(
            _id_path("/jobs", job_id, "job_id"),
            checked(Job.from_json, job_problem),
            job_id=job_id.strip(),
        )

    async def cancel_job(self, job_id: str) -> CancelResult:
        """`DELETE /jobs/{job_id}`: only a 204 is success, reported as what it was.

        Any other 2xx (an HTML page from a proxy, a 200) raises `UnexpectedResponseError`
        with its status and body. When an earlier attempt's answer was lost (the retry then
        meets a 409, or every attempt was cut), the job is re-read: already `cancelled`
        counts as done, with a note saying so.
        """
        path = _id_path("/jobs", job_id, "job_id")
        try:
            response = await self._send("DELETE", path, kind=RequestKind.STATUS)
        except (ApiError, TransportError) as error:
            lost = isinstance(error, TransportError) or (
                error.attempts > 1 and getattr(error, "status", None) == 409
            )
            if not lost:
                raise
            return await self._cancel_recovered(job_id, error)
        if response.status_code != 204:
            raise self._unreadable(
                response, "DELETE", f"expected 204 No Content, got {response.status_code}"
            )
        return CancelResult(204, reason_of(response))

    async def _cancel_recovered(self, job_id: str, error: DescriptError) -> CancelResult:
        """The DELETE's answer was lost: the job's state says whether it was done."""
        try:
            job = await self.get_job(job_id)
        except DescriptError:
            raise error from None
        if job.job_state != "cancelled":
            raise error
        return CancelResult(
            200, "OK", note="the DELETE's answer was lost; a re-read shows the job cancelled"
        )

    # -- projects -----------------------------------------------------------------------

    async def list_projects_page(
        self,
        *,
        name: str | None = None,
        folder_path: str | None = None,
        created_by: str | None = None,
        created_after: When = None,
        created_before: When = None,
        updated_after: When = None,
        updated_before: When = None,
        sort: str | None = None,
        direction: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> ProjectPage:
        """`GET /projects`: one page."""
        return await self._get_model(
            "/projects",
            checked(ProjectPage.from_json, page_problem),
            name=name,
            folder_path=folder_path,
            created_by=created_by,
            created_after=_when(created_after),
            created_before=_when(created_before),
            updated_after=_when(updated_after),
            updated_before=_when(updated_before),
            sort=sort,
            direction=direction,
            limit=limit,
            cursor=cursor,
        )

    def iter_projects(
        self,
        *,
        name: str | None = None,
        folder_path: str | None = None,
        created_by: str | None = None,
        created_after: When = None,
        created_before: When = None,
        updated_after: When = None,
        updated_before: When = None,
        sort: str | None = None,
        direction: str | None = None,
        limit: int | None = None,
        max_items: int | None = None,
    ) -> AsyncIterator[Project]:
        """Every project matching the filters, following `pagination.next_cursor`."""

        async def page(cursor: str | None) -> tuple[list[Project], str | None]:
            found = await self.list_projects_page(
                name=name,
                folder_path=folder_path,
                created_by=created_by,
                created_after=created_after,
                created_before=created_before,
                updated_after=updated_after,
                updated_before=updated_before,
                sort=sort,
                direction=direction,
                limit=limit,
                cursor=cursor,
            )
            return list(found.projects), found.next_cursor

        return _follow_pages(page, max_items)

    async def get_project(self, project_id: str) -> ProjectDetail:
        """`GET /projects/{project_id}`."""
        return await self._get_model(
            _id_path("/projects", project_id, "project_id"), ProjectDetail.from_json
        )

async def _follow_pages(
    fetch: Callable[[str | None], Awaitable[tuple[list[T], str | None]]],
    max_items: int | None,
) -> AsyncIterator[T]:
    """The items of page after page (`fetch(cursor) -> (items, next_cursor)`), in order."""
    cursor: str | None = None
    seen = 0
    while True:
        items, next_cursor = await fetch(cursor)
        for item in items:
            if max_items is not None and seen >= max_items:
                return
            seen += 1
            yield item
        # A cursor that does not move would loop forever.
        if not next_cursor or next_cursor == cursor:
            return
        cursor = next_cursor


def _ms(clock: Clock, since: float) -> float:
    return (clock.monotonic() - since) * 1000


__all__ = [
    "DEFAULT_BASE_URL",
    "ApiError",
    "CancelResult",
    "DescriptClient",
    "DescriptError",
    "RetryNotice",
    "UploadProgress",
]
