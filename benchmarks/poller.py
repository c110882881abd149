"""`jobs watch` by ids vs. a naive 3 s poller, over real HTTP against the simulator.

    .venv/bin/python benchmarks/poller.py                       # 10, 1,000, 5,000 ids; median of 3
    .venv/bin/python benchmarks/poller.py --jobs 10 --repeats 1 --max-run 10   # small: ~30 s

Each run starts the simulator with uvicorn on a loopback port (`start_in_background`, real
time: `speed=1`, its documented limits on: 20 status GETs per second per user), puts N
running jobs on its Drive, each stopping 5-40 s after the start (`--min-run`/`--max-run`),
then follows them with one poller until every stop was seen (or `--grace` s after the last
stop):

- `jobs watch`: `follow_jobs`, the function `descript-tui jobs watch ID...` calls, with the
  real `DescriptClient` (its limiter, retries and Retry-After gate) and the scheduler.
- `naive 3 s`: plain httpx, every job GET every 3 s, round-robin and evenly spread, that
  honours Retry-After: after a 429 it sends nothing until the server's wait is over.

Staleness is, per job, the time from its true stop (the simulator's own plan) to the
first output that shows it stopped; a stop never seen counts with its age at the end
("unseen"). req/s is every request sent divided by the run's length, from the first
request to the last stop seen. Both pollers run one after the other on a fresh simulator,
in the same process, with the same seeded stop times; each figure is the median of
`--repeats` runs with the spread (min-max).

`floor req/s` is the least any client could spend for p95 <= `--target` s on that run
(`refresh_floor`): a read shows a job stopped only if it returns that job's row, and one
request returns at most 100 rows that follow each other in the list's order (a page of a
`created_after`/`created_before` window; a GET is one row). Revisiting every running job
every T seconds makes a stop's staleness uniform on [0, T], whose p95 is 0.95 T, so T is at
most target / 0.95; each revisit costs at least the fewest runs of 100 consecutive rows
that hold every running job (greedy, over the fleet's rows alone: other rows are assumed
free to skip). The floor is that count averaged over the run, divided by T.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Runs from a checkout without an install, too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.api.client import DescriptClient
from tui.api.clock import SystemClock
from tui.api.models import Job
from tui.commands import CliContext
from tui.commands.watch import follow_jobs
from tui.simulator.demo import add_bulk_jobs
from tui.simulator.server import RunningSimulator, start_in_background
from tui.simulator.world import DEMO_TOKEN

NAIVE_INTERVAL_S = 3.0
# The most rows one `GET /jobs` page returns (the API's maximum `limit`).
PAGE_ROWS = 100
# The floor is sampled this often over the run (s of simulator time).
FLOOR_STEP_S = 0.1


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts every request a poller sends, and the 429s among the answers."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests = 0
        self.status_429 = 0
        self.first_at: float | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.first_at is None:
            self.first_at = time.monotonic()
        response = await self.inner.handle_async_request(request)
        if response.status_code == 429:
            self.status_429 += 1
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class Fleet:
    """N running jobs on the simulator and when each truly stops (simulator timestamps)."""

    sim: RunningSimulator
    stops: dict[str, float]
    #: When the jobs were put on the Drive (simulator time).
    started: float = 0.0
    #: The fleet's job ids in the list's order (newest first: created_at, then seq).
    listed: list[str] = field(default_factory=list)
    seen: dict[str, float] = field(default_factory=dict)

    def saw_stopped(self, job_id: str) -> None:
        if job_id in self.stops and job_id not in self.seen:
            self.seen[job_id] = self.sim.world.now_ts()


def make_fleet(jobs: int, seed: int, min_run: float, max_run: float) -> Fleet:
    sim = start_in_background(host="127.0.0.1", port=0, speed=1.0, seed=seed)
    world = sim.world
    user = world.user_for_token(DEMO_TOKEN)
    assert user is not None
    rng = random.Random(seed)
    start = world.now_ts()
    stops: dict[str, float] = {}
    bulk = add_bulk_jobs(world, user, jobs, state="running")
    for job in bulk:
        stop = start + rng.uniform(min_run, max_run)
        # The world computes a job's state from these: it stops at `stop` exactly.
        job.queued_s = 0.0
        job.run_s = stop - job.created_at
        stops[job.job_id] = stop
    listed = [j.job_id for j in sorted(bulk, key=lambda j: (j.created_at, j.seq), reverse=True)]
    return Fleet(sim, stops, start, listed)


def runs_of_rows(running: list[bool]) -> int:
    """The fewest runs of `PAGE_ROWS` consecutive rows that hold every running row (greedy
    from the newest: each run starts at the first running row the previous ones missed)."""
    runs = 0
    covered_to = -1
    for rank, is_running in enumerate(running):
        if is_running and rank > covered_to:
            runs += 1
            covered_to = rank + PAGE_ROWS - 1
    return runs


def refresh_floor(fleet: Fleet, target: float) -> float:
    """The least req/s any client needs for p95 staleness <= `target` on this fleet."""
    revisit = target / 0.95  # p95 of a uniform staleness on [0, T] is 0.95 T
    end = max(fleet.stops.values())
    stops = [fleet.stops[job_id] for job_id in fleet.listed]
    samples = max(1, math.ceil((end - fleet.started) / FLOOR_STEP_S))
    total_runs = 0
    for index in range(samples):
        at = fleet.started + index * FLOOR_STEP_S
        total_runs += runs_of_rows([stop > at for stop in stops])
    return total_runs / samples / revisit


@dataclass
class RunResult:
    poller: str
    jobs: int
    staleness: list[float]
    unseen: int
    requests: int
    status_429: int
    seconds: float
    floor_req_s: float = 0.0

    @property
    def req_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def p(self, q: float) -> float:
        data = sorted(self.staleness)
        return data[min(len(data) - 1, int(q * len(data)))] if data else 0.0


def finish(name: str, fleet: Fleet, counter: CountingTransport) -> RunResult:
    now = fleet.sim.world.now_ts()
    staleness = [fleet.seen.get(i, now) - stop for i, stop in fleet.stops.items()]
    last = max(fleet.seen.values(), default=now) if len(fleet.seen) == len(fleet.stops) else now
    first = counter.first_at or time.monotonic()
    # Requests over the run: from the first request to the last stop seen (or the end).
    seconds = max(1e-9, (time.monotonic() - first) - (now - last))
    unseen = len(fleet.stops) - len(fleet.seen)
    return RunResult(
        name,
        len(fleet.stops),
        staleness,
        unseen,
        counter.requests,
        counter.status_429,
        seconds,
    )


async def run_watch(fleet: Fleet, grace: float) -> RunResult:
    """`jobs watch ID...` as the CLI runs it: `follow_jobs` on the real client."""
    counter = CountingTransport()

    def line(text: str) -> None:
        # A watch line: "HH:MM:SS  <job id>  <kind>  <symbol> <state> ..."
        parts = text.split("  ")
        if len(parts) > 3 and parts[3].split(" ")[-1] in FINISHED_WORDS:
            fleet.saw_stopped(parts[1])

    ctx = CliContext(stdout=io.StringIO(), stderr=io.StringIO(), clock=SystemClock())
    async with DescriptClient(
        DEMO_TOKEN, base_url=fleet.sim.base_url, transport=counter, clock=ctx.clock
    ) as client:
        deadline = max(fleet.stops.values()) - fleet.sim.world.now_ts() + grace
        await follow_jobs(client, ctx, list(fleet.stops), emit=line, timeout=deadline)
    return finish("jobs watch", fleet, counter)


FINISHED_WORDS = {"success", "partial", "failed", "cancelled", "finished"}


async def run_naive(fleet: Fleet, grace: float) -> RunResult:
    """Every unfinished job GET every 3 s, evenly spread; a 429 stops everything until
    its Retry-After is over."""
    counter = CountingTransport()
    waiting = list(fleet.stops)
    end_at = time.monotonic() + max(fleet.stops.values()) - fleet.sim.world.now_ts() + grace
    hold_until = 0.0
    in_flight: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(
        base_url=fleet.sim.base_url,
        transport=counter,
        headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
        timeout=30.0,
    ) as http:

        async def poll(job_id: str) -> None:
            nonlocal hold_until
            try:
                response = await http.get(f"/jobs/{job_id}")
            except httpx.HTTPError:
                return
            if response.status_code == 429:
                wait = float(response.headers.get("Retry-After") or NAIVE_INTERVAL_S)
                hold_until = max(hold_until, time.monotonic() + wait)
            elif response.status_code == 200 and Job.from_json(response.json()).is_finished:
                fleet.saw_stopped(job_id)

        index = 0
        while time.monotonic() < end_at:
            pending = [i for i in waiting if i not in fleet.seen]
            if not pending:
                break
            waiting = pending
            now = time.monotonic()
            if now < hold_until:
                await asyncio.sleep(hold_until - now)
                continue
            task = asyncio.create_task(poll(waiting[index % len(waiting)]))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            index += 1
            await asyncio.sleep(NAIVE_INTERVAL_S / len(waiting))
        if in_flight:
            await asyncio.wait(in_flight)
    return finish("naive 3 s", fleet, counter)


RUNNERS: dict[str, Callable[[Fleet, float], object]] = {
    "jobs watch": run_watch,
    "naive 3 s": run_naive,
}


def spread(values: list[float], fmt: str) -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return format(median, fmt)
    return f"{format(median, fmt)} ({format(min(values), fmt)}-{format(max(values), fmt)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", default="10,1000,5000", help="fleet sizes, comma separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--min-run", type=float, default=5.0, help="earliest stop (s)")
    parser.add_argument("--max-run", type=float, default=40.0, help="latest stop (s)")
    parser.add_argument("--grace", type=float, default=30.0, help="watch this long after")
    parser.add_argument("--no-naive", action="store_true", help="only the jobs watch path")
    parser.add_argument("--target", type=float, default=6.0, help="p95 staleness goal (s)")
    parser.add_argument("--budget", type=float, default=2.5, help="req/s goal, for the verdict")
    args = parser.parse_args()
    sizes = [int(n) for n in args.jobs.split(",") if n.strip()]
    names = [n for n in RUNNERS if not (args.no_naive and n.startswith("naive"))]
    print(
        f"{'poller':<11} {'jobs':>5}  {'p50 s':>16}  {'p95 s':>18}  {'req/s':>18}  "
        f"{'floor req/s':>18}  {'429s':>14}  {'unseen':>6}  {'wall s':>6}"
    )
    for size in sizes:
        floors: list[float] = []
        for name in names:
            results: list[RunResult] = []
            started = time.monotonic()
            for repeat in range(args.repeats):
                fleet = make_fleet(size, repeat, args.min_run, args.max_run)
                try:
                    runner = RUNNERS[name]
                    result = asyncio.run(runner(fleet, args.grace))  # type: ignore[arg-type]
                    assert isinstance(result, RunResult)
                    result.floor_req_s = refresh_floor(fleet, args.target)
                    results.append(result)
                finally:
                    fleet.sim.stop()
            wall = (time.monotonic() - started) / len(results)
            print(
                f"{name:<11} {size:>5}  {spread([r.p(0.5) for r in results], '.1f'):>16}  "
                f"{spread([r.p(0.95) for r in results], '.1f'):>18}  "
                f"{spread([r.req_per_s for r in results], '.2f'):>18}  "
                f"{spread([r.floor_req_s for r in results], '.2f'):>18}  "
                f"{spread([float(r.status_429) for r in results], '.0f'):>14}  "
                f"{max(r.unseen for r in results):>6}  {wall:>6.0f}",
                flush=True,
            )
            floors.extend(r.floor_req_s for r in results)
        print(verdict(size, statistics.median(floors), args.target, args.budget), flush=True)


def verdict(size: int, floor: float, target: float, budget: float) -> str:
    """Whether p95 <= target at <= budget req/s is possible at all for this fleet."""
    head = f"  {size} ids: p95 <= {target:g} s needs >= {floor:.2f} req/s (floor)"
    if floor <= budget:
        return f"{head}; {budget:g} req/s can do it"
    return f"{head}: {budget:g} req/s cannot, short by x{floor / budget:.1f}"


if __name__ == "__main__":
    main()
