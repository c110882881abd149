"""Spec conformance: every answer in a scripted tour matches the OpenAPI spec's schema for
its status (OpenAPI 3.0 schemas resolved in place; `format: uuid` not checked, since job ids
are opaque; date-time and uri are checked). Statuses the spec does not declare for an
operation are allowed only where docs/simulator.md documents them, with the `{error,
message}` shape.
"""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.conftest import sim_async_client
from tui.api.clock import ManualClock
from tui.simulator.app import create_app
from tui.simulator.demo import demo_world
from tui.simulator.world import BROKE_TOKEN, OTHER_DRIVE_TOKEN

# tests/data holds a copy of the reference spec (v1.2), so the test runs anywhere.
SPEC_PATH = Path(__file__).parents[2] / "data" / "descript-openapi.yml"
SPEC_URI = "urn:descript-openapi"
ERROR_SHAPE = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}
# Documented in docs/simulator.md ("Beyond the spec").
EXTENSIONS = {
    ("get", "/jobs", 400),
    ("get", "/projects", 400),
    ("delete", "/jobs/{job_id}", 409),
    ("post", "/jobs/agent", 403),
    ("post", "/jobs/publish", 404),
}

pytestmark = pytest.mark.skipif(not SPEC_PATH.exists(), reason="the OpenAPI spec is not here")

_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


@_FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parsed = urlparse(value)
    return bool(parsed.scheme and parsed.netloc)


def _openapi_to_jsonschema(node: Any) -> Any:
    """Drop what JSON Schema does not know (discriminator, example) and keep the rest."""
    if isinstance(node, dict):
        return {
            key: _openapi_to_jsonschema(value)
            for key, value in node.items()
            if key not in ("discriminator", "example", "examples", "xml")
        }
    if isinstance(node, list):
        return [_openapi_to_jsonschema(item) for item in node]
    return node


class SpecChecker:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.document = _openapi_to_jsonschema(copy.deepcopy(spec))
        resource = Resource.from_contents(self.document, default_specification=DRAFT7)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        self.seen: set[tuple[str, str, int]] = set()

    def declared(self, method: str, template: str, status: int) -> dict | None:
        responses = self.spec["paths"][template][method]["responses"]
        answer = responses.get(str(status))
        if answer is not None and "$ref" in answer:
            name = answer["$ref"].rsplit("/", 1)[-1]
            answer = self.spec["components"]["responses"][name]
        return answer

    def check(self, method: str, template: str, response: httpx.Response) -> None:
        status = response.status_code
        self.seen.add((method, template, status))
        declared = self.declared(method, template, status)
        if declared is None:
            assert (method, template, status) in EXTENSIONS, (
                f"{method.upper()} {template} answered an undeclared {status}: {response.text}"
            )
            jsonschema.validate(response.json(), ERROR_SHAPE)
            return
        content = declared.get("content")
        if content is None:
            if status == 204:
                assert response.content == b""
            return
        assert response.headers["content-type"].startswith("application/json")
        pointer = self._pointer(method, template, status, declared)
        schema = {"$ref": f"{SPEC_URI}#{pointer}"}
        validator = jsonschema.Draft7Validator(
            schema, registry=self.registry, format_checker=_FORMATS
        )
        error = jsonschema.exceptions.best_match(validator.iter_errors(response.json()))
        assert error is None, f"{method.upper()} {template} {status}: {error.message}"
        for header, spec in (declared.get("headers") or {}).items():
            assert header in response.headers, f"{status} without {header}"
            if spec.get("schema", {}).get("type") == "integer":
                assert response.headers[header].isdigit()

    def _pointer(self, method: str, template: str, status: int, declared: dict) -> str:
        raw = self.spec["paths"][template][method]["responses"][str(status)]
        if "$ref" in raw:
            name = raw["$ref"].rsplit("/", 1)[-1]
            base = f"/components/responses/{name}"
        else:
            escaped = template.replace("~", "~0").replace("/", "~1")
            base = f"/paths/{escaped}/{method}/responses/{status}"
        return f"{base}/content/application~1json/schema"


@pytest.fixture(scope="module")
def checker() -> SpecChecker:
    return SpecChecker(yaml.safe_load(SPEC_PATH.read_text()))


def _job_invariants(job: dict) -> None:
    state = job["job_state"]
    assert ("progress" in job) == (state == "running"), job
    assert ("result" in job) == (state == "stopped"), job
    assert ("stopped_at" in job) == (state in ("stopped", "cancelled")), job
    for key in ("drive_id", "project_id", "project_url"):
        assert job[key], job


async def test_a_scripted_tour_conforms_to_the_spec(checker: SpecChecker):
    clock = ManualClock()
    world = demo_world(0, clock)
    app = create_app(world)
    demo = sim_async_client(app)
    other = sim_async_client(app, OTHER_DRIVE_TOKEN)
    broke = sim_async_client(app, BROKE_TOKEN)
    anonymous = sim_async_client(app, None)
    projects = [
        p
        for p in world.projects.values()
        if p.drive_id == world.users[world.tokens["demo-token"]].drive_id
    ]
    project = projects[0]

    async def call(client: httpx.AsyncClient, method: str, template: str, **kw: Any):
        path = template.format(**kw.pop("path", {}))
        response = await client.request(method.upper(), path, **kw)
        checker.check(method, template, response)
        return response

    async with demo, other, broke, anonymous:
        # status
        await call(demo, "get", "/status")
        await call(anonymous, "get", "/status")
        # submissions: 201, 400, 401, 402, 403, 404
        created = []
        for body in (
            {
                "project_name": "Tour",
                "add_media": {"a.mp4": {"url": "https://x.example/a.mp4"}},
                "add_compositions": [{"name": "Cut", "clips": [{"media": "a.mp4"}]}],
            },
            {
                "project_name": "Tour up",
                "add_media": {
                    "u.wav": {"content_type": "audio/wav", "file_size": 3},
                    "bad.mp4": {"url": "https://unreachable.example/bad.mp4"},
                },
            },
            {
                "project_name": "Tour fail",
                "add_media": {"x.mp4": {"url": "https://unreachable.example/x.mp4"}},
            },
        ):
            response = await call(demo, "post", "/jobs/import/project_media", json=body)
            created.append(response.json()["job_id"])
        await clock.advance(10)
        response_upload = (await demo.get(f"/jobs/{created[1]}")).json()
        assert response_upload["progress"]["label"].startswith("Waiting for upload")
        upload = next(u for u in world.uploads.values() if u.job_id == created[1])
        await demo.put(f"http://simulator.local/_upload/{upload.token}", content=b"abc")
        for body in (
            {"project_id": project.id, "prompt": "Add studio sound to every clip"},
            {"project_id": project.id, "prompt": "impossible"},
            {"project_name": "Agent new", "prompt": "write a script"},
        ):
            created.append((await call(demo, "post", "/jobs/agent", json=body)).json()["job_id"])
        for body in (
            {"project_id": project.id, "resolution": "720p"},
            {
                "project_id": next(p.id for p in projects if p.name == "Marketing Video"),
                "composition_id": next(
                    c.id for p in projects for c in p.compositions if c.name == "Broken render"
                ),
            },
        ):
            created.append((await call(demo, "post", "/jobs/publish", json=body)).json()["job_id"])
        await call(demo, "post", "/jobs/agent", json={"project_name": "x"})
        await call(demo, "post", "/jobs/import/project_media", json={"add_media": {}})
        await call(demo, "post", "/jobs/publish", json={"project_id": "nope"})
        await call(anonymous, "post", "/jobs/agent", json={"prompt": "x", "project_name": "y"})
        await call(broke, "post", "/jobs/agent", json={"prompt": "x", "project_name": "y"})
        await call(
            broke,
            "post",
            "/jobs/import/project_media",
            json={"project_name": "y", "add_media": {"a.mp4": {"url": "https://x.y/a"}}},
        )
        await call(
            other,
            "post",
            "/jobs/import/project_media",
            json={"project_id": project.id, "add_media": {}},
        )
        await call(other, "post", "/jobs/agent", json={"project_id": project.id, "prompt": "x"})
        await call(other, "post", "/jobs/publish", json={"project_id": project.id})
        missing = "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb"
        await call(demo, "post", "/jobs/agent", json={"project_id": missing, "prompt": "x"})
        await call(
            demo,
            "post",
            "/jobs/import/project_media",
            json={"project_id": missing, "add_media": {}},
        )
        await call(demo, "post", "/jobs/publish", json={"project_id": missing})

        # every job, at several moments of its life
        states: set[str] = set()
        for _ in range(8):
            page = await call(demo, "get", "/jobs", params={"limit": 100})
            for job in page.json()["data"]:
                _job_invariants(job)
                states.add(job["job_state"])
                single = await call(demo, "get", "/jobs/{job_id}", path={"job_id": job["job_id"]})
                _job_invariants(single.json())
                await clock.advance(0.06)  # stay under 20 status GETs per second
            await clock.advance(45)
        assert states == {"queued", "running", "stopped", "cancelled"}

        # list filters and paging
        cursor = None
        for params in (
            {"type": "agent"},
            {"type": "import/project_media", "limit": 2},
            {"project_id": project.id},
            {"created_after": "2026-11-01T00:00:00Z", "limit": 5},
        ):
            response = await call(demo, "get", "/jobs", params=params)
            cursor = response.json()["pagination"].get("next_cursor") or cursor
        await call(demo, "get", "/jobs", params={"cursor": cursor, "limit": 5})
        await call(demo, "get", "/jobs", params={"limit": 500})
        await call(anonymous, "get", "/jobs")

        # cancel: 204, 409, 403, 404, 401
        running = await call(
            demo, "post", "/jobs/agent", json={"project_id": project.id, "prompt": "captions"}
        )
        job_path = {"job_id": running.json()["job_id"]}
        await call(demo, "delete", "/jobs/{job_id}", path=job_path)
        await call(demo, "delete", "/jobs/{job_id}", path=job_path)
        await call(other, "delete", "/jobs/{job_id}", path=job_path)
        await call(other, "get", "/jobs/{job_id}", path=job_path)
        await call(demo, "delete", "/jobs/{job_id}", path={"job_id": "missing"})
        await call(anonymous, "delete", "/jobs/{job_id}", path=job_path)
        await call(anonymous, "get", "/jobs/{job_id}", path=job_path)

        # projects
        for params in (
            {},
            {"sort": "name", "direction": "asc", "limit": 2},
            {"name": "rough"},
            {"created_by": "me", "sort": "updated_at"},
            {"updated_after": "2026-11-01T00:00:00Z"},
            {"sort": "bogus"},
        ):
            await call(demo, "get", "/projects", params=params)
        await call(anonymous, "get", "/projects")
        for p in projects:
            await call(demo, "get", "/projects/{project_id}", path={"project_id": p.id})
        await call(other, "get", "/projects/{project_id}", path={"project_id": project.id})
        await call(demo, "get", "/projects/{project_id}", path={"project_id": missing})
        await call(anonymous, "get", "/projects/{project_id}", path={"project_id": project.id})

        # rate limits: 429 with its headers on each limited endpoint
        for _ in range(21):
            await call(demo, "get", "/jobs/{job_id}", path=job_path)
        for _ in range(11):
            await call(
                demo, "post", "/jobs/agent", json={"project_id": project.id, "prompt": "captions"}
            )
        for _ in range(11):
            await call(
                demo,
                "post",
                "/jobs/import/project_media",
                json={"project_name": "r", "add_media": {}},
            )

        # retention
        await clock.advance(31 * 86400)
        await call(demo, "get", "/jobs/{job_id}", path=job_path)

    expected = {
        ("get", "/status", 200),
        ("get", "/status", 401),
        ("post", "/jobs/import/project_media", 201),
        ("post", "/jobs/import/project_media", 400),
        ("post", "/jobs/import/project_media", 402),
        ("post", "/jobs/import/project_media", 403),
        ("post", "/jobs/import/project_media", 404),
        ("post", "/jobs/import/project_media", 429),
        ("post", "/jobs/agent", 201),
        ("post", "/jobs/agent", 400),
        ("post", "/jobs/agent", 401),
        ("post", "/jobs/agent", 402),
        ("post", "/jobs/agent", 404),
        ("post", "/jobs/agent", 429),
        ("post", "/jobs/publish", 201),
        ("post", "/jobs/publish", 400),
        ("post", "/jobs/publish", 403),
        ("get", "/jobs", 200),
        ("get", "/jobs", 401),
        ("get", "/jobs/{job_id}", 200),
        ("get", "/jobs/{job_id}", 401),
        ("get", "/jobs/{job_id}", 403),
        ("get", "/jobs/{job_id}", 404),
        ("get", "/jobs/{job_id}", 429),
        ("delete", "/jobs/{job_id}", 204),
        ("delete", "/jobs/{job_id}", 401),
        ("delete", "/jobs/{job_id}", 403),
        ("delete", "/jobs/{job_id}", 404),
        ("get", "/projects", 200),
        ("get", "/projects", 401),
        ("get", "/projects/{project_id}", 200),
        ("get", "/projects/{project_id}", 401),
        ("get", "/projects/{project_id}", 403),
        ("get", "/projects/{project_id}", 404),
    }
    assert expected <= checker.seen, sorted(expected - checker.seen)


def test_the_checker_catches_a_broken_answer(checker: SpecChecker):
    broken = httpx.Response(
        200,
        json={"job_id": "x", "job_type": "agent", "job_state": "sleeping"},
        request=httpx.Request("GET", "http://sim/v1/jobs/x"),
    )
    with pytest.raises(AssertionError):
        checker.check("get", "/jobs/{job_id}", broken)
    not_a_time = httpx.Response(
        200,
        json={
            "job_id": "x",
            "job_type": "agent",
            "job_state": "queued",
            "created_at": "yesterday",
            "drive_id": "d",
            "project_id": "p",
            "project_url": "https://web.descript.com/p",
        },
        request=broken.request,
    )
    with pytest.raises(AssertionError):
        checker.check("get", "/jobs/{job_id}", not_a_time)
    undeclared = httpx.Response(
        418, json={"error": "teapot", "message": "no"}, request=broken.request
    )
    with pytest.raises(AssertionError):
        checker.check("get", "/jobs/{job_id}", undeclared)
