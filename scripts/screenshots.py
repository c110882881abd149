"""Save an SVG of every screen of the dashboard, on the seeded demo world, into screenshots/.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--size 130x36]

The simulator runs in-process (httpx.ASGITransport, no socket) on a frozen `ManualClock`, so
the pictures are the same on every run: same jobs, same progress, same timestamps. No token
and no network are involved.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import Input  # noqa: E402

from tui.api.client import DescriptClient  # noqa: E402
from tui.api.clock import ManualClock  # noqa: E402
from tui.api.models import Outcome  # noqa: E402
from tui.app import DescriptApp  # noqa: E402
from tui.simulator.app import IN_PROCESS_BASE_URL, create_app  # noqa: E402
from tui.simulator.world import DEMO_TOKEN, World  # noqa: E402

Step = Callable[[Pilot[Any], DescriptApp], Awaitable[None]]


async def settle(pilot: Pilot[Any], rounds: int = 5) -> None:
    for _ in range(rounds):
        await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a frozen picture, not half a blink


async def loaded(pilot: Pilot[Any], app: DescriptApp) -> None:
    screen = app.jobs_screen
    for _ in range(400):
        if (
            screen.listing_complete
            and not screen.table.loading_rows
            and screen.context.project_names
        ):
            break
        await pilot.pause()
    calls = -1
    while calls != len(app.client.activity):
        calls = len(app.client.activity)
        await settle(pilot)


def select(app: DescriptApp, outcome: Outcome) -> None:
    """Put the cursor on the first job with `outcome`."""
    screen = app.jobs_screen
    for index, job_id in enumerate(screen.table.job_ids):
        if screen.jobs[job_id].outcome is outcome:
            screen.table.move_cursor(row=index)
            return


async def jobs(pilot: Pilot[Any], app: DescriptApp) -> None:
    await settle(pilot)


async def detail(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("4")
    await pilot.press("enter")
    await settle(pilot)


async def agent_detail(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("t", "t")  # type: agent
    select(app, Outcome.SUCCESS)
    await pilot.press("d")
    await settle(pilot)


async def raw_json(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("3", "r")
    await settle(pilot)


async def filter_running(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("2")
    await settle(pilot)


async def filter_text(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("slash", *"podcast")
    await settle(pilot)


async def import_form(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("i")
    await settle(pilot, 10)


async def agent_form(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("a")
    await settle(pilot, 10)


async def cancel_modal(pilot: Pilot[Any], app: DescriptApp) -> None:
    select(app, Outcome.RUNNING)
    await pilot.press("c")
    await settle(pilot)


async def activity(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("l")
    await settle(pilot)


async def help_keys(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("question_mark")
    await settle(pilot)


async def palette(pilot: Pilot[Any], app: DescriptApp) -> None:
    await pilot.press("ctrl+p", *"filter")
    await settle(pilot, 10)


SHOTS: dict[str, Step] = {
    "jobs": jobs,
    "detail-partial-import": detail,
    "detail-agent": agent_detail,
    "raw-json": raw_json,
    "filter-running": filter_running,
    "filter-text": filter_text,
    "import": import_form,
    "agent": agent_form,
    "cancel": cancel_modal,
    "activity": activity,
    "help": help_keys,
    "command-palette": palette,
}


async def shoot(name: str, step: Step, out: Path, size: tuple[int, int]) -> Path:
    clock = ManualClock()
    simulator = create_app(World.demo(0, clock), clock=clock)
    transport = httpx.ASGITransport(app=simulator)

    def client() -> DescriptClient:
        return DescriptClient(
            DEMO_TOKEN, base_url=IN_PROCESS_BASE_URL, transport=transport, clock=clock
        )

    app = DescriptApp(client, clock=clock, refresh_interval=0, demo=True)
    async with app.run_test(size=size) as pilot:
        await loaded(pilot, app)
        await step(pilot, app)
        return Path(app.save_screenshot(f"{name}.svg", str(out)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="130x36", help="WIDTHxHEIGHT in cells")
    parser.add_argument("only", nargs="*", help=f"some of: {', '.join(SHOTS)}")
    args = parser.parse_args(argv)
    width, height = (int(n) for n in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    for name, step in SHOTS.items():
        if args.only and name not in args.only:
            continue
        path = asyncio.run(shoot(name, step, args.out, (width, height)))
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
