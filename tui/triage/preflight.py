"""Check media URLs before an import spends one of its 10 slots a minute.

Each URL gets one ranged GET (`Range: bytes=0-0`, a short timeout, the body never read)
on a client with no Authorization header (the token is for the Descript API only). The
import endpoint's documentation says the URL must be accessible by Descript servers and
support HTTP Range requests, and names audio, video and image files: anything else is a
warning with that reason. A warning never stops the import: the user may send anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import httpx

from tui.api.activity import redact_url
from tui.api.requests import MediaItem, UrlMedia

PREFLIGHT_TIMEOUT = httpx.Timeout(5.0)
# Descript fetches the URLs itself; a handful at once is plenty for a form's worth.
PREFLIGHT_CONCURRENCY = 4
MEDIA_TYPES = ("audio/", "video/", "image/")
# Reasons, in the words of the import endpoint's documentation (descript-openapi.yml).
WHY_ACCESSIBLE = "media URLs must be accessible by Descript servers"
WHY_RANGE = "media URLs must support HTTP Range requests"
WHY_TYPE = "Descript imports audio, video and image files (see its supported file types)"


@dataclass(frozen=True, slots=True)
class UrlCheck:
    """One URL's preflight: `problem` is None when it looks importable."""

    url: str
    status: int | None = None
    content_type: str | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def warning(self) -> str:
        """One line for the CLI and the form, the URL's secret query values masked."""
        return f"{redact_url(self.url)}: {self.problem}" if self.problem else ""


def judge(url: str, response: httpx.Response) -> UrlCheck:
    """The verdict on a ranged GET's response (headers only)."""
    status = response.status_code
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    check = UrlCheck(url, status, content_type or None)
    if not 200 <= status < 300:
        return _with(check, f"answered {status} {response.reason_phrase}: {WHY_ACCESSIBLE}")
    if status != 206 and "bytes" not in response.headers.get("accept-ranges", "").lower():
        return _with(check, f"answered {status} to a ranged GET (no Range support): {WHY_RANGE}")
    if status != 206:
        return _with(check, f"answered {status}, not 206, to a ranged GET: {WHY_RANGE}")
    if not content_type.startswith(MEDIA_TYPES):
        shown = content_type or "none"
        return _with(check, f"content type {shown} is not audio, video or image: {WHY_TYPE}")
    return check


def _with(check: UrlCheck, problem: str) -> UrlCheck:
    return UrlCheck(check.url, check.status, check.content_type, problem)


async def check_url(http: httpx.AsyncClient, url: str) -> UrlCheck:
    """One ranged GET; the body is never read (the stream is closed unread)."""
    try:
        async with http.stream("GET", url, headers={"Range": "bytes=0-0"}) as response:
            return judge(url, response)
    except httpx.TimeoutException:
        return UrlCheck(url, problem=f"unreachable (no answer in time): {WHY_ACCESSIBLE}")
    except httpx.HTTPError as error:
        reason = " ".join(str(error).split()) or type(error).__name__
        return UrlCheck(url, problem=f"unreachable ({redact_url(reason)}): {WHY_ACCESSIBLE}")


async def preflight(
    urls: Iterable[str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = PREFLIGHT_TIMEOUT,
) -> list[UrlCheck]:
    """Check every URL (a few at a time); one `UrlCheck` per URL, in the order given."""
    unique = list(dict.fromkeys(u.strip() for u in urls if u.strip()))
    gate = asyncio.Semaphore(PREFLIGHT_CONCURRENCY)
    async with httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=True
    ) as http:

        async def one(url: str) -> UrlCheck:
            async with gate:
                return await check_url(http, url)

        return list(await asyncio.gather(*(one(url) for url in unique)))


async def preflight_media(
    add_media: Mapping[str, MediaItem],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout = PREFLIGHT_TIMEOUT,
) -> dict[str, UrlCheck]:
    """The check of each URL item of an import, by media name (uploads are not fetched)."""
    urls = {name: item.url for name, item in add_media.items() if isinstance(item, UrlMedia)}
    if not urls:
        return {}
    found = await preflight(urls.values(), transport=transport, timeout=timeout)
    checks = {check.url: check for check in found}
    return {name: checks[url.strip()] for name, url in urls.items()}
