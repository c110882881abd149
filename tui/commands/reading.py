"""What the `jobs` commands share: reading one job (journaled), ids as typed, the terminal.

`jobs list|get|cancel` (tui/commands/jobs.py) and `jobs watch` / `--wait`
(tui/commands/watch.py) both use these, so each lives once, below both.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from tui.api.models import Job
from tui.commands import CliContext, CliJournal, UsageError
from tui.commands.output import can_encode, state_cell

if TYPE_CHECKING:
    from tui.api.client import DescriptClient


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

