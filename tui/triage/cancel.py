"""Cancel several jobs, one after another, and say what the server answered for each.

The client spends the per-second budget (every DELETE counts) and waits on a 429 by
itself, so cancelling in sequence stays within the budget. Each answer is kept as the
server gave it: `204 No Content`, or the error's status and message; nothing is assumed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from tui.api.errors import DescriptError
from tui.api.models import CancelResult
from tui.live.board import JobRow
from tui.live.rows import RowStatus

#: `DescriptClient.cancel_job`: returns a `CancelResult` (status_code, reason, note).
CancelFunction = Callable[[str], Awaitable[CancelResult]]


@dataclass(frozen=True, slots=True)
class CancelAnswer:
    job_id: str
    ok: bool
    answer: str  # `204 No Content`, or `409 ...: message`

    @property
    def line(self) -> str:
        return f"{self.job_id}  {self.answer}"


def error_text(error: BaseException) -> str:
    """`409 conflict: Job already stopped (DELETE /jobs/...)`, or why no answer came."""
    return " ".join(str(error).split()) or type(error).__name__


def cancellable(row: JobRow) -> bool:
    """Whether a DELETE could stop this row's job: live (not expired, not a lost submission)
    and queued or running as last read. Marked rows that are not go unsent."""
    return row.status is RowStatus.LIVE and not row.job.is_finished


async def cancel_each(
    job_ids: Iterable[str],
    cancel: CancelFunction,
    on_answer: Callable[[list[CancelAnswer]], None] | None = None,
) -> list[CancelAnswer]:
    """Cancel each job in turn; one answer per job, in order; errors do not stop the rest.

    `on_answer` sees the answers so far after each one (thousands of DELETEs within the
    budget take minutes: the dialog counts them as they come)."""
    answers: list[CancelAnswer] = []
    for job_id in dict.fromkeys(job_ids):
        try:
            result = await cancel(job_id)
        except DescriptError as error:
            answers.append(CancelAnswer(job_id, False, error_text(error)))
        else:
            answers.append(CancelAnswer(job_id, True, result.status_line))
        if on_answer is not None:
            on_answer(answers)
    return answers


def summary(answers: Iterable[CancelAnswer]) -> str:
    """`3 cancelled, 1 refused`."""
    items = list(answers)
    done = sum(a.ok for a in items)
    refused = len(items) - done
    return f"{done} cancelled" + (f", {refused} refused" if refused else "")
