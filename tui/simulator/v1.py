"""The Descript API under `/v1` (and storage's signed upload URLs under `/_upload`).

Order of checks on an API request, as a real gateway would: fault injection (flaky/storm,
in the middleware), authentication (401), rate limit (429), body parsing and schema
validation (400), then the world's own answers (404, 403, 402, 409, 422) and the 2xx.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.api.models import JsonDict
from tui.simulator import validation
from tui.simulator.calls import Call, api, bad_request, json_response
from tui.simulator.world import (
    DEFAULT_LIST_WINDOW_S,
    JOB_TYPES,
    RETENTION_S,
    World,
    WorldError,
    parse_iso,
)

# A client computing "30 days ago" on its own clock should not be refused for a few seconds.
CREATED_AFTER_GRACE_S = 60.0


def _created(job_id: str, world: World, project_id: str) -> JsonDict:
    project = world.projects[project_id]
    return {
        "job_id": job_id,
        "drive_id": project.drive_id,
        "project_id": project.id,
        "project_url": project.url,
    }


# -- /v1 -----------------------------------------------------------------------------------


@api
async def post_import(call: Call) -> Response:
    call.limit(call.sim.limits.imports, call.token)
    body = await call.json_body()
    if problem := validation.check_import(body):
        raise bad_request(problem)
    job, slots = call.world.submit_import(call.user, body)
    answer = _created(job.job_id, call.world, job.project_id)
    if slots:
        base = str(call.request.base_url).rstrip("/")
        answer["upload_urls"] = {
            name: {
                "upload_url": f"{base}/_upload/{slot.token}?X-Goog-Expires=10800",
                "asset_id": slot.asset_id,
                "artifact_id": slot.artifact_id,
            }
            for name, slot in slots.items()
        }
    return json_response(answer, 201)


@api
async def post_agent(call: Call) -> Response:
    call.limit(call.sim.limits.agent, call.token)
    body = await call.json_body()
    if problem := validation.check_agent(body):
        raise bad_request(problem)
    job = call.world.submit_agent(call.user, body)
    return json_response(_created(job.job_id, call.world, job.project_id), 201)


@api
async def post_publish(call: Call) -> Response:
    body = await call.json_body()
    if problem := validation.check_publish(body):
        raise bad_request(problem)
    job = call.world.submit_publish(call.user, body)
    return json_response(_created(job.job_id, call.world, job.project_id), 201)


def _int_param(params: Any, name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f'"{name}" must be an integer between {lo} and {hi}') from None
    if not lo <= value <= hi:
        raise bad_request(f'"{name}" must be an integer between {lo} and {hi}')
    return value


def _time_param(params: Any, name: str) -> float | None:
    raw = params.get(name)
    if raw is None:
        return None
    parsed = parse_iso(raw)
    if parsed is None:
        raise bad_request(f'"{name}" must be an ISO 8601 date-time')
    return parsed.timestamp()


def encode_cursor(*parts: object) -> str:
    text = ":".join(repr(p) if isinstance(p, float) else str(p) for p in parts)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode().split(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad_request("Invalid cursor") from None


@api
async def list_jobs(call: Call) -> Response:
    params = call.request.query_params
    now = call.world.now_ts()
    limit = _int_param(params, "limit", 20, 1, 100)
    job_type = params.get("type")
    if job_type is not None and job_type not in JOB_TYPES:
        raise bad_request(f'"type" must be one of [{", ".join(JOB_TYPES)}]')
    project_id = params.get("project_id") or None
    after = _time_param(params, "created_after")
    if after is None:
        after = now - DEFAULT_LIST_WINDOW_S
    elif after < now - RETENTION_S - CREATED_AFTER_GRACE_S:
        raise bad_request("created_after cannot be more than 30 days ago")
    before = _time_param(params, "created_before")
    cursor = None
    if params.get("cursor"):
        parts = decode_cursor(params["cursor"])
        try:
            cursor = (float(parts[0]), int(parts[1]))
        except (ValueError, IndexError):
            raise bad_request("Invalid cursor") from None
    jobs, next_key = call.world.list_jobs(
        call.user,
        now=now,
        job_type=job_type,
        project_id=project_id,
        after=after,
        before=now if before is None else before,
        cursor=cursor,
        limit=limit,
    )
    pagination: JsonDict = {}
    if next_key is not None:
        pagination["next_cursor"] = encode_cursor(*next_key)
    return json_response({"data": [j.to_json(now) for j in jobs], "pagination": pagination})


@api
async def get_job(call: Call) -> Response:
    call.limit(call.sim.limits.status, call.user.id)
    now = call.world.now_ts()
    job = call.world.job_for(call.user, call.request.path_params["job_id"], now)
    return json_response(job.to_json(now))


@api
async def cancel_job(call: Call) -> Response:
    call.world.cancel(call.user, call.request.path_params["job_id"])
    return Response(status_code=204)


_PROJECT_SORTS = ("name", "created_at", "updated_at", "last_viewed_at")


@api
async def list_projects(call: Call) -> Response:
    params = call.request.query_params
    limit = _int_param(params, "limit", 20, 1, 100)
    sort = params.get("sort", "created_at")
    if sort not in _PROJECT_SORTS:
        raise bad_request(f'"sort" must be one of [{", ".join(_PROJECT_SORTS)}]')
    direction = params.get("direction", "desc")
    if direction not in ("asc", "desc"):
        raise bad_request('"direction" must be one of [asc, desc]')
    bounds = {
        name: _time_param(params, name)
        for name in ("created_after", "created_before", "updated_after", "updated_before")
    }
    name = (params.get("name") or "").lower()
    folder = params.get("folder_path")
    folder = folder.strip("/") if folder is not None else None
    created_by = params.get("created_by")
    if created_by == "me":
        created_by = call.user.id
    projects = [
        p
        for p in call.world.projects_of(call.user.drive_id)
        if (not name or name in p.name.lower())
        and (folder is None or p.folder_path == folder)
        and (created_by is None or p.created_by == created_by)
        and (bounds["created_after"] is None or p.created_at > bounds["created_after"])
        and (bounds["created_before"] is None or p.created_at < bounds["created_before"])
        and (bounds["updated_after"] is None or p.updated_at > bounds["updated_after"])
        and (bounds["updated_before"] is None or p.updated_at < bounds["updated_before"])
    ]
    if sort == "name":
        projects.sort(key=lambda p: (p.name.lower(), p.id), reverse=direction == "desc")
    else:
        projects.sort(key=lambda p: (getattr(p, sort), p.id), reverse=direction == "desc")
    offset = 0
    if params.get("cursor"):
        parts = decode_cursor(params["cursor"])
        try:
            offset = int(parts[0])
        except (ValueError, IndexError):
            raise bad_request("Invalid cursor") from None
    page = projects[offset : offset + limit]
    pagination: JsonDict = {}
    if offset + limit < len(projects):
        pagination["next_cursor"] = encode_cursor(offset + limit, sort, direction)
    return json_response({"data": [p.summary_json() for p in page], "pagination": pagination})


@api
async def get_project(call: Call) -> Response:
    project = call.world.project_for(call.user, call.request.path_params["project_id"])
    return json_response(project.detail_json())


@api
async def get_status(call: Call) -> Response:
    return json_response({"status": "ok"})


# -- storage -------------------------------------------------------------------------------


def _storage_error(status: int, code: str, message: str) -> Response:
    body = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status, media_type="application/xml")


async def put_upload(request: Request) -> Response:
    world: World = request.app.state.sim.world
    data = await request.body()
    try:
        slot = world.receive_upload(request.path_params["token"], len(data))
    except WorldError as exc:
        return _storage_error(exc.status, exc.error, exc.message)
    return Response(status_code=200, headers={"ETag": f'"{slot.asset_id[:8]}-{len(data)}"'})


V1_ROUTES = [
    Route("/v1/jobs/import/project_media", post_import, methods=["POST"]),
    Route("/v1/jobs/agent", post_agent, methods=["POST"]),
    Route("/v1/jobs/publish", post_publish, methods=["POST"]),
    Route("/v1/jobs", list_jobs, methods=["GET"]),
    Route("/v1/jobs/{job_id}", get_job, methods=["GET"]),
    Route("/v1/jobs/{job_id}", cancel_job, methods=["DELETE"]),
    Route("/v1/projects", list_projects, methods=["GET"]),
    Route("/v1/projects/{project_id}", get_project, methods=["GET"]),
    Route("/v1/status", get_status, methods=["GET"]),
    Route("/_upload/{token}", put_upload, methods=["PUT"]),
]
