"""What makes two submissions the same, who is sending one, and the refusal to send twice.

A POST whose answer never came may have created a job; sending the same request again
could create a second one. So before any POST (CLI or dashboard, both through
`submit_journaled` below) the journal is asked for an unresolved twin: a submission
of the same profile with the same request fingerprint that is still `sending` or whose
outcome is unknown. If there is one, the POST is refused with `UnresolvedTwinError`, which
says what to do (`descript-tui reconcile`, or `--force`).

Each submission also records the process sending it (PID and that process's start time),
so a submission left `sending` by a process that is gone (killed, crashed) is known to be
orphaned at once, not after a timeout. No Textual, no SQL here.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tui.api.errors import DescriptError

if TYPE_CHECKING:
    from tui.api.models import JobCreated

RECONCILE_COMMAND = "descript-tui reconcile"
FORCE_FLAG = "--force"


class SubmissionLog(Protocol):
    """What `submit_journaled` writes: `tui.journal.Journal` (and the CLI's guarded wrapper)."""

    def record_submission(
        self,
        kind: str,
        request_json: Mapping[str, Any],
        *,
        extra: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> int | None: ...

    def attach_job(self, local_id: int, job_created: JobCreated) -> None: ...

    def mark_outcome_unknown(self, local_id: int, error: str) -> None: ...

    def mark_rejected(self, local_id: int, error: str) -> None: ...


def request_fingerprint(kind: str, request_json: Mapping[str, Any]) -> str:
    """sha256 of the kind and the request's canonical JSON: equal requests, equal prints."""
    canonical = json.dumps(
        {"kind": kind, "request": dict(request_json)}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _start_time(pid: int) -> str | None:
    """The start time of process `pid` (Linux: /proc/PID/stat field 22), so a PID reused by
    another program is not mistaken for the sender. None where /proc is not available."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def process_identity(pid: int | None = None) -> str:
    """`PID:START` for this process (or `pid`): recorded with each submission."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_start_time(pid) or '?'}"


def process_alive(identity: str | None) -> bool:
    """Whether the process that recorded `identity` is still running (and is the same one).

    An identity from before this was recorded (None) counts as alive: only the age rule
    then applies.
    """
    if not identity:
        return True
    pid_text, _, started = identity.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    except OSError:
        return True
    if started and started != "?":
        return _start_time(pid) in (None, started)
    return True


@dataclass(frozen=True, slots=True)
class TwinInfo:
    """An unresolved submission a new one would duplicate."""

    local_id: int
    kind: str
    status: str
    submitted_at: datetime
    orphaned: bool


class UnresolvedTwinError(DescriptError):
    """The same request was sent before and its outcome is not known: refused, not sent."""

    remedy = (
        f"Check whether the earlier submission created a job: `{RECONCILE_COMMAND}` (or R in "
        f"the dashboard); or send it anyway with {FORCE_FLAG} (a duplicate job may result)."
    )

    def __init__(self, twins: Sequence[TwinInfo]) -> None:
        self.twins = tuple(twins)
        first = self.twins[0]
        state = {
            "sending": "still sending"
            + (" (its process is gone)" if first.orphaned else " in another process"),
            "outcome_unknown": "its outcome unknown",
        }.get(first.status, first.status)
        more = f" (+{len(self.twins) - 1} more)" if len(self.twins) > 1 else ""
        super().__init__(
            f"not sent: the same {first.kind} request was submitted at "
            f"{first.submitted_at:%Y-%m-%d %H:%M:%S} UTC (journal #{first.local_id}), "
            f"{state}{more}; it may have created a job"
        )


async def submit_journaled(
    journal: SubmissionLog | None,
    kind: str,
    request_json: Mapping[str, Any],
    send: Callable[[], Awaitable[JobCreated]],
    *,
    extra: Mapping[str, Any] | None = None,
    force: bool = False,
) -> JobCreated:
    """Journal a submission before `send()` POSTs it, then record what became of it.

    First, unless `force`, the one check against duplicates (CLI and dashboard alike): an
    unresolved twin in the journal raises `UnresolvedTwinError` and nothing is sent.

    The created job is attached; an unknown outcome (the body went out, no answer) is marked
    for reconciliation; an answer that proves no job exists (4xx, 5xx, 429, no connection)
    marks it rejected. The error is re-raised either way. `journal=None` just sends. Journal
    calls run in a thread, so this is safe to await from a Textual worker.
    """
    from tui.api.errors import OutcomeUnknownError, UnexpectedResponseError, UploadError

    if journal is None:
        return await send()
    local_id = await asyncio.to_thread(
        journal.record_submission, kind, request_json, extra=extra, force=force
    )
    try:
        created = await send()
    except asyncio.CancelledError:
        # Cancelled mid-send: it may or may not have gone out. A quick write, not in a thread.
        journal.mark_outcome_unknown(local_id, "cancelled while sending")
        raise
    except OutcomeUnknownError as error:
        await asyncio.to_thread(journal.mark_outcome_unknown, local_id, str(error))
        raise
    except UploadError as error:
        # The job exists (its files did not all arrive): journal it, it is real.
        if error.created is not None:
            await asyncio.to_thread(journal.attach_job, local_id, error.created)
        else:
            await asyncio.to_thread(journal.mark_rejected, local_id, str(error))
        raise
    except UnexpectedResponseError as error:
        # A 2xx we could not read may well have created the job.
        if 200 <= error.status < 300:
            await asyncio.to_thread(journal.mark_outcome_unknown, local_id, str(error))
        else:
            await asyncio.to_thread(journal.mark_rejected, local_id, str(error))
        raise
    except Exception as error:
        await asyncio.to_thread(journal.mark_rejected, local_id, str(error))
        raise
    await asyncio.to_thread(journal.attach_job, local_id, created)
    return created
