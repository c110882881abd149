"""What journaling the API calls about jobs costs a poll, over real HTTP on loopback.

    .venv/bin/python benchmarks/journal_calls.py              # 20 jobs x 10 rounds per arm
    .venv/bin/python benchmarks/journal_calls.py --rounds 3   # quicker

Starts the simulator with uvicorn on 127.0.0.1 (real time, its limits on: 20 status GETs
per second), puts `--jobs` running jobs on its Drive, and polls each of them `--rounds`
times with a real `DescriptClient` (its limiter paces the GETs), three arms one after the
other in the same run, each on a fresh journal file:

- `no journal`: the baseline, nothing listens to the activity log.
- `CallRecorder`: what the dashboard and the CLI hang on it (batches of 50, or every 5 s,
  written in a worker thread).
- `write per call`: the naive alternative, one journal transaction per call, on the loop.

Printed per arm: wall time per GET, the time the event loop spent inside the activity log's
listeners per call (what a poll pays), and the rows the journal holds at the end. Then,
on disk only: what one batch costs the worker thread once 1,000 jobs hold their 500 calls
each (every insert also trims its job to the cap), and `job_calls` of a full job.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Runs from a checkout without an install, too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui.api.activity import ActivityEntry, ActivityLog
from tui.api.client import DescriptClient
from tui.api.clock import SystemClock
from tui.journal import CallRecorder, Journal
from tui.simulator.demo import add_bulk_jobs
from tui.simulator.server import RunningSimulator, start_in_background
from tui.simulator.world import DEMO_TOKEN

Listener = Callable[[ActivityEntry], None]


class TimedLog(ActivityLog):
    """An activity log that adds up the time its `record` takes (the listeners included)."""

    def __init__(self) -> None:
        super().__init__()
        self.spent: list[float] = []

    def record(self, entry: ActivityEntry) -> None:
        start = time.perf_counter()
        super().record(entry)
        self.spent.append(time.perf_counter() - start)


async def poll_all(
    sim: RunningSimulator, job_ids: list[str], rounds: int, arm: str, folder: Path
) -> str:
    clock = SystemClock()
    log = TimedLog()
    journal = Journal(folder / f"{arm.replace(' ', '-')}.sqlite3", clock=clock)
    recorder: CallRecorder | None = None
    if arm == "CallRecorder":
        recorder = CallRecorder(journal, clock)
        recorder.attach(log)
    elif arm == "write per call":
        log.subscribe(lambda entry: journal.record_calls([entry]) and None)
    client = DescriptClient(DEMO_TOKEN, base_url=sim.base_url, clock=clock, activity=log)
    start = time.perf_counter()
    async with client:
        for _ in range(rounds):
            for job_id in job_ids:
                await client.get_job(job_id)
    wall = time.perf_counter() - start
    if recorder is not None:
        await recorder.aclose()
    rows = sum(len(journal.job_calls(job_id)) for job_id in job_ids)
    journal.close()
    gets = rounds * len(job_ids)
    per_call_us = [s * 1e6 for s in log.spent]
    return (
        f"{arm:<16} {wall / gets * 1000:8.1f} ms/GET   on the loop per call:"
        f" median {statistics.median(per_call_us):7.1f} µs, max {max(per_call_us):8.1f} µs"
        f"   rows {rows}"
    )


def poll_entry(n: int, job: int) -> ActivityEntry:
    at = datetime(2026, 11, 25, tzinfo=UTC) + timedelta(seconds=n)
    ids = {"X-Request-Id": f"sim-{n:08d}"}
    return ActivityEntry(at, "GET", f"/jobs/job-{job:04d}", 200, 40.0, request_ids=ids)


def write_at_cap(folder: Path, jobs: int = 1000, per_job: int = 550) -> None:
    with Journal(folder / "full.sqlite3") as journal:
        journal.record_calls(
            poll_entry(k * jobs + j, j) for k in range(per_job) for j in range(jobs)
        )
        start_n = per_job * jobs
        for label, spread in (("50 jobs", 50), ("1 job", 1)):
            spent = []
            for r in range(20):
                batch = [poll_entry(start_n + r * 50 + i, i % spread) for i in range(50)]
                start = time.perf_counter()
                journal.record_calls(batch)
                spent.append((time.perf_counter() - start) * 1000)
            start_n += 1000
            print(
                f"batch of 50 calls about {label:<8} (each at the cap): median"
                f" {statistics.median(spent):5.1f} ms, max {max(spent):5.1f} ms"
            )
        start = time.perf_counter()
        calls = journal.job_calls("job-0001")
        print(f"job_calls() of a full job ({len(calls)} rows): "
              f"{(time.perf_counter() - start) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, start_in_background(port=0) as sim:
        user = sim.world.user_for_token(DEMO_TOKEN)
        assert user is not None
        job_ids = [job.job_id for job in add_bulk_jobs(sim.world, user, args.jobs)]
        print(f"{args.jobs} jobs x {args.rounds} rounds of GET /jobs/ID, {sim.base_url}")
        for arm in ("no journal", "CallRecorder", "write per call"):
            print(asyncio.run(poll_all(sim, job_ids, args.rounds, arm, Path(folder))))
        write_at_cap(Path(folder))


if __name__ == "__main__":
    main()
