"""DescriptClient: a non-ASCII token, the `on_retry` notice, and paging of projects."""

from __future__ import annotations

import random

import httpx
import pytest

from tests.unit.api.test_client import BASE, JOB, TOKEN, Server, err, ok
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.errors import MissingTokenError


@pytest.mark.parametrize("token", ["tökén", "abc\u00a0def", "токен-123"])
def test_a_non_ascii_token_is_refused_without_echoing_it(token: str) -> None:
    with pytest.raises(MissingTokenError) as caught:
        DescriptClient(token)
    assert token not in str(caught.value)
    assert "not ASCII" in str(caught.value) or "spaces" in str(caught.value)


async def test_on_retry_hears_each_wait_before_it_is_slept() -> None:
    clock = ManualClock(auto_advance=True)
    server = Server(clock)
    server.answers = [
        err(429, "rate_limit_exceeded", "slow down", headers={"Retry-After": "12"}),
        httpx.ConnectError("refused"),
        ok(JOB),
    ]
    heard: list[tuple[str, float, float]] = []

    def on_retry(what: str, seconds: float) -> None:
        heard.append((what, seconds, clock.monotonic()))

    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        rng=random.Random(1),
        on_retry=on_retry,
    ) as api:
        started = clock.monotonic()
        job = await api.get_job("j1")
    assert job.job_id == "j1"
    assert [what for what, _, _ in heard] == [
        "429 on GET /jobs/j1",
        "ConnectError: refused on GET /jobs/j1",
    ]
    assert heard[0][1] == 12.0
    # Told before the wait, not after it.
    assert heard[0][2] == started
    assert all(TOKEN not in what for what, _, _ in heard)


async def test_a_broken_on_retry_listener_does_not_break_the_request() -> None:
    clock = ManualClock(auto_advance=True)
    server = Server(clock)
    server.answers = [err(500, "internal_error", "oops"), ok(JOB)]

    def broken(what: str, seconds: float) -> None:
        raise BrokenPipeError("stderr closed")

    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        on_retry=broken,
    ) as api:
        assert (await api.get_job("j1")).job_id == "j1"
    assert server.count == 2


async def test_iter_projects_follows_cursors_stops_at_max_items_and_on_a_stuck_cursor() -> None:
    clock = ManualClock(auto_advance=True)
    server = Server(clock)

    def page(ids: list[str], cursor: str | None) -> httpx.Response:
        pagination = {"next_cursor": cursor} if cursor else {}
        return ok({"data": [{"id": i, "name": i} for i in ids], "pagination": pagination})

    async with DescriptClient(
        TOKEN, base_url=BASE, transport=httpx.MockTransport(server), clock=clock
    ) as api:
        server.answers = [page(["a", "b"], "c1"), page(["c"], None)]
        assert [p.id async for p in api.iter_projects(limit=2)] == ["a", "b", "c"]
        cursors = [r.url.params.get("cursor") for _, r, _ in server.seen]
        assert cursors == [None, "c1"]

        server.answers = [page(["a", "b"], "same"), page(["c", "d"], "same")]
        assert [p.id async for p in api.iter_projects()] == ["a", "b", "c", "d"]

        server.answers = [page(["a", "b"], "c1"), page(["c", "d"], None)]
        assert [p.id async for p in api.iter_projects(max_items=3)] == ["a", "b", "c"]


async def test_on_retry_names_the_file_when_an_upload_is_retried(tmp_path) -> None:
    from tests.unit.api.test_client import CREATED
    from tui.api.requests import ImportRequest, UploadMedia

    clock = ManualClock(auto_advance=True)
    server = Server(clock)
    path = tmp_path / "a.wav"
    path.write_bytes(b"RIFF" * 100)
    server.answers = [
        ok({**CREATED, "upload_urls": {"a.wav": {"upload_url": "https://s.test/x"}}}, 201),
        httpx.Response(503),
        httpx.Response(200),
    ]
    heard: list[str] = []
    async with DescriptClient(
        TOKEN,
        base_url=BASE,
        transport=httpx.MockTransport(server),
        clock=clock,
        on_retry=lambda what, seconds: heard.append(what),
    ) as api:
        request = ImportRequest(project_name="U", add_media={"a.wav": UploadMedia.from_path(path)})
        await api.import_media(request)
    assert heard == ["upload of a.wav: 503 from the upload URL"]
