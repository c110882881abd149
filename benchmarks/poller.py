"""How fresh the scheduler keeps N running jobs, and at what request cost, vs. a naive poller.

    .venv/bin/python benchmarks/poller.py            # 10, 100 and 1,000 jobs, 10 minutes
    .venv/bin/python benchmarks/poller.py --jobs 1000 --minutes 2 --no-naive

Everything runs in one process on virtual time: the simulator app (`create_app`) is reached
through `httpx.ASGITransport`, the world and every poller share one `ManualClock`, and the
driver below moves that clock only when no request is in flight, so 10 simulated minutes
take seconds and latency is zero. The simulator's documented limits are on (20 status GETs
per second per user), so a poller that asks too often gets 429s.

The workload: N agent jobs running at the start, each running 1-15 minutes; whenever one
stops, a new one is created at that instant (by someone else: the scheduler must discover
it), so N stay running throughout. Staleness is measured per job-state change on the server
(created, queued -> running, running -> stopped; the true times come from the world model)
until the poller first saw it. The scheduler (with the real `DescriptClient`, `discover=True`)
first lists the Drive's jobs, as the dashboard does, then runs. The naive poller GETs every
running job it knows every 3 s (round-robin, evenly spread) with plain httpx, no limiter and
no backoff; it is told about new jobs for free.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Runs from a checkout without an install, too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.api.client import DescriptClient
from tui.api.clock import ManualClock
from tui.api.models import Job
from tui.api.scheduler import JobEvent, PollingScheduler
from tui.simulator.app import IN_PROCESS_BASE_URL, create_app
from tui.simulator.world import DEMO_TOKEN, RUNNING, STOPPED, SimJob, World

RUN_RANGE_S = (60.0, 900.0)
QUEUE_RANGE_S = (1.0, 6.0)
# The driver moves time in steps this small, so a reaction is timed to within it.
STEP_S = 0.05
NAIVE_INTERVAL_S = 3.0


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts requests and 429s, and knows when none is in flight (for the clock driver)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.in_flight = 0
        self.requests = 0
        self.status_429 = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.requests += 1
        try:
            response = await self.inner.handle_async_request(request)
            await response.aread()
        finally:
            self.in_flight -= 1
        if response.status_code == 429:
            self.status_429 += 1
        return response


@dataclass
class Workload:
    """The world, its clock, and the true time of every job-state change (monotonic s)."""

    clock: ManualClock
    world: World
    jobs: int
    rng: random.Random
    start: float
    #: (job_id, change) -> true time; change is "created", "running" or "stopped".
    changes: dict[tuple[str, str], float] = field(default_factory=dict)
    stops: list[tuple[float, str]] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    project_id: str = ""

    def mono(self, ts: float) -> float:
        """World timestamp (epoch s) -> monotonic seconds on the shared clock."""
        return self.clock.monotonic() + (ts - self.clock.now().timestamp())

    def submit(self, at_ts: float, *, initial: bool) -> SimJob:
        user = self.world.user_for_token(DEMO_TOKEN)
        assert user is not None
        job = self.world.submit_agent(
            user,
            {"project_id": self.project_id, "prompt": "Add studio sound to every clip"},
            at=at_ts,
            queued_s=self.rng.uniform(*QUEUE_RANGE_S),
            run_s=self.rng.uniform(*RUN_RANGE_S),
        )
        created = self.mono(job.created_at)
        ready = created + job.queued_s
        stop = ready + job.run_s
        if not initial:
            self.changes[(job.job_id, "created")] = created
            self.new_ids.append(job.job_id)
        if ready >= self.start:
            self.changes[(job.job_id, "running")] = ready
        self.changes[(job.job_id, "stopped")] = stop
        heapq.heappush(self.stops, (stop, job.job_id))
        return job

    def replace_stopped(self, now: float) -> None:
        """Every job that stopped by `now` is replaced by a new one created when it stopped."""
        while self.stops and self.stops[0][0] <= now:
            stop, _ = heapq.heappop(self.stops)
            at_ts = self.clock.now().timestamp() - (now - stop)
            self.submit(at_ts, initial=False)


def build_workload(jobs: int, seed: int) -> Workload:
    clock = ManualClock()
    world = World.empty(clock, seed=seed)
    project = world.add_project("Benchmark", compositions=["Main"])
    for drive in world.drives.values():
        drive.ai_credits_left = 10**9
    load = Workload(clock, world, jobs, random.Random(seed), start=clock.monotonic())
    load.project_id = project.id
    now_ts = clock.now().timestamp()
    for _ in range(jobs):
        load.submit(now_ts - load.rng.uniform(5.0, 60.0), initial=True)
    return load


async def drive_clock(load: Workload, transport: CountingTransport, seconds: float) -> None:
    """Advance virtual time in small steps, each only once no request is in flight."""
    end = load.start + seconds
    while load.clock.monotonic() < end - 1e-9:
        await quiesce(transport)
        load.replace_stopped(load.clock.monotonic())
        await load.clock.advance(min(STEP_S, end - load.clock.monotonic()))
    await quiesce(transport)


async def quiesce(transport: CountingTransport) -> None:
    idle_rounds = 0
    while idle_rounds < 5:
        await asyncio.sleep(0)
        idle_rounds = idle_rounds + 1 if transport.in_flight == 0 else 0


@dataclass
class Figures:
    name: str
    jobs: int
    seconds: float
    requests: int
    status_429: int
    staleness: list[float]
    unseen: int
    wall: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        if not self.staleness:
            return float("nan")
        ordered = sorted(self.staleness)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def row(self) -> str:
        return (
            f"{self.name:<10} {self.jobs:>6} {self.rate:>9.2f} {self.percentile(0.5):>8.1f}"
            f" {self.percentile(0.95):>8.1f} {self.status_429:>7} {len(self.staleness):>8}"
            f" {self.unseen:>7} {self.wall:>7.1f}"
        )


HEADER = (
    f"{'poller':<10} {'jobs':>6} {'req/s':>9} {'p50 s':>8} {'p95 s':>8} {'429s':>7}"
    f" {'changes':>8} {'unseen':>7} {'wall s':>7}"
)


class Observer:
    """When a poller first saw each change: created, running, stopped."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.seen: dict[tuple[str, str], float] = {}

    def saw(self, job: Job) -> None:
        now = self.clock.monotonic()
        marks = ["created"]
        if job.job_state in (RUNNING, STOPPED) or job.is_finished:
            marks.append("running")
        if job.is_finished:
            marks.append("stopped")
        for mark in marks:
            self.seen.setdefault((job.job_id, mark), now)

    def staleness(self, load: Workload, end: float) -> tuple[list[float], int]:
        values: list[float] = []
        unseen = 0
        for key, changed in load.changes.items():
            if changed < load.start or changed > end:
                continue
            seen = self.seen.get(key)
            if seen is None:
                unseen += 1
                values.append(end - changed)  # censored: still unseen at the end
            else:
                values.append(max(0.0, seen - changed))
        return values, unseen


async def run_scheduler(jobs: int, seconds: float, seed: int) -> Figures:
    load = build_workload(jobs, seed)
    app = create_app(load.world, clock=load.clock)
    transport = CountingTransport(httpx.ASGITransport(app=app))
    observer = Observer(load.clock)
    started = time.perf_counter()
    async with DescriptClient(
        DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=transport, clock=load.clock
    ) as client:
        scheduler = PollingScheduler(client, clock=load.clock, discover=True)

        async def dashboard() -> None:
            # What the dashboard does on start: list the Drive's recent jobs, then watch.
            async for job in client.iter_jobs(limit=100):
                observer.saw(job)
                scheduler.watch(job)
            async for batch in scheduler.run():
                for event in batch:
                    if isinstance(event, JobEvent) and event.job is not None:
                        observer.saw(event.job)

        task = asyncio.create_task(dashboard())
        await drive_clock(load, transport, seconds)
        scheduler.stop()
        while not task.done():  # a sweep may be waiting for its budget: let it end
            await quiesce(transport)
            await load.clock.advance(STEP_S)
        await task
    values, unseen = observer.staleness(load, load.start + seconds)
    return Figures(
        "scheduler",
        jobs,
        seconds,
        transport.requests,
        transport.status_429,
        values,
        unseen,
        time.perf_counter() - started,
    )


async def run_naive(jobs: int, seconds: float, seed: int) -> Figures:
    load = build_workload(jobs, seed)
    app = create_app(load.world, clock=load.clock)
    transport = CountingTransport(httpx.ASGITransport(app=app))
    observer = Observer(load.clock)
    started = time.perf_counter()
    known = list(load.world.jobs)
    async with httpx.AsyncClient(
        transport=transport,
        base_url=IN_PROCESS_BASE_URL,
        headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
    ) as http:

        async def naive() -> None:
            # Round-robin, evenly spread: each running job is asked about every 3 s.
            while True:
                known.extend(load.new_ids)
                load.new_ids.clear()
                round_robin = list(known)
                known.clear()
                gap = NAIVE_INTERVAL_S / max(1, len(round_robin))
                for job_id in round_robin:
                    response = await http.get(f"/jobs/{job_id}")
                    keep = True
                    if response.status_code == 200:
                        job = Job.from_json(response.json())
                        observer.saw(job)
                        keep = not job.is_finished
                    if keep:
                        known.append(job_id)
                    await load.clock.sleep(gap)

        task = asyncio.create_task(naive())
        await drive_clock(load, transport, seconds)
        task.cancel()
    values, unseen = observer.staleness(load, load.start + seconds)
    return Figures(
        "naive 3 s",
        jobs,
        seconds,
        transport.requests,
        transport.status_429,
        values,
        unseen,
        time.perf_counter() - started,
    )


async def main_async(args: argparse.Namespace) -> None:
    seconds = args.minutes * 60
    print(
        f"{args.minutes:g} simulated minutes, jobs running {RUN_RANGE_S[0]:.0f}-"
        f"{RUN_RANGE_S[1]:.0f} s and replaced as they stop; seed {args.seed}"
    )
    print(HEADER)
    for jobs in args.jobs:
        print((await run_scheduler(jobs, seconds, args.seed)).row(), flush=True)
        if not args.no_naive:
            print((await run_naive(jobs, seconds, args.seed)).row(), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive poller")
    asyncio.run(main_async(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
