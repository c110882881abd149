"""Save an SVG of every screen of the dashboard, as a new user meets it, into screenshots/.

    .venv/bin/python scripts/screenshots.py [--out screenshots] [--size 120x36] [NAME ...]
    .venv/bin/python scripts/screenshots.py --list      # every shot with its caption

The simulator runs in-process (httpx.ASGITransport, no socket) on a frozen `ManualClock`, so
the pictures are the same bytes on every run: same jobs, same progress, same timestamps. The
app is driven only through keys and its public attributes. Config, token file and journal
live in a private temporary folder (never the user's); no keyring, no network, and the demo
token never reaches a picture. SVGs in the output folder that no shot makes any more are
removed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import sys
import tempfile
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import DataTable, Input, TextArea  # noqa: E402

from tui.api.client import DescriptClient  # noqa: E402
from tui.api.clock import ManualClock  # noqa: E402
from tui.api.errors import DescriptError  # noqa: E402
from tui.api.models import Outcome  # noqa: E402
from tui.app import DescriptApp  # noqa: E402
from tui.config import (  # noqa: E402
    BASE_URL_ENV,
    CONFIG_ENV,
    TOKEN_ENV,
    TOKEN_FILE_ENV,
    resolve_connection,
)
from tui.journal import DATA_DIR_ENV, MEMORY, Journal  # noqa: E402
from tui.live.rows import RowStatus  # noqa: E402
from tui.secrets import KEYRING_ENV  # noqa: E402
from tui.simulator.app import IN_PROCESS_BASE_URL, create_app  # noqa: E402
from tui.simulator.demo import demo_world  # noqa: E402
from tui.simulator.world import DEMO_TOKEN  # noqa: E402

DAY = 86400.0
# A fixed folder (not mkdtemp): the profiles and settings screens print the config path, and
# the pictures must not change from run to run. Emptied before every shot and at the end.
HOME = Path(tempfile.gettempdir()) / "descript-tui-screenshots"
CONFIG = HOME / "config.toml"
# Two Drives: the profiles picker and the settings screen have something to show.
CONFIG_TEXT = """\
default_profile = "studio"

[profiles.studio]
base_url = "https://descriptapi.com/v1"

[profiles.client-drive]
base_url = "https://descriptapi.com/v1"
read_only = true
poll_min_interval = 5.0
discover_new_jobs = false
"""
# A submission whose answer was lost: its job exists on the server, the app never heard.
LOST_IMPORT = {
    "project_name": "Episode 13 - raw",
    "add_media": {"episode-13.mp4": {"url": "https://media.example.com/episode-13.mp4"}},
}


def private_home() -> None:
    """Point config, token file and journal at a fresh private folder; no keyring, no env token."""
    shutil.rmtree(HOME, ignore_errors=True)
    HOME.mkdir(mode=0o700, parents=True)
    os.environ[CONFIG_ENV] = str(CONFIG)
    os.environ[TOKEN_FILE_ENV] = str(HOME / "credentials.toml")
    os.environ[DATA_DIR_ENV] = str(HOME / "data")
    os.environ[KEYRING_ENV] = "0"
    for name in (TOKEN_ENV, BASE_URL_ENV):
        os.environ.pop(name, None)


class NetworkSwitch(httpx.AsyncBaseTransport):
    """The in-process simulator behind a switch: "ok", "offline" (no route), "storm" (429s)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, retry_after: int = 30) -> None:
        self.inner = inner
        self.mode = "ok"
        self.retry_after = retry_after
        self.refused = 0
        #: Hold every upload PUT once this many chunks of its body went out (None: don't).
        self.hold_upload_after: int | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "PUT" and self.hold_upload_after is not None:
            sent = 0
            async for _chunk in request.stream:  # type: ignore[union-attr]
                sent += 1
                if sent >= self.hold_upload_after:
                    await asyncio.Event().wait()  # mid-upload until the app closes
        if self.mode == "offline":
            self.refused += 1
            raise httpx.ConnectError("network unreachable", request=request)
        if self.mode == "storm":
            self.refused += 1
            return httpx.Response(
                429,
                headers={"Retry-After": str(self.retry_after), "X-RateLimit-Remaining": "0"},
                json={"error": "rate_limited", "message": "Too many requests"},
                request=request,
            )
        return await self.inner.handle_async_request(request)


class Scene:
    """One seeded demo world on one frozen clock, and the apps a shot opens on it."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.world = demo_world(0, self.clock)
        self.network = NetworkSwitch(
            httpx.ASGITransport(app=create_app(self.world, clock=self.clock))
        )
        #: What `app()` passes to `DescriptApp` besides the client (a shot's setup adds to it).
        self.app_kwargs: dict[str, Any] = {"demo": True}

    def client(self) -> DescriptClient:
        return DescriptClient(
            DEMO_TOKEN,
            base_url=IN_PROCESS_BASE_URL,
            transport=self.network,
            clock=self.clock,
            rng=random.Random(0),  # the retry jitter the offline banner quotes
        )

    def app(self, **kwargs: Any) -> DescriptApp:
        kwargs = {**self.app_kwargs, **kwargs}
        # A profile-based app (a `Connection` from the config) still talks to the simulator.
        source = kwargs.pop("connection", None) or self.client
        if not callable(source):
            kwargs["client_builder"] = lambda _connection: self.client()
        return DescriptApp(source, clock=self.clock, refresh_interval=0, **kwargs)


Setup = Callable[[Scene], Awaitable[None]]
Step = Callable[[Pilot[Any], DescriptApp, Scene], Awaitable[None]]


async def settle(pilot: Pilot[Any], rounds: int = 5) -> None:
    for _ in range(rounds):
        await pilot.pause()


async def until(pilot: Pilot[Any], condition: Callable[[], bool], rounds: int = 400) -> None:
    """Let the app work until `condition()` holds; a shot that never gets there says so."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause()
    raise RuntimeError("the app never reached the state this shot shows")


async def advance_until(
    pilot: Pilot[Any], scene: Scene, condition: Callable[[], bool], limit: float = 300
) -> None:
    """Move virtual time a second at a time until `condition()` holds."""
    moved = 0.0
    while not condition():
        if moved >= limit:
            raise RuntimeError(f"not reached within {limit:g} s of virtual time")
        await scene.clock.advance(1)
        moved += 1
        await settle(pilot, 3)


async def loaded(pilot: Pilot[Any], app: DescriptApp) -> None:
    """Wait for the list walk and project names, then for the calls to stop coming."""
    screen = app.jobs_screen
    for _ in range(400):
        if screen.listing_complete and screen.board.project_names:
            break
        await pilot.pause()
    calls = -1
    while calls != len(app.client.activity):
        calls = len(app.client.activity)
        await settle(pilot)


def freeze(app: DescriptApp) -> None:
    """A still picture: no blinking cursor, no toast whose life is measured in wall time."""
    app.clear_notifications()
    # The ages as of the frozen clock: the app's own 5 s tick runs on wall time, so without
    # this a shot taken after moving virtual time shows whatever ages that tick last painted.
    app.jobs_screen.renderer.refresh_ages()
    for field in app.screen.query(Input):
        field.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


def select(
    app: DescriptApp, outcome: Outcome, kind: str | None = None, status: RowStatus | None = None
) -> str:
    """Put the cursor on the first row with `outcome` (and `kind`, and the row `status`
    such as expired); returns its job id."""
    screen = app.jobs_screen
    for job_id in screen.board.shown_ids():
        row = screen.board.row(job_id)
        job = row.job
        if (
            job.outcome is outcome
            and (kind is None or job.kind == kind)
            and (status is None or row.status is status)
        ):
            screen.table.select_job(job_id)
            return job_id
    raise RuntimeError(f"no {kind or ''} job is {outcome.name} {status or ''} in the demo world")


async def type_into(pilot: Pilot[Any], app: DescriptApp, selector: str, text: str) -> None:
    """Focus the field `selector` on the current screen and type `text`, key by key."""
    app.screen.query(selector).first().focus()
    await pilot.pause()
    await pilot.press(*text)


# -- setups: what a scene needs before its app starts ----------------------------------------


async def read_only(scene: Scene) -> None:
    scene.app_kwargs["read_only"] = True


async def lost_answer(scene: Scene) -> None:
    """An import whose POST made a job but whose answer never came, as the journal has it."""
    journal = Journal(MEMORY, profile="demo", clock=scene.clock)
    local_id = journal.record_submission("import", LOST_IMPORT)
    user = scene.world.user_for_token(DEMO_TOKEN)
    assert user is not None
    scene.world.submit_import(user, LOST_IMPORT, queued_s=2, run_s=90)
    journal.mark_outcome_unknown(local_id, "ReadTimeout: the answer never came")
    scene.app_kwargs["journal"] = journal


async def month_later(scene: Scene) -> None:
    """A first session journals every job; the next one opens 31 days later (past retention)."""
    journal = Journal(MEMORY, profile="demo", clock=scene.clock)
    first = scene.app(journal=journal)
    async with first.run_test(size=(120, 36)) as pilot:
        await loaded(pilot, first)
        expected = first.jobs_screen.board.total
        await until(pilot, lambda: len(journal.load_jobs()) >= expected, rounds=2000)
    scene.clock.advance_nowait(31 * DAY)
    scene.app_kwargs["journal"] = journal


async def profiles_config(scene: Scene) -> None:
    """Start on the `studio` profile of a config file with two profiles."""
    CONFIG.write_text(CONFIG_TEXT)
    scene.app_kwargs = {"connection": resolve_connection()}


# -- steps: the keys a user presses before the picture -------------------------------------


async def jobs(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    pass


async def filter_running(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("2")


async def filter_text(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("slash", *"podcast")


async def detail_partial(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    select(app, Outcome.PARTIAL, "import")
    await pilot.press("enter")


async def detail_agent(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    select(app, Outcome.SUCCESS, "agent")
    await pilot.press("enter")


async def raw_json(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    select(app, Outcome.PARTIAL, "import")
    await pilot.press("r")


async def import_form(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("i")
    await until(pilot, lambda: app.screen.query("#project-name").first().has_focus)
    await pilot.press(*"Episode 13 - raw")
    await type_into(pilot, app, ".media-source", "https://media.example.com/episode-13.mp4")
    await pilot.press("ctrl+n")  # a second row, focused
    await settle(pilot)
    await pilot.press(*"htps://media.example.com/b-roll.mov")


async def import_upload(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    # 1 MiB goes in 256 KiB chunks: progress is reported as the next chunk is asked for,
    # so holding at the third chunk shows half of the file sent.
    local = HOME / "interview-take-2.wav"
    local.write_bytes(bytes(1024 * 1024))
    scene.network.hold_upload_after = 3
    await pilot.press("i")
    await until(pilot, lambda: app.screen.query("#project-name").first().has_focus)
    await pilot.press(*"Interview - studio take")
    await type_into(pilot, app, ".media-source", str(local))
    await until(pilot, lambda: not app.screen.query_one("#submit").disabled)
    await pilot.press("ctrl+s")
    bar = app.screen.query_one(".media-progress")
    await until(pilot, lambda: (getattr(bar, "progress", 0) or 0) >= 512 * 1024)


async def agent_form(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("a")
    picker = app.screen.query_one("#project-picker")
    await until(pilot, lambda: getattr(picker, "loaded", False))
    await type_into(pilot, app, "#project-search", "podcast")
    await pilot.press("enter")  # picks the first match
    await until(pilot, lambda: getattr(picker, "selected", None) is not None)
    await type_into(pilot, app, "#prompt", "Remove filler words and tighten the intro")


async def cancel_ask(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    select(app, Outcome.RUNNING, "agent")
    await pilot.press("c")
    await until(pilot, lambda: getattr(app.screen, "phase", None) == "ask")


async def cancel_done(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await cancel_ask(pilot, app, scene)
    await pilot.press("y")
    # The modal closes itself 3 s of app time after the re-read: the clock stays frozen.
    await until(pilot, lambda: getattr(app.screen, "phase", None) == "done")


async def goto_prompt(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    # The short id of a partial import further down, as pasted from a ticket.
    board = app.jobs_screen.board
    job_id = next(i for i in board.shown_ids() if board.row(i).job.outcome is Outcome.PARTIAL)
    await pilot.press("colon", *job_id.rsplit("-", 1)[-1][:8])


async def failures(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("F")
    await until(pilot, lambda: app.screen.query("#failures-tree").first() is not None)
    await pilot.press("enter")  # the first group unfolds to its jobs


async def bulk_cancel_done(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    screen = app.jobs_screen
    live = [i for i in screen.board.shown_ids() if not screen.board.row(i).job.is_finished]
    for job_id in live[:3]:
        screen.table.select_job(job_id)
        await pilot.press("space")
    await pilot.press("c")
    await until(pilot, lambda: getattr(app.screen, "phase", None) == "ask")
    await pilot.press("y")
    await until(pilot, lambda: getattr(app.screen, "phase", None) == "done")


async def stalled(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("5")


async def failing_calls(app: DescriptApp) -> None:
    """A few calls a user could get wrong, so the log has errors to show."""
    client = app.client
    finished = select(app, Outcome.SUCCESS, "import")
    calls = (
        client.get_job("00000000-0000-4000-8000-000000000000"),  # 404
        client.cancel_job(finished),  # 409: it has already stopped
        client.get_project("no-such-project"),  # 404
    )
    for call in calls:
        with contextlib.suppress(DescriptError):  # the error is the point: the log keeps it
            await call


async def activity(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    # A few seconds of polling first, so the log reads like a session, not a cold start.
    for _ in range(20):
        await scene.clock.advance(1)
        await settle(pilot, 3)
    await failing_calls(app)
    await pilot.press("l")


async def activity_error(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await activity(pilot, app, scene)
    await settle(pilot)
    table = app.screen.query_one("#activity-table", DataTable)
    for row in range(table.row_count):
        if str(table.get_row_at(row)[3]) == "409":
            table.move_cursor(row=row)
    await pilot.press("enter")


async def help_keys(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("question_mark")


async def palette(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("ctrl+p", *"filter")
    await settle(pilot, 10)


async def reconcile(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    screen = app.jobs_screen
    [key] = screen.board.pending
    if not screen.table.select_job(key):
        raise RuntimeError(f"the pending submission {key} has no row in the table")
    await pilot.press("R")
    await until(pilot, lambda: getattr(app.screen, "phase", None) == "found")


async def profiles(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("P")
    await until(pilot, lambda: bool(getattr(app.screen, "names", None)))


async def settings(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    await pilot.press("comma")
    await settle(pilot, 10)


async def expired(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    # The unfinished jobs are polled once more, meet their 404 and turn expired too.
    await advance_until(pilot, scene, lambda: not app.scheduler.watched)
    select(app, Outcome.PARTIAL, "import", status=RowStatus.EXPIRED)
    await pilot.press("enter")


async def offline(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    scene.network.mode = "offline"
    screen = app.jobs_screen
    await advance_until(pilot, scene, lambda: screen.link.state == "offline")
    screen.refresh_status()  # the status line ticks on wall time; tick it now


async def rate_limited(pilot: Pilot[Any], app: DescriptApp, scene: Scene) -> None:
    scene.network.mode = "storm"
    screen = app.jobs_screen
    # The scheduler says "rate-limited" (the one owner of the link state).
    await advance_until(pilot, scene, lambda: screen.link.state == "rate_limited")
    await settle(pilot)
    screen.refresh_status()


@dataclass(frozen=True)
class Shot:
    caption: str
    step: Step
    setup: Setup | None = None


SHOTS: dict[str, Shot] = {
    "jobs": Shot("The jobs screen: every job of the Drive, newest first, live.", jobs),
    "filter-running": Shot("Key 2: only queued and running jobs.", filter_running),
    "filter-text": Shot("/podcast: a text filter over id, project and label.", filter_text),
    "detail-partial-import": Shot(
        "Enter on a partial import: failed files first, each with its error.", detail_partial
    ),
    "detail-agent": Shot(
        "Enter on an agent edit: the agent's answer, AI credits used, the project.", detail_agent
    ),
    "raw-json": Shot("r: the selected job exactly as the API sent it.", raw_json),
    "import": Shot(
        "Import form (i), filled: a bad URL is flagged beside its row before anything is sent.",
        import_form,
    ),
    "import-upload": Shot(
        "Import of a local file: sent, then uploaded straight to storage with its progress.",
        import_upload,
    ),
    "agent": Shot(
        "Agent form (a): a project picked by search, a prompt typed, ready to run.", agent_form
    ),
    "cancel": Shot("Cancel (c) asks first, showing the job it would stop.", cancel_ask),
    "cancel-done": Shot(
        "After y: the server's 204 and the job re-read, now cancelled.", cancel_done
    ),
    "activity": Shot("Activity log (l): every API call, errors in colour.", activity),
    "activity-error": Shot(
        "Enter on an error in the log: the whole call and the response body.", activity_error
    ),
    "help": Shot("? lists every key of the screen you are on.", help_keys),
    "command-palette": Shot("ctrl+p: every action, searchable (here: filter).", palette),
    "reconcile": Shot(
        "R on a ⚠ reconcile row: the job a lost-answer submit made, found before any resend.",
        reconcile,
        lost_answer,
    ),
    "profiles": Shot(
        "P: switch profile (one per Drive) from the config file.", profiles, profiles_config
    ),
    "settings": Shot(
        ", : the profile's settings, each with its help, checked as you type.",
        settings,
        profiles_config,
    ),
    "read-only": Shot(
        "--read-only: the READ-ONLY badge; import, agent and cancel are gone.", jobs, read_only
    ),
    "detail-expired": Shot(
        "31 days later: jobs past retention stay, ⌛ expired, with their last known files.",
        expired,
        month_later,
    ),
    "offline": Shot("The network is gone: last known rows stay, retrying politely.", offline),
    "rate-limited": Shot(
        "A 429 storm: the header counts down the server's Retry-After.", rate_limited
    ),
    "goto": Shot(": go to any job: a full id, the short id from the table, or a URL.", goto_prompt),
    "failures": Shot(
        "F: every failure of the last 7 days, grouped by error message, each group unfolding.",
        failures,
    ),
    "bulk-cancel": Shot(
        "space marks rows, c cancels them all: each job's answer in one summary.",
        bulk_cancel_done,
    ),
    "stalled": Shot("Key 5: jobs that stopped moving, ⏸ with how long.", stalled),
}


async def shoot(name: str, shot: Shot, out: Path, size: tuple[int, int]) -> Path:
    private_home()
    scene = Scene()
    if shot.setup is not None:
        await shot.setup(scene)
    app = scene.app()
    async with app.run_test(size=size) as pilot:
        await loaded(pilot, app)
        await shot.step(pilot, app, scene)
        await settle(pilot)
        freeze(app)
        await settle(pilot)
        return Path(app.save_screenshot(f"{name}.svg", str(out)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="120x36", help="WIDTHxHEIGHT in cells")
    parser.add_argument("--list", action="store_true", help="print every shot and its caption")
    parser.add_argument("only", nargs="*", help=f"some of: {', '.join(SHOTS)}")
    args = parser.parse_args(argv)
    if args.list:
        for name, shot in SHOTS.items():
            print(f"{name}.svg\t{shot.caption}")
        return 0
    unknown = set(args.only) - set(SHOTS)
    if unknown:
        parser.error(f"no such shot: {', '.join(sorted(unknown))}")
    width, height = (int(n) for n in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in sorted(args.out.glob("*.svg")):
        if stale.stem not in SHOTS:
            stale.unlink()
            print(f"removed {stale}")
    failed: list[str] = []
    try:
        for name, shot in SHOTS.items():
            if args.only and name not in args.only:
                continue
            try:
                path = asyncio.run(shoot(name, shot, args.out, (width, height)))
            except Exception:  # one broken screen must not cost the other pictures
                traceback.print_exc()
                print(f"FAILED {name}.svg (the old picture, if any, was kept)", file=sys.stderr)
                failed.append(name)
                continue
            print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    finally:
        shutil.rmtree(HOME, ignore_errors=True)
    if failed:
        print(f"{len(failed)} shot(s) failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
