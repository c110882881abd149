"""Find the job a submission may have created when its POST's answer never came.

A POST whose body went out and whose answer was lost (a timeout, a reset) may or may not
have created a job; sending it again could make a duplicate. Before anyone resubmits, the
app lists recent jobs and offers the ones that match: same kind, same project, created
within a window after the submission. No Textual; the matching is a pure function.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Collection, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from tui.api.models import JOB_TYPE_BY_KIND, Job, Project
from tui.journal import PendingSubmission

# A job created up to this long after the POST could be ours (queues, slow answers).
DEFAULT_WINDOW = timedelta(minutes=15)
# Our clock and the server's disagree by a little.
DEFAULT_SKEW = timedelta(minutes=2)
# Filters the spec's `GET /jobs?type=` accepts; other kinds are filtered here.
_LISTABLE_TYPES = {"import", "agent"}


@dataclass(frozen=True)
class Candidate:
    """A job that may be the one a pending submission created, and why we think so."""

    job: Job
    score: float
    reasons: tuple[str, ...]


class JobLister(Protocol):
    """The part of `DescriptClient` this module uses."""

    def iter_jobs(self, **filters: Any) -> AsyncIterable[Job]: ...
    def iter_projects(self, **filters: Any) -> AsyncIterable[Project]: ...


def match_candidates(
    pending: PendingSubmission,
    jobs: Iterable[Job],
    *,
    project_ids: Collection[str] | None = None,
    known_job_ids: Collection[str] = (),
    window: timedelta = DEFAULT_WINDOW,
    skew: timedelta = DEFAULT_SKEW,
) -> list[Candidate]:
    """Jobs that could be `pending`'s, best first.

    `project_ids`: ids of the projects named by the request's `project_name` (None when not
    looked up: any project is then allowed, and said so). `known_job_ids`: jobs already tied
    to another submission, never offered.
    """
    wanted_project = pending.request.get("project_id")
    earliest = pending.submitted_at - skew
    latest = pending.submitted_at + window
    found: list[Candidate] = []
    for job in jobs:
        if job.job_id in known_job_ids or job.created_at is None:
            continue
        if job.kind != pending.kind:
            continue
        if not earliest <= job.created_at <= latest:
            continue
        reasons = [f"{job.kind} job"]
        score = 1.0
        if wanted_project:
            if job.project_id != wanted_project:
                continue
            reasons.append("same project id")
            score += 1.0
        elif project_ids is not None:
            if job.project_id not in project_ids:
                continue
            reasons.append("project with the same name")
            score += 1.0
        else:
            reasons.append("project not checked")
        gap = abs((job.created_at - pending.submitted_at).total_seconds())
        reasons.append(f"created {gap:.0f}s from the submission")
        score += max(0.0, 1.0 - gap / max(window.total_seconds(), 1.0))
        found.append(Candidate(job=job, score=score, reasons=tuple(reasons)))
    found.sort(key=lambda c: (-c.score, c.job.job_id))
    return found


async def find_candidates(
    client: JobLister,
    pending: PendingSubmission,
    *,
    known_job_ids: Collection[str] = (),
    window: timedelta = DEFAULT_WINDOW,
    skew: timedelta = DEFAULT_SKEW,
    max_items: int = 500,
) -> list[Candidate]:
    """List the jobs created around `pending`'s time and match them (a few GETs, no POST)."""
    filters: dict[str, Any] = {
        "created_after": pending.submitted_at - skew,
        "created_before": pending.submitted_at + window,
        "max_items": max_items,
    }
    if pending.kind in _LISTABLE_TYPES:
        filters["job_type"] = JOB_TYPE_BY_KIND[pending.kind]
    if pending.request.get("project_id"):
        filters["project_id"] = pending.request["project_id"]
    jobs = [job async for job in client.iter_jobs(**filters)]
    project_ids: set[str] | None = None
    project_name = pending.request.get("project_name")
    if project_name and not pending.request.get("project_id"):
        # The server's name filter may be a substring match: keep exact names only.
        project_ids = {
            project.id
            async for project in client.iter_projects(
                name=project_name, created_after=pending.submitted_at - skew
            )
            if project.name == project_name
        }
    return match_candidates(
        pending,
        jobs,
        project_ids=project_ids,
        known_job_ids=known_job_ids,
        window=window,
        skew=skew,
    )
