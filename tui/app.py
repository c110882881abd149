"""The Textual app: owns the client, clock and scheduler; pushes screens; notifies on finish.

`DescriptApp(connection_or_client_factory, ...)` opens on the jobs screen. Forms and modals
(import, agent, cancel, activity, help) are pushed by bindings here and hand their result
back through callbacks: a submit calls `track_job`, a cancel re-read updates the row.
`run_app(connection, demo=...)` is what `descript-tui` (and `--demo`) calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.worker import Worker, WorkerState

from tui.api.clock import Clock, SystemClock
from tui.api.models import JOB_TYPE_AGENT, JOB_TYPE_IMPORT, Job, JobCreated, Outcome
from tui.paths import style_paths
from tui.screens.jobs import NO_TOKEN_HELP, JobsScreen
from tui.widgets.formatting import STATE_LABELS, STATE_SYMBOLS

# The token comes from the environment or a profile; the client is built from it.
ClientFactory = Callable[[], Any]

# (title, help, action, namespace): what the command palette offers. `screen` actions run on
# the jobs screen, `app` ones here. The help screen reads the bindings themselves.
PALETTE_COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("Import media", "New import job (i)", "import_media", "app"),
    ("Agent edit", "New agent edit job (a)", "agent_edit", "app"),
    ("Cancel selected job", "Confirm, then DELETE the job (c)", "cancel_job", "app"),
    ("Activity log", "Every API call, errors in colour (l)", "activity", "app"),
    ("Help: keys", "Every key binding (?)", "help", "app"),
    ("Toggle detail pane", "Fields, files, agent result (enter / d)", "toggle_detail", "screen"),
    ("Raw JSON", "The selected job as the API sent it (r)", "raw_json", "screen"),
    ("Filter: all jobs", "Show every state (1)", "filter_state('all')", "screen"),
    ("Filter: running", "Queued and running jobs (2)", "filter_state('running')", "screen"),
    ("Filter: failed", "Failed jobs (3)", "filter_state('failed')", "screen"),
    ("Filter: partial", "Imports where some files failed (4)", "filter_state('partial')", "screen"),
    ("Filter: next job type", "all → import → agent → publish (t)", "cycle_type", "screen"),
    (
        "Filter: selected project",
        "Only this job's project, again for all (p)",
        "filter_project",
        "screen",
    ),
    ("Filter: text", "Over id, project and label (/)", "text_filter", "screen"),
    ("Clear filters", "Back to every job (0)", "clear_filters", "screen"),
    ("Sort: next column", "Cycle the sort column (s)", "cycle_sort", "screen"),
    ("Sort: reverse", "Flip the sort order (S)", "reverse_sort", "screen"),
    ("Watch selected job", "Notify when it finishes (w)", "toggle_watch", "screen"),
    ("Open project in browser", "The job's project_url (o)", "open_project", "screen"),
    ("Copy project URL", "To the clipboard (y)", "copy_url", "screen"),
    ("Next theme", "Cycle the colour theme (T)", "next_theme", "app"),
)


class DashboardCommands(Provider):
    """Every dashboard action in the command palette (ctrl+p)."""

    def _commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        assert isinstance(app, DescriptApp)
        for title, help_text, action, namespace in PALETTE_COMMANDS:
            target = app if namespace == "app" else app.jobs_screen
            yield title, help_text, partial(app.run_action, action, target)

    async def discover(self) -> Hits:
        for title, help_text, command in self._commands():
            yield DiscoveryHit(title, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, command in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), command, help=help_text)


class DescriptApp(App[int]):
    """The descript-tui dashboard."""

    TITLE = "descript-tui"
    CSS_PATH: ClassVar[Any] = style_paths("app.tcss", "jobs.tcss", "forms.tcss", "activity.tcss")
    COMMANDS: ClassVar[Any] = App.COMMANDS | {DashboardCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "import_media", "Import"),
        Binding("a", "agent_edit", "Agent"),
        Binding("l", "activity", "Activity"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("T", "next_theme", "Theme", show=False),
    ]
    THEMES_CYCLE: ClassVar[tuple[str, ...]] = (
        "textual-dark",
        "nord",
        "gruvbox",
        "tokyo-night",
        "textual-light",
    )

    def __init__(
        self,
        connection_or_client_factory: Any = None,
        *,
        demo: bool = False,
        clock: Clock | None = None,
        refresh_interval: float = 0.5,
        read_only: bool | None = None,
        discover: bool = True,
        scheduler_factory: Callable[[Any, Clock], Any] | None = None,
    ) -> None:
        """`connection_or_client_factory`: a `tui.config.Connection`, a `DescriptClient`, or a
        zero-argument callable returning one (tests build one on `httpx.ASGITransport`).

        `refresh_interval`: the least time between two table repaints from polling (tests use
        0 so a poll shows at once). `discover`: let the scheduler find jobs created elsewhere.
        """
        super().__init__()
        self.demo = demo
        self.refresh_interval = refresh_interval
        self.watched_jobs: set[str] = set()
        self.client: Any = None
        self.token_problem: str | None = None
        self.read_only = bool(read_only)
        self.client = self._build_client(connection_or_client_factory, clock)
        self.clock: Clock = clock or getattr(self.client, "clock", None) or SystemClock()
        self.scheduler: Any = None
        if self.client is not None:
            if scheduler_factory is not None:
                self.scheduler = scheduler_factory(self.client, self.clock)
            else:
                from tui.api.scheduler import PollingScheduler

                self.scheduler = PollingScheduler(self.client, clock=self.clock, discover=discover)
        self.jobs_screen = JobsScreen()
        if demo:
            self.sub_title = "demo (simulator)"

    def _build_client(self, source: Any, clock: Clock | None) -> Any:
        from tui.api.client import DescriptClient
        from tui.api.errors import MissingTokenError

        if source is None or isinstance(source, DescriptClient):
            return source
        if callable(source):
            return source()
        # A tui.config.Connection: token (maybe None), base_url, read_only.
        if read_only := getattr(source, "read_only", False):
            self.read_only = self.read_only or bool(read_only)
        try:
            return DescriptClient(source.token, base_url=source.base_url, clock=clock)
        except MissingTokenError as error:
            self.token_problem = str(error)
            return None

    # -- lifecycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(self.jobs_screen)

    async def on_unmount(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.client is not None:
            await self.client.aclose()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected worker error becomes a notification, never a dead app.

        The message does not bubble: screens forward their workers' changes here.
        """
        worker = event.worker
        if event.state is not WorkerState.ERROR:
            return
        self.notify(
            f"{worker.name or worker.group} stopped: {worker.error}",
            title="Background task failed",
            severity="error",
            markup=False,
            timeout=10,
        )
        if worker.group == "poller" and self.scheduler is not None:
            # Polling is the dashboard's pulse: start it again after a pause.
            self.set_timer(5.0, self.jobs_screen.poll_jobs)

    # -- contract with the forms ----------------------------------------------------------

    def track_job(self, job_or_created: Job | JobCreated, *, job_type: str | None = None) -> None:
        """Show a job in the table at once and notify when it finishes (a submit from here).

        A `JobCreated` becomes a queued placeholder row (of `job_type` when the caller knows
        it) until the first poll brings the real job.
        """
        job_id = job_or_created.job_id
        self.watched_jobs.add(job_id)
        if isinstance(job_or_created, Job):
            job = job_or_created
        else:
            # A placeholder row until the first poll: the 201 says nothing about state.
            raw = {
                **job_or_created.raw,
                "job_type": job_type,
                "job_state": "queued",
                "created_at": self.clock.now().isoformat(),
            }
            job = Job.from_json(raw)
        self.jobs_screen.show_job(job)
        if self.scheduler is not None:
            self.scheduler.watch(job_id)
            self.scheduler.poke(job_id)

    def toggle_watch(self, job: Job) -> None:
        if job.job_id in self.watched_jobs:
            self.watched_jobs.discard(job.job_id)
            self.notify(f"No longer watching {job.short_id}.", markup=False)
            return
        if job.is_finished:
            self.notify(
                f"{job.short_id} has already finished ({STATE_LABELS[job.outcome]}).",
                markup=False,
            )
            return
        self.watched_jobs.add(job.job_id)
        if self.scheduler is not None:
            self.scheduler.watch(job)
        self.notify(f"Watching {job.short_id}: you will be told when it finishes.", markup=False)

    def job_finished(self, job: Job) -> None:
        """A job reached a terminal state; tell the user if they asked to be told."""
        if job.job_id not in self.watched_jobs:
            return
        self.watched_jobs.discard(job.job_id)
        outcome = job.outcome
        severity = {
            Outcome.SUCCESS: "information",
            Outcome.PARTIAL: "warning",
            Outcome.CANCELLED: "warning",
        }.get(outcome, "error")
        detail = ""
        if outcome is Outcome.PARTIAL:
            detail = f": {len(job.failed_files)} of {len(job.result.media_status)} files failed"  # type: ignore[union-attr]
        elif job.error_message:
            detail = f": {job.error_message}"
        self.notify(
            f"{STATE_SYMBOLS[outcome]} {job.kind} {job.short_id} {STATE_LABELS[outcome]}{detail}",
            title="Job finished",
            severity=severity,  # type: ignore[arg-type]
            markup=False,
            timeout=8,
        )

    def job_gone(self, job: Job | None, job_id: str) -> None:
        if job_id in self.watched_jobs:
            self.watched_jobs.discard(job_id)
            self.notify(
                f"{job.short_id if job else job_id} is gone (404: expired or deleted).",
                severity="warning",
                markup=False,
            )

    # -- actions ---------------------------------------------------------------------------

    def _can_change(self, what: str) -> bool:
        if self.client is None:
            self.notify(NO_TOKEN_HELP, title=f"Cannot {what}", severity="error", markup=False)
            return False
        if self.read_only:
            self.notify(f"Read-only profile: {what} is disabled.", severity="warning")
            return False
        return True

    def action_import_media(self) -> None:
        if not self._can_change("import"):
            return
        from tui.screens.import_form import ImportScreen

        self.push_screen(ImportScreen(), partial(self._submitted, JOB_TYPE_IMPORT))

    def action_agent_edit(self) -> None:
        if not self._can_change("start an agent edit"):
            return
        from tui.screens.agent_form import AgentScreen

        self.push_screen(AgentScreen(), partial(self._submitted, JOB_TYPE_AGENT))

    def _submitted(self, job_type: str, created: JobCreated | None) -> None:
        if created is not None:
            self.track_job(created, job_type=job_type)

    def action_cancel_job(self) -> None:
        job = self.jobs_screen.selected_job()
        if job is None:
            self.notify("Select a job to cancel.", severity="warning")
            return
        if job.is_finished:
            self.notify(
                f"{job.short_id} has already stopped ({STATE_LABELS[job.outcome]}): "
                "only a queued or running job can be cancelled.",
                severity="warning",
                markup=False,
            )
            return
        if not self._can_change("cancel"):
            return
        from tui.screens.confirm_cancel import ConfirmCancelScreen

        name = self.jobs_screen.context.project_names.get(job.project_id or "")
        self.push_screen(ConfirmCancelScreen(job, project_name=name), self._cancelled)

    def _cancelled(self, job: Job | None) -> None:
        if job is not None:
            self.jobs_screen.show_job(job)

    def action_activity(self) -> None:
        if self.client is None:
            self.notify(NO_TOKEN_HELP, severity="error", markup=False)
            return
        from tui.screens.activity import ActivityScreen

        self.push_screen(ActivityScreen())

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_next_theme(self) -> None:
        names = [name for name in self.THEMES_CYCLE if name in self.available_themes]
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def status_text(self) -> str:
        """What the status line says, as plain text (for tests and screenshots)."""
        return self.jobs_screen.status_bar.text()


def run_app(
    connection: Any = None,
    *,
    demo: bool = False,
    read_only: bool | None = None,
    seed: int = 0,
    speed: float = 1.0,
) -> int:
    """Open the dashboard on `connection` (a `tui.config.Connection`), or on the simulator.

    `demo=True` starts the simulator in the background on a free loopback port with its
    seeded world and connects with the demo token: no token of yours, no network.
    """
    simulator = None
    if demo:
        from tui.config import Connection
        from tui.simulator.server import start_in_background
        from tui.simulator.world import DEMO_TOKEN

        simulator = start_in_background(port=0, seed=seed, speed=speed)
        connection = Connection(token=DEMO_TOKEN, base_url=simulator.base_url, profile_name="demo")
    try:
        app = DescriptApp(connection, demo=demo, read_only=read_only)
        result = app.run()
        return int(result) if isinstance(result, int) else 0
    finally:
        if simulator is not None:
            simulator.stop()
