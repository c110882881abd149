"""GET /jobs and GET /projects: filters, windows, paging."""

from __future__ import annotations

from tui.simulator.demo import add_bulk_jobs
from tui.simulator.world import DEMO_USER_ID


async def collect(client, path: str, **params) -> list[dict]:
    items: list[dict] = []
    cursor = None
    while True:
        query = dict(params, **({"cursor": cursor} if cursor else {}))
        response = await client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["data"])
        cursor = page["pagination"].get("next_cursor")
        if not cursor:
            return items


async def test_jobs_page_newest_first_with_cursor(sim_client, sim_world, sim_clock):
    user = sim_world.users[DEMO_USER_ID]
    for _ in range(3):
        add_bulk_jobs(sim_world, user, 15, state="mixed")
        await sim_clock.advance(1)
    first = await sim_client.get("/jobs")
    assert len(first.json()["data"]) == 20  # the default limit
    everything = await collect(sim_client, "/jobs", limit=7)
    assert len(everything) == 45
    assert len({j["job_id"] for j in everything}) == 45
    created = [j["created_at"] for j in everything]
    assert created == sorted(created, reverse=True)


async def test_jobs_filters_by_type_and_project(sim_client, sim_world):
    user = sim_world.users[DEMO_USER_ID]
    ada, podcast = list(sim_world.projects)
    add_bulk_jobs(sim_world, user, 4, job_type="agent", project_id=ada)
    add_bulk_jobs(sim_world, user, 3, job_type="import/project_media", project_id=podcast)
    add_bulk_jobs(sim_world, user, 2, job_type="publish", project_id=podcast)
    agents = await collect(sim_client, "/jobs", type="agent")
    assert len(agents) == 4 and {j["job_type"] for j in agents} == {"agent"}
    on_podcast = await collect(sim_client, "/jobs", project_id=podcast)
    assert len(on_podcast) == 5
    imports = await collect(sim_client, "/jobs", project_id=podcast, type="import/project_media")
    assert len(imports) == 3


async def test_jobs_default_window_is_seven_days(sim_client, sim_world, sim_clock):
    add_bulk_jobs(sim_world, sim_world.users[DEMO_USER_ID], 2)
    await sim_clock.advance(8 * 86400)
    assert (await sim_client.get("/jobs")).json()["data"] == []
    wider = await sim_client.get("/jobs", params={"created_after": "2026-11-20T00:00:00Z"})
    assert len(wider.json()["data"]) == 2
    before = await sim_client.get(
        "/jobs",
        params={"created_after": "2026-11-20T00:00:00Z", "created_before": "2026-11-25T00:00Z"},
    )
    assert before.json()["data"] == []


async def test_jobs_refuses_created_after_older_than_30_days(sim_client):
    response = await sim_client.get("/jobs", params={"created_after": "2026-10-01T00:00:00Z"})
    assert response.status_code == 400
    assert "30 days" in response.json()["message"]


async def test_jobs_rejects_bad_parameters(sim_client):
    for params in (
        {"limit": 0},
        {"limit": 101},
        {"limit": "x"},
        {"type": "export"},
        {"cursor": "!!"},
        {"created_before": "yesterday"},
    ):
        response = await sim_client.get("/jobs", params=params)
        assert response.status_code == 400, params
        assert set(response.json()) == {"error", "message"}


async def test_projects_filter_sort_and_page(sim_client, sim_world):
    sim_world.add_project("Zebra talk", folder_path="Clients/Acme")
    sim_world.add_project("alpha cut", folder_path="Clients/Acme")
    names = [
        p["name"]
        for p in await collect(sim_client, "/projects", sort="name", direction="asc", limit=1)
    ]
    assert names == sorted(names, key=str.lower)
    assert len(names) == 4
    found = (await sim_client.get("/projects", params={"name": "ROUGH"})).json()["data"]
    assert [p["name"] for p in found] == ["Podcast [rough]"]
    acme = (await sim_client.get("/projects", params={"folder_path": "Clients/Acme"})).json()
    assert {p["name"] for p in acme["data"]} == {"Zebra talk", "alpha cut"}
    mine = (await sim_client.get("/projects", params={"created_by": "me"})).json()["data"]
    assert len(mine) == 4
    bad = await sim_client.get("/projects", params={"sort": "size"})
    assert bad.status_code == 400


async def test_project_detail_grows_after_an_import(sim_client, sim_world, sim_clock):
    project = next(iter(sim_world.projects.values()))
    body = {
        "project_id": project.id,
        "add_media": {"new.wav": {"url": "https://a.example/new.wav"}},
    }
    assert (await sim_client.post("/jobs/import/project_media", json=body)).status_code == 201
    await sim_clock.advance(300)
    detail = (await sim_client.get(f"/projects/{project.id}")).json()
    assert detail["media_files"]["new.wav"]["type"] == "audio"
    assert detail["media_files"]["new.wav"]["duration"] > 0
    again = await sim_client.post("/jobs/import/project_media", json=body)
    assert again.status_code == 400
    assert "conflicts" in again.json()["message"]
