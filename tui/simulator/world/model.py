"""The simulator's vocabulary: ids, tokens, states, durations, errors and the people and
places of the simulated Descript (Drives, users, projects, compositions).

Everything here is plain data and pure helpers; the lifecycle of jobs is in `jobs.py`, the
outcome rules in `outcomes.py`, and the registry that holds it all in `registry.py`.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tui.api.models import (
    JOB_TYPE_AGENT,
    JOB_TYPE_IMPORT,
    JOB_TYPE_PUBLISH,
    RETENTION,
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
# The client's own retention constant: one owner for "30 days".
RETENTION_S = RETENTION.total_seconds()
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
# A request that names `stuck` (an import URL, an agent prompt) stalls: at 40 % of its work
# its progress stops moving for 45 minutes (the stall detector's case), then it finishes.
STUCK_MARKER = "stuck"
STALL_AT_FRACTION = 0.4
STALL_S = 45 * 60.0

VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}
AUDIO_EXTENSIONS = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".aif", ".aiff"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}


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


def canonical(body: Any) -> str:
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




def parse_iso(value: str) -> datetime | None:
    """An ISO 8601 timestamp from a query parameter (aware UTC; naive means UTC), or None."""
    # The client's parser: both sides read a timestamp the same way.
    return parse_timestamp(str(value))
