from __future__ import annotations

from tui.api.errors import ApiError, TransportError
from tui.api.models import CancelResult
from tui.triage.cancel import cancel_each, summary


async def test_each_job_gets_the_answer_the_server_gave_and_errors_do_not_stop_the_rest() -> None:
    sent: list[str] = []

    async def cancel(job_id: str) -> CancelResult:
        sent.append(job_id)
        if job_id == "b":
            raise ApiError(409, "conflict", "Job already stopped", "{}")
        if job_id == "c":
            raise TransportError("connection reset")
        return CancelResult(204, "No Content", "answer lost; re-read shows cancelled"
                                if job_id == "d" else "")

    progress: list[str] = []
    answers = await cancel_each(
        ["a", "b", "a", "c", "d"], cancel, lambda so_far: progress.append(summary(so_far))
    )  # the dialog counts as they come
    assert sent == ["a", "b", "c", "d"]  # each once, in order
    # Told after each answer, with the answers so far.
    assert progress == [
        "1 cancelled",
        "1 cancelled, 1 refused",
        "1 cancelled, 2 refused",
        "2 cancelled, 2 refused",
    ]
    assert [a.answer for a in answers] == [
        "204 No Content",
        "409 conflict: Job already stopped",
        "could not reach the Descript API: connection reset",
        "204 No Content (answer lost; re-read shows cancelled)",
    ]
    assert summary(answers) == "2 cancelled, 2 refused"
