"""How fast the simulator answers in-process, with few jobs and with 50,000 held.

    .venv/bin/python benchmarks/simulator_speed.py [--requests 5000] [--jobs 50000]

Job-status GETs go through httpx.AsyncClient + httpx.ASGITransport (the path every test
and the in-process demo use), on a frozen ManualClock with the rate limits switched off
(20/s per user would otherwise be the figure). Each figure is the best of three rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.api.clock import ManualClock
from tui.simulator.app import IN_PROCESS_BASE_URL, create_app
from tui.simulator.demo import add_bulk_jobs, demo_world
from tui.simulator.world import DEMO_DRIVE_ID, DEMO_USER_ID, RETENTION_S

ROUNDS = 3


async def status_rate(client: httpx.AsyncClient, job_ids: list[str], requests: int) -> float:
    """Job-status GETs per second, 10 in flight at a time (a busy poller)."""
    rng = random.Random(0)
    targets = [rng.choice(job_ids) for _ in range(requests)]
    best = 0.0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for i in range(0, requests, 10):
            answers = await asyncio.gather(*(client.get(f"/jobs/{j}") for j in targets[i : i + 10]))
            assert all(a.status_code == 200 for a in answers)
        best = max(best, requests / (time.perf_counter() - start))
    return best


async def asgi_rate(app: object, job_ids: list[str], requests: int) -> float:
    """The app alone: job-status requests per second called as raw ASGI (no httpx)."""
    headers = [(b"authorization", b"Bearer demo-token"), (b"host", b"simulator.local")]
    statuses: list[int] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    best = 0.0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for i in range(requests):
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": f"/v1/jobs/{job_ids[i % len(job_ids)]}",
                "raw_path": b"",
                "query_string": b"",
                "root_path": "",
                "headers": headers,
                "server": ("simulator.local", 80),
                "client": ("127.0.0.1", 1),
            }
            await app(scope, receive, send)  # type: ignore[operator]
        best = max(best, requests / (time.perf_counter() - start))
    assert set(statuses) == {200}
    return best


async def list_page_ms(client: httpx.AsyncClient, pages: int = 20) -> float:
    """Mean milliseconds per GET /jobs?limit=100 page, walking `pages` pages deep."""
    best = float("inf")
    for _ in range(ROUNDS):
        cursor = None
        fetched = 0
        start = time.perf_counter()
        for _ in range(pages):
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/jobs", params=params)).json()
            fetched += 1
            cursor = page["pagination"].get("next_cursor")
            if not cursor:
                break
        best = min(best, (time.perf_counter() - start) * 1000 / fetched)
    return best


async def measure(extra_jobs: int, requests: int) -> dict[str, float]:
    clock = ManualClock()
    world = demo_world(0, clock)
    started = time.perf_counter()
    if extra_jobs:
        add_bulk_jobs(world, world.users[DEMO_USER_ID], extra_jobs, state="mixed")
    added_s = time.perf_counter() - started
    app = create_app(world, rate_limits=False)
    now = world.now_ts()
    job_ids = [
        j.job_id
        for j in world.jobs.values()
        if j.drive_id == DEMO_DRIVE_ID and now - j.created_at < RETENTION_S
    ]
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": "Bearer demo-token"}
    async with httpx.AsyncClient(
        transport=transport, base_url=IN_PROCESS_BASE_URL, headers=headers
    ) as client:
        rate = await status_rate(client, job_ids, requests)
        page_ms = await list_page_ms(client)
    raw = await asgi_rate(app, job_ids, requests)
    return {
        "jobs": len(world.jobs),
        "status_rps": rate,
        "asgi_rps": raw,
        "page_ms": page_ms,
        "add_s": added_s,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=50_000)
    args = parser.parse_args()
    small = await measure(0, args.requests)
    large = await measure(args.jobs, args.requests)
    print(
        f"{'jobs held':>10}  {'status GET/s (httpx)':>20}  {'status/s (app alone)':>20}"
        f"  {'GET /jobs?limit=100':>19}"
    )
    for row in (small, large):
        print(
            f"{row['jobs']:>10,}  {row['status_rps']:>20,.0f}  {row['asgi_rps']:>20,.0f}"
            f"  {row['page_ms']:>16.2f} ms"
        )
    print(f"adding {args.jobs:,} jobs took {large['add_s']:.2f} s")
    slowdown = small["status_rps"] / large["status_rps"]
    print(f"status throughput with {large['jobs']:,} jobs: {1 / slowdown:.0%} of the small world")


if __name__ == "__main__":
    asyncio.run(main())
