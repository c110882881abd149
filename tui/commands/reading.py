"""What the `jobs` commands share: reading one job (journaled), ids as typed, `--since`, the
terminal.

`jobs list|get|cancel` (tui/commands/jobs.py) and `jobs watch` / `--wait`
(tui/commands/watch.py) both use these, so each lives once, below both.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tui.api.models import RETENTION, Job, parse_timestamp
from tui.api.planning import LIST_LOOKBACK
from tui.commands import CliContext, CliJournal, UsageError
from tui.commands.output import can_encode, state_cell

if TYPE_CHECKING:
    from tui.api.client import DescriptClient

# `GET /jobs` page size while following pages (the API's maximum).
LIST_PAGE_SIZE = 100
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def terminal_width(ctx: CliContext) -> int | None:
    """The terminal's width when stdout is one; None for a pipe (rows are not cut)."""
    isatty = getattr(ctx.stdout, "isatty", None)
    if not (isatty and isatty()):
        return None
    return shutil.get_terminal_size().columns


def plain_ascii(ctx: CliContext) -> bool:
    return not can_encode(ctx.stdout)


@contextlib.asynccontextmanager
async def closing(iterator: Any) -> AsyncIterator[Any]:
    """Close an async generator we stop early (`--limit`), so its request is not left open."""
    try:
        yield iterator
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def read_job(
    client: DescriptClient, ctx: CliContext, journal: CliJournal | None, job_id: str
) -> Job:
    """`GET /jobs/{id}`, journaled; a 404 for a job the journal knows marks it expired."""
    from tui.api.errors import NotFoundError

    try:
        job = await client.get_job(job_id)
    except NotFoundError:
        note_if_journaled(ctx, journal, job_id)
        raise
    if journal is not None:
        journal.upsert_job(job)
    return job


def note_if_journaled(ctx: CliContext, journal: CliJournal | None, job_id: str) -> None:
    """A 404: a job the journal knows is kept as expired, and the user is told its last state."""
    if journal is not None and (row := journal.expire_if_known(job_id)) is not None:
        last = state_cell(row.job, ascii_only=plain_ascii(ctx)) if row.job else "unknown"
        ctx.err(
            f"note: the journal knows job {job_id}: the API no longer has it (past the "
            f"30-day retention), so it is kept as expired; its last known state: {last}"
        )


def job_id_argument(text: str) -> str:
    job_id = text.strip()
    if not job_id or any(ch.isspace() or ch in "/?#" for ch in job_id):
        raise UsageError(f"{text!r} is not a job id (job ids look like 6dc3f30a-58c2-...)")
    return job_id


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `12h`, `30m`, `90s`, `2w` or an ISO 8601 time -> `created_after`.

    Refuses anything more than 30 days back (the API keeps jobs 30 days), a time in the
    future, and anything else, with a message that says what would work.
    """
    if match := _DURATION.match(text):
        amount, unit = float(match.group(1)), match.group(2).lower()
        if amount <= 0:
            raise UsageError(f"--since {text}: must be more than zero")
        try:
            delta = timedelta(seconds=amount * _UNIT_SECONDS[unit])
        except OverflowError:
            delta = RETENTION * 1000
    else:
        when = parse_timestamp(text) if "-" in text or "T" in text else None
        if when is None:
            raise UsageError(
                f"--since {text!r}: expected a duration like 7d, 12h or 30m "
                "(or an ISO 8601 time like 2026-11-20T09:00:00Z)"
            )
        if when > now:
            raise UsageError(f"--since {text}: that is in the future")
        delta = now - when
    if delta > RETENTION:
        raise UsageError(
            f"--since {text}: jobs are kept for 30 days and the API cannot list further "
            "back; use --since 30d or less"
        )
    # `--since 30d` asks for the whole window: LIST_LOOKBACK keeps it inside on arrival.
    return now - min(delta, LIST_LOOKBACK)
