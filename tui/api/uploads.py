"""Direct upload: PUT a local file to the signed URL an import returned (no Authorization).

`Uploads` is a part of `DescriptClient` (a mixin): streamed with progress, retried as
`retry.py` allows a PUT, logged in the activity log like every other request.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tui.api.clock import Clock
from tui.api.errors import UploadError
from tui.api.models import JobCreated
from tui.api.requests import UploadMedia
from tui.api.retry import (
    RETRY_AFTER,
    RetryDecision,
    RetryPolicy,
    classify_failure,
    parse_retry_after,
    retry_delay,
)

# Large uploads: no read/write timeout per chunk beyond a generous one.
UPLOAD_TIMEOUT = httpx.Timeout(120.0, connect=15.0)
UPLOAD_CHUNK = 256 * 1024

#: `upload_progress(media_name, bytes_sent, total_bytes)`, called as each chunk goes out
#: (from 0; a retried PUT starts again from 0).
UploadProgress = Callable[[str, int, int], None]


class Uploads:
    """The upload half of `DescriptClient` (which provides these attributes)."""

    clock: Clock
    retry_policy: RetryPolicy
    _rng: random.Random
    _upload_http: httpx.AsyncClient

    def _log(self, at: datetime, method: str, path: str, status: int | None,
             latency_ms: float | None, kind: str, attempt: int, **fields: Any) -> None:
        raise NotImplementedError  # fmt: skip

    def _scrub(self, text: str) -> str:
        raise NotImplementedError

    async def _wait_to_retry(self, what: str, seconds: float) -> None:
        raise NotImplementedError

    async def _upload(
        self,
        name: str,
        media: UploadMedia,
        upload_url: str,
        created: JobCreated,
        progress: UploadProgress | None,
    ) -> None:
        """PUT one local file to its signed URL: streamed, with progress, no Authorization."""
        try:
            size = media.path.stat().st_size
        except OSError as exc:
            raise UploadError(name, f"cannot read {media.path}: {exc}", created=created) from None
        if size != media.file_size:
            raise UploadError(
                name,
                f"{media.path} changed size ({media.file_size} -> {size} bytes) since it was "
                "declared",
                created=created,
            )
        split = urlsplit(upload_url)
        shown = f"{split.netloc}{split.path}" + ("?…" if split.query else "")
        started = self.clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                failed = await self._put_once(
                    name, media.path, size, upload_url, shown, progress, attempt, started
                )
            except OSError as exc:
                # The local file vanished or became unreadable mid-upload: no retry helps.
                raise UploadError(
                    name, f"cannot read {media.path}: {exc}", created=created
                ) from None
            if failed is None:
                return
            decision, detail = failed
            if not decision.retry:
                error = UploadError(name, detail, created=created)
                error.attempts = attempt
                raise error
            await self._wait_to_retry(f"upload of {name}: {detail}", decision.delay)

    async def _put_once(
        self,
        name: str,
        path: Path,
        size: int,
        upload_url: str,
        shown: str,
        progress: UploadProgress | None,
        attempt: int,
        started: float,
    ) -> tuple[RetryDecision, str] | None:
        """One PUT, logged: None when it worked, else the retry decision and what failed."""
        policy = self.retry_policy
        at = self.clock.now()
        sent_at = self.clock.monotonic()
        status: int | None = None
        body: str | None = None
        try:
            response = await self._upload_http.put(
                upload_url,
                content=file_chunks(path, name, size, progress),
                headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)},
            )
        except httpx.RequestError as exc:
            failure: Any = classify_failure(exc)
            detail = self._scrub(f"{type(exc).__name__}: {exc}".rstrip(": "))
            retry_after = None
        else:
            status = response.status_code
            latency = (self.clock.monotonic() - sent_at) * 1000
            if response.is_success:
                note = f"uploaded {name} ({size} bytes)"
                self._log(at, "PUT", shown, status, latency, "upload", attempt, note=note)
                return None
            failure, body = None, self._scrub(response.text)
            detail = f"{status} from the upload URL"
            retry_after = parse_retry_after(response.headers.get(RETRY_AFTER), self.clock.now())
        decision = retry_delay(
            "PUT",
            status=status,
            failure=failure,
            attempt=attempt,
            elapsed=self.clock.monotonic() - started,
            policy=policy,
            rng=self._rng,
            **({"retry_after": retry_after} if retry_after is not None else {}),
        )
        latency = (self.clock.monotonic() - sent_at) * 1000
        self._log(
            at, "PUT", shown, status, latency, "upload", attempt,
            error_body=body, detail=detail, note=decision.note(attempt, policy.max_attempts),
        )  # fmt: skip
        return decision, detail


async def file_chunks(
    path: Path, name: str, total: int, progress: UploadProgress | None
) -> AsyncIterator[bytes]:
    """The file's bytes in chunks, reporting progress as each one is handed to httpx."""
    sent = 0
    if progress is not None:
        progress(name, 0, total)
    with path.open("rb") as handle:
        while sent < total:
            chunk = handle.read(min(UPLOAD_CHUNK, total - sent))
            if not chunk:
                break
            sent += len(chunk)
            yield chunk
            if progress is not None:
                progress(name, sent, total)
