"""Properties of the whole client under any script of server answers (Hypothesis).

Many agent edits run at once; the server answers each attempt of each edit from a drawn
script (201, 429 with any Retry-After, 4xx, 5xx, connect error, read timeout). Whatever
the script, in virtual time:
- no 60 s window holds more than 10 POSTs (retries included);
- an edit whose answer was a 4xx other than 429 is never sent again;
- an edit whose body went out without an answer is never sent again (outcome unknown);
- every call ends, with a JobCreated or a DescriptError, and the log has one entry per send.
"""

from __future__ import annotations

import asyncio
import json
import random

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.errors import DescriptError, OutcomeUnknownError
from tui.api.models import JobCreated
from tui.api.requests import AgentRequest

ANSWERS = st.one_of(
    st.just(("created", None)),
    st.tuples(
        st.just("429"),
        st.one_of(st.none(), st.sampled_from(["0", "-1", "1", "2.5", "7", "nan", "soon", "500"])),
    ),
    st.tuples(st.just("status"), st.sampled_from([400, 401, 402, 403, 404, 422, 500, 502, 503])),
    st.just(("connect_error", None)),
    st.just(("read_timeout", None)),
)


def respond(answer: tuple[str, object], n: int) -> httpx.Response:
    kind, value = answer
    if kind == "created":
        return httpx.Response(
            201,
            json={"job_id": f"job-{n}", "drive_id": "d", "project_id": "p", "project_url": "u"},
        )
    if kind == "429":
        headers = {} if value is None else {"Retry-After": str(value)}
        return httpx.Response(429, json={"error": "rate_limit_exceeded"}, headers=headers)
    if kind == "connect_error":
        raise httpx.ConnectError("refused")
    if kind == "read_timeout":
        raise httpx.ReadTimeout("no answer")
    return httpx.Response(int(value), json={"error": "e", "message": "m"})


@settings(max_examples=30, deadline=None)
@given(
    scripts=st.lists(st.lists(ANSWERS, min_size=1, max_size=6), min_size=1, max_size=14),
    seed=st.integers(0, 1000),
)
def test_property_any_answer_script_keeps_every_promise(scripts, seed) -> None:
    clock = ManualClock(auto_advance=True)
    sends: list[tuple[float, int, tuple[str, object]]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        n = int(json.loads(request.content)["prompt"].split()[-1])
        attempt = sum(1 for _, m, _ in sends if m == n)
        script = scripts[n]
        answer = script[min(attempt, len(script) - 1)]
        sends.append((clock.monotonic(), n, answer))
        return respond(answer, n)

    async def scenario() -> list[object]:
        async with DescriptClient(
            "tok",
            base_url="https://api.test/v1",
            transport=httpx.MockTransport(handler),
            clock=clock,
            rng=random.Random(seed),
        ) as api:
            calls = [
                api.agent_edit(AgentRequest(prompt=f"edit {n}", project_id="p"))
                for n in range(len(scripts))
            ]
            results = await asyncio.gather(*calls, return_exceptions=True)
            assert len(api.activity) == len(sends)
            return results

    results = asyncio.run(scenario())

    times = sorted(t for t, _, _ in sends)
    assert all(times[i + 10] - times[i] >= 60.0 for i in range(len(times) - 10))
    for n, result in enumerate(results):
        assert isinstance(result, JobCreated | DescriptError), result
        mine = [answer for _, m, answer in sends if m == n]
        for i, (kind, value) in enumerate(mine):
            final = i == len(mine) - 1
            if kind == "status" and int(value) < 500:
                assert final, f"edit {n} resent after a {value}"
            if kind == "read_timeout":
                assert final, f"edit {n} resent after its body went out"
                assert isinstance(result, OutcomeUnknownError)
            if kind == "created":
                assert final and isinstance(result, JobCreated)
