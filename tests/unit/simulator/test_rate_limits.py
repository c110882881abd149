"""The documented rate limits, with their headers, on the simulator's clock."""

from __future__ import annotations

from tui.simulator.world import OTHER_DRIVE_TOKEN


def agent_body(sim_world) -> dict:
    return {"project_id": next(iter(sim_world.projects)), "prompt": "add captions"}


async def test_agent_edits_10_per_minute_per_token(
    sim_client, make_sim_client, sim_world, sim_clock
):
    for i in range(10):
        response = await sim_client.post("/jobs/agent", json=agent_body(sim_world))
        assert response.status_code == 201
        assert response.headers["X-RateLimit-Consumed"] == str(i + 1)
        assert response.headers["X-RateLimit-Remaining"] == str(9 - i)
        await sim_clock.advance(1)
    refused = await sim_client.post("/jobs/agent", json=agent_body(sim_world))
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limit_exceeded"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Consumed"] == "10"
    # The oldest of the ten was 10 s ago: it leaves the 60 s window in 50 s.
    assert refused.headers["Retry-After"] == "50"
    other = make_sim_client(token=OTHER_DRIVE_TOKEN)
    assert (
        await other.post("/jobs/agent", json={"project_name": "X", "prompt": "y"})
    ).status_code == 201
    await sim_clock.advance(50)
    assert (await sim_client.post("/jobs/agent", json=agent_body(sim_world))).status_code == 201


async def test_imports_have_their_own_window(sim_client, sim_world):
    body = {"project_name": "A", "add_media": {"a.mp4": {"url": "https://x.example/a.mp4"}}}
    for _ in range(10):
        assert (await sim_client.post("/jobs/import/project_media", json=body)).status_code == 201
    refused = await sim_client.post("/jobs/import/project_media", json=body)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert (await sim_client.post("/jobs/agent", json=agent_body(sim_world))).status_code == 201


async def test_job_status_20_per_second_per_user(sim_client, sim_world, sim_clock):
    created = await sim_client.post("/jobs/agent", json=agent_body(sim_world))
    job_id = created.json()["job_id"]
    for i in range(20):
        response = await sim_client.get(f"/jobs/{job_id}")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Remaining"] == str(19 - i)
    refused = await sim_client.get(f"/jobs/{job_id}")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert all(h in refused.headers for h in ("X-RateLimit-Remaining", "X-RateLimit-Consumed"))
    await sim_clock.advance(1)
    assert (await sim_client.get(f"/jobs/{job_id}")).status_code == 200


async def test_unlimited_endpoints_carry_no_budget_headers(sim_client):
    response = await sim_client.get("/jobs")
    assert "X-RateLimit-Remaining" not in response.headers


async def test_limits_can_be_switched_off_for_benchmarks(
    sim_client, make_sim_client, sim_app, sim_world
):
    control = make_sim_client(token=None)
    await control.post("http://simulator.local/_sim/limits", json={"enabled": False})
    job_id = (await sim_client.post("/jobs/agent", json=agent_body(sim_world))).json()["job_id"]
    for _ in range(50):
        assert (await sim_client.get(f"/jobs/{job_id}")).status_code == 200
