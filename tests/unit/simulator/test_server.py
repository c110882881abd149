"""The served simulator on loopback: a real socket, uvicorn, the background callback loop."""

from __future__ import annotations

import time

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.simulator.server import start_in_background

HEADERS = {"Authorization": "Bearer demo-token"}


def test_serves_the_api_and_delivers_callbacks_on_loopback():
    received: list[dict] = []

    async def hook(request: Request) -> Response:
        received.append(await request.json())
        return Response(status_code=204)

    receiver = start_in_background(app=Starlette(routes=[Route("/hook", hook, methods=["POST"])]))
    sim = start_in_background(speed=1.0, seed=0)
    try:
        assert sim.base_url.startswith("http://127.0.0.1:") and sim.base_url.endswith("/v1")
        with httpx.Client(base_url=sim.base_url, headers=HEADERS, timeout=5) as client:
            assert client.get("/status").json() == {"status": "ok"}
            jobs = client.get("/jobs").json()["data"]
            assert len(jobs) == 20
            created = client.post(
                "/jobs/agent",
                json={
                    "project_name": "Live",
                    "prompt": "add captions",
                    "callback_url": f"{receiver.root_url}/hook",
                },
            )
            assert created.status_code == 201
            job_id = created.json()["job_id"]
            assert client.delete(f"/jobs/{job_id}").status_code == 204
            deadline = time.monotonic() + 5
            while not received and time.monotonic() < deadline:
                time.sleep(0.05)
            assert received and received[0]["job_id"] == job_id
            assert received[0]["job_state"] == "cancelled"
            # The control surface moves the scaled clock.
            state = httpx.post(f"{sim.root_url}/_sim/clock", json={"freeze": True}).json()
            assert state["frozen"] is True and state["clock"] == "ScaledClock"
    finally:
        sim.stop()
        receiver.stop()
    assert not sim._thread.is_alive()
