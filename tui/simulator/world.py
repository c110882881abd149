"""The simulator's world: drives, users, tokens, projects and jobs, all on one clock.

A job never runs anywhere: its state at any instant is computed from its creation time, a
deterministic queue and run duration, its uploads and whether it was cancelled. So GET is a
pure function of the clock, a test moves a job along by advancing a `ManualClock`, and the
served simulator needs no worker to make progress. `settle()` only applies the side effects
of a job stopping (project changes, callbacks), lazily, from a heap ordered by end time.

Which outcome a job gets is decided by its request (see `docs/simulator.md`):
- import: a URL containing `unreachable` / `norange` / `corrupt`, or an unsupported file type,
  fails that file; an upload whose bytes differ from `file_size`, or never arrive before the
  upload URL expires, fails that file; some files failing -> `partial`, all -> `error`.
- agent: a prompt containing `impossible` fails (`agent_execution_failed`), `timeout` fails
  (`agent_timeout`), `no changes` succeeds with `project_changed: false`.
- publish: a composition whose name contains `broken` fails to render.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import itertools
import json
import math
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from tui.api.clock import Clock, ManualClock
from tui.api.models import (
    JOB_TYPE_AGENT,
    JOB_TYPE_IMPORT,
    JOB_TYPE_PUBLISH,
    JsonDict,
    format_timestamp,
    parse_timestamp,
)

DEMO_TOKEN = "demo-token"
OTHER_DRIVE_TOKEN = "other-drive-token"
BROKE_TOKEN = "broke-token"

DEMO_DRIVE_ID = "c9c5c47e-158a-49f7-846b-4f6ee2a229a2"
OTHER_DRIVE_ID = "0d7e1f2a-3b4c-4d5e-8f60-718293a4b5c6"
BROKE_DRIVE_ID = "b40ce000-0000-4000-8000-00000000b40c"
DEMO_USER_ID = "5a1d3c2e-7f8b-4a9c-9d0e-1f2a3b4c5d6e"
OTHER_USER_ID = "6b2e4d3f-8a9c-4bad-8e1f-2a3b4c5d6e7f"
BROKE_USER_ID = "7c3f5e4a-9bad-4cbe-9f2a-3b4c5d6e7f80"

JOB_TYPES = (JOB_TYPE_IMPORT, JOB_TYPE_AGENT, JOB_TYPE_PUBLISH)
QUEUED, RUNNING, STOPPED, CANCELLED = "queued", "running", "stopped", "cancelled"

DAY_S = 86_400.0
RETENTION_S = 30 * DAY_S
DEFAULT_LIST_WINDOW_S = 7 * DAY_S
UPLOAD_URL_TTL_S = 3 * 3600.0
# Progress moves in steps, so `last_update_at` changes visibly rather than on every read.
PROGRESS_STEP_S = 2.0
# Documented durations (imports 30 s-5 min, agent 30 s-3 min); publish is undocumented.
DURATION_RANGES_S = {
    JOB_TYPE_IMPORT: (30.0, 300.0),
    JOB_TYPE_AGENT: (30.0, 180.0),
    JOB_TYPE_PUBLISH: (30.0, 120.0),
}
QUEUE_RANGE_S = (1.0, 6.0)

VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}
AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".aif", ".aiff"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}
UNSUPPORTED_EXTENSIONS = {".exe", ".zip", ".pdf", ".txt", ".doc", ".docx", ".html"}

URL_FAILURES = (
    ("unreachable", "URL is not accessible or does not support Range requests"),
    ("norange", "URL does not support HTTP Range requests"),
    ("corrupt", "The media file could not be decoded"),
)


class WorldError(Exception):
    """A request the world refuses: becomes `{error, message}` with `status`."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message


def not_found(what: str) -> WorldError:
    return WorldError(404, "not_found", f"{what} not found")


def forbidden(message: str) -> WorldError:
    return WorldError(403, "forbidden", message)


def seeded_rng(*parts: object) -> random.Random:
    """A Random seeded by a stable hash of `parts` (Python's hash() is salted per process)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _canonical(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def ts_to_iso(ts: float) -> str:
    return format_timestamp(datetime.fromtimestamp(ts, UTC))


def media_kind(name: str, content_type: str | None = None) -> str:
    """`video` / `audio` / `image` / `other`, from a MIME type or the file extension."""
    if content_type:
        major = content_type.split("/", 1)[0].lower()
        if major in ("video", "audio", "image"):
            return major
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot >= 0 else ""
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    if ext in IMAGE_EXTENSIONS:
        return "image"
    return "other"


# -- the people and places -----------------------------------------------------------------


@dataclass(slots=True)
class Drive:
    id: str
    name: str
    media_minutes_left: int
    ai_credits_left: int
    # Publish settings: which share-page access levels this Drive permits.
    allowed_access_levels: tuple[str, ...] = ("unlisted", "drive", "private")


@dataclass(slots=True)
class User:
    id: str
    name: str
    drive_id: str


@dataclass(slots=True)
class SimComposition:
    id: str
    name: str
    duration: float
    media_type: str = "video"

    def to_json(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "duration": self.duration,
            "media_type": self.media_type,
        }


@dataclass(slots=True)
class SimProject:
    id: str
    drive_id: str
    name: str
    folder_path: str
    created_by: str
    created_at: float
    updated_at: float
    last_viewed_at: float
    media_files: dict[str, JsonDict] = field(default_factory=dict)
    compositions: list[SimComposition] = field(default_factory=list)
    team_access: str = "none"

    @property
    def url(self) -> str:
        return f"https://web.descript.com/{self.id}"

    def summary_json(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": ts_to_iso(self.created_at),
            "updated_at": ts_to_iso(self.updated_at),
        }

    def detail_json(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "drive_id": self.drive_id,
            "created_at": ts_to_iso(self.created_at),
            "updated_at": ts_to_iso(self.updated_at),
            "media_files": {path: dict(info) for path, info in self.media_files.items()},
            "compositions": [c.to_json() for c in self.compositions],
        }

    def find_composition(self, ref: str) -> SimComposition | None:
        """By full id, 5-character short id, or a Descript URL ending in either."""
        ref = ref.strip().rstrip("/")
        if "/" in ref:
            ref = ref.rsplit("/", 1)[-1]
        for composition in self.compositions:
            if ref == composition.id or (len(ref) == 5 and composition.id.startswith(ref)):
                return composition
        return None


# -- jobs ----------------------------------------------------------------------------------


@dataclass(slots=True)
class UploadSlot:
    """One direct-upload file: its signed URL's token and what (if anything) arrived."""

    token: str
    job_id: str
    media_name: str
    content_type: str
    file_size: int
    expires_at: float
    asset_id: str
    artifact_id: str
    received_at: float | None = None
    received_size: int | None = None


@dataclass(slots=True)
class MediaPlan:
    """One `add_media` entry of an import and how it will turn out."""

    name: str
    kind: str  # url | upload | sequence
    media_type: str  # video | audio | image | sequence | other
    duration: float
    error: str | None = None
    upload: UploadSlot | None = None
    tracks: tuple[str, ...] = ()


@dataclass(slots=True)
class SimJob:
    job_id: str
    job_type: str
    drive_id: str
    user_id: str
    project_id: str
    project_url: str
    created_at: float
    seq: int
    queued_s: float
    run_s: float
    labels: tuple[str, ...]
    callback_url: str | None = None
    media: tuple[MediaPlan, ...] = ()
    new_compositions: tuple[SimComposition, ...] = ()
    # Agent and publish outcomes are fixed at submit time; imports are judged at the end.
    fixed_result: JsonDict | None = None
    composition_id: str | None = None
    share_url: str | None = None
    cancelled_at: float | None = None
    settled: bool = False
    final_json: JsonDict | None = None

    @property
    def sort_key(self) -> tuple[float, int]:
        return (self.created_at, self.seq)

    def ready_at(self, now: float) -> float | None:
        """When processing could start: after the queue and every upload; None if waiting."""
        start = self.created_at + self.queued_s
        ready = start
        for plan in self.media:
            slot = plan.upload
            if slot is None:
                continue
            if slot.received_at is not None:
                ready = max(ready, slot.received_at)
            elif now >= slot.expires_at:
                ready = max(ready, slot.expires_at)
            else:
                return None
        return ready

    def phase(self, now: float) -> tuple[str, float | None]:
        """(job_state, stopped_at or None)."""
        if self.cancelled_at is not None:
            return CANCELLED, self.cancelled_at
        if now < self.created_at + self.queued_s:
            return QUEUED, None
        ready = self.ready_at(now)
        if ready is None or now < ready + self.run_s:
            return RUNNING, None
        return STOPPED, ready + self.run_s

    def expected_end(self, now: float) -> float:
        """A time at or before which nothing can change the job's phase (for the heap)."""
        ready = self.ready_at(now)
        if ready is not None:
            return ready + self.run_s
        pending = [p.upload.expires_at for p in self.media if p.upload and not p.upload.received_at]
        return max(pending) + self.run_s if pending else now

    def waiting_for(self, now: float) -> list[UploadSlot]:
        return [
            p.upload
            for p in self.media
            if p.upload is not None and p.upload.received_at is None and now < p.upload.expires_at
        ]

    def progress(self, now: float) -> JsonDict:
        waiting = self.waiting_for(now)
        start = self.created_at + self.queued_s
        if waiting:
            arrived = [
                p.upload.received_at for p in self.media if p.upload and p.upload.received_at
            ]
            total = sum(1 for p in self.media if p.upload)
            return {
                "label": f"Waiting for upload ({total - len(waiting)} of {total} files received)",
                "percent": 0,
                "last_update_at": ts_to_iso(max([start, *arrived])),
            }
        ready = self.ready_at(now) or start
        steps = int(max(0.0, now - ready) // PROGRESS_STEP_S)
        done = min(self.run_s, steps * PROGRESS_STEP_S)
        fraction = done / self.run_s if self.run_s > 0 else 1.0
        label = self.labels[min(len(self.labels) - 1, int(fraction * len(self.labels)))]
        progress: JsonDict = {
            "label": label,
            "percent": min(99, int(fraction * 100)),
            "last_update_at": ts_to_iso(ready + done),
        }
        if self.job_type == JOB_TYPE_PUBLISH and self.composition_id:
            progress["composition_id"] = self.composition_id
            if fraction >= 0.5 and self.share_url:
                progress["share_url"] = self.share_url
        return progress

    def result(self) -> JsonDict:
        if self.fixed_result is not None:
            return self.fixed_result
        return _import_result(self)

    def to_json(self, now: float) -> JsonDict:
        if self.final_json is not None:
            return self.final_json
        state, stopped_at = self.phase(now)
        body: JsonDict = {
            "job_id": self.job_id,
            "job_type": self.job_type,
            "job_state": state,
            "created_at": ts_to_iso(self.created_at),
        }
        if stopped_at is not None:
            body["stopped_at"] = ts_to_iso(stopped_at)
        body["drive_id"] = self.drive_id
        body["project_id"] = self.project_id
        body["project_url"] = self.project_url
        if state == RUNNING:
            body["progress"] = self.progress(now)
        elif state == STOPPED:
            body["result"] = self.result()
        if stopped_at is not None:
            # A stopped or cancelled job never changes again: render it once.
            self.final_json = body
        return body


def upload_failure(slot: UploadSlot) -> str | None:
    if slot.received_at is None:
        return "The upload URL expired before the file was uploaded"
    if slot.received_size != slot.file_size:
        return (
            f"Uploaded file is {slot.received_size} bytes but file_size declared "
            f"{slot.file_size} bytes"
        )
    return None


def _media_errors(job: SimJob) -> dict[str, str]:
    errors: dict[str, str] = {}
    for plan in job.media:
        error = plan.error
        if plan.upload is not None and error is None:
            error = upload_failure(plan.upload)
        if error:
            errors[plan.name] = error
    for plan in job.media:
        if plan.kind == "sequence" and plan.name not in errors:
            broken = [t for t in plan.tracks if t in errors]
            if broken:
                errors[plan.name] = f"Track media {broken[0]!r} failed to import"
    return errors


def _import_result(job: SimJob) -> JsonDict:
    errors = _media_errors(job)
    if job.media and len(errors) == len(job.media):
        first = next(iter(errors.items()))
        detail = f"{first[0]}: {first[1]}"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return {
            "status": "error",
            "error_message": f"Failed to import media files. {detail}",
            "error_code": "import_failed",
        }
    media_status: JsonDict = {}
    used = 0.0
    for plan in job.media:
        if plan.name in errors:
            media_status[plan.name] = {"status": "failed", "error_message": errors[plan.name]}
            continue
        entry: JsonDict = {"status": "success"}
        if plan.media_type != "image":
            entry["duration_seconds"] = plan.duration
            if plan.kind != "sequence":
                used += plan.duration
        media_status[plan.name] = entry
    result: JsonDict = {
        "status": "partial" if errors else "success",
        "media_status": media_status,
        "media_seconds_used": math.ceil(used),
    }
    if job.new_compositions:
        result["created_compositions"] = [
            {"id": c.id, "name": c.name} for c in job.new_compositions
        ]
    return result


# -- an index that makes GET /jobs paging O(log n + page) ----------------------------------


class _SortedJobs:
    """Jobs ordered by (created_at, seq); bisect finds a page's bounds."""

    __slots__ = ("jobs", "keys")

    def __init__(self) -> None:
        self.keys: list[tuple[float, int]] = []
        self.jobs: list[SimJob] = []

    def add(self, job: SimJob) -> None:
        key = job.sort_key
        if not self.keys or key >= self.keys[-1]:
            self.keys.append(key)
            self.jobs.append(job)
            return
        at = bisect.bisect_right(self.keys, key)
        self.keys.insert(at, key)
        self.jobs.insert(at, job)

    def extend(self, jobs: list[SimJob]) -> None:
        merged = sorted(itertools.chain(self.jobs, jobs), key=lambda j: j.sort_key)
        self.jobs = merged
        self.keys = [j.sort_key for j in merged]

    def page(
        self, after: float, before: float, cursor: tuple[float, int] | None, limit: int
    ) -> tuple[list[SimJob], bool]:
        """Newest first, created_at in (after, before], older than `cursor`; (jobs, more?)."""
        lo = bisect.bisect_right(self.keys, (after, math.inf))
        hi = bisect.bisect_right(self.keys, (before, math.inf))
        if cursor is not None:
            hi = min(hi, bisect.bisect_left(self.keys, cursor))
        if hi <= lo:
            return [], False
        start = max(lo, hi - limit)
        page = self.jobs[start:hi]
        page.reverse()
        return page, start > lo


# -- the world -----------------------------------------------------------------------------


@dataclass(slots=True)
class CallbackDue:
    """A stopped job whose callback_url the dispatcher still has to POST to."""

    job_id: str
    url: str
    payload: JsonDict
    next_at: float
    attempts: int = 0


class World:
    """Everything the simulated Descript knows; every read is computed at `clock.now()`."""

    def __init__(self, clock: Clock, *, seed: int = 0) -> None:
        self.clock = clock
        self.seed = seed
        self._ids = random.Random(f"descript-sim-ids-{seed}")
        self._seq = itertools.count(1)
        self.drives: dict[str, Drive] = {}
        self.users: dict[str, User] = {}
        self.tokens: dict[str, str] = {}
        self.projects: dict[str, SimProject] = {}
        self.jobs: dict[str, SimJob] = {}
        self.uploads: dict[str, UploadSlot] = {}
        self._index: dict[tuple[str, ...], _SortedJobs] = {}
        self._pending: list[tuple[float, int, SimJob]] = []
        # Heap tie-breaker: a job can sit in the heap twice (re-pushed on upload).
        self._heap_seq = itertools.count()
        self.callbacks_due: list[CallbackDue] = []
        self._share_urls: dict[tuple[str, str, str], str] = {}
        # The demo keeps a trickle of new jobs arriving; None means no arrivals.
        self.next_arrival_at: float | None = None
        self.arrivals = 0
        # Jobs not yet stopped, by type (the flaky profile's 502 bursts follow agent jobs).
        self.active_by_type: dict[str, int] = dict.fromkeys(JOB_TYPES, 0)

    # -- building ------------------------------------------------------------------------

    @classmethod
    def empty(cls, clock: Clock | None = None, *, seed: int = 0) -> World:
        """The three documented tokens, users and Drives; no projects, no jobs."""
        world = cls(clock or ManualClock(), seed=seed)
        world.add_drive(DEMO_DRIVE_ID, "Demo Drive", media_minutes=100_000, ai_credits=100_000)
        world.add_drive(OTHER_DRIVE_ID, "Other Team", media_minutes=5_000, ai_credits=5_000)
        world.add_drive(BROKE_DRIVE_ID, "Broke Studio", media_minutes=0, ai_credits=0)
        world.add_user(DEMO_USER_ID, "Demo User", DEMO_DRIVE_ID, DEMO_TOKEN)
        world.add_user(OTHER_USER_ID, "Other User", OTHER_DRIVE_ID, OTHER_DRIVE_TOKEN)
        world.add_user(BROKE_USER_ID, "Broke User", BROKE_DRIVE_ID, BROKE_TOKEN)
        return world

    @classmethod
    def demo(cls, seed: int = 0, clock: Clock | None = None) -> World:
        """The seeded demo world (see `tui/simulator/demo.py`)."""
        from tui.simulator.demo import build_demo_world

        return build_demo_world(seed, clock or ManualClock())

    def add_drive(self, drive_id: str, name: str, *, media_minutes: int, ai_credits: int) -> Drive:
        drive = Drive(drive_id, name, media_minutes, ai_credits)
        self.drives[drive_id] = drive
        return drive

    def add_user(self, user_id: str, name: str, drive_id: str, token: str) -> User:
        user = User(user_id, name, drive_id)
        self.users[user_id] = user
        self.tokens[token] = user_id
        return user

    def new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def now_ts(self) -> float:
        return self.clock.now().timestamp()

    def add_project(
        self,
        name: str,
        *,
        drive_id: str = DEMO_DRIVE_ID,
        created_by: str | None = None,
        folder_path: str = "",
        media: dict[str, float] | None = None,
        compositions: Iterable[str] = (),
        created_at: float | None = None,
        updated_at: float | None = None,
        team_access: str = "none",
    ) -> SimProject:
        """A project; `media` maps display paths to durations (0 for an image)."""
        now = self.now_ts()
        created = now if created_at is None else created_at
        owner = created_by or next(
            (u.id for u in self.users.values() if u.drive_id == drive_id), DEMO_USER_ID
        )
        project = SimProject(
            id=self.new_id(),
            drive_id=drive_id,
            name=name,
            folder_path=folder_path.strip("/"),
            created_by=owner,
            created_at=created,
            updated_at=max(created, updated_at or created),
            last_viewed_at=max(created, updated_at or created),
            team_access=team_access,
        )
        total = 0.0
        for path, duration in (media or {}).items():
            kind = media_kind(path)
            project.media_files[path] = (
                {"type": kind} if kind == "image" else {"type": kind, "duration": duration}
            )
            total += duration
        for comp_name in compositions:
            project.compositions.append(
                SimComposition(self.new_id(), comp_name, round(total or 60.0, 3))
            )
        self.projects[project.id] = project
        return project

    # -- who is asking -------------------------------------------------------------------

    def user_for_token(self, token: str | None) -> User | None:
        user_id = self.tokens.get(token or "")
        return self.users.get(user_id) if user_id else None

    def project_for(self, user: User, project_id: str) -> SimProject:
        project = self.projects.get(project_id)
        if project is None:
            raise not_found("Project")
        if project.drive_id != user.drive_id:
            raise forbidden("User does not have access to this project")
        return project

    def job_for(self, user: User, job_id: str, now: float | None = None) -> SimJob:
        now = self.now_ts() if now is None else now
        job = self.jobs.get(job_id)
        if job is None or now - job.created_at > RETENTION_S:
            raise not_found("Job")
        if job.drive_id != user.drive_id:
            raise forbidden("User does not have access to this job")
        return job

    # -- submitting (bodies are already schema-valid; see validation.py) ------------------

    def submit_import(
        self,
        user: User,
        body: JsonDict,
        *,
        at: float | None = None,
        queued_s: float | None = None,
        run_s: float | None = None,
    ) -> tuple[SimJob, dict[str, UploadSlot]]:
        now = self.now_ts() if at is None else at
        add_media: JsonDict = body.get("add_media") or {}
        project = self._target_project(user, body)
        known = set(add_media) | (set(project.media_files) if project else set())
        for comp in body.get("add_compositions") or []:
            for clip in comp.get("clips") or []:
                if clip["media"] not in known:
                    raise WorldError(
                        400,
                        "invalid_input",
                        f"Composition clip media {clip['media']!r} is not in add_media "
                        "or the project",
                    )
        for name, item in add_media.items():
            for track in item.get("tracks") or []:
                if track["media"] not in known:
                    raise WorldError(
                        400,
                        "invalid_input",
                        f"Track media {track['media']!r} of {name!r} is not in add_media "
                        "or the project",
                    )
        if project is not None:
            clash = sorted(set(add_media) & set(project.media_files))
            if clash:
                raise WorldError(
                    400,
                    "invalid_input",
                    f"Media filename conflicts with existing files in the project: {clash[0]}",
                )
        drive = self.drives[user.drive_id]
        if drive.media_minutes_left <= 0:
            needed = max(1, len(add_media)) * 5
            raise WorldError(
                402,
                "payment_required",
                f"Insufficient media minutes to start the job ({needed} minutes required, "
                f"{drive.media_minutes_left} available)",
            )
        if project is None:
            project = self._create_project(user, body, now)
        seq = next(self._seq)
        job_id = self.new_id()
        rng = seeded_rng(self.seed, "import", _canonical(body), seq)
        plans: list[MediaPlan] = []
        slots: dict[str, UploadSlot] = {}
        slow = False
        for name, item in add_media.items():
            duration = round(
                seeded_rng(self.seed, "duration", name, _canonical(item)).uniform(8, 1800), 3
            )
            if "url" in item:
                url = str(item["url"])
                slow = slow or "slow" in url.lower()
                kind = media_kind(urlparse(url).path or name)
                if kind == "other":
                    kind = media_kind(name)
                plans.append(MediaPlan(name, "url", kind, duration, error=_url_failure(url, name)))
            elif "tracks" in item:
                tracks = tuple(t["media"] for t in item["tracks"])
                plans.append(MediaPlan(name, "sequence", "sequence", duration, tracks=tracks))
            else:
                slot = UploadSlot(
                    token=self._ids.getrandbits(96).to_bytes(12, "big").hex(),
                    job_id=job_id,
                    media_name=name,
                    content_type=str(item["content_type"]),
                    file_size=int(item["file_size"]),
                    expires_at=now + UPLOAD_URL_TTL_S,
                    asset_id=self.new_id(),
                    artifact_id=self.new_id(),
                )
                self.uploads[slot.token] = slot
                slots[name] = slot
                kind = media_kind(name, slot.content_type)
                plans.append(MediaPlan(name, "upload", kind, duration, upload=slot))
        lo, hi = DURATION_RANGES_S[JOB_TYPE_IMPORT]
        total = hi if slow else rng.uniform(lo, hi)
        queue = rng.uniform(*QUEUE_RANGE_S) if queued_s is None else queued_s
        compositions = tuple(
            SimComposition(self.new_id(), comp.get("name") or f"Composition {i + 1}", 0.0)
            for i, comp in enumerate(body.get("add_compositions") or [])
        )
        labels = [f"Importing {p.name} ({i + 1}/{len(plans)})..." for i, p in enumerate(plans)]
        labels.append("Transcribing...")
        if compositions:
            labels.append("Creating compositions...")
        job = SimJob(
            job_id=job_id,
            job_type=JOB_TYPE_IMPORT,
            drive_id=user.drive_id,
            user_id=user.id,
            project_id=project.id,
            project_url=project.url,
            created_at=now,
            seq=seq,
            queued_s=queue,
            run_s=(total - queue) if run_s is None else run_s,
            labels=tuple(labels),
            callback_url=body.get("callback_url"),
            media=tuple(plans),
            new_compositions=compositions,
        )
        self._add_job(job)
        return job, slots

    def submit_agent(
        self,
        user: User,
        body: JsonDict,
        *,
        at: float | None = None,
        queued_s: float | None = None,
        run_s: float | None = None,
    ) -> SimJob:
        now = self.now_ts() if at is None else at
        project = self._target_project(user, body)
        composition: SimComposition | None = None
        if project is not None and body.get("composition_id"):
            composition = project.find_composition(str(body["composition_id"]))
            if composition is None:
                raise not_found("Composition")
        drive = self.drives[user.drive_id]
        if drive.ai_credits_left <= 0:
            raise WorldError(
                402,
                "payment_required",
                "Insufficient AI credits to start the job (100 credits required, "
                f"{drive.ai_credits_left} available)",
            )
        if project is None:
            project = self._create_project(user, body, now)
        seq = next(self._seq)
        prompt = str(body["prompt"])
        rng = seeded_rng(self.seed, "agent", _canonical(body), seq)
        lo, hi = DURATION_RANGES_S[JOB_TYPE_AGENT]
        lowered = prompt.lower()
        total = hi if "timeout" in lowered else rng.uniform(lo, hi)
        queue = rng.uniform(*QUEUE_RANGE_S) if queued_s is None else queued_s
        result = _agent_result(prompt, rng, new_project=bool(body.get("project_name")))
        job = SimJob(
            job_id=self.new_id(),
            job_type=JOB_TYPE_AGENT,
            drive_id=user.drive_id,
            user_id=user.id,
            project_id=project.id,
            project_url=project.url,
            created_at=now,
            seq=seq,
            queued_s=queue,
            run_s=(total - queue) if run_s is None else run_s,
            labels=_agent_labels(prompt, composition),
            callback_url=body.get("callback_url"),
            fixed_result=result,
            composition_id=composition.id if composition else None,
        )
        self._add_job(job)
        return job

    def submit_publish(
        self,
        user: User,
        body: JsonDict,
        *,
        at: float | None = None,
        queued_s: float | None = None,
        run_s: float | None = None,
    ) -> SimJob:
        now = self.now_ts() if at is None else at
        project = self.project_for(user, str(body["project_id"]))
        access = body.get("access_level")
        drive = self.drives[user.drive_id]
        if access and access not in drive.allowed_access_levels:
            raise forbidden(
                f"Requested access_level {access!r} is not permitted by the drive's "
                "publish settings"
            )
        if body.get("composition_id"):
            composition = project.find_composition(str(body["composition_id"]))
            if composition is None:
                raise WorldError(422, "unprocessable_entity", "Composition not found in project")
        elif project.compositions:
            composition = project.compositions[0]
        else:
            raise WorldError(422, "unprocessable_entity", "Project has no composition to publish")
        media_type = body.get("media_type") or "Video"
        share_key = (project.id, composition.id, media_type)
        share_url = self._share_urls.get(share_key)
        if share_url is None:
            share_url = f"https://share.descript.com/view/{self._ids.getrandbits(40):010x}"
            self._share_urls[share_key] = share_url
        seq = next(self._seq)
        rng = seeded_rng(self.seed, "publish", _canonical(body), seq)
        lo, hi = DURATION_RANGES_S[JOB_TYPE_PUBLISH]
        total = rng.uniform(lo, hi)
        queue = rng.uniform(*QUEUE_RANGE_S) if queued_s is None else queued_s
        run = (total - queue) if run_s is None else run_s
        job_id = self.new_id()
        if "broken" in composition.name.lower():
            result: JsonDict = {"status": "error", "error_message": "Export failed during render"}
        else:
            ext = "mp4" if media_type == "Video" else "m4a"
            result = {
                "status": "success",
                "composition_id": composition.id,
                "share_url": share_url,
                "download_url": (
                    f"https://storage.googleapis.com/descript-sim-exports/{job_id}.{ext}"
                    "?X-Goog-Expires=3600&X-Goog-Signature=simulated"
                ),
                "download_url_expires_at": ts_to_iso(now + queue + run + 3600),
            }
        noun = "video" if media_type == "Video" else "audio"
        job = SimJob(
            job_id=job_id,
            job_type=JOB_TYPE_PUBLISH,
            drive_id=user.drive_id,
            user_id=user.id,
            project_id=project.id,
            project_url=project.url,
            created_at=now,
            seq=seq,
            queued_s=queue,
            run_s=run,
            labels=("Preparing export", f"Rendering {noun} export", "Uploading to share page"),
            callback_url=body.get("callback_url"),
            fixed_result=result,
            composition_id=composition.id,
            share_url=share_url,
        )
        self._add_job(job)
        return job

    def _target_project(self, user: User, body: JsonDict) -> SimProject | None:
        if body.get("project_id"):
            return self.project_for(user, str(body["project_id"]))
        return None

    def _create_project(self, user: User, body: JsonDict, now: float) -> SimProject:
        return self.add_project(
            str(body.get("project_name") or "Untitled project"),
            drive_id=user.drive_id,
            created_by=user.id,
            folder_path=str(body.get("folder_name") or ""),
            created_at=now,
            team_access=str(body.get("team_access") or "none"),
        )

    def _add_job(self, job: SimJob) -> None:
        self.jobs[job.job_id] = job
        self.active_by_type[job.job_type] += 1
        for key in _index_keys(job):
            self._index.setdefault(key, _SortedJobs()).add(job)
        heapq.heappush(self._pending, (job.expected_end(job.created_at), next(self._heap_seq), job))

    def add_jobs_bulk(self, jobs: list[SimJob]) -> None:
        """Many jobs at once (benchmarks): one sort per index instead of one insert per job."""
        grouped: dict[tuple[str, ...], list[SimJob]] = {}
        for job in jobs:
            self.jobs[job.job_id] = job
            self.active_by_type[job.job_type] += 1
            for key in _index_keys(job):
                grouped.setdefault(key, []).append(job)
            self._pending.append((job.expected_end(job.created_at), next(self._heap_seq), job))
        heapq.heapify(self._pending)
        for key, group in grouped.items():
            self._index.setdefault(key, _SortedJobs()).extend(group)

    def next_seq(self) -> int:
        return next(self._seq)

    # -- changing jobs -------------------------------------------------------------------

    def cancel(self, user: User, job_id: str) -> None:
        now = self.now_ts()
        job = self.job_for(user, job_id, now)
        state, _ = job.phase(now)
        if state in (STOPPED, CANCELLED):
            raise WorldError(
                409,
                "conflict",
                f"Job has already {'been cancelled' if state == CANCELLED else 'stopped'}; "
                "there is nothing to cancel",
            )
        self.cancel_job_at(job, now)

    def cancel_job_at(self, job: SimJob, at: float) -> None:
        job.cancelled_at = at
        self._finish(job, at)

    def receive_upload(self, token: str, size: int) -> UploadSlot:
        """Storage got the bytes for an upload URL; raises WorldError(403) if it expired."""
        now = self.now_ts()
        slot = self.uploads.get(token)
        if slot is None:
            raise WorldError(403, "AccessDenied", "Invalid or unknown signed URL")
        if now >= slot.expires_at:
            raise WorldError(403, "ExpiredToken", "The provided token has expired.")
        if slot.received_at is None:
            slot.received_at = now
            slot.received_size = size
            job = self.jobs.get(slot.job_id)
            if job is not None and not job.settled:
                heapq.heappush(self._pending, (job.expected_end(now), next(self._heap_seq), job))
        return slot

    # -- time passing --------------------------------------------------------------------

    def settle(self, now: float | None = None) -> int:
        """Apply the effects of every job that stopped by `now`; returns how many stopped."""
        now = self.now_ts() if now is None else now
        if self.next_arrival_at is not None and self.next_arrival_at <= now:
            from tui.simulator.demo import run_arrivals

            run_arrivals(self, now)
        finished = 0
        pending = self._pending
        while pending and pending[0][0] <= now:
            _, _, job = heapq.heappop(pending)
            if job.settled:
                continue
            state, _ = job.phase(now)
            if state in (STOPPED, CANCELLED):
                self._finish(job, now)
                finished += 1
            else:
                heapq.heappush(
                    pending, (max(now, job.expected_end(now)), next(self._heap_seq), job)
                )
                if pending[0][2] is job and pending[0][0] <= now:
                    break
        return finished

    def _finish(self, job: SimJob, now: float) -> None:
        if job.settled:
            return
        job.settled = True
        self.active_by_type[job.job_type] -= 1
        state, stopped_at = job.phase(now)
        project = self.projects.get(job.project_id)
        if project is not None and state == STOPPED and stopped_at is not None:
            result = job.result()
            if job.job_type == JOB_TYPE_IMPORT and result.get("status") != "error":
                for plan in job.media:
                    status = result["media_status"].get(plan.name, {})
                    if status.get("status") == "success":
                        info: JsonDict = {"type": plan.media_type}
                        if plan.media_type != "image":
                            info["duration"] = plan.duration
                        project.media_files[plan.name] = info
                for composition in job.new_compositions:
                    composition.duration = round(
                        sum(p.duration for p in job.media if p.media_type != "image") or 60.0, 3
                    )
                    project.compositions.append(composition)
                project.updated_at = max(project.updated_at, stopped_at)
            elif job.job_type == JOB_TYPE_AGENT and result.get("project_changed"):
                if not project.compositions:
                    project.compositions.append(SimComposition(self.new_id(), "Agent draft", 45.0))
                project.updated_at = max(project.updated_at, stopped_at)
        if job.callback_url:
            self.callbacks_due.append(
                CallbackDue(job.job_id, job.callback_url, job.to_json(now), next_at=now)
            )

    # -- reading -------------------------------------------------------------------------

    def list_jobs(
        self,
        user: User,
        *,
        now: float,
        job_type: str | None,
        project_id: str | None,
        after: float,
        before: float,
        cursor: tuple[float, int] | None,
        limit: int,
    ) -> tuple[list[SimJob], tuple[float, int] | None]:
        key: tuple[str, ...]
        if project_id and job_type:
            key = ("dpt", user.drive_id, project_id, job_type)
        elif project_id:
            key = ("dp", user.drive_id, project_id)
        elif job_type:
            key = ("dt", user.drive_id, job_type)
        else:
            key = ("d", user.drive_id)
        index = self._index.get(key)
        if index is None:
            return [], None
        # Retention: nothing older than 30 days is ever listed, whatever the filters say.
        page, more = index.page(max(after, now - RETENTION_S), before, cursor, limit)
        return page, (page[-1].sort_key if more and page else None)

    def projects_of(self, drive_id: str) -> Iterator[SimProject]:
        return (p for p in self.projects.values() if p.drive_id == drive_id)

    def job_count(self) -> int:
        return len(self.jobs)


def _index_keys(job: SimJob) -> tuple[tuple[str, ...], ...]:
    return (
        ("d", job.drive_id),
        ("dt", job.drive_id, job.job_type),
        ("dp", job.drive_id, job.project_id),
        ("dpt", job.drive_id, job.project_id, job.job_type),
    )


def _url_failure(url: str, name: str) -> str | None:
    parsed = urlparse(url)
    where = f"{parsed.hostname or ''}{parsed.path}".lower()
    for marker, message in URL_FAILURES:
        if marker in where:
            return message
    path = (parsed.path or name).lower()
    dot = path.rfind(".")
    if dot >= 0 and path[dot:] in UNSUPPORTED_EXTENSIONS:
        return f"Unsupported file type: {path[dot:]}"
    return None


_AGENT_ACTIONS = (
    ("studio sound", "Applying Studio Sound to clip {n}...", "applied Studio Sound to {n} clips"),
    ("filler", "Removing filler words...", "removed {k} filler words"),
    ("caption", "Adding captions...", "added karaoke-style captions"),
    ("highlight", "Picking the best moments...", "cut a {s}-second highlight reel"),
    ("music", "Adding background music...", "added background music under the voice"),
    ("script", "Writing the script...", "wrote a script and laid out a first draft"),
    ("silence", "Shortening silences...", "shortened {k} long pauses"),
)


def _agent_labels(prompt: str, composition: SimComposition | None) -> tuple[str, ...]:
    lowered = prompt.lower()
    labels = ["Reading the project", "Planning the edit"]
    for marker, label, _ in _AGENT_ACTIONS:
        if marker in lowered:
            if "{n}" in label:
                labels.extend(label.format(n=n) for n in (1, 2, 3))
            else:
                labels.append(label)
    if len(labels) == 2:
        target = f" {composition.name}" if composition else ""
        labels.append(f"Editing the composition{target}...")
    labels.append("Saving changes")
    return tuple(labels)


def _agent_result(prompt: str, rng: random.Random, *, new_project: bool) -> JsonDict:
    lowered = prompt.lower()
    if "impossible" in lowered:
        return {
            "status": "error",
            "error_message": "AI agent failed to process the request: the edit asked for is "
            "not possible in this project",
            "error_code": "agent_execution_failed",
        }
    if "timeout" in lowered:
        return {
            "status": "error",
            "error_message": "The agent ran out of time before finishing the edit",
            "error_code": "agent_timeout",
        }
    credits = rng.randint(5, 150)
    if "no changes" in lowered:
        return {
            "status": "success",
            "agent_response": "I looked through the project and found nothing that needed "
            "changing.",
            "project_changed": False,
            "media_seconds_used": 0,
            "ai_credits_used": credits,
        }
    done = [
        summary.format(n=3, k=rng.randint(12, 80), s=30)
        for marker, _, summary in _AGENT_ACTIONS
        if marker in lowered
    ]
    response = (
        "Done! I " + ", ".join(done) + "." if done else f"Done! I edited the project: {prompt}"
    )
    return {
        "status": "success",
        "agent_response": response,
        "project_changed": True,
        "media_seconds_used": rng.randint(20, 120) if new_project else 0,
        "ai_credits_used": credits,
    }


def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 timestamp from a query parameter (aware UTC; naive means UTC), or None."""
    # The client's parser: both sides read a timestamp the same way.
    return parse_timestamp(str(value))
