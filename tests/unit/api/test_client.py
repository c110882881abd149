"""DescriptClient against httpx.MockTransport, in virtual time: retries, limits, uploads, safety."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tui.api.activity import ActivityLog
from tui.api.client import DEFAULT_BASE_URL, DescriptClient
from tui.api.clock import ManualClock
from tui.api.errors import (
    ApiError,
    BadRequestError,
    DescriptError,
    ForbiddenError,
    InvalidRequestError,
    MissingTokenError,
    NotFoundError,
    OutcomeUnknownError,
    PaymentRequiredError,
    RateLimitedError,
    ResponseTooLargeError,
    RetryAfterTooLong,
    ServerError,
    TransportError,
    UnauthorizedError,
    UnexpectedResponseError,
    UnexpectedStatusError,
    UploadError,
)
from tui.api.limits import RateLimits, RequestKind
from tui.api.models import CancelResult, Outcome
from tui.api.requests import AgentRequest, ImportRequest, PublishRequest, UploadMedia, UrlMedia
from tui.api.retry import RetryPolicy

TOKEN = "tok-SECRET-0123456789abcdef"
BASE = "https://api.test/v1"
CREATED = {
    "job_id": "project-agent-edit-1",
    "drive_id": "d1",
    "project_id": "p1",
    "project_url": "https://web.descript.com/p1",
}
JOB = {
    "job_id": "j1",
    "job_type": "agent",
    "job_state": "running",
    "created_at": "2025-11-18T10:30:00Z",
    "drive_id": "d1",
    "project_id": "p1",
    "project_url": "https://web.descript.com/p1",
    "progress": {"label": "Applying Studio Sound", "percent": 40},
}
AGENT = AgentRequest(prompt="add studio sound", project_id="p1")
IMPORT = ImportRequest(
    project_name="Marketing", add_media={"intro.mp4": UrlMedia("https://example.com/intro.mp4")}
)


@dataclass
class Server:
    """A scripted API: `answers` is consumed per request; each entry is a Response, an
    exception to raise, or a callable(request) -> Response."""

    clock: ManualClock
    answers: list[Any] = field(default_factory=list)
    default: Any = None
    seen: list[tuple[float, httpx.Request, bytes]] = field(default_factory=list)

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        self.seen.append((self.clock.monotonic(), request, body))
        answer = self.answers.pop(0) if self.answers else self.default
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            answer = answer(request)
        if answer is None:
            raise AssertionError(f"unscripted request {request.method} {request.url}")
        return answer

    def times(self, method: str | None = None) -> list[float]:
        return [t for t, r, _ in self.seen if method is None or r.method == method]

    @property
    def count(self) -> int:
        return len(self.seen)


def ok(payload: Any = None, status: int = 200, headers: dict[str, str] | None = None):
    return httpx.Response(status, json=payload if payload is not None else JOB, headers=headers)


def err(status: int, error: str = "x", message: str = "y", headers: dict[str, str] | None = None):
    return httpx.Response(status, json={"error": error, "message": message}, headers=headers)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(auto_advance=True)


@pytest.fixture
def server(clock: ManualClock) -> Server:
    return Server(clock)


@pytest.fixture
async def client(server: Server, clock: ManualClock):
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        rng=__import__("random").Random(1),
    ) as api:
        yield api


# -- the basics ------------------------------------------------------------------------------


async def test_repr_and_defaults_hide_the_token() -> None:
    api = DescriptClient(TOKEN)
    try:
        assert repr(api) == f"DescriptClient(base_url={DEFAULT_BASE_URL!r}, token=****)"
        assert TOKEN not in repr(api) and TOKEN not in str(vars(api).keys())
        assert api.base_url == "https://descriptapi.com/v1"
        assert isinstance(api.limits, RateLimits) and isinstance(api.activity, ActivityLog)
    finally:
        await api.aclose()


@pytest.mark.parametrize("token", [None, "", "   ", "has space", "line\nbreak"])
def test_a_missing_or_malformed_token_is_refused(token: str | None) -> None:
    with pytest.raises(MissingTokenError) as caught:
        DescriptClient(token)
    assert "401" not in str(caught.value)
    if token and token.strip():
        assert token.strip() not in str(caught.value)


async def test_get_job_sends_bearer_and_parses(client: DescriptClient, server: Server) -> None:
    server.answers = [ok(JOB)]
    job = await client.get_job("j1")
    assert job.job_id == "j1" and job.outcome is Outcome.RUNNING
    _, request, _ = server.seen[0]
    assert request.url == "https://api.test/v1/jobs/j1"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_ids_are_opaque_and_quoted(client: DescriptClient, server: Server) -> None:
    server.answers = [ok({**JOB, "job_id": "a/b c"})]
    await client.get_job("a/b c")
    assert server.seen[0][1].url.raw_path == b"/v1/jobs/a%2Fb%20c"


async def test_empty_ids_stop_before_sending(client: DescriptClient, server: Server) -> None:
    for call in (client.get_job, client.cancel_job, client.get_project):
        with pytest.raises(InvalidRequestError):
            await call("  ")
    assert server.count == 0


async def test_a_204_cancel_parses_cleanly(client: DescriptClient, server: Server) -> None:
    server.answers = [httpx.Response(204)]
    assert await client.cancel_job("j1") == CancelResult(204, "No Content")
    assert server.seen[0][1].method == "DELETE"
    entry = client.activity.entries()[-1]
    assert entry.status == 204 and entry.method == "DELETE" and entry.path == "/jobs/j1"


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"<html><body>Welcome</body></html>"),
        httpx.Response(200, content=b"\x00not json"),
        httpx.Response(202, json={"ok": True}),
    ],
)
async def test_a_cancel_answered_by_anything_but_204_is_reported_as_what_it_was(
    client: DescriptClient, server: Server, answer: httpx.Response
) -> None:
    server.answers = [answer]
    with pytest.raises(UnexpectedResponseError) as caught:
        await client.cancel_job("j1")
    assert caught.value.status == answer.status_code
    assert f"got {answer.status_code}" in str(caught.value)
    assert caught.value.body == answer.text
    assert server.count == 1


async def test_a_cancel_whose_answer_was_lost_rereads_the_job(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [
        httpx.ReadError("connection reset"),
        err(409, "conflict", "Job has already been cancelled"),
        ok({**JOB, "job_state": "cancelled"}),
    ]
    result = await client.cancel_job("j1")
    assert (result.status_code, result.reason) == (200, "OK")
    assert "lost" in result.note and "cancelled" in result.note
    assert [r.method for _, r, _ in server.seen] == ["DELETE", "DELETE", "GET"]


async def test_a_lost_cancel_on_a_job_that_stopped_is_still_the_409(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [
        httpx.ReadError("connection reset"),
        err(409, "conflict", "Job has already stopped"),
        ok({**JOB, "job_state": "stopped"}),
    ]
    with pytest.raises(UnexpectedStatusError) as caught:
        await client.cancel_job("j1")
    assert caught.value.status == 409


async def test_a_first_409_is_reported_without_a_reread(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [err(409, "conflict", "Job has already been cancelled")]
    with pytest.raises(UnexpectedStatusError):
        await client.cancel_job("j1")
    assert server.count == 1


async def test_submit_endpoints_send_the_shared_request_json(
    client: DescriptClient, server: Server
) -> None:
    server.default = ok(CREATED, status=201)
    created = await client.agent_edit(AGENT)
    assert created.job_id == "project-agent-edit-1"
    await client.import_media(IMPORT)
    await client.publish(PublishRequest(project_id="p1", composition_id="c1", media_type="Video"))
    paths = [r.url.path for _, r, _ in server.seen]
    assert paths == ["/v1/jobs/agent", "/v1/jobs/import/project_media", "/v1/jobs/publish"]
    bodies = [json.loads(b) for _, _, b in server.seen]
    assert bodies[0] == AGENT.to_json()
    assert bodies[1] == IMPORT.to_json()
    assert bodies[2]["composition_id"] == "c1"
    snap = client.limits.snapshot()
    assert (snap.imports.used, snap.agents.used, snap.publishes.used) == (1, 1, 1)


async def test_invalid_submissions_stop_before_any_request(
    client: DescriptClient, server: Server
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await client.agent_edit(AgentRequest(prompt="  ", project_id="p1", project_name="P"))
    assert len(caught.value.problems) == 2
    with pytest.raises(InvalidRequestError):
        await client.import_media(ImportRequest(add_media={}, project_name="P"))
    with pytest.raises(InvalidRequestError):
        await client.publish(PublishRequest(project_id="p1", resolution="8K"))
    assert server.count == 0


# -- errors and retries ---------------------------------------------------------------------

ERROR_CASES = [
    (400, BadRequestError),
    (401, UnauthorizedError),
    (402, PaymentRequiredError),
    (403, ForbiddenError),
    (404, NotFoundError),
    (409, UnexpectedStatusError),
    (422, UnexpectedStatusError),
]
CALLS: dict[str, Callable[[DescriptClient], Any]] = {
    "get_job": lambda c: c.get_job("j1"),
    "cancel_job": lambda c: c.cancel_job("j1"),
    "list_jobs": lambda c: c.list_jobs_page(),
    "get_project": lambda c: c.get_project("p1"),
    "agent_edit": lambda c: c.agent_edit(AGENT),
    "import_media": lambda c: c.import_media(IMPORT),
}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize(("status", "cls"), ERROR_CASES)
async def test_each_4xx_but_429_is_attempted_exactly_once(
    client: DescriptClient, server: Server, call: str, status: int, cls: type
) -> None:
    server.default = err(status, "some_error", "nope", headers={"Retry-After": "1"})
    with pytest.raises(cls) as caught:
        await CALLS[call](client)
    assert server.count == 1
    assert caught.value.status == status and caught.value.attempts == 1
    entry = client.activity.entries()[-1]
    assert entry.status == status
    assert json.loads(entry.error_body) == {"error": "some_error", "message": "nope"}


async def test_429_waits_retry_after_then_succeeds(
    client: DescriptClient, server: Server, clock: ManualClock
) -> None:
    start = clock.monotonic()
    server.answers = [
        err(429, "rate_limit_exceeded", headers={"Retry-After": "7", "X-RateLimit-Remaining": "0"}),
        ok(JOB),
    ]
    job = await client.get_job("j1")
    assert job.job_id == "j1"
    assert server.times() == [start, start + 7.0]
    first = client.activity.entries()[0]
    assert first.status == 429
    assert first.note == "retry 2/5 in 7.0 s (429 Retry-After)"
    assert first.rate_limit == {"Retry-After": "7", "X-RateLimit-Remaining": "0"}


async def test_429_gives_up_after_max_attempts(server: Server, clock: ManualClock) -> None:
    server.default = err(429, headers={"Retry-After": "2"})
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        retry=RetryPolicy(max_attempts=3),
    ) as api:
        with pytest.raises(RateLimitedError) as caught:
            await api.get_job("j1")
    assert server.count == 3
    assert caught.value.attempts == 3
    assert caught.value.retry_after.seconds == 2.0


async def test_a_huge_retry_after_is_surfaced_not_slept(
    client: DescriptClient, server: Server, clock: ManualClock
) -> None:
    start = clock.monotonic()
    server.answers = [err(429, headers={"Retry-After": "3600"})]
    with pytest.raises(RetryAfterTooLong) as caught:
        await client.get_job("j1")
    assert clock.monotonic() == start  # nobody slept
    assert caught.value.retry_after.seconds == 3600
    assert isinstance(caught.value.error, RateLimitedError)
    snap = client.limits.snapshot()
    assert snap.gate_closed and (snap.gate_closed_until - clock.now()).total_seconds() == 3600
    # The next caller is told at once too, without a request reaching the server.
    with pytest.raises(RetryAfterTooLong):
        await client.list_jobs_page()
    assert server.count == 1


async def test_one_429_pauses_every_waiting_request(server: Server) -> None:
    clock = ManualClock()  # driven by hand to interleave the two callers
    server.clock = clock
    start = clock.monotonic()

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/a") and server.count == 1:
            return err(429, headers={"Retry-After": "5"})
        if request.url.path.endswith("/jobs"):
            return ok({"data": [JOB], "pagination": {}})
        return ok({**JOB, "job_id": request.url.path.rsplit("/", 1)[-1]})

    server.default = answer
    async with DescriptClient(
        TOKEN, base_url=BASE, transport=httpx.MockTransport(server), clock=clock
    ) as api:
        first = asyncio.create_task(api.get_job("a"))
        await clock.advance(0.5)  # a got its 429 at t=0 and closed the gate until t=5
        assert server.count == 1
        second = asyncio.create_task(api.get_job("b"))
        third = asyncio.create_task(api.list_jobs_page())
        await clock.advance(4.0)
        assert server.count == 1  # b and the list are held by a's 429
        await clock.advance(1.0)
        await asyncio.gather(first, second, third)
    assert server.count == 4
    assert all(t >= start + 5.0 for t in server.times()[1:])


async def test_remaining_zero_holds_the_next_send(
    client: DescriptClient, server: Server, clock: ManualClock
) -> None:
    start = clock.monotonic()
    server.answers = [ok(JOB, headers={"X-RateLimit-Remaining": "0"}), ok(JOB)]
    await client.get_job("j1")
    await client.get_job("j1")
    assert server.times() == [start, start + 1.0]


@pytest.mark.parametrize("method", ["agent_edit", "import_media"])
async def test_post_after_a_read_timeout_is_not_resent(
    client: DescriptClient, server: Server, method: str
) -> None:
    server.answers = [httpx.ReadTimeout("timed out")]
    server.default = ok(CREATED, status=201)
    with pytest.raises(OutcomeUnknownError) as caught:
        await CALLS[method](client)
    assert server.count == 1
    assert caught.value.method == "POST"
    assert caught.value.request_json == json.loads(server.seen[0][2])
    assert client.activity.entries()[-1].note.endswith(
        "outcome unknown, not resent (sent, no answer)"
    )


def truncated(request: httpx.Request) -> httpx.Response:
    class Cut(httpx.AsyncByteStream):
        async def __aiter__(self):
            yield b'{"job_id": "proj'
            raise httpx.RemoteProtocolError("peer closed connection: incomplete chunked read")

    return httpx.Response(201, stream=Cut(), headers={"Content-Type": "application/json"})


async def test_post_after_a_truncated_response_is_not_resent(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [truncated]
    server.default = ok(CREATED, status=201)
    with pytest.raises(OutcomeUnknownError):
        await client.agent_edit(AGENT)
    assert server.count == 1


async def test_post_whose_201_body_is_unreadable_is_not_resent(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [httpx.Response(201, content=b'{"job_id": "proj')]
    server.default = ok(CREATED, status=201)
    with pytest.raises(OutcomeUnknownError) as caught:
        await client.agent_edit(AGENT)
    assert server.count == 1
    assert caught.value.status == 201 and caught.value.body == '{"job_id": "proj'


async def test_post_after_a_connect_error_is_resent(client: DescriptClient, server: Server) -> None:
    server.answers = [httpx.ConnectError("refused"), ok(CREATED, status=201)]
    created = await client.agent_edit(AGENT)
    assert created.job_id == CREATED["job_id"]
    assert server.count == 2
    assert client.limits.snapshot().agents.used == 2  # the retry spent a slot too


async def test_post_after_a_500_is_resent_after_5_to_10_s(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [err(500), ok(CREATED, status=201)]
    await client.agent_edit(AGENT)
    first, second = server.times()
    assert 5.0 <= second - first <= 10.0


async def test_get_after_a_read_timeout_is_retried(client: DescriptClient, server: Server):
    server.answers = [httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("reset"), ok(JOB)]
    assert (await client.get_job("j1")).job_id == "j1"
    assert server.count == 3


async def test_persistent_connect_errors_become_a_transport_error(server: Server, clock):
    server.default = httpx.ConnectError("[Errno 111] Connection refused")
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        retry=RetryPolicy(max_attempts=4),
    ) as api:
        with pytest.raises(TransportError) as caught:
            await api.get_job("j1")
    assert server.count == 4 and caught.value.attempts == 4
    assert "Connection refused" in str(caught.value)
    assert caught.value.remedy


async def test_5xx_retries_stop_at_the_deadline(server: Server, clock: ManualClock) -> None:
    server.default = err(502)
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        retry=RetryPolicy(max_attempts=100, deadline=60.0),
    ) as api:
        with pytest.raises(ServerError):
            await api.get_job("j1")
    times = server.times()
    assert times[-1] - times[0] <= 60.0
    assert 2 <= server.count <= 7  # 502 waits 10-30 s each


async def test_retries_count_against_the_submit_window(server: Server) -> None:
    clock = ManualClock(auto_advance=True)
    server.clock = clock
    server.answers = [err(429, headers={"Retry-After": "1"})] * 3
    server.default = ok(CREATED, status=201)
    async with DescriptClient(
        TOKEN, base_url=BASE, transport=httpx.MockTransport(server), clock=clock
    ) as api:
        await asyncio.gather(*(api.agent_edit(AGENT) for _ in range(10)))
    times = sorted(server.times("POST"))
    assert len(times) == 13
    # No 60 s window holds more than 10 POSTs, the three retries included.
    assert all(times[i + 10] - times[i] >= 60.0 for i in range(len(times) - 10))


# -- malformed answers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, content=b"<html>oops</html>"),
        httpx.Response(200, json={"job_type": "agent"}),  # no job_id
        httpx.Response(200, json=["not", "a", "job"]),
    ],
    ids=["not-json", "no-job-id", "a-list"],
)
async def test_malformed_answers_are_clear_errors_with_the_body(
    client: DescriptClient, server: Server, answer: httpx.Response
) -> None:
    server.answers = [answer]
    with pytest.raises(UnexpectedResponseError) as caught:
        await client.get_job("j1")
    assert caught.value.status == 200
    assert caught.value.body == answer.content.decode()
    assert server.count == 1


# -- pagination -----------------------------------------------------------------------------


def page(ids: list[str], cursor: str | None) -> httpx.Response:
    payload: dict[str, Any] = {"data": [{**JOB, "job_id": i} for i in ids], "pagination": {}}
    if cursor:
        payload["pagination"]["next_cursor"] = cursor
    return ok(payload)


async def test_iter_jobs_follows_next_cursor(client: DescriptClient, server: Server) -> None:
    server.answers = [page(["a", "b"], "c1"), page(["c", "d"], "c2"), page(["e"], None)]
    after = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    jobs = [
        j.job_id
        async for j in client.iter_jobs(
            job_type="agent", project_id="p1", created_after=after, limit=2
        )
    ]
    assert jobs == ["a", "b", "c", "d", "e"]
    params = [dict(r.url.params) for _, r, _ in server.seen]
    assert params[0] == {
        "type": "agent",
        "project_id": "p1",
        "created_after": "2026-11-18T12:00:00.000Z",
        "limit": "2",
    }
    assert params[1]["cursor"] == "c1" and params[2]["cursor"] == "c2"


async def test_iter_jobs_stops_at_max_items_and_on_a_stuck_cursor(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [page(["a", "b"], "c1"), page(["c", "d"], "c2")]
    assert [j.job_id async for j in client.iter_jobs(max_items=3)] == ["a", "b", "c"]
    server.answers = [page(["a"], "same"), page(["b"], "same")]
    assert [j.job_id async for j in client.iter_jobs()] == ["a", "b"]


async def test_projects_list_iterate_and_detail(client: DescriptClient, server: Server) -> None:
    project = {"id": "p1", "name": "Podcast [rough]", "created_at": "2025-11-18T10:30:00Z"}
    server.answers = [
        ok({"data": [project], "pagination": {"next_cursor": "n"}}),
        ok({"data": [{**project, "id": "p2"}], "pagination": {}}),
        ok(
            {
                **project,
                "drive_id": "d1",
                "media_files": {"a.mp4": {"type": "video", "duration": 3.5}},
                "compositions": [{"id": "c1", "name": "Rough Cut"}],
            }
        ),
    ]
    names = [p.id async for p in client.iter_projects(name="pod", sort="name", direction="asc")]
    assert names == ["p1", "p2"]
    assert dict(server.seen[0][1].url.params) == {"name": "pod", "sort": "name", "direction": "asc"}
    detail = await client.get_project("p1")
    assert detail.name == "Podcast [rough]" and detail.compositions[0].id == "c1"


# -- direct upload --------------------------------------------------------------------------


async def test_direct_upload_puts_the_file_without_authorization(
    client: DescriptClient, server: Server, tmp_path: Path
) -> None:
    data = bytes(range(256)) * 3000  # 768 000 bytes: several chunks
    path = tmp_path / "recording.mp4"
    path.write_bytes(data)
    upload_url = "https://storage.test/bucket/rec?X-Goog-Signature=deadbeef"
    server.answers = [
        ok(
            {
                **CREATED,
                "upload_urls": {
                    "recording.mp4": {"upload_url": upload_url, "asset_id": "a", "artifact_id": "b"}
                },
            },
            status=201,
        ),
        httpx.Response(200),
    ]
    request = ImportRequest(
        project_name="Upload", add_media={"recording.mp4": UploadMedia.from_path(path)}
    )
    progress: list[tuple[str, int, int]] = []
    created = await client.import_media(
        request, upload_progress=lambda *event: progress.append(event)
    )
    assert created.upload_urls["recording.mp4"].upload_url == upload_url
    post_body = json.loads(server.seen[0][2])
    assert post_body["add_media"]["recording.mp4"] == {
        "content_type": "video/mp4",
        "file_size": len(data),
    }
    _, put, body = server.seen[1]
    assert put.method == "PUT" and str(put.url) == upload_url
    assert body == data
    assert put.headers["Content-Type"] == "application/octet-stream"
    assert put.headers["Content-Length"] == str(len(data))
    assert "Authorization" not in put.headers
    assert progress[0] == ("recording.mp4", 0, len(data))
    assert progress[-1] == ("recording.mp4", len(data), len(data))
    assert len(progress) > 2
    entry = client.activity.entries()[-1]
    assert entry.method == "PUT" and entry.path == "storage.test/bucket/rec?…"
    assert "deadbeef" not in entry.summary()


async def test_a_failed_upload_names_the_created_job(
    client: DescriptClient, server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF" * 10)
    server.answers = [
        ok({**CREATED, "upload_urls": {"a.wav": {"upload_url": "https://s.test/x"}}}, 201),
        httpx.Response(403, text="<Error>SignatureDoesNotMatch</Error>"),
    ]
    request = ImportRequest(project_name="U", add_media={"a.wav": UploadMedia.from_path(path)})
    with pytest.raises(UploadError) as caught:
        await client.import_media(request)
    assert caught.value.created.job_id == CREATED["job_id"]
    assert server.count == 2  # a 403 from storage is not retried


async def test_an_upload_missing_its_url_is_reported(
    client: DescriptClient, server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF")
    server.answers = [ok(CREATED, 201)]
    request = ImportRequest(project_name="U", add_media={"a.wav": UploadMedia.from_path(path)})
    with pytest.raises(UploadError, match="no upload_url"):
        await client.import_media(request)


# -- the token never leaks ------------------------------------------------------------------


async def test_the_token_appears_in_no_entry_repr_log_or_exception(
    server: Server, clock: ManualClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    path = tmp_path / "a.mp3"
    path.write_bytes(b"ID3" * 100)
    echo = {"error": "unauthorized", "message": f"bad header: Bearer {TOKEN}"}
    server.answers = [
        httpx.Response(401, json=echo),
        err(429, headers={"Retry-After": "1"}),
        ok(JOB),
        httpx.ConnectError(f"refused {TOKEN}"),
        httpx.ReadTimeout("slow"),
        httpx.Response(500, text=f"trace: Authorization: Bearer {TOKEN}"),
        httpx.Response(502),
        ok(
            {
                **CREATED,
                "upload_urls": {"a.mp3": {"upload_url": f"https://s.test/u?token={TOKEN}"}},
            },
            201,
        ),
        httpx.Response(400, text=f"echo {TOKEN}"),
    ]
    errors: list[BaseException] = []
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        retry=RetryPolicy(max_attempts=2),
    ) as api:
        for call in (
            lambda: api.get_job("j1"),
            lambda: api.get_job("j1"),
            lambda: api.agent_edit(AGENT),
            lambda: api.get_job("j1"),
            lambda: api.import_media(
                ImportRequest(project_name="U", add_media={"a.mp3": UploadMedia.from_path(path)})
            ),
        ):
            try:
                await call()
            except DescriptError as exc:
                errors.append(exc)
        texts = [repr(api), repr(api.limits), repr(api.activity), caplog.text]
        texts += [repr(e) + str(e) for e in api.activity.entries()]
        texts += [e.summary() for e in api.activity.entries()]
    assert len(errors) == 4
    for exc in errors:
        texts += [str(exc), repr(exc)]
        if isinstance(exc, ApiError):
            texts += [exc.body, exc.message or ""]
    assert len(api.activity) == len(server.seen)
    for text in texts:
        assert TOKEN not in text
    assert any("****" in e.error_body for e in api.activity.entries() if e.error_body)


async def test_a_429_on_the_last_attempt_still_closes_the_gate(
    server: Server, clock: ManualClock
) -> None:
    server.default = err(429, headers={"Retry-After": "9"})
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        retry=RetryPolicy(max_attempts=1),
    ) as api:
        with pytest.raises(RateLimitedError):
            await api.get_job("j1")
        assert api.limits.would_wait(RequestKind.STATUS) == pytest.approx(9.0)


async def test_an_undecodable_get_body_is_retried_like_a_broken_read(
    client: DescriptClient, server: Server
) -> None:
    server.answers = [httpx.DecodingError("bad gzip"), ok(JOB)]
    assert (await client.get_job("j1")).job_id == "j1"
    assert server.count == 2


async def test_an_upload_is_retried_after_a_storage_hiccup(
    client: DescriptClient, server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF" * 100)
    server.answers = [
        ok({**CREATED, "upload_urls": {"a.wav": {"upload_url": "https://s.test/x"}}}, 201),
        httpx.ReadTimeout("storage slow"),
        httpx.Response(503),
        httpx.Response(200),
    ]
    request = ImportRequest(project_name="U", add_media={"a.wav": UploadMedia.from_path(path)})
    await client.import_media(request)
    puts = [body for _, r, body in server.seen if r.method == "PUT"]
    assert len(puts) == 3 and puts[-1] == path.read_bytes()
    assert client.limits.snapshot().imports.used == 1  # storage PUTs spend no API budget


async def test_a_file_that_changed_since_it_was_declared_is_not_uploaded(
    client: DescriptClient, server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF" * 100)
    media = UploadMedia.from_path(path)
    path.write_bytes(b"RIFF" * 50)
    server.answers = [
        ok({**CREATED, "upload_urls": {"a.wav": {"upload_url": "https://s.test/x"}}}, 201)
    ]
    with pytest.raises(UploadError, match="changed size"):
        await client.import_media(ImportRequest(project_name="U", add_media={"a.wav": media}))
    assert server.count == 1


@pytest.mark.parametrize("header", ["1e300", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"])
async def test_an_absurd_retry_after_is_surfaced_capped_not_a_crash(
    client: DescriptClient, server: Server, clock: ManualClock, header: str
) -> None:
    server.answers = [err(429, headers={"Retry-After": header})]
    with pytest.raises(RetryAfterTooLong) as caught:
        await client.get_job("j1")
    assert caught.value.retry_after.capped and caught.value.retry_after.raw == header
    assert isinstance(caught.value.error, RateLimitedError)
    assert caught.value.error.retry_after.capped
    assert "asked for" in str(caught.value)


# -- answers checked -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "payload", "reason"),
    [
        ("list_jobs", {"pagination": {}}, "without a data array"),
        ("list_jobs", {"data": None}, "without a data array"),
        ("list_jobs", [], "not a JSON object"),
        ("list_jobs", {"data": [{"job_id": "j1"}]}, "without job_state"),
        ("list_jobs", {"data": [JOB, {"job_state": "running"}]}, "without job_id (item 1)"),
        ("list_projects", {"projects": []}, "without a data array"),
        ("get_job", {"job_type": "agent"}, "without job_id or job_state"),
        ("get_job", {**JOB, "job_state": ""}, "without job_state"),
        ("get_job", "a string", "not a JSON object"),
    ],
)
async def test_answers_missing_what_the_spec_promises_are_errors_never_nothing(
    client: DescriptClient, server: Server, call: str, payload: Any, reason: str
) -> None:
    server.answers = [httpx.Response(200, json=payload)]
    calls = {
        "list_jobs": client.list_jobs_page,
        "list_projects": client.list_projects_page,
        "get_job": lambda: client.get_job("j1"),
    }
    with pytest.raises(UnexpectedResponseError) as caught:
        await calls[call]()
    assert reason in str(caught.value)
    last = client.activity.entries()[-1]
    assert last.note is not None and reason in last.note


async def test_a_non_json_2xx_is_an_error(client: DescriptClient, server: Server) -> None:
    server.answers = [httpx.Response(200, content=b"<html>maintenance</html>")]
    with pytest.raises(UnexpectedResponseError) as caught:
        await client.list_jobs_page()
    assert "invalid JSON" in str(caught.value)


async def test_an_answer_over_the_cap_is_cut_and_reported(server: Server, clock: ManualClock):
    big = json.dumps({"data": [JOB] * 50, "pagination": {}}).encode()
    server.default = httpx.Response(200, content=big)
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        max_answer_bytes=len(big) - 1,
    ) as api:
        with pytest.raises(ResponseTooLargeError) as caught:
            await api.list_jobs_page()
        assert "cut off" in str(caught.value)
        with pytest.raises(OutcomeUnknownError):
            await api.agent_edit(AGENT)
    assert server.count == 2  # neither was retried


async def test_the_default_cap_is_20_mb() -> None:
    async with DescriptClient(TOKEN) as api:
        assert api.max_answer_bytes == 20_000_000
        assert api.request_timeout == 30.0
        assert api.retry_policy.deadline == 90.0


@pytest.mark.parametrize(
    "url", ["ftp://descriptapi.com/v1", "http://[::1", "https://x.test/v1?q=1", "https://u:p@x/v1"]
)
def test_the_client_refuses_a_malformed_base_url_before_anything(url: str) -> None:
    from tui.api.base_url import InvalidBaseUrlError

    with pytest.raises(InvalidBaseUrlError) as caught:
        DescriptClient(TOKEN, base_url=url)
    assert TOKEN not in str(caught.value) and ":p@" not in str(caught.value)
