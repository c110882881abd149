"""ScaledClock and the /_sim control surface."""

from __future__ import annotations

import time

from tui.simulator.clock import ScaledClock

SIM = "http://simulator.local/_sim"


def test_scaled_clock_runs_faster_freezes_and_jumps():
    clock = ScaledClock(speed=1000)
    start = clock.monotonic()
    time.sleep(0.01)
    assert clock.monotonic() - start >= 5  # 10 ms real at x1000
    clock.freeze()
    frozen = clock.monotonic()
    time.sleep(0.005)
    assert clock.monotonic() == frozen
    clock.advance(60)
    assert clock.monotonic() == frozen + 60
    assert (clock.now() - clock.now()).total_seconds() == 0
    clock.unfreeze()
    clock.set_speed(1)
    assert clock.monotonic() >= frozen + 60


async def test_scaled_clock_sleep_is_scaled():
    clock = ScaledClock(speed=100)
    real = time.monotonic()
    await clock.sleep(2)  # 20 ms real
    assert time.monotonic() - real < 1


async def test_control_clock_advance_moves_jobs(sim_client, make_sim_client, sim_world):
    control = make_sim_client(token=None)
    project = next(iter(sim_world.projects))
    job_id = (
        await sim_client.post("/jobs/agent", json={"project_id": project, "prompt": "x"})
    ).json()["job_id"]
    state = await control.post(f"{SIM}/clock", json={"advance": 200})
    assert state.json()["now"] == "2026-11-25T12:03:20.000Z"
    assert (await sim_client.get(f"/jobs/{job_id}")).json()["job_state"] == "stopped"
    back = await control.post(f"{SIM}/clock", json={"set": "2026-11-25T00:00:00Z"})
    assert back.status_code == 400


async def test_request_log_records_without_tokens(sim_client, make_sim_client):
    await sim_client.get("/status")
    await make_sim_client(token="secret-token").get("/status")
    control = make_sim_client(token=None)
    log = (await control.get(f"{SIM}/requests")).json()["requests"]
    assert [(e["path"], e["status"], e["user"]) for e in log] == [
        ("/v1/status", 200, "Demo User"),
        ("/v1/status", 401, "unknown token"),
    ]
    assert "secret-token" not in str(log) and "demo-token" not in str(log)


async def test_control_adds_bulk_jobs_and_resets(make_sim_client, sim_client):
    control = make_sim_client(token=None)
    added = await control.post(f"{SIM}/jobs", json={"count": 500, "state": "running"})
    assert added.status_code == 201 and added.json()["created"] == 500
    page = (await sim_client.get("/jobs", params={"limit": 100})).json()
    assert {j["job_state"] for j in page["data"]} == {"running"}
    state = (await control.get(f"{SIM}/state")).json()
    assert state["jobs"] == 500
    reset = (await control.post(f"{SIM}/reset", json={"world": "empty"})).json()
    assert reset["jobs"] == 0
    assert (await sim_client.get("/jobs")).json()["data"] == []
    demo = (await control.post(f"{SIM}/reset", json={"world": "demo", "seed": 2})).json()
    assert demo["jobs"] > 20 and demo["seed"] == 2


async def test_control_index_and_tick(make_sim_client):
    control = make_sim_client(token=None)
    index = (await control.get(SIM)).json()
    assert "POST /_sim/clock" in index["endpoints"]
    tick = (await control.post(f"{SIM}/tick")).json()
    assert tick == {"stopped": 0, "callbacks_attempted": 0}
