"""What a Descript API answer must hold before the client believes it.

A list answer without a `data` array, a job without `job_id` or `job_state`, a body over
the size cap: each is an error the caller reports, never read as "nothing". Pure functions
(plus one streaming read), used by `tui.api.client`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

import httpx

from tui.api.models import ModelError

T = TypeVar("T")

#: An answer larger than this is cut off and reported, never read whole into memory.
MAX_ANSWER_BYTES = 20_000_000


def reason_of(response: httpx.Response) -> str:
    """The answer's reason phrase ("No Content"), or the standard one when none was sent."""
    phrase = response.reason_phrase
    if not phrase:
        with contextlib.suppress(ValueError):
            phrase = HTTPStatus(response.status_code).phrase
    return phrase or ""


def page_problem(data: Any) -> str | None:
    """Why a list answer is not a page: never read a missing `data` as "nothing"."""
    if not isinstance(data, dict):
        return f"a list answer that is not a JSON object ({type(data).__name__})"
    if not isinstance(data.get("data"), list):
        return "a list answer without a data array"
    return None


def job_problem(data: Any) -> str | None:
    """Why a job object cannot be used: it needs a job_id and a job_state."""
    if not isinstance(data, dict):
        return f"a job that is not a JSON object ({type(data).__name__})"
    missing = [k for k in ("job_id", "job_state") if not (isinstance(data.get(k), str) and data[k])]
    return f"a job without {' or '.join(missing)}" if missing else None


def job_page_problem(data: Any) -> str | None:
    if problem := page_problem(data):
        return problem
    for index, item in enumerate(data["data"]):
        if problem := job_problem(item):
            return f"{problem} (item {index})"
    return None


def checked(parse: Callable[[Any], T], problem: Callable[[Any], str | None]) -> Callable[[Any], T]:
    """`parse`, after `problem` found nothing wrong with the JSON (else a `ModelError`)."""

    def checked(data: Any) -> T:
        if found := problem(data):
            raise ModelError(found)
        return parse(data)

    return checked


async def read_capped(response: httpx.Response, cap: int) -> tuple[bytes, bool]:
    """The body, streamed, up to `cap` bytes; True when more came and it was cut there."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        if size + len(chunk) > cap:
            chunks.append(chunk[: cap - size])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False
