"""One job id from what a person typed: a full id, the short id the table shows, or a URL.

Real ids are not always UUIDs (`project-media-import-9d635d5b`), so anything but a UUID is
looked up. The table shows `Job.short_id` (the last dash-separated chunk of the id, or its first 8
characters), so a typed fragment matches a job when it begins the id or begins its last
chunk. The journal is searched first (it knows every job this tool has seen, including
expired ones), then the API's list; two or more matches is `AmbiguousJobId` listing them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tui.api.models import Job

# A typed fragment shorter than this matches too much to mean one job.
MIN_FRAGMENT = 4
# A UUID-shaped id is taken as is: a GET says whether it exists, no lookup needed.
_FULL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_JOB_PATH = re.compile(r"/jobs/([^/?#\s]+)")
_ID_CHARS = re.compile(r"^[A-Za-z0-9_-]+$")


class JobIdError(ValueError):
    """What was typed does not name exactly one job; the message says why."""


class UnknownJobId(JobIdError):
    def __init__(self, text: str) -> None:
        super().__init__(f"no job matches {text!r} in the journal or the list")
        self.text = text


class AmbiguousJobId(JobIdError):
    def __init__(self, text: str, candidates: Sequence[str]) -> None:
        shown = ", ".join(candidates[:10]) + (" ..." if len(candidates) > 10 else "")
        super().__init__(f"{text!r} matches {len(candidates)} jobs: {shown}")
        self.text = text
        self.candidates = tuple(candidates)


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the text asks for: a full job id, an id fragment, or the jobs of a project."""

    job_id: str | None = None
    fragment: str | None = None
    project_id: str | None = None


def parse_wanted(text: str) -> Wanted:
    """Read a full id, a fragment, an API job URL or a Descript project URL."""
    value = text.strip()
    if not value:
        raise JobIdError("type a job id, the short id from the table, or a Descript URL")
    if "://" in value:
        parts = urlsplit(value)
        if match := _JOB_PATH.search(parts.path):
            return parse_wanted(match.group(1))
        segments = [s for s in parts.path.split("/") if s]
        if not segments:
            raise JobIdError(f"{value!r} names no job or project")
        # web.descript.com/<project_id>: the job is found among the project's jobs.
        return Wanted(project_id=segments[-1])
    if not _ID_CHARS.match(value):
        raise JobIdError(f"{value!r} is not a job id (job ids look like 6dc3f30a-58c2-...)")
    if _FULL_ID.match(value):
        return Wanted(job_id=value)
    if len(value) < MIN_FRAGMENT:
        raise JobIdError(f"{value!r} is too short: type at least {MIN_FRAGMENT} characters")
    return Wanted(fragment=value)


def matches(job_id: str, fragment: str) -> bool:
    """Whether `fragment` begins the id or its last chunk (the table's short id)."""
    key = fragment.lower()
    full = job_id.lower()
    return full.startswith(key) or full.rsplit("-", 1)[-1].startswith(key)


def candidates_in(wanted: Wanted, jobs: Iterable[Job]) -> list[str]:
    """Ids of `jobs` that `wanted` names, each once, newest first."""
    found: dict[str, Job] = {}
    for job in jobs:
        if wanted.job_id is not None:
            hit = job.job_id == wanted.job_id
        elif wanted.fragment is not None:
            hit = job.job_id == wanted.fragment or matches(job.job_id, wanted.fragment)
        else:
            hit = job.project_id == wanted.project_id
        if hit:
            found.setdefault(job.job_id, job)
    ordered = sorted(
        found.values(), key=lambda j: (j.created_at is not None, j.created_at, j.job_id)
    )
    return [job.job_id for job in reversed(ordered)]


def _choose(text: str, wanted: Wanted, ids: list[str], jobs: Sequence[Job]) -> str | None:
    if wanted.fragment in ids:
        return wanted.fragment  # a whole id typed out wins over longer ids it begins
    if len(ids) == 1:
        return ids[0]
    if len(ids) > 1 and wanted.project_id is not None:
        # A project URL: its one unfinished job is the one someone is asking about.
        running = [j.job_id for j in jobs if j.job_id in ids and not j.is_finished]
        if len(set(running)) == 1:
            return running[0]
    if len(ids) > 1:
        raise AmbiguousJobId(text, ids)
    return None


def resolve_among(text: str, *sources: Sequence[Job]) -> str | None:
    """The id `text` names in the first source that has a match; None if none has one."""
    wanted = parse_wanted(text)
    if wanted.job_id is not None:
        return wanted.job_id
    for jobs in sources:
        if chosen := _choose(text, wanted, candidates_in(wanted, jobs), jobs):
            return chosen
    return None


async def resolve_job_id(
    text: str,
    journal_jobs: Sequence[Job],
    list_jobs: Callable[[], Awaitable[Sequence[Job]]],
    *,
    pass_through: bool = False,
) -> str:
    """The job id `text` names: the journal first, then (only if needed) the API's list.

    Raises `AmbiguousJobId` when it names several. Text that cannot be an id at all (spaces,
    slashes, a URL that names no job) raises `JobIdError` before any request. An
    id-shaped text that names no known job raises `UnknownJobId`, or with `pass_through` is
    returned as typed, so a GET decides (the CLI: a 404 then says what the API says); a
    project URL is never passed through (it is not a job id).
    """
    typed = text.strip()
    try:
        wanted = parse_wanted(text)
    except JobIdError:
        # Ids are opaque: a short one may exist, so only what cannot be one is refused.
        if pass_through and _ID_CHARS.match(typed):
            return typed
        raise
    if found := resolve_among(text, journal_jobs):
        return found
    if found := resolve_among(text, await list_jobs()):
        return found
    if pass_through and wanted.project_id is None:
        return typed
    raise UnknownJobId(typed)
