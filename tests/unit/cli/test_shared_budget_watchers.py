"""Two and three real `jobs watch` processes on one token share one rate budget: against the
simulator on a loopback port with its limits on, its request log shows no 429 and no job
polled less than 3 s apart. (Alone, each process reads the job as soon as it starts and then
every few seconds on its own schedule: together they read it within moments of each other.)"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import httpx
import pytest

from tui.simulator.server import start_in_background
from tui.simulator.world import DEMO_TOKEN

# Real time: a bulk job runs 30 s-3 min, longer than the watchers' --timeout.
SPEED = 1.0
WATCH_SECONDS = 10
JOB_PATH_DEPTH = 3  # /v1/jobs/{id}


def _real_seconds(entry: dict) -> float:
    # The log's clock runs SPEED times faster than real time (a ScaledClock).
    return datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp() / SPEED


def closest_polls_of_one_job(log: list[dict]) -> float:
    polls: dict[str, list[float]] = defaultdict(list)
    for entry in log:
        if entry["method"] == "GET" and entry["path"].count("/") == JOB_PATH_DEPTH:
            polls[entry["path"]].append(_real_seconds(entry))
    gaps = [b - a for times in polls.values() for a, b in pairwise(times)]
    return min(gaps) if gaps else float("inf")


@pytest.mark.parametrize("watchers", [2, 3])
def test_watchers_on_one_token_share_the_budget(private_dirs: Path, watchers: int) -> None:
    env = {
        **os.environ,
        "DESCRIPT_API_TOKEN": DEMO_TOKEN,
        "PYTHONPATH": str(Path(__file__).parents[3]),
    }
    with start_in_background(port=0, speed=SPEED, seed=1) as sim:
        # One job watched by every process: a lone id is read by GET, the path that can
        # break the 3 s rule between processes.
        created = httpx.post(
            f"{sim.root_url}/_sim/jobs", json={"count": 1, "state": "running"}
        ).json()
        httpx.delete(f"{sim.root_url}/_sim/requests")
        processes = [
            subprocess.Popen(
                [
                    *(sys.executable, "-m", "tui", "--base-url", sim.base_url, "jobs", "watch"),
                    *(*created["job_ids"], "--timeout", str(WATCH_SECONDS)),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(watchers)
        ]
        try:
            errors = [process.communicate(timeout=60)[1] for process in processes]
        finally:
            for process in processes:
                process.kill()
        log = httpx.get(f"{sim.root_url}/_sim/requests", params={"limit": 100_000}).json()
    requests = log["requests"]
    # --timeout ends each watch with exit 1 while the job still runs.
    assert [p.returncode for p in processes] == [1] * watchers, errors
    job_reads = [e for e in requests if e["path"].count("/") == JOB_PATH_DEPTH]
    assert len(job_reads) >= 3  # read again and again over the 10 s
    assert [e for e in requests if e["status"] == 429] == []
    assert closest_polls_of_one_job(requests) >= 3.0
    assert not any("429" in text for text in errors)
    # The shared file is under the state dir, keyed by a hash: the token is not in it.
    budget = private_dirs / "state" / "budget.sqlite3"
    assert budget.exists() and DEMO_TOKEN.encode() not in budget.read_bytes()
