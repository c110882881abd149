"""callback_url: the final status JSON is POSTed when a job stops, with retries."""

from __future__ import annotations

import json

import httpx

from tui.simulator.app import create_app
from tui.simulator.callbacks import MAX_ATTEMPTS


def recording_transport(fail_first: int = 0) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503 if len(seen) <= fail_first else 200)

    return httpx.MockTransport(handler), seen


async def test_callback_carries_the_final_status(sim_world, sim_clock, make_sim_client):
    transport, seen = recording_transport()
    app = create_app(sim_world, callback_transport=transport)
    client = make_sim_client(app)
    project = next(iter(sim_world.projects))
    created = await client.post(
        "/jobs/agent",
        json={
            "project_id": project,
            "prompt": "captions",
            "callback_url": "https://hooks.example/d",
        },
    )
    job_id = created.json()["job_id"]
    await app.state.sim.callbacks.tick()
    assert seen == []  # still running: nothing to say yet
    await sim_clock.advance(180)
    await app.state.sim.callbacks.tick()
    assert len(seen) == 1
    assert str(seen[0].url) == "https://hooks.example/d"
    payload = json.loads(seen[0].content)
    assert payload == (await client.get(f"/jobs/{job_id}")).json()
    assert payload["job_state"] == "stopped"
    await sim_clock.advance(600)
    await app.state.sim.callbacks.tick()
    assert len(seen) == 1  # delivered once


async def test_failed_deliveries_are_retried_then_given_up(sim_world, sim_clock, make_sim_client):
    transport, seen = recording_transport(fail_first=100)
    app = create_app(sim_world, callback_transport=transport)
    client = make_sim_client(app)
    created = await client.post(
        "/jobs/agent",
        json={"project_name": "N", "prompt": "x", "callback_url": "https://hooks.example/d"},
    )
    await client.delete(f"/jobs/{created.json()['job_id']}")
    for _ in range(12):
        await app.state.sim.callbacks.tick()
        await sim_clock.advance(60)
    assert len(seen) == MAX_ATTEMPTS
    assert json.loads(seen[0].content)["job_state"] == "cancelled"
    log = (await client.get("http://simulator.local/_sim/callbacks")).json()
    assert [a["outcome"] for a in log["attempts"]] == ["status 503"] * MAX_ATTEMPTS
    assert log["pending"] == []


async def test_a_retry_that_succeeds_stops_retrying(sim_world, sim_clock, make_sim_client):
    transport, seen = recording_transport(fail_first=1)
    app = create_app(sim_world, callback_transport=transport)
    client = make_sim_client(app)
    created = await client.post(
        "/jobs/agent",
        json={"project_name": "N", "prompt": "x", "callback_url": "https://hooks.example/d"},
    )
    await client.delete(f"/jobs/{created.json()['job_id']}")
    for _ in range(10):
        await app.state.sim.callbacks.tick()
        await sim_clock.advance(30)
    assert len(seen) == 2


async def test_without_a_transport_only_loopback_is_called(sim_world, make_sim_client):
    app = create_app(sim_world)
    client = make_sim_client(app)
    created = await client.post(
        "/jobs/agent",
        json={"project_name": "N", "prompt": "x", "callback_url": "https://hooks.example/d"},
    )
    await client.delete(f"/jobs/{created.json()['job_id']}")
    await app.state.sim.callbacks.tick()
    [attempt] = app.state.sim.callbacks.log
    assert attempt["outcome"].startswith("skipped")
