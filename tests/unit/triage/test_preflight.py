"""Preflight against an httpx MockTransport: never the internet."""

from __future__ import annotations

import httpx

from tui.triage.preflight import WHY_ACCESSIBLE, WHY_RANGE, WHY_TYPE, preflight


def handler(request: httpx.Request) -> httpx.Response:
    assert "authorization" not in request.headers  # the API token never goes to media hosts
    assert request.headers["range"] == "bytes=0-0"
    name = request.url.path.rsplit("/", 1)[-1]
    if name == "ok.mp4":
        return httpx.Response(
            206, headers={"content-type": "video/mp4", "content-range": "bytes 0-0/99"},
            content=b"x",
        )
    if name == "norange.mp4":
        return httpx.Response(200, headers={"content-type": "video/mp4"}, content=b"x" * 50)
    if name == "page.html":
        return httpx.Response(206, headers={"content-type": "text/html; charset=utf-8"})
    if name == "gone.mp4":
        return httpx.Response(403, content=b"AccessDenied")
    raise httpx.ConnectError("connection refused", request=request)


async def test_each_url_gets_the_reason_from_the_reference_docs() -> None:
    urls = [
        "https://media.test/ok.mp4",
        "https://media.test/norange.mp4",
        "https://media.test/page.html",
        "https://media.test/gone.mp4?X-Amz-Signature=secret",
        "https://down.test/x.mp4",
    ]
    checks = await preflight(urls, transport=httpx.MockTransport(handler))
    assert [c.url for c in checks] == urls
    ok, norange, page, gone, down = checks
    assert ok.ok and ok.status == 206
    assert not norange.ok and WHY_RANGE in norange.problem  # type: ignore[operator]
    assert WHY_TYPE in page.problem and "text/html" in page.problem  # type: ignore[operator]
    assert gone.problem.startswith("answered 403") and WHY_ACCESSIBLE in gone.problem  # type: ignore[union-attr]
    assert "secret" not in gone.warning and "X-Amz-Signature=****" in gone.warning
    assert down.problem.startswith("unreachable") and down.status is None  # type: ignore[union-attr]


async def test_the_body_is_never_read() -> None:
    class Endless(httpx.AsyncByteStream):
        read = 0

        async def __aiter__(self):  # type: ignore[override]
            while True:
                Endless.read += 1
                yield b"x" * 65536

    def endless(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "video/mp4"}, stream=Endless())

    transport = httpx.MockTransport(endless)
    [check] = await preflight(["https://media.test/big.mp4"], transport=transport)
    assert not check.ok
    assert Endless.read == 0


async def test_an_imports_media_are_checked_by_name_and_uploads_are_not_fetched(
    tmp_path,
) -> None:
    from tui.api.requests import UploadMedia, UrlMedia
    from tui.triage.preflight import preflight_media

    (tmp_path / "local.wav").write_bytes(b"abc")
    media = {
        "intro.mp4": UrlMedia("https://media.test/ok.mp4"),
        "b-roll.mp4": UrlMedia(" https://media.test/norange.mp4 "),
        "local.wav": UploadMedia.from_path(tmp_path / "local.wav"),
    }
    checks = await preflight_media(media, transport=httpx.MockTransport(handler))
    assert set(checks) == {"intro.mp4", "b-roll.mp4"}
    assert checks["intro.mp4"].ok and not checks["b-roll.mp4"].ok
