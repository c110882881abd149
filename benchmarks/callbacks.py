"""Callbacks vs polling only: N imports followed to the end, over real HTTP on loopback.

    .venv/bin/python benchmarks/callbacks.py                      # 100 imports, 4 modes, ~3 min
    .venv/bin/python benchmarks/callbacks.py --jobs 20 --max-run 15   # small: ~1.5 min

Each mode starts its own simulator with uvicorn on a loopback port (`start_in_background`,
real time: `speed=1`; its import limit off, as `POST /_sim/limits` allows for benchmarks,
so 100 imports go in at once), submits N imports with plain HTTP POSTs, then shortens each
job so it stops `--min-run`..`--max-run` s after the start (seeded: the same stops in every
mode). Then `follow_jobs` (what `import --wait` runs) follows them all with the real
`DescriptClient` and scheduler, until every stop was seen:

- `polling only`: no callback_url; the scheduler's normal schedule (5 -> 15 s, sweeps).
- `callbacks`: a `CallbackWatch` receiver on a loopback port (as `--wait --callbacks`), the
  imports carry its secret URL; the simulator delivers each callback in real time (its
  0.2 s timer). Also with the simulator's `duplicated` and `lost` callback faults: a lost
  callback is caught by the 60 s safety poll.

Figures: the time from a job's true stop (the simulator's own plan) to the final state
known here (p50/p95/max), status GETs per job (GET /jobs/{id}), list pages (GET /jobs, all
jobs together) and both together per job: the API calls each way costs.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Runs from a checkout without an install, too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.api.client import DescriptClient
from tui.api.clock import SystemClock
from tui.api.models import parse_timestamp
from tui.callbacks.wiring import CallbackWatch
from tui.commands import CliContext
from tui.commands.watch import follow_jobs
from tui.simulator.server import RunningSimulator, start_in_background
from tui.simulator.world import DEMO_TOKEN

POLLING = "polling only"
MODES = (POLLING, "callbacks", "callbacks/duplicated", "callbacks/lost")
FINISHED_WORDS = {"success", "partial", "failed", "cancelled", "finished"}


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts the status requests a follower sends: GETs of one job, and list pages."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.job_gets = 0
        self.list_pages = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            parts = request.url.path.rstrip("/").split("/")
            if parts[-1] == "jobs":
                self.list_pages += 1
            elif len(parts) >= 2 and parts[-2] == "jobs":
                self.job_gets += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Result:
    mode: str
    jobs: int
    lags: list[float] = field(default_factory=list)
    unseen: int = 0
    job_gets: int = 0
    list_pages: int = 0
    received: int = 0

    def p(self, q: float) -> float:
        data = sorted(self.lags)
        return data[min(len(data) - 1, int(q * len(data)))] if data else float("nan")


async def submit(sim: RunningSimulator, jobs: int, callback_url: str | None) -> list[str]:
    """N imports by plain POSTs (the import limit is off on this simulator)."""
    headers = {"Authorization": f"Bearer {DEMO_TOKEN}"}
    async with httpx.AsyncClient(base_url=sim.base_url, headers=headers) as http:
        await http.post(sim.base_url.rsplit("/v1", 1)[0] + "/_sim/limits", json={"enabled": False})
        ids = []
        for n in range(jobs):
            body: dict[str, object] = {
                "project_name": f"Bench {n}",
                "add_media": {"a.mp4": {"url": "https://media.example.com/a.mp4"}},
            }
            if callback_url:
                body["callback_url"] = callback_url
            answer = await http.post("/jobs/import/project_media", json=body)
            answer.raise_for_status()
            ids.append(answer.json()["job_id"])
    return ids


async def run_mode(mode: str, jobs: int, speed: float, seed: int) -> Result:
    sim = start_in_background(host="127.0.0.1", port=0, speed=speed, seed=seed)
    ctx = CliContext(stdout=io.StringIO(), stderr=io.StringIO(), clock=SystemClock())
    watch: CallbackWatch | None = None
    try:
        if mode != POLLING:
            fault = mode.split("/")[1] if "/" in mode else "none"
            control = sim.base_url.rsplit("/v1", 1)[0] + "/_sim/faults"
            async with httpx.AsyncClient() as http:
                (await http.post(control, json={"callbacks": fault})).raise_for_status()
            watch = CallbackWatch(clock=ctx.clock, port=0)
            await watch.start()
        ids = await submit(sim, jobs, watch.callback_url if watch else None)
        for job_id in ids:
            if watch is not None:
                watch.expect(job_id)
        seen: dict[str, float] = {}

        def line(text: str) -> None:
            # A watch line: "HH:MM:SS  <job id>  <kind>  <symbol> <state> ..." (as poller.py)
            parts = text.split("  ")
            if len(parts) > 3 and parts[3].split(" ")[-1] in FINISHED_WORDS:
                seen.setdefault(parts[1], sim.world.now_ts())

        counter = CountingTransport()
        async with DescriptClient(
            DEMO_TOKEN, base_url=sim.base_url, transport=counter, clock=ctx.clock
        ) as client:
            # Imports run 30 s-5 min of simulator time; a lost callback waits 60 s real.
            timeout = 300.0 / speed + 120.0
            final = await follow_jobs(
                client, ctx, ids, emit=line, timeout=timeout, callbacks=watch
            )
        result = Result(mode, len(ids), job_gets=counter.job_gets, list_pages=counter.list_pages)
        for job_id, (job, _) in final.items():
            stopped = job.raw.get("stopped_at") if job is not None else None
            if job_id in seen and stopped:
                stopped_at = parse_timestamp(stopped)
                assert stopped_at is not None
                # Simulator seconds run `speed` times faster than real ones.
                result.lags.append((seen[job_id] - stopped_at.timestamp()) / speed)
        result.unseen = len(ids) - len(result.lags)
        result.received = watch.receiver.accepted if watch else 0
        return result
    finally:
        if watch is not None:
            await watch.stop()
        sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument(
        "--speed", type=float, default=10.0, help="simulator speed: imports take 30 s-5 min / X"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset")
    args = parser.parse_args()
    print(
        f"{args.jobs} imports (30 s-5 min of simulator time at speed {args.speed:g}: "
        f"{30 / args.speed:g}-{300 / args.speed:g} s real), simulator on a loopback port"
    )
    header = (
        f"{'mode':<24}{'stop->known p50':>16}{'p95':>8}{'max':>8}{'unseen':>8}"
        f"{'GETs/job':>10}{'list pages':>12}{'requests/job':>14}{'callbacks':>11}{'wall s':>8}"
    )
    print(header)
    print("-" * len(header))
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        began = time.monotonic()
        result = asyncio.run(run_mode(mode, args.jobs, args.speed, args.seed))
        wall = time.monotonic() - began
        print(
            f"{result.mode:<24}{result.p(0.5):>15.2f}s{result.p(0.95):>7.2f}s"
            f"{max(result.lags, default=float('nan')):>7.2f}s{result.unseen:>8}"
            f"{result.job_gets / result.jobs:>10.2f}{result.list_pages:>12}"
            f"{(result.job_gets + result.list_pages) / result.jobs:>14.2f}"
            f"{result.received:>11}{wall:>8.0f}"
        )
    print("stop->known: real seconds from the job's stopped_at to the watch showing it")


if __name__ == "__main__":
    main()
