"""Which jobs wait for a callback, and how often they are polled meanwhile.

A job submitted with our `callback_url` needs no 5 s polling: a safety poll every 60 s
catches a lost callback. Once the callback is overdue (5 minutes past the job's expected
end) or the receiver stops, the job goes back to the normal schedule. The scheduler asks
`poll_floor(job_id)` when it plans a job's next poll; None means "normal schedule".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tui.api.clock import Clock
from tui.api.models import Job


@dataclass(frozen=True, slots=True)
class CallbackTiming:
    #: A job that expects a callback is still read this often, to catch a lost callback.
    safety_poll: float = 60.0
    #: A callback this late after the job's expected end is taken as lost.
    overdue_after: float = 300.0
    #: The expected run time of a job that reports no progress yet.
    default_run_time: float = 600.0


def expected_end(
    job: Job, submitted_at: datetime, now: datetime, timing: CallbackTiming
) -> datetime:
    """When the job should stop: extrapolated from its progress, else a default run time."""
    percent = job.progress.percent if job.progress is not None else None
    started = job.created_at or submitted_at
    elapsed = max(0.0, (now - started).total_seconds())
    if percent is not None and 0 < percent < 100 and elapsed > 0:
        remaining = elapsed * (100 - percent) / percent
        return now + timedelta(seconds=remaining)
    return started + timedelta(seconds=timing.default_run_time)


@dataclass(slots=True)
class _Expectation:
    submitted_at: datetime
    ends_at: datetime


class CallbackExpectations:
    """The jobs that were given our callback URL and have not been heard from yet."""

    def __init__(self, clock: Clock, timing: CallbackTiming | None = None) -> None:
        self._clock = clock
        self.timing = timing or CallbackTiming()
        self._waiting: dict[str, _Expectation] = {}
        self.receiver_running = True

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._waiting

    def __len__(self) -> int:
        return len(self._waiting)

    def expect(self, job_id: str) -> None:
        """`job_id` was submitted with our callback URL just now."""
        now = self._clock.now()
        self._waiting[job_id] = _Expectation(
            now, now + timedelta(seconds=self.timing.default_run_time)
        )

    def observed(self, job: Job) -> None:
        """A read of the job: a finished job is done waiting; else re-estimate its end."""
        expectation = self._waiting.get(job.job_id)
        if expectation is None:
            return
        if job.is_finished:
            del self._waiting[job.job_id]
            return
        now = self._clock.now()
        expectation.ends_at = expected_end(job, expectation.submitted_at, now, self.timing)

    def forget(self, job_id: str) -> None:
        self._waiting.pop(job_id, None)

    def overdue(self, job_id: str) -> bool:
        expectation = self._waiting.get(job_id)
        if expectation is None:
            return False
        late = (self._clock.now() - expectation.ends_at).total_seconds()
        return late > self.timing.overdue_after

    def poll_floor(self, job_id: str) -> float | None:
        """Seconds between polls while a callback is awaited; None: the normal schedule."""
        if not self.receiver_running or job_id not in self._waiting or self.overdue(job_id):
            return None
        return self.timing.safety_poll
