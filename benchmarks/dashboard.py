"""Dashboard benchmark: the real app and scheduler against the simulator over real HTTP.

For each Drive size (`--jobs`, default 10,000 and 50,000) the simulator runs in its own
process (uvicorn on a loopback port), seeded through its control surface
(`POST /_sim/reset {"world": "empty"}`, then `POST /_sim/jobs {"count": n, "state": "mixed"}`:
a quarter each queued, running, stopped, cancelled, so the scheduler keeps polling while we
measure). Each run measures in a fresh child process, so CPU and RSS are the dashboard's
alone:

- start -> first frame written with table rows in it;
- CPU seconds (and wall) from start until every job is a row of the table;
- each key (`j` `k` `G` `g` `1`-`4` `s` `S` `/`+letter, escape) from the key event to the
  first frame written after its effect shows in the table, while polling goes on (p50/p95;
  the report says how many live batches the dashboard applied meanwhile);
- one changed job: CPU from its change arriving to the frame that shows it (the dashboard
  gets it as the poller delivers one: a `LiveBatch` through the board, the stall check, the
  filter bar and the header to the row; the bare widgets are told directly: `rows_changed`
  on the Line API table, `update_cell` on a DataTable), and the wall time from a cancel on
  the server to the painted `cancelled` on screen (polling included);
- peak RSS.

Beside it, in the same run, two bare widgets fed the same rows paged over the same HTTP,
with the same keys doing the same jobs, and no scheduler (their figures are the widget's
alone): the baseline, Textual's `DataTable` (filters rebuild its rows, sort calls
`DataTable.sort`), and the Line API table alone (`tui/widgets/job_table.py` on a plain
index list; filters and sorts hand it a new list and `rows_reset`). `--kind` picks which.
Figures are the median of `--runs` runs (default 3) with the spread (min-max).

The app is driven through public behaviour only: keys, the table found by `#job-table`,
`row_count`, `cursor_row` and the lines it renders. Frames are counted where Textual writes
them (`App._display`, the one hook headless mode has).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from rich.text import Text
from textual import events
from textual.app import App, ComposeResult, ScreenStackError
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from tui.api.client import DescriptClient
from tui.api.models import Job, Outcome
from tui.api.scheduler import JobEvent
from tui.app import DescriptApp
from tui.config import Connection
from tui.formatting import STATE_LABELS
from tui.live.rows import RowStatus
from tui.messages import LiveBatch
from tui.screens.jobs import JobsScreen
from tui.simulator.world import DEMO_TOKEN
from tui.widgets.job_table import COLUMNS, JobTable, row_values

SIZE = (160, 45)
# (key, character): what each press sends, in an order where every press changes the table.
KEYS: tuple[tuple[str, str | None], ...] = (
    ("j", "j"), ("j", "j"), ("k", "k"), ("G", "G"), ("g", "g"),
    ("2", "2"), ("1", "1"), ("3", "3"), ("1", "1"), ("4", "4"), ("1", "1"),
    ("s", "s"), ("S", "S"), ("slash", "/"), ("z", "z"), ("escape", None),
)  # fmt: skip
KEY_ROUNDS = 3
KEY_TIMEOUT = 30.0
LOAD_TIMEOUT = 600.0


# -- what the child measures -------------------------------------------------------------


class Frames:
    """When Textual wrote each frame (headless: `_display` is where a terminal would get it),
    and whether a condition held as each frame went out (so a frame counts only if it shows
    the effect)."""

    def __init__(self, app: App[Any], on_frame: Callable[[], None] = lambda: None) -> None:
        self.times: list[float] = []
        self.condition: Callable[[], bool] | None = None
        self.shown_at: float | None = None
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            now = time.perf_counter()
            self.times.append(now)
            if self.condition is not None and self.shown_at is None and self.condition():
                self.shown_at = now
            on_frame()

        app._display = display  # type: ignore[method-assign]

    async def showing(self, condition: Callable[[], bool], limit: float = KEY_TIMEOUT) -> float:
        """The time of the first frame written from now on while `condition()` holds."""
        self.condition, self.shown_at = condition, None
        deadline = time.perf_counter() + limit
        try:
            while self.shown_at is None:
                if time.perf_counter() > deadline:
                    raise TimeoutError("no frame showed it")
                await asyncio.sleep(0.0005)
            return self.shown_at
        finally:
            self.condition = None

    async def after(self, moment: float, limit: float = KEY_TIMEOUT) -> float:
        """The first frame written at or after `moment`."""
        return await self.showing(lambda: time.perf_counter() >= moment, limit)


def find_table(app: App[Any]) -> Any:
    """The jobs table, found by id on the current screen (None before it is composed)."""
    try:
        return app.screen.query_one("#job-table")
    except (ScreenStackError, NoMatches):  # the jobs screen is not up yet
        return None


def table_text(table: Any, lines: int = 3) -> str:
    """The ids of the first rows on screen and the cursor row: what a key visibly changes."""
    shown = [
        "".join(seg.text for seg in table.render_line(y))[:16] for y in range(1, lines + 1)
    ]
    return "|".join(shown)


def cells(strip: Any) -> str:
    return "".join(segment.text for segment in strip)


def signature(app: App[Any], table: Any) -> tuple[Any, ...]:
    focused = app.focused.id if app.focused is not None else None
    return (table.cursor_row, table.row_count, round(table.scroll_y), focused, table_text(table))


async def until(check: Callable[[], bool], limit: float, what: str) -> None:
    deadline = time.perf_counter() + limit
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.005)


async def press_latencies(
    app: App[Any], table: Any, frames: Frames
) -> tuple[dict[str, list[float]], list[str]]:
    """Milliseconds from each key event to the frame showing its effect; the keys that
    showed nothing within KEY_TIMEOUT."""
    latencies: dict[str, list[float]] = {}
    unanswered: list[str] = []
    for _ in range(KEY_ROUNDS):
        for key, character in KEYS:
            before = signature(app, table)
            pressed = time.perf_counter()
            # As the terminal driver does: the key goes to the app, which routes it to focus.
            app.post_message(events.Key(key, character))
            try:
                painted = await frames.showing(lambda b=before: signature(app, table) != b)
            except TimeoutError:  # said in the report, never counted as fast
                unanswered.append(character or key)
                continue
            latencies.setdefault(character or key, []).append((painted - pressed) * 1000)
            await asyncio.sleep(0.05)
    return latencies, unanswered


def changed_job(job: Job, serial: int) -> Job:
    """`job` as a poll would read it after its progress moved (its label says so)."""
    progress = {"percent": float(serial % 100), "label": f"benchmark step {serial}"}
    return Job.from_json({**job.raw, "progress": progress})


async def one_change_cpu(app: App[Any], table: Any, frames: Frames, repeats: int = 15) -> float:
    """Median CPU ms from one job's change arriving to the frame that shows it. The
    dashboard gets it as the poller delivers it (a `LiveBatch` message: the board, the stall
    check, the filter bar, the header, the row); the bare widgets are told directly."""
    costs: list[float] = []
    screen = app.screen
    for serial in range(repeats):
        start_cpu = time.process_time()
        start = time.perf_counter()
        if isinstance(screen, JobsScreen):  # the one path of a job update
            job_id = table.current_job_id
            job = changed_job(screen.board.row(job_id).job, serial)
            screen.post_message(LiveBatch([JobEvent("changed", job_id, job)]))
            line = table.cursor_row - round(table.scroll_y) + 1  # the changed job's line
            label = f"benchmark step {serial}"
            await frames.showing(lambda y=line, text=label: text in cells(table.render_line(y)))
        elif hasattr(table, "rows_changed"):  # the Line API table
            table.rows_changed([table.current_job_id])
        else:  # a DataTable: one cell of the cursor row
            coordinate = table.cursor_coordinate._replace(column=1)
            table.update_cell_at(coordinate, Text(f"x{len(costs)}"))
        if not isinstance(screen, JobsScreen):
            await frames.after(start)
        costs.append((time.process_time() - start_cpu) * 1000)
        await asyncio.sleep(0.05)
    return statistics.median(costs)


async def change_seen(base_url: str, table: Any, frames: Frames) -> float:
    """Seconds from cancelling the newest running job on the server to its painted row."""
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {DEMO_TOKEN}"}
    ) as http:
        page = (await http.get("/jobs", params={"limit": 20})).json()["data"]
        running = next(job for job in page if job["job_state"] in ("running", "queued"))
        short = running["job_id"][-12:]
        (await http.delete(f"/jobs/{running['job_id']}")).raise_for_status()
    cancelled_at = time.perf_counter()

    def painted() -> bool:
        for y in range(1, table.size.height):
            line = "".join(seg.text for seg in table.render_line(y))
            if short in line:
                return STATE_LABELS[Outcome.CANCELLED] in line
        return False

    return (await frames.showing(painted, 120.0)) - cancelled_at


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def measure(
    make_app: Callable[[], App[Any]], total: int, base_url: str, dashboard: bool
) -> dict[str, Any]:
    """Every figure of one run of the app `make_app` builds (CPU and wall from before it)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    app = make_app()
    first: list[float] = []

    def on_frame() -> None:
        table = find_table(app)
        if not first and table is not None and table.row_count:
            first.append(time.perf_counter())

    frames = Frames(app, on_frame)
    async with app.run_test(size=SIZE):
        await until(lambda: bool(first), LOAD_TIMEOUT, "first rows")
        table = find_table(app)
        await until(lambda: table.row_count >= total, LOAD_TIMEOUT, "all rows")
        loaded_cpu = time.process_time() - started_cpu
        loaded = time.perf_counter() - started
        # First, while the newest jobs are the top rows (the default sort, newest first).
        seen = await change_seen(base_url, table, frames) if dashboard else None
        batches = getattr(app.screen, "applied_refreshes", 0)
        keys, unanswered = await press_latencies(app, table, frames)
        # Proof the keys were pressed while polling went on: batches applied meanwhile.
        batches = getattr(app.screen, "applied_refreshes", 0) - batches
        change = await one_change_cpu(app, table, frames)
        rss = peak_rss_mb()
    every = [ms for values in keys.values() for ms in values]
    return {
        "first_rows_s": first[0] - started,
        "all_rows_s": loaded,
        "all_rows_cpu_s": loaded_cpu,
        "keys_p50_ms": statistics.median(every),
        "keys_p95_ms": statistics.quantiles(every, n=20)[18],
        "per_key_max_ms": {key: max(values) for key, values in keys.items()},
        "unanswered_keys": unanswered,
        "batches_during_keys": batches,
        "one_change_cpu_ms": change,
        "change_seen_s": seen,
        "rss_mb": rss,
    }


def dashboard_app(base_url: str) -> DescriptApp:
    """The app as `descript-tui` opens it on a Drive (no journal on disk)."""
    connection = Connection(token=DEMO_TOKEN, base_url=base_url, profile_name="benchmark")
    return DescriptApp(connection, journal=None)


class BaselineRow:
    """A row as the live model gives it, for `row_values` (the same cell text as ours)."""

    status = RowStatus.LIVE
    watched = False
    marked = False
    stalled_since: datetime | None = None
    project_name: str | None = None

    def __init__(self, job: Job) -> None:
        self.job = job


Cells = tuple[str, ...]


class PagedRows(App[None]):
    """A bare table widget fed the same rows, paged over the same HTTP, with the same keys:
    `1`-`4` and `/` filter and `s`/`S` sort by rebuilding what it shows (as the dashboard
    before the live model did); what shows it is the subclass's widget. A line under it says
    how many rows are shown, as the dashboard's filter bar does: a filter whose first rows
    are the same ones still shows on screen (the Line API table repaints no unchanged row)."""

    CSS = "#count { width: 100%; height: 1; }"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "state('all')"), Binding("2", "state('running')"),
        Binding("3", "state('failed')"), Binding("4", "state('partial')"),
        Binding("s", "sort(False)"), Binding("S", "sort(True)"),
        Binding("slash", "find"), Binding("escape", "escape"),
    ]  # fmt: skip
    # The columns whose order differs here (bulk jobs share type, project and files).
    SORTS: ClassVar[tuple[str, ...]] = ("created", "age", "id", "state", "progress", "label")
    STATES: ClassVar[dict[str, tuple[str, ...]]] = {
        "running": ("queued", "running"), "failed": ("failed",), "partial": ("partial",),
    }  # fmt: skip

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.cells: dict[str, Cells] = {}  # as listed: newest first
        self.jobs: dict[str, Job] = {}
        # As the dashboard: newest first, and `s` moves to the next column (Elapsed).
        self.sort_column = 0
        self.descending = True

    def compose(self) -> ComposeResult:
        yield self.table_widget()
        yield Static(id="count")
        find = Input(id="find")
        find.display = False
        yield find

    def table_widget(self) -> Widget:
        raise NotImplementedError

    def added(self, job_ids: list[str]) -> None:
        """A page of rows arrived (appended in listing order)."""
        raise NotImplementedError

    def display(self, job_ids: list[str]) -> None:
        """Show exactly these rows, in this order."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.run_worker(self.load())

    async def load(self) -> None:
        client = DescriptClient(DEMO_TOKEN, base_url=self.base_url)
        page: list[str] = []
        async for job in client.iter_jobs(limit=100):
            self.jobs[job.job_id] = job
            self.cells[job.job_id] = row_values(BaselineRow(job), job.created_at or time_now())
            page.append(job.job_id)
            if len(page) == 100:
                self.added(page)
                page = []
        self.added(page)
        await client.aclose()

    def show(self, keep: Callable[[Cells], bool]) -> None:
        shown = [job_id for job_id, cells in self.cells.items() if keep(cells)]
        self.display(shown)
        self.query_one("#count", Static).update(f"{len(shown):,} rows", layout=False)

    def action_state(self, state: str) -> None:
        words = self.STATES.get(state)
        self.show(lambda cells: words is None or any(w in cells[2] for w in words))

    def action_sort(self, reverse: bool) -> None:
        if not reverse:
            self.sort_column = (self.sort_column + 1) % len(self.SORTS)
        self.descending = not self.descending if reverse else True
        self.sort_rows(self.SORTS[self.sort_column], self.descending)

    def sort_rows(self, column: str, descending: bool) -> None:
        index = [key for key, _, _ in COLUMNS].index(column)
        shown = sorted(self.cells, key=lambda job_id: self.cells[job_id][index])
        self.display(shown[::-1] if descending else shown)

    def action_find(self) -> None:
        find = self.query_one(Input)
        find.display = True
        find.focus()

    def action_escape(self) -> None:
        find = self.query_one(Input)
        find.value = ""  # Changed: every row again
        find.display = False
        self.query_one("#job-table").focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        needle = event.value.casefold()
        self.show(lambda cells: any(needle in cell.casefold() for cell in cells))


class BareTable(PagedRows):
    """The baseline: Textual's DataTable holding its own copy of every row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor('down')"), Binding("k", "cursor('up')"),
        Binding("g", "cursor('top')"), Binding("G", "cursor('bottom')"),
    ]  # fmt: skip

    def table_widget(self) -> Widget:
        table: DataTable[Text] = DataTable(id="job-table", cursor_type="row", zebra_stripes=True)
        for key, header, width in COLUMNS:
            table.add_column(header, key=key, width=width)
        return table

    def added(self, job_ids: list[str]) -> None:
        table = self.query_one(DataTable)
        for job_id in job_ids:
            table.add_row(*(Text(v, no_wrap=True, end="") for v in self.cells[job_id]), key=job_id)

    def display(self, job_ids: list[str]) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.added(job_ids)

    def sort_rows(self, column: str, descending: bool) -> None:
        self.query_one(DataTable).sort(column, key=lambda cell: cell.plain, reverse=descending)

    def action_cursor(self, where: str) -> None:
        table = self.query_one(DataTable)
        moves = {"down": table.action_cursor_down, "up": table.action_cursor_up}
        if where in moves:
            moves[where]()
        else:
            table.move_cursor(row=0 if where == "top" else table.row_count - 1)


class ShownRows:
    """A RowSource over an index list, as the live model hands the table."""

    def __init__(self, jobs: dict[str, Job]) -> None:
        self.jobs = jobs
        self.order: list[str] = []
        self.index: dict[str, int] = {}

    def show(self, job_ids: list[str]) -> None:
        self.order = list(job_ids)
        self.index = {job_id: i for i, job_id in enumerate(job_ids)}

    def extend(self, job_ids: list[str]) -> None:
        """Rows listed after the shown ones (a page while loading): no re-index."""
        start = len(self.order)
        self.order.extend(job_ids)
        self.index.update((job_id, start + i) for i, job_id in enumerate(job_ids))

    def __len__(self) -> int:
        return len(self.order)

    def job_id_at(self, index: int) -> str:
        return self.order[index]

    def index_of(self, job_id: str) -> int | None:
        return self.index.get(job_id)

    def row(self, job_id: str) -> BaselineRow:
        return BaselineRow(self.jobs[job_id])


class LineTable(PagedRows):
    """The Line API table alone (tui/widgets/job_table.py), keys as the DataTable's."""

    def table_widget(self) -> Widget:
        self.source = ShownRows(self.jobs)
        return JobTable(self.source, now=time_now, id="job-table")

    def added(self, job_ids: list[str]) -> None:
        self.source.extend(job_ids)
        self.query_one(JobTable).rows_reset()

    def display(self, job_ids: list[str]) -> None:
        self.source.show(job_ids)
        self.query_one(JobTable).rows_reset()


def time_now() -> datetime:
    return datetime.now(UTC)


KINDS: dict[str, Callable[[str], App[Any]]] = {
    "dashboard": lambda base_url: dashboard_app(base_url),
    "bare": BareTable,
    "line": LineTable,
}


def child(kind: str, base_url: str, total: int) -> None:
    def make_app() -> App[Any]:
        return KINDS[kind](base_url)

    figures = asyncio.run(measure(make_app, total, base_url, kind == "dashboard"))
    print(json.dumps(figures))


# -- the parent: simulator, seeding, runs, report -------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def simulator() -> Iterator[str]:
    """The simulator served by uvicorn in its own process on a loopback port; yields its root."""
    port = free_port()
    code = f"from tui.simulator.server import serve; serve(port={port}, log_level='warning')"
    process = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parent.parent)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{root}/_sim/state").raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield root
    finally:
        process.terminate()
        process.wait(10)


def seed(root: str, total: int) -> None:
    """A fresh empty world, then `total` jobs in every state on the demo Drive."""
    httpx.post(f"{root}/_sim/reset", json={"world": "empty"}).raise_for_status()
    answer = httpx.post(
        f"{root}/_sim/jobs", json={"count": total, "state": "mixed", "token": DEMO_TOKEN}
    )
    answer.raise_for_status()


def run_child(kind: str, root: str, total: int) -> dict[str, Any]:
    seed(root, total)
    command = [sys.executable, __file__, "--child", kind, "--base-url", f"{root}/v1"]
    out = subprocess.run(
        [*command, "--jobs", str(total)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(f"{kind} run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(runs: list[dict[str, Any]], name: str, unit: str, scale: float = 1.0) -> str:
    values = [run[name] * scale for run in runs if run.get(name) is not None]
    if not values:
        return "-"
    middle = statistics.median(values)
    return f"{middle:.1f} {unit} ({min(values):.1f}-{max(values):.1f})"


ROWS: tuple[tuple[str, str, str, float], ...] = (
    ("start -> first rows painted", "first_rows_s", "ms", 1000.0),
    ("start -> all rows, wall", "all_rows_s", "s", 1.0),
    ("start -> all rows, CPU", "all_rows_cpu_s", "s", 1.0),
    ("key -> frame, p50", "keys_p50_ms", "ms", 1.0),
    ("key -> frame, p95", "keys_p95_ms", "ms", 1.0),
    ("one changed job: CPU to frame", "one_change_cpu_ms", "ms", 1.0),
    ("cancel on server -> painted", "change_seen_s", "s", 1.0),
    ("peak RSS", "rss_mb", "MB", 1.0),
)


TITLES = {"dashboard": "dashboard", "line": "Line API table alone", "bare": "bare DataTable"}


def report(total: int, results: dict[str, list[dict[str, Any]]]) -> None:
    runs = len(next(iter(results.values())))
    print(f"\n{total:,} jobs, {SIZE[0]}x{SIZE[1]}, median of {runs} (min-max)")
    print(f"{'':34s}" + "".join(f"{TITLES[kind]:>28s}" for kind in results))
    for title, name, unit, scale in ROWS:
        figures = [summary(results[kind], name, unit, scale) for kind in results]
        print(f"{title:34s}" + "".join(f"{figure:>28s}" for figure in figures))
    for kind, kind_runs in results.items():
        keys = kind_runs[0]["per_key_max_ms"]
        worst = {key: max(run["per_key_max_ms"].get(key, 0.0) for run in kind_runs) for key in keys}
        print(f"slowest press of each key, {TITLES[kind]} (ms):")
        print("  " + ", ".join(f"{key} {ms:.0f}" for key, ms in worst.items()))
        if kind == "dashboard":
            polled = [run.get("batches_during_keys", 0) for run in kind_runs]
            print(f"  live batches applied while the keys were pressed: {polled}")
        silent = [key for run in kind_runs for key in run["unanswered_keys"]]
        if silent:
            print(f"  keys that showed no change within {KEY_TIMEOUT:.0f} s: {' '.join(silent)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, action="append", help="Drive size (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--kind", choices=tuple(KINDS), action="append", help="what to run (default: all)"
    )
    parser.add_argument("--child", choices=tuple(KINDS), help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = args.jobs or [10_000, 50_000]
    if args.child:
        child(args.child, args.base_url, sizes[0])
        return 0
    print(f"descript-tui dashboard benchmark over HTTP, {SIZE[0]}x{SIZE[1]}")
    with simulator() as root:
        for total in sizes:
            results = {
                kind: [run_child(kind, root, total) for _ in range(args.runs)]
                for kind in args.kind or list(KINDS)
            }
            report(total, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
