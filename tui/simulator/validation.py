"""Request-body validation exactly as the spec's schemas say, answering 400 `{error, message}`.

Each `check_*` returns None when the body is valid, else the message for the 400. Checks run
in the order a reader of the schema would: type, unknown properties (additionalProperties is
false everywhere), required fields, formats and enums, then cross-field rules.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlparse

IMPORT_FIELDS = {
    "project_id",
    "project_name",
    "team_access",
    "folder_name",
    "add_media",
    "add_compositions",
    "callback_url",
}
AGENT_FIELDS = {
    "project_id",
    "project_name",
    "composition_id",
    "model",
    "prompt",
    "team_access",
    "callback_url",
}
PUBLISH_FIELDS = {
    "project_id",
    "composition_id",
    "media_type",
    "resolution",
    "callback_url",
    "access_level",
}
TEAM_ACCESS = ("edit", "comment", "view", "none")
MEDIA_TYPES = ("Video", "Audio")
RESOLUTIONS = ("480p", "720p", "1080p", "1440p", "4K")
ACCESS_LEVELS = ("public", "unlisted", "drive", "private")
URL_ITEM_FIELDS = {"url", "language"}
UPLOAD_ITEM_FIELDS = {"content_type", "file_size", "language"}
COMPOSITION_FIELDS = {"name", "width", "height", "fps", "clips"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_uuid(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    parsed = urlparse(value)
    return parsed.scheme in ("http", "https") and bool(parsed.hostname)


def _unknown(body: dict[str, Any], allowed: set[str], where: str = "") -> str | None:
    extra = sorted(set(body) - allowed)
    if extra:
        return f'"{where}{extra[0]}" is not allowed'
    return None


def _strings(body: dict[str, Any], *names: str) -> str | None:
    for name in names:
        if name in body and not isinstance(body[name], str):
            return f'"{name}" must be a string'
    return None


def _enum(body: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
    if name in body and body[name] not in allowed:
        return f'"{name}" must be one of [{", ".join(allowed)}]'
    return None


def _callback(body: dict[str, Any]) -> str | None:
    if "callback_url" in body and not is_http_url(body["callback_url"]):
        return '"callback_url" must be a valid http(s) URL'
    return None


def _project_id(body: dict[str, Any]) -> str | None:
    if "project_id" in body and not is_uuid(body["project_id"]):
        return "Invalid project_id format"
    return None


def check_import(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    problem = (
        _unknown(body, IMPORT_FIELDS)
        or _strings(body, "project_id", "project_name", "folder_name", "callback_url")
        or _project_id(body)
        or _enum(body, "team_access", TEAM_ACCESS)
        or _callback(body)
    )
    if problem:
        return problem
    if not body.get("project_id") and not (body.get("project_name") or "").strip():
        return "project_name is required when project_id is not provided"
    add_media = body.get("add_media", {})
    if not isinstance(add_media, dict):
        return '"add_media" must be an object'
    for name, item in add_media.items():
        if problem := _media_item(name, item):
            return problem
    compositions = body.get("add_compositions", [])
    if not isinstance(compositions, list):
        return '"add_compositions" must be an array'
    for i, composition in enumerate(compositions):
        if problem := _composition(i, composition):
            return problem
    return None


def _media_item(name: str, item: Any) -> str | None:
    where = f'add_media["{name}"]'
    if not name.strip():
        return "add_media keys (media names) cannot be empty"
    if not isinstance(item, dict):
        return f"{where} must be an object"
    if "language" in item and not isinstance(item["language"], str):
        return f"{where}.language must be a string"
    if "url" in item:
        if problem := _unknown(item, URL_ITEM_FIELDS, f"{where}."):
            return problem
        if not is_http_url(item["url"]):
            return f"Invalid media URL format: {where}.url"
        return None
    if "content_type" in item or "file_size" in item:
        if problem := _unknown(item, UPLOAD_ITEM_FIELDS, f"{where}."):
            return problem
        if not isinstance(item.get("content_type"), str) or not item["content_type"]:
            return f"{where}.content_type is required for a direct upload"
        if not _is_int(item.get("file_size")) or item["file_size"] <= 0:
            return f"{where}.file_size must be a positive integer (bytes)"
        return None
    if "tracks" in item:
        if problem := _unknown(item, {"tracks"}, f"{where}."):
            return problem
        tracks = item["tracks"]
        if not isinstance(tracks, list) or not tracks:
            return f"{where}.tracks must be a non-empty array"
        for track in tracks:
            if not isinstance(track, dict):
                return f"{where}.tracks items must be objects"
            if problem := _unknown(track, {"media", "offset"}, f"{where}.tracks[]."):
                return problem
            if not isinstance(track.get("media"), str):
                return f"{where}.tracks[].media is required"
            if "offset" in track and not _is_number(track["offset"]):
                return f"{where}.tracks[].offset must be a number"
        return None
    return f"{where} must have a url, a content_type and file_size, or tracks"


def _composition(i: int, composition: Any) -> str | None:
    where = f"add_compositions[{i}]"
    if not isinstance(composition, dict):
        return f"{where} must be an object"
    if problem := _unknown(composition, COMPOSITION_FIELDS, f"{where}."):
        return problem
    if "name" in composition and not isinstance(composition["name"], str):
        return f"{where}.name must be a string"
    for key in ("width", "height"):
        if key in composition and not _is_int(composition[key]):
            return f"{where}.{key} must be an integer"
    if "fps" in composition and not _is_number(composition["fps"]):
        return f"{where}.fps must be a number"
    clips = composition.get("clips")
    if not isinstance(clips, list):
        return f"{where}.clips is required and must be an array"
    for clip in clips:
        if not isinstance(clip, dict):
            return f"{where}.clips items must be objects"
        if problem := _unknown(clip, {"media"}, f"{where}.clips[]."):
            return problem
        if not isinstance(clip.get("media"), str):
            return f"{where}.clips[].media is required"
    return None


def check_agent(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    problem = (
        _unknown(body, AGENT_FIELDS)
        or _strings(
            body, "project_id", "project_name", "composition_id", "model", "prompt", "callback_url"
        )
        or _enum(body, "team_access", TEAM_ACCESS)
        or _callback(body)
    )
    if problem:
        return problem
    if "prompt" not in body:
        return '"prompt" is required'
    if not body["prompt"].strip():
        return "Prompt cannot be empty"
    has_id = "project_id" in body
    has_name = "project_name" in body
    if has_id and has_name:
        return "Provide exactly one of project_id or project_name, not both"
    if not has_id and not has_name:
        return "Provide exactly one of project_id or project_name"
    if has_name and not body["project_name"].strip():
        return "project_name cannot be empty"
    if problem := _project_id(body):
        return problem
    if "composition_id" in body and not has_id:
        return "composition_id requires project_id"
    return None


def check_publish(body: Any) -> str | None:
    if not isinstance(body, dict):
        return "Request body must be a JSON object"
    problem = (
        _unknown(body, PUBLISH_FIELDS)
        or _strings(body, "project_id", "composition_id", "callback_url")
        or _enum(body, "media_type", MEDIA_TYPES)
        or _enum(body, "resolution", RESOLUTIONS)
        or _enum(body, "access_level", ACCESS_LEVELS)
        or _callback(body)
    )
    if problem:
        return problem
    if "project_id" not in body:
        return '"project_id" is required'
    if problem := _project_id(body):
        return problem
    if "composition_id" in body and not is_uuid(body["composition_id"]):
        return "Invalid composition_id format"
    return None
