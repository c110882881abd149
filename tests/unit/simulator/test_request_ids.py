"""Every answer of the simulator names itself with `X-Request-Id`, as real APIs do."""

from __future__ import annotations

import httpx

from tests.conftest import sim_async_client
from tui.api.clock import ManualClock
from tui.simulator.app import create_app
from tui.simulator.demo import demo_world


async def test_every_answer_carries_its_own_request_id(make_sim_client) -> None:
    client = make_sim_client()
    answers = [
        await client.get("/jobs"),
        await client.get("/jobs/no-such-job"),  # an error answer too
        await client.post("/jobs/agent", json={}),  # a 400
    ]
    ids = [answer.headers.get("X-Request-Id") for answer in answers]
    assert [a.status_code for a in answers] == [200, 404, 400]
    assert ids == ["sim-00000001", "sim-00000002", "sim-00000003"]


async def test_injected_faults_carry_one_too() -> None:
    clock = ManualClock()
    app = create_app(demo_world(0, clock), faults="storm", seed=1)
    seen: dict[int, set[str]] = {}
    async with sim_async_client(app) as client:
        for _ in range(60):
            try:
                answer = await client.get("/status")
            except httpx.TransportError:
                continue
            seen.setdefault(answer.status_code, set()).add(answer.headers["x-request-id"])
            await clock.advance(1)
    assert 429 in seen and 200 in seen  # the storm's refusals and the answers between
    every = [rid for ids in seen.values() for rid in ids]
    assert len(every) == len(set(every))
