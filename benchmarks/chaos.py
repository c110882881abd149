"""Chaos: CLI submitters and watchers (real subprocesses) and the dashboard (headless, in
`run_test`) on one token, against the simulator's `flaky` and `storm` profiles on a loopback
port, for 30 simulated minutes each. Prints what must all be 0:

- crashes: a subprocess exit code outside the documented ones, a traceback, a dashboard crash;
- lost submissions: jobs the server created for a submit that the journal does not know,
  after `descript-tui reconcile --apply` (run with faults off at the end);
- duplicated submissions: more than one job for one submit (each submit is unique);
- requests inside a Retry-After: a request of the user logged after a fault's 429 and before
  its Retry-After ran out (1 s of grace for requests already in flight);
- limit violations: a 429 from the simulator's own limiter, a job polled < 3 s apart;
- token occurrences in every output, screen, activity log, journal and budget file.

Baseline (same run, `--baseline-seconds`): the same watchers on profile `none` with the
shared budget disabled (the state dir unwritable: per-process limits, as before), so the
limit-violation count shows what the shared budget prevents.

    .venv/bin/python benchmarks/chaos.py                      # flaky + storm, 30 min at 15x
    .venv/bin/python benchmarks/chaos.py --minutes 5 --speed 30 --baseline-seconds 10

The simulator's clock runs `--speed` times faster than real time (jobs finish sooner); rate
limits, Retry-After and storms stay in real seconds, as the simulator serves them.
`CHAOS_DEBUG=1` also prints the log entries behind a non-zero count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx

# Runs from a checkout without an install, too.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui.simulator.app import create_app  # noqa: E402
from tui.simulator.clock import ScaledClock  # noqa: E402
from tui.simulator.server import RunningSimulator, start_in_background  # noqa: E402
from tui.simulator.world import DEMO_TOKEN, World  # noqa: E402

DOCUMENTED_EXITS = {0, 1, 2, 3, 4, 5, 6}
IN_FLIGHT_GRACE_S = 1.0
JOB_PATH_DEPTH = 3  # /v1/jobs/{id}
WATCH_BATCH = 20


@dataclass
class Run:
    """Everything one chaos run observed."""

    profile: str
    outputs: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    exits: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    submits: list[str] = field(default_factory=list)  # project names, one per submit
    screens: list[str] = field(default_factory=list)


def home_env(home: Path, base_url: str, *, shared_budget: bool = True) -> dict[str, str]:
    """A private home for every process of a run (never the user's), on the simulator."""
    state = home / "state"
    if not shared_budget:
        (home / "not-a-dir").write_text("the state dir cannot be made under a file")
        state = home / "not-a-dir" / "state"
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DESCRIPT_API_TOKEN": DEMO_TOKEN,
        "DESCRIPT_API_BASE_URL": base_url,
        "DESCRIPT_TUI_CONFIG": str(home / "config.toml"),
        "DESCRIPT_TUI_TOKEN_FILE": str(home / "credentials.toml"),
        "DESCRIPT_TUI_DATA_DIR": str(home / "data"),
        "DESCRIPT_TUI_STATE_DIR": str(state),
        "DESCRIPT_TUI_KEYRING": "0",
    }


async def cli(run: Run, env: dict[str, str], *argv: str, timeout: float = 300) -> str:
    """Run `descript-tui ARGV` as a subprocess; record its exit and output; return stdout."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", *argv,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        run.crashes.append(f"{argv[0]} hung past {timeout:.0f} s")
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    run.outputs += [stdout, stderr]
    code = process.returncode if process.returncode is not None else -1
    run.exits[code] += 1
    if code not in DOCUMENTED_EXITS or "Traceback" in stderr:
        run.crashes.append(f"{' '.join(argv[:2])}: exit {code}: {stderr.strip()[-300:]}")
    return stdout


async def submitter(run: Run, env: dict[str, str], lane: int, end: float) -> None:
    n = 0
    while time.monotonic() < end:
        n += 1
        name = f"chaos-{run.profile}-{lane}-{n}"
        run.submits.append(name)
        if lane % 2:
            await cli(run, env, "agent", "--name", name, "--prompt", "Add Studio Sound")
        else:
            media = f"https://media.example.com/{name}.mp4"
            await cli(run, env, "import", "--name", name, "--media", media)


async def watcher(run: Run, env: dict[str, str], root: str, project: str, end: float) -> None:
    """`jobs watch` on batches of running jobs made in `project` (never a submitter's)."""
    async with httpx.AsyncClient(base_url=root) as control:
        while time.monotonic() < end:
            batch = {"count": WATCH_BATCH, "project_id": project}
            made = await control.post("/_sim/jobs", json=batch)
            await cli(run, env, "jobs", "watch", *made.json()["job_ids"])


async def dashboard(run: Run, home: Path, base_url: str, end: float) -> list[str]:
    """The dashboard, headless, on the same token and home; its activity log's text."""
    env = home_env(home, base_url)
    os.environ.update({k: v for k, v in env.items() if k.startswith("DESCRIPT_")})
    from tui.app import DescriptApp
    from tui.config import Connection

    app = DescriptApp(Connection(token=DEMO_TOKEN, base_url=base_url, profile_name="default"))
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            while time.monotonic() < end:
                await pilot.pause(2.0)
                run.screens.append(app.export_screenshot())
            activity = [repr(e) for e in app.client.activity.entries()]
    except Exception as error:  # a crash is counted, not raised
        run.crashes.append(f"dashboard: {type(error).__name__}: {error}")
        return []
    if app.return_code not in (None, 0):
        run.crashes.append(f"dashboard: return code {app.return_code}")
    return activity


WATCH_PROJECT = "Watch target"


def simulator(args: argparse.Namespace, faults: str) -> RunningSimulator:
    """The simulator on a loopback port with an empty world (no background jobs, so every
    job in a submitter's project is one a submit made) and one project for the watchers."""
    world = World.empty(ScaledClock(args.speed), seed=args.seed)
    world.add_project(WATCH_PROJECT)
    app = create_app(world, seed=args.seed, faults=faults, served=True)
    return start_in_background(port=0, app=app)


def watch_project(world: Any) -> str:
    """The watchers' project (bulk jobs otherwise land in the newest: a submitter's)."""
    return next(p.id for p in world.projects.values() if p.name == WATCH_PROJECT)


def real_time(entry: dict[str, Any], speed: float) -> float:
    return datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).timestamp() / speed


def inside_retry_after(log: list[dict[str, Any]], speed: float) -> int:
    """Requests logged while a 429's Retry-After held (after a grace for those in flight)."""
    holds = []
    for entry in log:
        fault = entry.get("fault") or ""
        if entry["status"] == 429 and "retry-after=" in fault:
            seconds = float(fault.rsplit("=", 1)[1])
            holds.append((real_time(entry, speed), seconds))
    count = 0
    for entry in log:
        at = real_time(entry, speed)
        if any(t + IN_FLIGHT_GRACE_S < at < t + s for t, s in holds):
            count += 1
    return count


def limit_violations(log: list[dict[str, Any]], speed: float) -> tuple[int, int]:
    """(429s from the simulator's own limiter, job GETs < 3 s after the last of that job)."""
    limiter = sum(1 for e in log if e["status"] == 429 and not e.get("fault"))
    polls: dict[str, list[float]] = defaultdict(list)
    for e in log:
        if e["method"] == "GET" and e["path"].count("/") == JOB_PATH_DEPTH:
            polls[e["path"]].append(real_time(e, speed))
    close = sum(1 for times in polls.values() for a, b in pairwise(times) if b - a < 3.0)
    if os.environ.get("CHAOS_DEBUG"):
        print("DEBUG limiter", [e for e in log if e["status"] == 429 and not e.get("fault")])
        print("DEBUG close", [(p, round(b - a, 3)) for p, times in polls.items()
                               for a, b in pairwise(times) if b - a < 3.0])  # fmt: skip
    return limiter, close


def lost_and_duplicated(world: Any, run: Run, home: Path) -> tuple[int, int, int]:
    """(jobs made for our submits unknown to the journal, extra jobs per submit, unresolved)."""
    import sqlite3

    names = set(run.submits)
    jobs_by_name: dict[str, list[str]] = defaultdict(list)
    for job in list(world.jobs.values()):
        project = world.projects.get(job.project_id)
        if project is not None and project.name in names:
            jobs_by_name[project.name].append(job.job_id)
    journal = home / "data" / "journal.sqlite3"
    with sqlite3.connect(journal) as conn:
        rows = conn.execute("SELECT status, job_id FROM submissions").fetchall()
    known = {job_id for _, job_id in rows if job_id}
    unresolved = sum(1 for status, job_id in rows if job_id is None and status in
                     ("sending", "outcome_unknown"))  # fmt: skip
    lost = sum(1 for ids in jobs_by_name.values() for i in ids if i not in known)
    if os.environ.get("CHAOS_DEBUG"):
        for name, ids in jobs_by_name.items():
            if len(ids) > 1 or any(i not in known for i in ids):
                print("DEBUG", name, [(i, world.jobs[i].job_type, i in known) for i in ids])
        print("DEBUG rows", rows)
    duplicated = sum(len(ids) - 1 for ids in jobs_by_name.values() if len(ids) > 1)
    return lost, duplicated, unresolved


def token_hits(run: Run, activity: list[str], home: Path) -> int:
    texts = [*run.outputs, *run.screens, *activity]
    hits = sum(text.count(DEMO_TOKEN) for text in texts)
    for path in home.rglob("*"):
        if path.is_file():
            hits += path.read_bytes().count(DEMO_TOKEN.encode())
    return hits


async def chaos_run(profile: str, args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix=f"chaos-{profile}-"))
    run = Run(profile)
    seconds = args.minutes * 60 / args.speed
    with simulator(args, profile) as sim:
        env = home_env(home, sim.base_url)
        end = time.monotonic() + seconds
        tasks = [submitter(run, env, lane, end) for lane in range(args.submitters)]
        project = watch_project(sim.world)
        tasks += [watcher(run, env, sim.root_url, project, end) for _ in range(args.watchers)]
        tasks.append(dashboard(run, home, sim.base_url, end))
        results = await asyncio.gather(*tasks)
        activity = results[-1] or []
        httpx.post(f"{sim.root_url}/_sim/faults", json={"profile": "none"})
        log = httpx.get(f"{sim.root_url}/_sim/requests", params={"limit": 10**7}).json()
        # The simulator's clock ran `speed` times faster: widen the window to match.
        window = str(int(args.minutes * 2 + 15))
        await cli(run, env, "reconcile", "--apply", "--window", window, "--json")
        lost, duplicated, unresolved = lost_and_duplicated(sim.world, run, home)
    requests = log["requests"]
    limiter, close = limit_violations(requests, args.speed)
    return {
        "profile": profile,
        "seconds": seconds,
        "requests": len(requests),
        "faults": sum(1 for e in requests if e.get("fault")),
        "submits": len(run.submits),
        "exits": dict(sorted(run.exits.items())),
        "crashes": run.crashes,
        "lost": lost,
        "duplicated": duplicated,
        "unresolved after reconcile": unresolved,
        "inside Retry-After": inside_retry_after(requests, args.speed),
        "limit violations": limiter + close,
        "token occurrences": token_hits(run, activity, home),
    }


async def baseline_run(args: argparse.Namespace, *, shared: bool) -> int:
    """Watchers only, profile none: the limit violations with or without the shared budget."""
    home = Path(tempfile.mkdtemp(prefix="chaos-baseline-"))
    run = Run("baseline")
    with simulator(args, "none") as sim:
        env = home_env(home, sim.base_url, shared_budget=shared)
        end = time.monotonic() + args.baseline_seconds
        project = watch_project(sim.world)
        await asyncio.gather(
            *(watcher(run, env, sim.root_url, project, end) for _ in range(args.watchers + 1))
        )
        log = httpx.get(f"{sim.root_url}/_sim/requests", params={"limit": 10**7}).json()
    limiter, close = limit_violations(log["requests"], args.speed)
    return limiter + close


def print_run(result: dict[str, Any]) -> None:
    print(f"\n== {result['profile']}: {result['seconds']:.0f} s real, "
          f"{result['requests']} requests, {result['faults']} faults injected, "
          f"{result['submits']} submits, exits {result['exits']}")  # fmt: skip
    for key in ("lost", "duplicated", "inside Retry-After", "limit violations",
                "token occurrences"):  # fmt: skip
        print(f"  {key:<26} {result[key]}")
    print(f"  {'crashes':<26} {len(result['crashes'])}")
    for crash in result["crashes"][:5]:
        print(f"    {crash}")
    print(f"  {'unresolved after reconcile':<26} {result['unresolved after reconcile']} (info)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default="flaky,storm")
    parser.add_argument("--minutes", type=float, default=30.0, help="simulated minutes per run")
    parser.add_argument("--speed", type=float, default=15.0, help="simulator clock speed")
    parser.add_argument("--submitters", type=int, default=2)
    parser.add_argument("--watchers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-seconds", type=float, default=20.0, help="0: no baseline")
    args = parser.parse_args()
    started = time.monotonic()
    results = [asyncio.run(chaos_run(p, args)) for p in args.profiles.split(",") if p]
    for result in results:
        print_run(result)
    if args.baseline_seconds > 0:
        shared = asyncio.run(baseline_run(args, shared=True))
        alone = asyncio.run(baseline_run(args, shared=False))
        print(f"\n== baseline ({args.watchers + 1} watchers, {args.baseline_seconds:.0f} s, "
              f"no faults): limit violations {shared} with the shared budget, "
              f"{alone} with per-process limits")  # fmt: skip
    print(f"\nwall time {time.monotonic() - started:.0f} s")
    failed = any(
        r["lost"] or r["duplicated"] or r["inside Retry-After"] or r["limit violations"]
        or r["token occurrences"] or r["crashes"]
        for r in results
    )  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
