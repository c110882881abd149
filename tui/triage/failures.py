"""Failures across jobs, grouped by error message: "URL does not support Range requests × 7".

A failure is one failed file of an import (its own `error_message`) or one failed job that
has no failed file to blame (the job's `error_message`). A job-level message that names a
file ("Failed to import media files. a.mp4: URL does not support Range requests", what an
import whose every file failed says) counts as that file's failure, grouped by the reason
after the name. Groups are keyed by the message with its whitespace collapsed, largest
first; each lists its jobs and its files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.cells import cell_len, set_cell_size

from tui.api.models import Job, Outcome

NO_MESSAGE = "(failed without an error message)"
# A title cut to fit keeps at least this much of its message (then the row scrolls).
MIN_MESSAGE = 12
# "... a.mp4: reason" or "... a.mp4: reason (and 2 more)": the file a job-level message names.
_NAMED_FILE = re.compile(r"(?:^|[.:;]\s)([^\s:]+\.[A-Za-z0-9]{2,5}): (.+?)(?: \(and \d+ more\))?$")


@dataclass(frozen=True, slots=True)
class Failure:
    """One failed file (`file_name` set) or one failed job (`file_name` None)."""

    job_id: str
    file_name: str | None
    message: str
    error_code: str | None
    project_id: str | None
    at: datetime | None  # when the job stopped (or was created)


@dataclass(frozen=True, slots=True)
class FailureGroup:
    message: str
    failures: tuple[Failure, ...]

    @property
    def count(self) -> int:
        return len(self.failures)

    @property
    def job_ids(self) -> tuple[str, ...]:
        """The jobs in this group, each once, in the group's order."""
        return tuple(dict.fromkeys(f.job_id for f in self.failures))

    @property
    def files(self) -> tuple[Failure, ...]:
        return tuple(f for f in self.failures if f.file_name is not None)

    @property
    def title(self) -> str:
        """`URL does not support Range requests × 7`."""
        return self.title_within(None)

    def title_within(self, width: int | None) -> str:
        """The title in at most `width` cells (None: whole): a message that does not fit
        ends with "…", and the count always stays (`URL does not support Ran… × 7`)."""
        count = f" × {self.count}"
        message = self.message
        if width is not None and cell_len(message) + len(count) > width:
            room = max(MIN_MESSAGE, width - len(count))
            message = set_cell_size(message, room - 1).rstrip() + "…"
        return message + count

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "count": self.count,
            "jobs": list(self.job_ids),
            "files": [{"job_id": f.job_id, "name": f.file_name} for f in self.files],
            "failed_jobs": [f.job_id for f in self.failures if f.file_name is None],
        }


def _message(text: str | None) -> str:
    return " ".join((text or "").split()) or NO_MESSAGE


def failures_of(job: Job) -> list[Failure]:
    """Every failure of one job: its failed files, else the job itself if it failed."""
    at = job.stopped_at or job.created_at
    files = job.failed_files
    if files:
        return [
            Failure(
                job_id=job.job_id,
                file_name=f.name,
                message=_message(f.error_message or job.error_message),
                error_code=job.error_code,
                project_id=job.project_id,
                at=at,
            )
            for f in files
        ]
    if job.outcome is Outcome.FAILED:
        message = _message(job.error_message)
        named = _NAMED_FILE.search(message)
        file_name, reason = (named.group(1), named.group(2)) if named else (None, message)
        return [Failure(job.job_id, file_name, reason, job.error_code, job.project_id, at)]
    return []


def group_failures(jobs: Iterable[Job], since: datetime | None = None) -> list[FailureGroup]:
    """Failures of `jobs` created at or after `since`, grouped by message, largest first.

    Within a group, newest job first; ties by job id then file name (a stable order).
    """
    by_message: dict[str, list[Failure]] = {}
    for job in jobs:
        if since is not None and job.created_at is not None and job.created_at < since:
            continue
        for failure in failures_of(job):
            by_message.setdefault(failure.message, []).append(failure)
    groups = []
    for message, failures in by_message.items():
        failures.sort(key=lambda f: (f.job_id, f.file_name or ""))
        failures.sort(key=lambda f: f.at.timestamp() if f.at else 0.0, reverse=True)
        groups.append(FailureGroup(message, tuple(failures)))
    return sorted(groups, key=lambda g: (-g.count, g.message))
