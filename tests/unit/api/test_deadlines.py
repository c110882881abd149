"""An overall deadline per request: a server trickling its answer is cut off (real socket)."""

from __future__ import annotations

import asyncio

import pytest

from tests.unit.api.hostile import trickling_server
from tui.api.client import DescriptClient
from tui.api.errors import OutcomeUnknownError, TransportError
from tui.api.requests import AgentRequest
from tui.api.retry import RetryPolicy

TOKEN = "sk-trickle-0123456789"
# A failure must fail, not hang for the trickle's 80 minutes.
GUARD_S = 30.0


async def test_a_trickled_get_is_cut_at_the_deadline_and_names_the_base_url() -> None:
    with trickling_server() as base_url:
        async with DescriptClient(
            TOKEN, base_url=base_url, request_timeout=0.3, retry=RetryPolicy(max_attempts=2)
        ) as api:
            with pytest.raises(TransportError) as caught:
                await asyncio.wait_for(api.get_job("j1"), GUARD_S)
            entries = api.activity.entries()
    message = str(caught.value)
    assert base_url in message and "no complete answer within 0.3 s" in message
    assert caught.value.attempts == 2  # a GET is retried once more, then given up
    assert [e.status for e in entries] == [None, None]
    assert TOKEN not in message


async def test_a_trickled_post_is_outcome_unknown_never_resent() -> None:
    with trickling_server() as base_url:
        async with DescriptClient(TOKEN, base_url=base_url, request_timeout=0.3) as api:
            with pytest.raises(OutcomeUnknownError) as caught:
                await asyncio.wait_for(
                    api.agent_edit(AgentRequest(prompt="captions", project_id="p1")), GUARD_S
                )
            sent = len(api.activity.entries())
    assert "no complete answer" in str(caught.value)
    assert sent == 1
