"""400 for bodies the spec refuses; 401 / 402 / 403 / 404 for who may do what."""

from __future__ import annotations

import pytest

from tui.simulator.world import BROKE_TOKEN, OTHER_DRIVE_TOKEN


def a_project(sim_world) -> str:
    return next(iter(sim_world.projects))


@pytest.mark.parametrize(
    ("path", "body", "needle"),
    [
        ("/jobs/agent", {"project_name": "New"}, "prompt"),
        ("/jobs/agent", {"project_name": "New", "prompt": "   "}, "Prompt cannot be empty"),
        ("/jobs/agent", {"prompt": "x"}, "project_id or project_name"),
        ("/jobs/agent", {"prompt": "x", "project_name": "A", "project_id": "P"}, "not both"),
        ("/jobs/agent", {"prompt": "x", "project_name": "A", "colour": "red"}, '"colour"'),
        ("/jobs/agent", {"prompt": "x", "project_id": "not-a-uuid"}, "project_id"),
        ("/jobs/agent", {"prompt": "x", "project_name": "A", "composition_id": "c"}, "requires"),
        ("/jobs/agent", ["prompt"], "JSON object"),
        ("/jobs/import/project_media", {"add_media": {}}, "project_name"),
        (
            "/jobs/import/project_media",
            {"project_name": "A", "add_media": {"a.mp4": {"href": "https://x/a.mp4"}}},
            "url",
        ),
        (
            "/jobs/import/project_media",
            {"project_name": "A", "add_media": {"a.mp4": {"url": "ftp://x/a.mp4"}}},
            "Invalid media URL",
        ),
        (
            "/jobs/import/project_media",
            {"project_name": "A", "add_media": {"a.mp4": {"url": "https://x/a", "size": 1}}},
            '"add_media["a.mp4"].size" is not allowed',
        ),
        (
            "/jobs/import/project_media",
            {"project_name": "A", "add_media": {"a.mp4": {"content_type": "video/mp4"}}},
            "file_size",
        ),
        (
            "/jobs/import/project_media",
            {"project_name": "A", "add_media": {"s": {"tracks": []}}},
            "tracks",
        ),
        (
            "/jobs/import/project_media",
            {"project_name": "A", "add_compositions": [{"name": "no clips"}]},
            "clips",
        ),
        (
            "/jobs/import/project_media",
            {"project_name": "A", "add_compositions": [{"clips": [{"media": "nope.mp4"}]}]},
            "nope.mp4",
        ),
        ("/jobs/import/project_media", {"project_name": "A", "team_access": "all"}, "team_access"),
        ("/jobs/publish", {}, "project_id"),
        (
            "/jobs/publish",
            {"project_id": "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb", "resolution": "8K"},
            "resolution",
        ),
        ("/jobs/publish", {"project_id": "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb", "x": 1}, '"x"'),
    ],
)
async def test_invalid_bodies_answer_400(sim_client, path, body, needle):
    response = await sim_client.post(path, json=body)
    assert response.status_code == 400, response.text
    payload = response.json()
    assert payload["error"] == "invalid_input"
    assert needle in payload["message"]


@pytest.mark.parametrize("path", ["/jobs/agent", "/jobs/import/project_media", "/jobs/publish"])
async def test_invalid_json_answers_400(sim_client, path):
    response = await sim_client.post(
        path, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_input", "message": "Invalid JSON in request body"}


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/jobs"),
        ("GET", "/projects"),
        ("POST", "/jobs/agent"),
        ("GET", "/jobs/abc"),
        ("DELETE", "/jobs/abc"),
    ],
)
async def test_missing_or_unknown_token_is_401(make_sim_client, token, method, path):
    client = make_sim_client(token=token)
    response = await client.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "message": "Missing or invalid authentication token",
    }


async def test_basic_auth_is_not_bearer(make_sim_client):
    client = make_sim_client(token=None)
    response = await client.get("/status", headers={"Authorization": "Basic demo-token"})
    assert response.status_code == 401


async def test_status_ok_with_a_valid_token(sim_client):
    response = await sim_client.get("/status")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_other_drive_gets_403_on_demo_jobs_and_projects(
    sim_client, make_sim_client, sim_world
):
    project = a_project(sim_world)
    created = await sim_client.post("/jobs/agent", json={"project_id": project, "prompt": "hi"})
    job_id = created.json()["job_id"]
    other = make_sim_client(token=OTHER_DRIVE_TOKEN)
    for method, path in (
        ("GET", f"/jobs/{job_id}"),
        ("DELETE", f"/jobs/{job_id}"),
        ("GET", f"/projects/{project}"),
    ):
        response = await other.request(method, path)
        assert response.status_code == 403, path
        assert response.json()["error"] == "forbidden"
    submit = await other.post("/jobs/agent", json={"project_id": project, "prompt": "hi"})
    assert submit.status_code == 403
    assert (await other.get("/jobs")).json()["data"] == []
    assert (await other.get("/projects")).json()["data"] == []


async def test_broke_drive_gets_402_on_submit(make_sim_client):
    broke = make_sim_client(token=BROKE_TOKEN)
    imported = await broke.post(
        "/jobs/import/project_media",
        json={"project_name": "A", "add_media": {"a.mp4": {"url": "https://x.example/a.mp4"}}},
    )
    assert imported.status_code == 402
    assert "media minutes" in imported.json()["message"]
    agent = await broke.post("/jobs/agent", json={"project_name": "A", "prompt": "hi"})
    assert agent.status_code == 402
    assert agent.json()["error"] == "payment_required"
    assert "AI credits" in agent.json()["message"]
    assert (await broke.get("/status")).status_code == 200


async def test_unknown_ids_are_404(sim_client):
    for path in ("/jobs/no-such-job", "/projects/9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb"):
        response = await sim_client.get(path)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    agent = await sim_client.post(
        "/jobs/agent",
        json={"project_id": "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb", "prompt": "hi"},
    )
    assert agent.status_code == 404 and agent.json()["message"] == "Project not found"


async def test_unknown_composition_is_404_for_agent_and_422_for_publish(sim_client, sim_world):
    project = next(iter(sim_world.projects.values()))
    agent = await sim_client.post(
        "/jobs/agent",
        json={"project_id": project.id, "composition_id": "zzzzz", "prompt": "hi"},
    )
    assert agent.status_code == 404 and agent.json()["message"] == "Composition not found"
    short = project.compositions[0].id[:5]
    ok = await sim_client.post(
        "/jobs/agent", json={"project_id": project.id, "composition_id": short, "prompt": "hi"}
    )
    assert ok.status_code == 201
    publish = await sim_client.post(
        "/jobs/publish",
        json={"project_id": project.id, "composition_id": "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb"},
    )
    assert publish.status_code == 422


async def test_publish_access_level_not_permitted_is_403(sim_client, sim_world):
    project = next(iter(sim_world.projects))
    response = await sim_client.post(
        "/jobs/publish", json={"project_id": project, "access_level": "public"}
    )
    assert response.status_code == 403
    fine = await sim_client.post(
        "/jobs/publish", json={"project_id": project, "access_level": "unlisted"}
    )
    assert fine.status_code == 201


async def test_unknown_paths_answer_json_errors(sim_client):
    response = await sim_client.get("/nope")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    response = await sim_client.put("/jobs")
    assert response.status_code == 405 and set(response.json()) == {"error", "message"}
