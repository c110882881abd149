"""The client records the request ids the server sent, and which job a submit created."""

from __future__ import annotations

import random

import httpx
import pytest

from tests.conftest import SIM_BASE_URL
from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.errors import NotFoundError
from tui.api.requests import AgentRequest
from tui.simulator.world import DEMO_TOKEN


class Recording(httpx.AsyncBaseTransport):
    """The simulator's transport, noting each answer's X-Request-Id as it went by."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.sent.append(response.headers["x-request-id"])
        return response


async def test_each_call_in_the_log_has_the_request_id_its_answer_carried(
    sim_transport: httpx.ASGITransport, sim_clock: ManualClock
) -> None:
    wire = Recording(sim_transport)
    client = DescriptClient(
        DEMO_TOKEN, base_url=SIM_BASE_URL, transport=wire, clock=sim_clock, rng=random.Random(0)
    )
    async with client:
        created = await client.agent_edit(
            AgentRequest(prompt="Remove filler words", project_name="Ids")
        )
        await client.get_job(created.job_id)
        with pytest.raises(NotFoundError):
            await client.get_job("no-such-job")
    entries = client.activity.entries()
    assert [e.request_ids for e in entries] == [{"X-Request-Id": rid} for rid in wire.sent]
    assert len(set(wire.sent)) == 3
    post, get, missing = entries
    assert post.job_id == created.job_id and post.is_about(created.job_id)
    assert get.is_about(created.job_id) and get.job_id is None
    assert missing.status == 404 and missing.request_id == wire.sent[2]
