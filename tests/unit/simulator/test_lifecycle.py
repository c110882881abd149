"""Jobs move queued -> running -> stopped (or cancelled) on the simulator's clock."""

from __future__ import annotations

import httpx

from tui.api.clock import ManualClock
from tui.api.models import Job, Outcome
from tui.simulator.world import World

IMPORT_MAX_S = 300
AGENT_MAX_S = 180


def project_id(world: World, name: str) -> str:
    return next(p.id for p in world.projects.values() if p.name == name)


async def submit_agent(client: httpx.AsyncClient, world: World, prompt: str) -> str:
    body = {"project_id": project_id(world, "Interview with Ada"), "prompt": prompt}
    response = await client.post("/jobs/agent", json=body)
    assert response.status_code == 201, response.text
    return response.json()["job_id"]


async def submit_import(client: httpx.AsyncClient, media: dict[str, str]) -> str:
    body = {
        "project_name": "Lifecycle",
        "add_media": {name: {"url": url} for name, url in media.items()},
        "add_compositions": [{"name": "Cut", "clips": [{"media": m} for m in media]}],
    }
    response = await client.post("/jobs/import/project_media", json=body)
    assert response.status_code == 201, response.text
    return response.json()["job_id"]


async def get(client: httpx.AsyncClient, job_id: str) -> dict:
    response = await client.get(f"/jobs/{job_id}")
    assert response.status_code == 200, response.text
    return response.json()


async def test_agent_job_goes_queued_running_stopped(sim_client, sim_world, sim_clock):
    job_id = await submit_agent(sim_client, sim_world, "Add studio sound to every clip")
    first = await get(sim_client, job_id)
    assert first["job_state"] == "queued"
    assert "progress" not in first and "result" not in first and "stopped_at" not in first
    await sim_clock.advance(8)
    running = await get(sim_client, job_id)
    assert running["job_state"] == "running"
    assert set(running["progress"]) >= {"label", "percent", "last_update_at"}
    await sim_clock.advance(40)
    later = await get(sim_client, job_id)
    assert later["job_state"] == "running"
    assert later["progress"]["percent"] > running["progress"]["percent"]
    assert later["progress"]["last_update_at"] > running["progress"]["last_update_at"]
    await sim_clock.advance(AGENT_MAX_S)
    done = await get(sim_client, job_id)
    assert done["job_state"] == "stopped" and "progress" not in done
    assert done["result"]["status"] == "success"
    assert done["result"]["project_changed"] is True
    assert "Studio Sound" in done["result"]["agent_response"]
    assert Job.from_json(done).outcome is Outcome.SUCCESS
    for key in ("drive_id", "project_id", "project_url", "stopped_at"):
        assert done[key]


async def test_durations_stay_within_documented_ranges(sim_client, sim_world, sim_clock):
    agent = await submit_agent(sim_client, sim_world, "Remove filler words")
    imported = await submit_import(sim_client, {"a.mp4": "https://media.example.com/a.mp4"})
    await sim_clock.advance(29)
    assert (await get(sim_client, agent))["job_state"] != "stopped"
    assert (await get(sim_client, imported))["job_state"] != "stopped"
    await sim_clock.advance(AGENT_MAX_S - 29)
    assert (await get(sim_client, agent))["job_state"] == "stopped"
    await sim_clock.advance(IMPORT_MAX_S - AGENT_MAX_S)
    assert (await get(sim_client, imported))["job_state"] == "stopped"


async def test_import_success_partial_and_error(sim_client, sim_clock):
    ok = await submit_import(sim_client, {"a.mp4": "https://media.example.com/a.mp4"})
    partial = await submit_import(
        sim_client,
        {
            "intro.mp4": "https://media.example.com/intro.mp4",
            "outro.mp4": "https://unreachable.example.com/outro.mp4",
            "b-roll.mov": "https://cdn.example.com/norange/b.mov",
        },
    )
    failed = await submit_import(sim_client, {"x.mp4": "https://unreachable.example.com/x.mp4"})
    await sim_clock.advance(IMPORT_MAX_S)
    ok_job = await get(sim_client, ok)
    assert ok_job["result"]["status"] == "success"
    assert ok_job["result"]["media_status"]["a.mp4"]["duration_seconds"] > 0
    assert ok_job["result"]["created_compositions"][0]["name"] == "Cut"
    partial_job = Job.from_json(await get(sim_client, partial))
    assert partial_job.outcome is Outcome.PARTIAL
    assert {f.name for f in partial_job.failed_files} == {"outro.mp4", "b-roll.mov"}
    assert all(f.error_message for f in partial_job.failed_files)
    failed_job = await get(sim_client, failed)
    assert failed_job["result"]["status"] == "error"
    assert failed_job["result"]["error_code"] == "import_failed"
    assert "x.mp4" in failed_job["result"]["error_message"]


async def test_agent_outcomes_follow_the_prompt(sim_client, sim_world, sim_clock):
    impossible = await submit_agent(sim_client, sim_world, "Do the impossible")
    timeout = await submit_agent(sim_client, sim_world, "timeout please")
    nothing = await submit_agent(sim_client, sim_world, "Check it, no changes")
    await sim_clock.advance(AGENT_MAX_S)
    failed = await get(sim_client, impossible)
    assert failed["result"]["status"] == "error"
    assert failed["result"]["error_code"] == "agent_execution_failed"
    assert (await get(sim_client, timeout))["result"]["error_code"] == "agent_timeout"
    unchanged = await get(sim_client, nothing)
    assert unchanged["result"] == {**unchanged["result"], "status": "success"}
    assert unchanged["result"]["project_changed"] is False


async def test_publish_success_reuses_share_url_and_broken_render_fails(
    sim_client, sim_world, sim_clock
):
    project = next(p for p in sim_world.projects.values() if p.name == "Interview with Ada")
    sim_world.add_project("Broken", compositions=["Broken render"])
    broken = next(p for p in sim_world.projects.values() if p.name == "Broken")
    ids = []
    for body in ({"project_id": project.id}, {"project_id": project.id}, {"project_id": broken.id}):
        response = await sim_client.post("/jobs/publish", json=body)
        assert response.status_code == 201
        ids.append(response.json()["job_id"])
    await sim_clock.advance(20)
    running = await get(sim_client, ids[0])
    assert running["progress"]["composition_id"] == project.compositions[0].id
    await sim_clock.advance(120)
    first, second, failed = [await get(sim_client, i) for i in ids]
    assert first["result"]["status"] == "success"
    assert first["result"]["share_url"] == second["result"]["share_url"]
    assert first["result"]["download_url"] != second["result"]["download_url"]
    assert failed["result"] == {"status": "error", "error_message": "Export failed during render"}


async def test_cancel_answers_204_then_reads_cancelled(sim_client, sim_world, sim_clock):
    job_id = await submit_agent(sim_client, sim_world, "Add captions")
    await sim_clock.advance(10)
    response = await sim_client.delete(f"/jobs/{job_id}")
    assert response.status_code == 204
    assert response.content == b""
    job = await get(sim_client, job_id)
    assert job["job_state"] == "cancelled"
    assert job["stopped_at"] and "result" not in job and "progress" not in job
    await sim_clock.advance(AGENT_MAX_S)
    assert (await get(sim_client, job_id))["job_state"] == "cancelled"


async def test_cancel_of_a_stopped_job_is_409(sim_client, sim_world, sim_clock):
    job_id = await submit_agent(sim_client, sim_world, "Add captions")
    await sim_clock.advance(AGENT_MAX_S)
    response = await sim_client.delete(f"/jobs/{job_id}")
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert (await get(sim_client, job_id))["job_state"] == "stopped"


async def test_retention_hides_jobs_older_than_30_days(sim_client, sim_world, sim_clock):
    job_id = await submit_agent(sim_client, sim_world, "Add captions")
    await sim_clock.advance(29 * 86400)
    assert (await sim_client.get(f"/jobs/{job_id}")).status_code == 200
    listed = await sim_client.get("/jobs", params={"created_after": "2026-11-25T00:00:00Z"})
    assert [j["job_id"] for j in listed.json()["data"]] == [job_id]
    await sim_clock.advance(2 * 86400)
    gone = await sim_client.get(f"/jobs/{job_id}")
    assert gone.status_code == 404
    assert gone.json()["error"] == "not_found"
    listed = await sim_client.get("/jobs", params={"created_after": "2026-12-25T12:00:00Z"})
    assert listed.json()["data"] == []
    assert (await sim_client.delete(f"/jobs/{job_id}")).status_code == 404


async def test_job_state_is_a_pure_function_of_the_seeded_request():
    async def run() -> list[dict]:
        clock = ManualClock()
        world = World.empty(clock, seed=7)
        world.add_project("P", compositions=["C"])
        from tui.simulator.app import create_app

        app = create_app(world)
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": "Bearer demo-token"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sim/v1", headers=headers
        ) as client:
            project = next(iter(world.projects))
            await client.post("/jobs/agent", json={"project_id": project, "prompt": "captions"})
            seen = []
            for _ in range(6):
                await clock.advance(30)
                seen.append((await client.get("/jobs")).json())
            return seen

    assert await run() == await run()


async def test_a_stuck_request_stalls_its_progress_for_45_minutes(sim_client, sim_clock):
    job_id = await submit_import(sim_client, {"a.mp4": "https://cdn.example/stuck/a.mp4"})

    async def progress() -> tuple[str, str | None]:
        body = (await sim_client.get(f"/jobs/{job_id}")).json()
        return body["job_state"], body.get("progress", {}).get("last_update_at")

    await sim_clock.advance(IMPORT_MAX_S)  # past any unstalled run: still running
    state, stalled_at = await progress()
    assert state == "running" and stalled_at is not None
    await sim_clock.advance(40 * 60)
    assert await progress() == ("running", stalled_at)  # not one step in 40 minutes
    await sim_clock.advance(10 * 60 + IMPORT_MAX_S)
    assert (await progress())[0] == "stopped"
