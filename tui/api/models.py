"""Typed views of the Descript API's JSON, each keeping the raw JSON beside its fields.

Real servers drift from the spec, so parsing is lenient: `job_type`, `job_state` and
`result.status` are open sets (kept as plain strings), unknown fields stay in `raw`, and a
missing optional field is None, never a crash. Only a payload without a `job_id` (or a
project without an `id`) is refused, with `ModelError`.

`Job.outcome` is the one place that decides whether a job is finished, succeeded, partial,
failed or cancelled, and `Job.failed_files` which files of an import failed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

JsonDict = dict[str, Any]


class ModelError(ValueError):
    """A payload too broken to stand for the thing it claims to be."""


class Outcome(StrEnum):
    """Where a job is in its life, as the dashboard, CLI and scheduler all see it."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"
    # Stopped, but the result says nothing we recognise: finished, verdict unknown.
    FINISHED_UNKNOWN = "finished_unknown"

    @property
    def is_terminal(self) -> bool:
        # A set of members, not `Outcome.X` lookups: called a million times in a 50k load.
        return self not in _LIVE_OUTCOMES


_LIVE_OUTCOMES = frozenset({Outcome.QUEUED, Outcome.RUNNING})


# Values seen in the wild beside the documented ones; compared lower-cased.
_QUEUED_STATES = {"queued", "created", "pending", "waiting", "scheduled"}
_RUNNING_STATES = {"running", "in_progress", "processing", "started"}
_CANCELLED_STATES = {"cancelled", "canceled", "cancelling", "canceling"}
_FAILED_STATES = {"failed", "failure", "error", "errored"}
_STOPPED_STATES = {"stopped", "finished", "completed", "complete", "done", "succeeded"}
_SUCCESS_RESULTS = {"success", "succeeded", "ok", "completed", "complete"}
_PARTIAL_RESULTS = {"partial", "partial_success", "partially_succeeded", "partial_failure"}
_FAILED_RESULTS = {"error", "failure", "failed", "errored"}
_FAILED_FILE_STATUSES = {"failed", "failure", "error", "errored"}

JOB_TYPE_IMPORT = "import/project_media"
JOB_TYPE_AGENT = "agent"
JOB_TYPE_PUBLISH = "publish"

#: The short names the CLI, the journal and the filters use, and the job_type each stands for.
JOB_TYPE_BY_KIND: Mapping[str, str] = {
    "import": JOB_TYPE_IMPORT,
    "agent": JOB_TYPE_AGENT,
    "publish": JOB_TYPE_PUBLISH,
}
KIND_BY_JOB_TYPE: Mapping[str, str] = {
    job_type: kind for kind, job_type in JOB_TYPE_BY_KIND.items()
}

#: "Jobs are retained for 30 days" (async-job-model.txt): after that GET /jobs/{id} is a 404.
RETENTION = timedelta(days=30)


def parse_timestamp(value: Any) -> datetime | None:
    """ISO 8601 (with `Z` or an offset) or epoch seconds -> aware UTC datetime; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if not math.isfinite(value):
            return None
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """The API's own form: UTC, milliseconds, `Z`."""
    return (
        value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    )


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _bool_or_none(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _dict(value: Any) -> JsonDict:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Progress:
    label: str | None
    percent: float | None
    last_update_at: datetime | None
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> Progress | None:
        if not isinstance(data, dict):
            return None
        percent = _float_or_none(data.get("percent"))
        if percent is not None:
            percent = min(100.0, max(0.0, percent))
        return cls(
            label=_str_or_none(data.get("label")),
            percent=percent,
            last_update_at=parse_timestamp(data.get("last_update_at")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class MediaFile:
    """One entry of an import's `result.media_status`."""

    name: str
    status: str | None
    duration_seconds: float | None
    error_message: str | None
    raw: JsonDict = field(repr=False, compare=False)

    @property
    def failed(self) -> bool:
        return (self.status or "").lower() in _FAILED_FILE_STATUSES or (
            self.status is None and self.error_message is not None
        )

    @classmethod
    def from_json(cls, name: str, data: Any) -> MediaFile:
        data = _dict(data)
        return cls(
            name=name,
            status=_str_or_none(data.get("status")),
            duration_seconds=_float_or_none(data.get("duration_seconds")),
            error_message=_str_or_none(data.get("error_message")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Composition:
    id: str | None
    name: str | None
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> Composition:
        data = _dict(data)
        return cls(id=_str_or_none(data.get("id")), name=_str_or_none(data.get("name")), raw=data)


@dataclass(frozen=True, slots=True)
class JobResult:
    """`result` of a stopped job; which fields are set depends on the job type."""

    status: str | None
    media_status: tuple[MediaFile, ...]
    error_message: str | None
    error_code: str | None
    media_seconds_used: float | None
    ai_credits_used: float | None
    agent_response: str | None
    project_changed: bool | None
    created_compositions: tuple[Composition, ...]
    composition_id: str | None
    share_url: str | None
    download_url: str | None
    download_url_expires_at: datetime | None
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> JobResult | None:
        if not isinstance(data, dict):
            return None
        media = data.get("media_status")
        files = tuple(MediaFile.from_json(str(name), value) for name, value in _dict(media).items())
        compositions = data.get("created_compositions")
        return cls(
            status=_str_or_none(data.get("status")),
            media_status=files,
            error_message=_str_or_none(data.get("error_message")),
            error_code=_str_or_none(data.get("error_code")),
            media_seconds_used=_float_or_none(data.get("media_seconds_used")),
            ai_credits_used=_float_or_none(data.get("ai_credits_used")),
            agent_response=_str_or_none(data.get("agent_response")),
            project_changed=_bool_or_none(data.get("project_changed")),
            created_compositions=tuple(
                Composition.from_json(item)
                for item in (compositions if isinstance(compositions, list) else [])
            ),
            composition_id=_str_or_none(data.get("composition_id")),
            share_url=_str_or_none(data.get("share_url")),
            download_url=_str_or_none(data.get("download_url")),
            download_url_expires_at=parse_timestamp(data.get("download_url_expires_at")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Job:
    """A job as `GET /jobs/{id}` (or one row of `GET /jobs`) describes it."""

    job_id: str
    job_type: str | None
    job_state: str | None
    created_at: datetime | None
    stopped_at: datetime | None
    drive_id: str | None
    project_id: str | None
    project_url: str | None
    progress: Progress | None
    result: JobResult | None
    raw: JsonDict = field(repr=False, compare=False)
    # Judged once when the job is made (it is frozen): tables, filters, the stall tracker
    # and the scheduler ask for it millions of times on a big Drive.
    _outcome: Outcome = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_outcome", self._judge())

    @classmethod
    def from_json(cls, data: Any) -> Job:
        if not isinstance(data, dict):
            raise ModelError(f"a job must be a JSON object, got {type(data).__name__}")
        job_id = data.get("job_id")
        if job_id is None or (isinstance(job_id, str) and not job_id):
            raise ModelError("a job without a job_id")
        return cls(
            job_id=str(job_id),
            job_type=_str_or_none(data.get("job_type")),
            job_state=_str_or_none(data.get("job_state")),
            created_at=parse_timestamp(data.get("created_at")),
            stopped_at=parse_timestamp(data.get("stopped_at")),
            drive_id=_str_or_none(data.get("drive_id")),
            project_id=_str_or_none(data.get("project_id")),
            project_url=_str_or_none(data.get("project_url")),
            progress=Progress.from_json(data.get("progress")),
            result=JobResult.from_json(data.get("result")),
            raw=data,
        )

    # -- the one place that judges a job ------------------------------------------------

    @property
    def outcome(self) -> Outcome:
        return self._outcome

    def _judge(self) -> Outcome:
        state = (self.job_state or "").lower()
        if state in _CANCELLED_STATES:
            return Outcome.CANCELLED
        if state in _FAILED_STATES:
            return Outcome.FAILED
        if state in _QUEUED_STATES:
            return Outcome.QUEUED
        if state in _RUNNING_STATES:
            return Outcome.RUNNING
        if state in _STOPPED_STATES or self.result is not None or self.stopped_at is not None:
            return self._stopped_outcome()
        # An unknown state with no result: still going, as far as we can tell.
        return Outcome.RUNNING

    def _stopped_outcome(self) -> Outcome:
        status = ((self.result.status if self.result else None) or "").lower()
        files = self.result.media_status if self.result else ()
        failed = sum(1 for f in files if f.failed)
        if status in _FAILED_RESULTS:
            return Outcome.FAILED
        if status in _PARTIAL_RESULTS:
            return Outcome.PARTIAL
        if status in _SUCCESS_RESULTS:
            # A "success" whose files say otherwise is a partial import, whatever the label.
            if failed and failed == len(files):
                return Outcome.FAILED
            return Outcome.PARTIAL if failed else Outcome.SUCCESS
        if files:
            if failed == 0:
                return Outcome.SUCCESS
            return Outcome.FAILED if failed == len(files) else Outcome.PARTIAL
        if self.result is not None and self.result.error_message:
            return Outcome.FAILED
        return Outcome.FINISHED_UNKNOWN

    @property
    def is_finished(self) -> bool:
        return self._outcome.is_terminal

    @property
    def failed_files(self) -> tuple[MediaFile, ...]:
        if self.result is None:
            return ()
        return tuple(f for f in self.result.media_status if f.failed)

    @property
    def succeeded_files(self) -> tuple[MediaFile, ...]:
        if self.result is None:
            return ()
        return tuple(f for f in self.result.media_status if not f.failed)

    @property
    def error_message(self) -> str | None:
        return self.result.error_message if self.result else None

    @property
    def error_code(self) -> str | None:
        return self.result.error_code if self.result else None

    @property
    def short_id(self) -> str:
        """A compact id for tables: the last dash-separated chunk, or the first 8 chars."""
        tail = self.job_id.rsplit("-", 1)[-1]
        return tail if 4 <= len(tail) <= 12 else self.job_id[:8]

    @property
    def kind(self) -> str:
        """`import`, `agent`, `publish`, or the raw job_type for anything newer."""
        job_type = self.job_type or ""
        if job_type.startswith("import"):
            return "import"
        if job_type in (JOB_TYPE_AGENT, JOB_TYPE_PUBLISH):
            return job_type
        return job_type or "unknown"

    def duration_seconds(self, now: datetime) -> float | None:
        """Run time so far (or in all, once stopped)."""
        if self.created_at is None:
            return None
        end = self.stopped_at or (None if self.is_finished else now)
        if end is None:
            return None
        return max(0.0, (end - self.created_at).total_seconds())


@dataclass(frozen=True, slots=True)
class JobPage:
    jobs: tuple[Job, ...]
    next_cursor: str | None
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> JobPage:
        data = _dict(data)
        items = data.get("data")
        cursor = _dict(data.get("pagination")).get("next_cursor")
        return cls(
            jobs=tuple(Job.from_json(item) for item in (items if isinstance(items, list) else [])),
            next_cursor=_str_or_none(cursor) or None,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class UploadTarget:
    """Where to PUT one directly uploaded file."""

    upload_url: str
    asset_id: str | None
    artifact_id: str | None
    raw: JsonDict = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class JobCreated:
    """The 201 answer to an import, agent or publish POST."""

    job_id: str
    drive_id: str | None
    project_id: str | None
    project_url: str | None
    upload_urls: Mapping[str, UploadTarget]
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> JobCreated:
        if not isinstance(data, dict) or not data.get("job_id"):
            raise ModelError("a created job without a job_id")
        uploads: dict[str, UploadTarget] = {}
        for name, target in _dict(data.get("upload_urls")).items():
            target = _dict(target)
            url = _str_or_none(target.get("upload_url"))
            if url:
                uploads[str(name)] = UploadTarget(
                    upload_url=url,
                    asset_id=_str_or_none(target.get("asset_id")),
                    artifact_id=_str_or_none(target.get("artifact_id")),
                    raw=target,
                )
        return cls(
            job_id=str(data["job_id"]),
            drive_id=_str_or_none(data.get("drive_id")),
            project_id=_str_or_none(data.get("project_id")),
            project_url=_str_or_none(data.get("project_url")),
            upload_urls=uploads,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Project:
    """One row of `GET /projects`."""

    id: str
    name: str | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> Project:
        data = _dict(data)
        if not data.get("id"):
            raise ModelError("a project without an id")
        return cls(
            id=str(data["id"]),
            name=_str_or_none(data.get("name")),
            created_at=parse_timestamp(data.get("created_at")),
            updated_at=parse_timestamp(data.get("updated_at")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class ProjectMedia:
    path: str
    type: str | None
    duration: float | None
    raw: JsonDict = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ProjectComposition:
    id: str | None
    name: str | None
    duration: float | None
    media_type: str | None
    raw: JsonDict = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class ProjectDetail:
    """`GET /projects/{id}`."""

    id: str
    name: str | None
    drive_id: str | None
    created_at: datetime | None
    updated_at: datetime | None
    media_files: tuple[ProjectMedia, ...]
    compositions: tuple[ProjectComposition, ...]
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> ProjectDetail:
        data = _dict(data)
        if not data.get("id"):
            raise ModelError("a project without an id")
        media = tuple(
            ProjectMedia(
                path=str(path),
                type=_str_or_none(_dict(info).get("type")),
                duration=_float_or_none(_dict(info).get("duration")),
                raw=_dict(info),
            )
            for path, info in _dict(data.get("media_files")).items()
        )
        compositions_raw = data.get("compositions")
        compositions = tuple(
            ProjectComposition(
                id=_str_or_none(_dict(c).get("id")),
                name=_str_or_none(_dict(c).get("name")),
                duration=_float_or_none(_dict(c).get("duration")),
                media_type=_str_or_none(_dict(c).get("media_type")),
                raw=_dict(c),
            )
            for c in (compositions_raw if isinstance(compositions_raw, list) else [])
        )
        return cls(
            id=str(data["id"]),
            name=_str_or_none(data.get("name")),
            drive_id=_str_or_none(data.get("drive_id")),
            created_at=parse_timestamp(data.get("created_at")),
            updated_at=parse_timestamp(data.get("updated_at")),
            media_files=media,
            compositions=compositions,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class ProjectPage:
    projects: tuple[Project, ...]
    next_cursor: str | None
    raw: JsonDict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: Any) -> ProjectPage:
        data = _dict(data)
        items = data.get("data")
        cursor = _dict(data.get("pagination")).get("next_cursor")
        return cls(
            projects=tuple(
                Project.from_json(item) for item in (items if isinstance(items, list) else [])
            ),
            next_cursor=_str_or_none(cursor) or None,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class CancelResult:
    """What `DELETE /jobs/{id}` answered, as the cancel dialog shows it:
    `f"{status_code} {reason}"`, plus `note` when the answer had to be recovered (e.g. the
    DELETE's answer was lost and a re-read shows the job cancelled)."""

    status_code: int
    reason: str
    note: str = ""

    @property
    def status_line(self) -> str:
        """`204 No Content`, with the note after it when there is one."""
        text = f"{self.status_code} {self.reason}".rstrip()
        return f"{text} ({self.note})" if self.note else text
