"""Job submissions as typed values, with the one validation the CLI and the forms share.

`validate()` returns every problem at once as `Problem(field, message)`, so a form can put
each message beside the field the user typed it in, and the CLI can print the first one and
exit 2, both before a single byte is sent.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from tui.api.models import JsonDict

TEAM_ACCESS_LEVELS = ("edit", "comment", "view", "none")
PUBLISH_MEDIA_TYPES = ("Video", "Audio")
PUBLISH_RESOLUTIONS = ("480p", "720p", "1080p", "1440p", "4K")
PUBLISH_ACCESS_LEVELS = ("public", "unlisted", "drive", "private")
_LANGUAGE = re.compile(r"^[a-z]{2}([-_][A-Za-z]{2,4})?$")
# Two or more letters then ":/" is a URL scheme (a Windows drive is one letter: `C:/`).
_SCHEME_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+:/|https?:)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a submission cannot be sent, tied to the field that holds it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def url_problem(url: str) -> str | None:
    """Why `url` is not an http(s) URL a server could fetch, or None.

    Each reason names the URL itself, so it reads whole on its own (no "URL a URL …").
    """
    text = url.strip()
    if not text:
        return "a URL is required"
    if any(ch.isspace() for ch in text):
        return "a URL cannot contain spaces"
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https"):
        return "the URL must start with http:// or https://"
    if not parsed.netloc or not parsed.hostname:
        return "the URL has no host"
    return None


def language_problem(language: str) -> str | None:
    """Why `language` is not an ISO 639-1 code (optionally with a region), or None."""
    if _LANGUAGE.match(language.strip()):
        return None
    return f"language {language!r} is not an ISO 639-1 code like 'en'"


def guess_content_type(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


@dataclass(frozen=True, slots=True)
class UrlMedia:
    """A file Descript fetches from a URL (it must allow Range requests)."""

    url: str
    language: str | None = None

    def to_json(self) -> JsonDict:
        body: JsonDict = {"url": self.url.strip()}
        if self.language:
            body["language"] = self.language
        return body


@dataclass(frozen=True, slots=True)
class UploadMedia:
    """A local file uploaded directly: the POST declares it, then its bytes are PUT."""

    path: Path
    content_type: str
    file_size: int
    language: str | None = None

    @classmethod
    def from_path(cls, path: Path | str, language: str | None = None) -> UploadMedia:
        """Describe a local file; a missing file gets size -1 so `validate` can name it."""
        path = Path(path).expanduser()
        try:
            size = path.stat().st_size if path.is_file() else -1
        except OSError:
            size = -1
        return cls(
            path=path, content_type=guess_content_type(path), file_size=size, language=language
        )

    def to_json(self) -> JsonDict:
        body: JsonDict = {"content_type": self.content_type, "file_size": self.file_size}
        if self.language:
            body["language"] = self.language
        return body


@dataclass(frozen=True, slots=True)
class Track:
    media: str
    offset: float = 0.0


@dataclass(frozen=True, slots=True)
class MultitrackMedia:
    """A multitrack sequence of media already named in the same import (or project)."""

    tracks: tuple[Track, ...]

    def to_json(self) -> JsonDict:
        return {
            "tracks": [
                {"media": t.media, **({"offset": t.offset} if t.offset else {})}
                for t in self.tracks
            ]
        }


MediaItem = UrlMedia | UploadMedia | MultitrackMedia


def media_from_argument(argument: str, language: str | None = None) -> tuple[str, MediaItem]:
    """`--media` value -> (display name, item): a URL is fetched, anything else is a local path."""
    text = argument.strip()
    # `http:/host/a.mp4` or `htp://…` is a mistyped URL, not a file name: let url_problem() say so.
    if "://" in text or (_SCHEME_PREFIX.match(text) and not Path(text).expanduser().exists()):
        name = Path(urlparse(text).path).name or urlparse(text).hostname or "media"
        return name, UrlMedia(url=text, language=language)
    item = UploadMedia.from_path(text, language=language)
    return item.path.name, item


@dataclass(frozen=True, slots=True)
class CompositionSpec:
    name: str | None = None
    clips: tuple[str, ...] = ()
    width: int | None = None
    height: int | None = None

    def to_json(self) -> JsonDict:
        body: JsonDict = {"clips": [{"media": m} for m in self.clips]}
        if self.name:
            body["name"] = self.name
        if self.width:
            body["width"] = self.width
        if self.height:
            body["height"] = self.height
        return body


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """`POST /jobs/import/project_media`."""

    add_media: Mapping[str, MediaItem]
    project_name: str | None = None
    project_id: str | None = None
    folder_name: str | None = None
    team_access: str | None = None
    add_compositions: tuple[CompositionSpec, ...] = ()
    callback_url: str | None = None
    extra: JsonDict = field(default_factory=dict)

    @property
    def uploads(self) -> dict[str, UploadMedia]:
        return {name: m for name, m in self.add_media.items() if isinstance(m, UploadMedia)}

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        name = (self.project_name or "").strip()
        if self.project_id and name:
            problems.append(Problem("project", "give a project id or a new project name, not both"))
        if not self.project_id and not name:
            problems.append(Problem("project_name", "a project name is required"))
        if self.team_access and self.team_access not in TEAM_ACCESS_LEVELS:
            problems.append(
                Problem("team_access", f"must be one of {', '.join(TEAM_ACCESS_LEVELS)}")
            )
        if self.project_id and (self.team_access or self.folder_name):
            problems.append(
                Problem("project", "team access and folder apply only to a new project")
            )
        if not self.add_media:
            problems.append(Problem("media", "add at least one media file or URL"))
        seen: set[str] = set()
        for media_name, item in self.add_media.items():
            where = f"media[{media_name}]"
            if not media_name.strip():
                problems.append(Problem(where, "every media item needs a name"))
            key = media_name.strip().lower()
            if key in seen:
                problems.append(Problem(where, f"the name {media_name!r} is used twice"))
            seen.add(key)
            problems.extend(_media_problems(where, item, self.add_media))
        for composition in self.add_compositions:
            for clip in composition.clips:
                if clip not in self.add_media and not self.project_id:
                    problems.append(
                        Problem("composition", f"clip {clip!r} is not one of the media")
                    )
        if self.callback_url and (problem := url_problem(self.callback_url)):
            problems.append(Problem("callback_url", problem))
        return problems

    def to_json(self) -> JsonDict:
        body: JsonDict = {}
        if self.project_id:
            body["project_id"] = self.project_id
        elif self.project_name:
            body["project_name"] = self.project_name.strip()
        if self.team_access:
            body["team_access"] = self.team_access
        if self.folder_name:
            body["folder_name"] = self.folder_name.strip()
        body["add_media"] = {name: item.to_json() for name, item in self.add_media.items()}
        if self.add_compositions:
            body["add_compositions"] = [c.to_json() for c in self.add_compositions]
        if self.callback_url:
            body["callback_url"] = self.callback_url.strip()
        body.update(self.extra)
        return body


def _media_problems(where: str, item: MediaItem, all_media: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    language = getattr(item, "language", None)
    if language and (problem := language_problem(language)):
        problems.append(Problem(where, problem))
    if isinstance(item, UrlMedia):
        if problem := url_problem(item.url):
            problems.append(Problem(where, problem))
    elif isinstance(item, UploadMedia):
        if not item.path.exists():
            problems.append(Problem(where, f"no such file: {item.path}"))
        elif not item.path.is_file():
            problems.append(Problem(where, f"not a regular file: {item.path}"))
        elif item.file_size <= 0:
            problems.append(Problem(where, f"the file is empty: {item.path}"))
    elif isinstance(item, MultitrackMedia):
        if not item.tracks:
            problems.append(Problem(where, "a multitrack sequence needs at least one track"))
        for track in item.tracks:
            if track.media not in all_media:
                problems.append(
                    Problem(where, f"track media {track.media!r} is not in this import")
                )
    return problems


@dataclass(frozen=True, slots=True)
class AgentRequest:
    """`POST /jobs/agent`: exactly one of project_id / project_name, and a prompt."""

    prompt: str
    project_id: str | None = None
    project_name: str | None = None
    composition_id: str | None = None
    model: str | None = None
    team_access: str | None = None
    callback_url: str | None = None

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        if not self.prompt.strip():
            problems.append(Problem("prompt", "the prompt cannot be empty"))
        has_id = bool((self.project_id or "").strip())
        has_name = bool((self.project_name or "").strip())
        if has_id and has_name:
            problems.append(Problem("project", "give a project id or a new project name, not both"))
        elif not has_id and not has_name:
            problems.append(Problem("project", "pick a project or give a new project name"))
        if self.composition_id is not None and not self.composition_id.strip():
            # `to_json` strips it: a blank id would go out as "" and the API answers 400.
            problems.append(Problem("composition_id", "the composition id is blank"))
        elif self.composition_id and not has_id:
            problems.append(Problem("composition_id", "a composition needs an existing project"))
        if self.team_access and self.team_access not in TEAM_ACCESS_LEVELS:
            problems.append(
                Problem("team_access", f"must be one of {', '.join(TEAM_ACCESS_LEVELS)}")
            )
        if self.team_access and has_id:
            problems.append(Problem("team_access", "team access applies only to a new project"))
        if self.callback_url and (problem := url_problem(self.callback_url)):
            problems.append(Problem("callback_url", problem))
        return problems

    def to_json(self) -> JsonDict:
        body: JsonDict = {"prompt": self.prompt.strip()}
        if self.project_id:
            body["project_id"] = self.project_id.strip()
        if self.project_name:
            body["project_name"] = self.project_name.strip()
        for key in ("composition_id", "model", "team_access", "callback_url"):
            value = getattr(self, key)
            if value:
                body[key] = value.strip()
        return body


@dataclass(frozen=True, slots=True)
class PublishRequest:
    """`POST /jobs/publish`."""

    project_id: str
    composition_id: str | None = None
    media_type: str | None = None
    resolution: str | None = None
    access_level: str | None = None
    callback_url: str | None = None

    def validate(self) -> list[Problem]:
        problems: list[Problem] = []
        if not self.project_id.strip():
            problems.append(Problem("project_id", "a project id is required"))
        if self.media_type and self.media_type not in PUBLISH_MEDIA_TYPES:
            problems.append(Problem("media_type", "must be Video or Audio"))
        if self.resolution and self.resolution not in PUBLISH_RESOLUTIONS:
            problems.append(
                Problem("resolution", f"must be one of {', '.join(PUBLISH_RESOLUTIONS)}")
            )
        if self.resolution and self.media_type == "Audio":
            problems.append(Problem("resolution", "resolution applies only to Video"))
        if self.access_level and self.access_level not in PUBLISH_ACCESS_LEVELS:
            problems.append(
                Problem("access_level", f"must be one of {', '.join(PUBLISH_ACCESS_LEVELS)}")
            )
        if self.callback_url and (problem := url_problem(self.callback_url)):
            problems.append(Problem("callback_url", problem))
        return problems

    def to_json(self) -> JsonDict:
        body: JsonDict = {"project_id": self.project_id.strip()}
        for key in ("composition_id", "media_type", "resolution", "access_level", "callback_url"):
            value = getattr(self, key)
            if value:
                body[key] = value
        return body
