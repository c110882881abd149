"""The request log: what is recorded for each request, and the pure budget checks over it."""

from __future__ import annotations

from dataclasses import replace

from tests.conftest import sim_async_client
from tui.simulator.app import create_app
from tui.simulator.requestlog import (
    LimitRules,
    LoggedRequest,
    limit_violations,
    repeated_requests,
    token_hash,
)
from tui.simulator.world import DEMO_TOKEN, OTHER_DRIVE_TOKEN

A = token_hash("token-a")
B = token_hash("token-b")


def entry(seq: int, t: float, method: str = "GET", path: str = "/v1/jobs", **kw) -> LoggedRequest:
    base = LoggedRequest(
        seq=seq,
        at="2026-11-25T12:00:00.000Z",
        t=t,
        method=method,
        path=path,
        query="",
        status=200,
        user="Demo User",
        token_hash=A,
        job_id=None,
        retry_after=None,
        fault=None,
    )
    return replace(base, **kw)


def status_get(seq: int, t: float, job: str, **kw) -> LoggedRequest:
    return entry(seq, t, path=f"/v1/jobs/{job}", job_id=job, **kw)


def test_twenty_reads_a_second_pass_and_the_twenty_first_is_named():
    # Status GETs and list pages share the 20/s budget.
    log = [status_get(i, i * 0.04, f"job-{i}") for i in range(1, 16)]
    log += [entry(i, 0.6 + i * 0.01) for i in range(16, 21)]
    assert limit_violations(log) == []
    log.append(entry(21, 0.95))
    found = limit_violations(log)
    assert [(v.rule, v.seq) for v in found] == [("status_rate", 21)]
    # A second later the window has moved on.
    assert limit_violations([*log[:20], entry(21, 1.05)]) == []


def test_budgets_are_per_token():
    log = [entry(i, i * 0.01, token_hash=A if i % 2 else B) for i in range(1, 41)]
    assert limit_violations(log) == []


def test_a_job_polled_under_three_seconds_apart():
    log = [status_get(1, 0.0, "j1"), status_get(2, 3.0, "j1"), status_get(3, 5.5, "j1")]
    found = limit_violations(log)
    assert [(v.rule, v.seq) for v in found] == [("poll_gap", 3)]
    assert "j1 2.500 s" in found[0].detail
    # Other jobs, and the same job under another token, are not the same poll.
    assert limit_violations([status_get(1, 0, "j1"), status_get(2, 1, "j2")]) == []
    assert limit_violations([status_get(1, 0, "j1"), status_get(2, 1, "j1", token_hash=B)]) == []


def test_ten_imports_and_ten_agent_edits_per_minute():
    imports = [entry(i, i * 5.0, "POST", "/v1/jobs/import/project_media") for i in range(1, 11)]
    agents = [entry(i + 10, i * 5.0, "POST", "/v1/jobs/agent") for i in range(1, 11)]
    assert limit_violations(imports + agents) == []
    extra = entry(21, 55.0, "POST", "/v1/jobs/import/project_media")
    assert [v.rule for v in limit_violations([*imports, *agents, extra])] == ["import_rate"]
    late = entry(21, 65.1, "POST", "/v1/jobs/agent")
    assert limit_violations([*imports, *agents, late]) == []
    rules = LimitRules(agent_per_60s=5)
    assert {v.seq for v in limit_violations(agents, rules)} == set(range(16, 21))


def test_requests_inside_a_retry_after():
    told = status_get(1, 10.0, "j1", status=429, retry_after=30)
    log = [told, entry(2, 25.0), status_get(3, 40.0, "j1"), entry(4, 20.0, token_hash=B)]
    found = limit_violations(log)
    assert [(v.rule, v.seq) for v in found] == [("inside_retry_after", 2)]
    assert found[0].detail.startswith("15.000 s early")


def test_requests_without_a_token_or_outside_v1_are_not_budgeted():
    log = [entry(i, i * 0.001, token_hash=None) for i in range(1, 50)]
    log += [entry(i, i * 0.001, "PUT", f"/_upload/{i}") for i in range(50, 100)]
    assert limit_violations(log) == []


def test_repeated_requests_within_a_second():
    log = [
        entry(1, 0.0, query="limit=100"),
        entry(2, 0.4, query="limit=100"),  # the same page again: repeated
        entry(3, 0.5, query="limit=100&cursor=x"),  # the next page: not
        entry(4, 0.6, query="limit=100", token_hash=B),  # another token: not
        entry(5, 1.6, query="limit=100"),  # a second after the last one: not
    ]
    found = repeated_requests(log)
    assert [(r.first_seq, r.seq) for r in found] == [(1, 2)]
    assert abs(found[0].gap_s - 0.4) < 1e-9
    assert [(r.first_seq, r.seq) for r in repeated_requests(log, within_s=1.5)] == [
        (1, 2),
        (2, 5),
    ]


async def test_the_log_records_what_the_helpers_need(sim_world, sim_clock):
    app = create_app(sim_world)
    client = sim_async_client(app, DEMO_TOKEN)
    other = sim_async_client(app, OTHER_DRIVE_TOKEN)
    async with client, other:
        project = next(iter(sim_world.projects))
        created = await client.post("/jobs/agent", json={"project_id": project, "prompt": "x"})
        job_id = created.json()["job_id"]
        await sim_clock.advance(2)
        await client.get(f"/jobs/{job_id}")
        await other.get("/jobs")
        answer = await client.get("http://simulator.local/_sim/requests", params={"limit": 10})
    entries = [LoggedRequest.from_json(e) for e in answer.json()["requests"]]
    post, get, listed = entries
    assert (post.method, post.status, post.job_id) == ("POST", 201, job_id)
    assert (get.path, get.job_id, get.t - post.t) == (f"/v1/jobs/{job_id}", job_id, 2.0)
    assert post.token_hash == token_hash(DEMO_TOKEN) != listed.token_hash
    assert listed.user == "Other User"
    assert answer.json()["last_seq"] == listed.seq
    assert DEMO_TOKEN not in answer.text and OTHER_DRIVE_TOKEN not in answer.text
    # In-process the same entries are on app.state.sim.request_log, dict-style readable too.
    logged = list(app.state.sim.request_log)
    assert logged == entries and logged[0]["method"] == "POST"
    assert limit_violations(logged) == [] and repeated_requests(logged) == []


async def test_a_429_is_logged_with_its_retry_after(sim_world, make_sim_client):
    app = create_app(sim_world)
    client = make_sim_client(app)
    for i in range(21):
        await client.get(f"/jobs/unknown-{i}")
    log = list(app.state.sim.request_log)
    assert log[-1].status == 429 and log[-1].retry_after == 1
    assert [v.rule for v in limit_violations(log)] == ["status_rate"]
