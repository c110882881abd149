"""Resubmit only what failed: an import of just the failed files, into the same project.

The job's result names its failed files; their URLs (or local paths) come from the request
the journal kept when this tool submitted the original. For an import made elsewhere the API
returns only the file names (`result.media_status`), never the media URLs: the plan then
names those files as `unknown` and the user supplies each source (the form's rows, the CLI's
`--media NAME=URL`) through `RetryPlan.with_sources`. The new submission carries the link in
its journal `extra` (`RETRY_OF`, `RETRIED_FILES`), so either job can find the other with
`retry_links` over `Journal.load_jobs()`, no new table needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tui.api.models import Job, Outcome
from tui.api.requests import ImportRequest, MediaItem, UploadMedia, UrlMedia
from tui.triage.failures import failures_of

#: Keys of a submission's journal `extra` linking a retry to the job it retries.
RETRY_OF = "retry_of"
RETRIED_FILES = "retried_files"
#: Said wherever a retry lacks sources: the form's note and the CLI's refusal.
NO_URLS_FROM_API = (
    "The Descript API returns only the failed files' names, not their media URLs"
)


class RetryError(ValueError):
    """The job cannot be retried this way; the message says why and what to do instead."""


@dataclass(frozen=True, slots=True)
class RetryPlan:
    """The import to send, and the journal `extra` that links it to the original."""

    request: ImportRequest
    original_job_id: str
    files: tuple[str, ...]  # every failed file, in the job's order

    @property
    def unknown(self) -> tuple[str, ...]:
        """Failed files whose source nobody kept (not journaled): to be pasted."""
        return tuple(name for name in self.files if name not in self.request.add_media)

    def with_sources(self, sources: Mapping[str, MediaItem]) -> RetryPlan:
        """The plan with `sources` (media name -> item) filling in or replacing files'
        sources; a name that is not one of the failed files is refused."""
        strangers = [name for name in sources if name not in self.files]
        if strangers:
            raise RetryError(
                f"{', '.join(strangers)} is not a failed file of job {self.original_job_id} "
                f"(its failed files: {', '.join(self.files)})"
            )
        known = {**self.request.add_media, **sources}
        media = {name: known[name] for name in self.files if name in known}
        return replace(self, request=replace(self.request, add_media=media))

    @property
    def extra(self) -> dict[str, Any]:
        local = {
            name: str(item.path)
            for name, item in self.request.add_media.items()
            if isinstance(item, UploadMedia)
        }
        extra: dict[str, Any] = {RETRY_OF: self.original_job_id, RETRIED_FILES: list(self.files)}
        if local:
            extra["local_files"] = local  # the same key submit.py journals uploads under
        return extra


def _media_item(
    name: str, sent: Mapping[str, Any], local_files: Mapping[str, str]
) -> MediaItem | None:
    """The original `add_media` entry for `name`, as a typed item (None if unknown)."""
    entry = sent.get(name)
    if not isinstance(entry, dict):
        return None
    language = entry.get("language") if isinstance(entry.get("language"), str) else None
    if isinstance(entry.get("url"), str):
        return UrlMedia(url=entry["url"], language=language)
    if name in local_files:
        return UploadMedia.from_path(local_files[name], language=language)
    return None


def plan_retry(
    job: Job,
    original_request: Mapping[str, Any] | None,
    extra: Mapping[str, Any] | None = None,
) -> RetryPlan:
    """The import of `job`'s failed files into its project.

    Each file's source comes from the journaled request; a file it does not cover (or every
    file, for a job this tool did not submit) is left `unknown` for the user to supply.
    """
    if job.kind != "import":
        raise RetryError(f"job {job.job_id} is a {job.kind} job: only imports can be retried")
    if job.outcome not in (Outcome.PARTIAL, Outcome.FAILED):
        raise RetryError(
            f"job {job.job_id} is {job.outcome.value}: only a partial or failed import has "
            "failed files to retry"
        )
    if not job.project_id:
        raise RetryError(f"job {job.job_id} names no project to import into")
    sent = (original_request or {}).get("add_media")
    sent = sent if isinstance(sent, dict) else {}
    failed = [f.name for f in job.failed_files]
    if not failed and job.outcome is Outcome.FAILED:
        # An import whose every file failed may list none: all it sent, else the file its
        # message names (the failures screen's own reading of it).
        failed = list(sent) or [f.file_name for f in failures_of(job) if f.file_name]
    if not failed:
        raise RetryError(f"job {job.job_id} failed without naming a failed file: nothing to retry")
    local_files = (extra or {}).get("local_files") or {}
    media: dict[str, MediaItem] = {}
    for name in failed:
        item = _media_item(name, sent, local_files)
        if item is not None:
            media[name] = item
    request = ImportRequest(add_media=media, project_id=job.project_id)
    return RetryPlan(request=request, original_job_id=job.job_id, files=tuple(failed))


@dataclass(frozen=True, slots=True)
class RetryLinks:
    """Both directions of the retry link of one job."""

    retry_of: str | None  # the job this one retried
    retried_by: tuple[str, ...]  # the jobs that retried this one


def retry_links(job_id: str, journaled: Iterable[Any]) -> RetryLinks:
    """The links of `job_id` among journaled rows (`JournaledJob`: `job_id`, `extra`)."""
    retry_of: str | None = None
    retried_by: list[str] = []
    for row in journaled:
        origin = (row.extra or {}).get(RETRY_OF)
        if row.job_id == job_id and isinstance(origin, str):
            retry_of = origin
        elif origin == job_id and row.job_id:
            retried_by.append(row.job_id)
    return RetryLinks(retry_of, tuple(retried_by))
