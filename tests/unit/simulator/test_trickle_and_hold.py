"""The `trickle` and `hold` fault profiles, in-process and served on a loopback socket."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tui.simulator.app import create_app
from tui.simulator.clock import ScaledClock
from tui.simulator.server import start_in_background
from tui.simulator.world import DEMO_TOKEN, World

AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}


async def switch(client: httpx.AsyncClient, root: str, **body: object) -> dict:
    answer = await client.post(f"{root}/_sim/faults", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_hold_in_process_creates_the_job_and_never_answers(sim_world, make_sim_client):
    app = create_app(sim_world)
    client = make_sim_client(app)
    await switch(client, "http://simulator.local", profile="hold")
    project = next(iter(sim_world.projects))
    with pytest.raises(httpx.ReadTimeout):
        await client.post("/jobs/agent", json={"project_id": project, "prompt": "captions"})
    assert (await client.get("/jobs")).status_code == 200  # reads are not held
    assert len(sim_world.jobs) == 1  # the POST did its work; only its answer was lost
    held = next(iter(app.state.sim.request_log))
    assert (held.method, held.status, held.fault) == ("POST", None, "hold")
    await switch(client, "http://simulator.local", profile="none")
    created = await client.post("/jobs/agent", json={"project_id": project, "prompt": "x"})
    assert created.status_code == 201


async def test_hold_methods_are_configurable(sim_world, make_sim_client):
    client = make_sim_client(create_app(sim_world))
    state = await switch(client, "http://simulator.local", profile="hold", hold_methods=["delete"])
    assert state["hold_methods"] == ["DELETE"]
    project = next(iter(sim_world.projects))
    created = await client.post("/jobs/agent", json={"project_id": project, "prompt": "x"})
    with pytest.raises(httpx.ReadTimeout):
        await client.delete(f"/jobs/{created.json()['job_id']}")
    assert (await client.get(f"/jobs/{created.json()['job_id']}")).json()["job_state"] == (
        "cancelled"
    )


async def test_trickle_in_process_still_answers_in_full(sim_world, make_sim_client):
    client = make_sim_client(create_app(sim_world))
    state = await switch(client, "http://simulator.local", profile="trickle", trickle_delay_s=2)
    assert state["profile"] == "trickle" and state["trickle_delay_s"] == 2.0
    answer = await client.get("/status")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


async def test_bad_fault_settings_are_refused(sim_world, make_sim_client):
    client = make_sim_client(create_app(sim_world), token=None)
    for body in ({"profile": "sometimes"}, {"profile": "trickle", "trickle_delay_s": -1}):
        answer = await client.post("http://simulator.local/_sim/faults", json=body)
        assert answer.status_code == 400


@pytest.fixture
def served():
    app = create_app(World.empty(ScaledClock()), served=True)
    with start_in_background(app=app) as running:
        yield running


async def read_body_chunks(host: str, port: int, path: str) -> list[bytes]:
    """GET `path` on a raw socket; the body as the reads that brought it."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {DEMO_TOKEN}\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))
                 .split(b":")[1])
    chunks: list[bytes] = []
    while sum(map(len, chunks)) < length:
        chunk = await reader.read(length)
        if not chunk:
            break
        chunks.append(chunk)
    writer.close()
    return chunks


async def test_served_trickle_sends_the_body_a_byte_at_a_time(served):
    async with httpx.AsyncClient() as control:
        await switch(control, served.root_url, profile="trickle", trickle_delay_s=0.02)
    chunks = await read_body_chunks(served.host, served.port, "/v1/status")
    assert b"".join(chunks) == b'{"status":"ok"}'
    # 15 bytes 20 ms apart cannot arrive in one read.
    assert len(chunks) > 1 and max(map(len, chunks)) < 15


async def test_served_hold_keeps_the_answer_until_the_client_gives_up(served):
    async with httpx.AsyncClient(headers=AUTH) as client:
        await switch(client, served.root_url, profile="hold")
        body = {"project_name": "Held", "prompt": "add captions"}
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"{served.base_url}/jobs/agent", json=body, timeout=0.5)
        listed = await client.get(f"{served.base_url}/jobs")  # GETs are not held
    assert [j["job_type"] for j in listed.json()["data"]] == ["agent"]
