"""Callback delivery to a real loopback receiver, and the callback fault profiles."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tui.simulator.app import create_app
from tui.simulator.callbacks import CALLBACK_LATE_S, callback_fault
from tui.simulator.clock import ScaledClock
from tui.simulator.server import start_in_background
from tui.simulator.world import DEMO_TOKEN, World

AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}


class Receiver:
    """A tiny HTTP receiver on 127.0.0.1: records each POST body, answers 200."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.arrived = asyncio.Event()
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hooks/secret"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1]) for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        self.bodies.append(json.loads(await reader.readexactly(length)))
        self.arrived.set()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@pytest.fixture
async def receiver():
    receiver = Receiver()
    yield receiver
    await receiver.close()


async def test_served_simulator_posts_the_final_status_to_a_loopback_receiver(receiver):
    url = await receiver.start()
    app = create_app(World.empty(ScaledClock()), served=True)
    with start_in_background(app=app) as sim:
        async with httpx.AsyncClient(headers=AUTH, base_url=sim.base_url) as client:
            body = {"project_name": "Hooked", "prompt": "add captions", "callback_url": url}
            job_id = (await client.post("/jobs/agent", json=body)).json()["job_id"]
            await client.post(f"{sim.root_url}/_sim/clock", json={"advance": 400})
            # The server's own timer delivers it: no request of ours drives it.
            await asyncio.wait_for(receiver.arrived.wait(), timeout=10)
            final = (await client.get(f"/jobs/{job_id}")).json()
            log = (await client.get(f"{sim.root_url}/_sim/callbacks")).json()
    assert receiver.bodies == [final] and final["job_state"] == "stopped"
    assert [a["outcome"] for a in log["attempts"]] == ["delivered"]


async def test_served_simulator_never_posts_to_another_host():
    app = create_app(World.empty(ScaledClock()), served=True)
    with start_in_background(app=app) as sim:
        async with httpx.AsyncClient(headers=AUTH, base_url=sim.base_url) as client:
            body = {"project_name": "Out", "prompt": "x", "callback_url": "http://example.com/h"}
            job_id = (await client.post("/jobs/agent", json=body)).json()["job_id"]
            await client.delete(f"/jobs/{job_id}")
            await client.post(f"{sim.root_url}/_sim/tick")  # whatever the timer has not done
            log = (await client.get(f"{sim.root_url}/_sim/callbacks")).json()
    assert [a["outcome"] for a in log["attempts"]] == ["skipped: not a loopback host"]


async def test_a_dead_loopback_receiver_is_recorded_not_fatal(
    sim_world, sim_clock, make_sim_client
):
    app = create_app(sim_world)  # no transport: real loopback connections only
    client = make_sim_client(app)
    project = next(iter(sim_world.projects))
    body = {"project_id": project, "prompt": "x", "callback_url": "http://127.0.0.1:9/none"}
    job_id = (await client.post("/jobs/agent", json=body)).json()["job_id"]
    await client.delete(f"/jobs/{job_id}")
    assert await app.state.sim.callbacks.tick() == 1
    attempt = app.state.sim.callbacks.log[0]
    assert attempt["outcome"] == "error: ConnectError"
    assert (await client.get("/status")).status_code == 200


def recording() -> tuple[httpx.MockTransport, list[dict]]:
    seen: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200)

    return httpx.MockTransport(handler), seen


async def faulty_app(sim_world, make_sim_client, profile: str):
    transport, seen = recording()
    app = create_app(sim_world, callback_transport=transport)
    client = make_sim_client(app)
    await client.post("http://simulator.local/_sim/faults", json={"callbacks": profile})
    return app, client, seen


async def submit(client: httpx.AsyncClient, sim_world: World, n: int = 1) -> list[str]:
    project = next(iter(sim_world.projects))
    ids = []
    for i in range(n):
        body = {"project_id": project, "prompt": f"edit {i}", "callback_url": "http://h.test/c"}
        ids.append((await client.post("/jobs/agent", json=body)).json()["job_id"])
    return ids


async def test_duplicated_callbacks_arrive_twice(sim_world, sim_clock, make_sim_client):
    app, client, seen = await faulty_app(sim_world, make_sim_client, "duplicated")
    (job_id,) = await submit(client, sim_world)
    await client.delete(f"/jobs/{job_id}")
    assert await app.state.sim.callbacks.tick() == 2
    assert [s["job_id"] for s in seen] == [job_id, job_id] and seen[0] == seen[1]
    log = (await client.get("http://simulator.local/_sim/callbacks")).json()
    assert [a["outcome"] for a in log["attempts"]] == ["delivered", "delivered (duplicate)"]
    assert log["fault"] == "duplicated"


async def test_lost_callbacks_never_arrive_but_are_recorded(sim_world, sim_clock, make_sim_client):
    app, client, seen = await faulty_app(sim_world, make_sim_client, "lost")
    (job_id,) = await submit(client, sim_world)
    await client.delete(f"/jobs/{job_id}")
    for _ in range(5):
        await app.state.sim.callbacks.tick()
        await sim_clock.advance(60)
    assert seen == []
    log = (await client.get("http://simulator.local/_sim/callbacks")).json()
    assert [(a["job_id"], a["outcome"]) for a in log["attempts"]] == [(job_id, "lost (fault)")]
    assert log["pending"] == []


async def test_late_callbacks_wait_ninety_seconds(sim_world, sim_clock, make_sim_client):
    app, client, seen = await faulty_app(sim_world, make_sim_client, "late")
    (job_id,) = await submit(client, sim_world)
    await client.delete(f"/jobs/{job_id}")
    await app.state.sim.callbacks.tick()
    await sim_clock.advance(CALLBACK_LATE_S - 1)
    await app.state.sim.callbacks.tick()
    assert seen == []
    await sim_clock.advance(1)
    await app.state.sim.callbacks.tick()
    assert [s["job_id"] for s in seen] == [job_id]


async def test_out_of_order_callbacks_arrive_newest_stop_first(
    sim_world, sim_clock, make_sim_client
):
    app, client, seen = await faulty_app(sim_world, make_sim_client, "out_of_order")
    first, second = await submit(client, sim_world, 2)
    await client.delete(f"/jobs/{first}")
    await sim_clock.advance(5)
    await client.delete(f"/jobs/{second}")
    await sim_clock.advance(60)  # past every seeded delay: both due in one tick
    await app.state.sim.callbacks.tick()
    assert [s["job_id"] for s in seen] == [second, first]


def test_mixed_callback_faults_are_seeded():
    ids = [f"job-{i}" for i in range(400)]
    once = [callback_fault("mixed", 3, i) for i in ids]
    assert once == [callback_fault("mixed", 3, i) for i in ids]
    assert once != [callback_fault("mixed", 4, i) for i in ids]
    assert {"none", "late", "duplicated", "lost", "out_of_order"} == set(once)
    assert 20 <= once.count("lost") <= 60  # about 10 %


async def test_unknown_callback_profile_is_refused(sim_world, make_sim_client):
    client = make_sim_client(create_app(sim_world), token=None)
    answer = await client.post("http://simulator.local/_sim/faults", json={"callbacks": "often"})
    assert answer.status_code == 400


async def test_switching_callback_faults_leaves_the_request_faults_alone(
    sim_world, make_sim_client
):
    app = create_app(sim_world)
    control = make_sim_client(app, token=None)
    root = "http://simulator.local/_sim/faults"
    await control.post(root, json={"profile": "trickle", "trickle_delay_s": 0.1, "seed": 5})
    state = (await control.post(root, json={"callbacks": "mixed"})).json()
    assert state == {
        "profile": "trickle",
        "seed": 5,
        "trickle_delay_s": 0.1,
        "hold_methods": ["POST"],
        "callbacks": "mixed",
    }
    assert (await control.get(root)).json() == state
