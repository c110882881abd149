"""The Textual app: owns the client, clock and scheduler; pushes screens; notifies on finish.

`DescriptApp(connection_or_client_factory, ...)` opens on the jobs screen. Forms and modals
(import, agent, cancel, activity, help, settings, profiles, reconcile) are opened by the jobs
screen's keys (never while a form is on top) and hand their result back through callbacks: a
submit calls `track_job`, a cancel re-read updates the row, a reconciliation resolves its row.
The journal (`tui/journal.py`) is opened per profile at start (in memory for `--demo`), and
the profile's theme, polling policy, discovery and read-only flag are applied.
`run_app(connection, demo=...)` is what `descript-tui` (and `--demo`) calls.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.worker import Worker, WorkerState

from tui.api.clock import Clock, SystemClock
from tui.api.models import JOB_TYPE_AGENT, JOB_TYPE_IMPORT, Job, JobCreated, Outcome
from tui.journal import MEMORY, Journal, JournalError
from tui.paths import style_paths
from tui.screens.jobs import NO_TOKEN_HELP, JobsScreen
from tui.widgets.formatting import STATE_LABELS, STATE_SYMBOLS

if TYPE_CHECKING:
    from tui.config import Connection, Profile
    from tui.screens.reconcile import Reconciled

# The token comes from the environment or a profile; the client is built from it.
ClientFactory = Callable[[], Any]
# `journal=` not given: the app opens the profile's journal (in memory for the demo).
AUTO: Any = object()
# Actions that change something on the server: hidden and refused in read-only mode.
CHANGING_ACTIONS = frozenset({"import_media", "agent_edit", "cancel_job"})

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
    ("Settings", "Edit this profile in the config file (,)", "settings", "app"),
    ("Switch profile", "Another Drive, from the config file (P)", "profiles", "app"),
    (
        "Reconcile selected submission",
        "Find the job a lost-answer submit may have made (R)",
        "reconcile",
        "app",
    ),
)


class DashboardCommands(Provider):
    """Every dashboard action in the command palette (ctrl+p)."""

    def _commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        assert isinstance(app, DescriptApp)
        for title, help_text, action, namespace in PALETTE_COMMANDS:
            if app.read_only and action in CHANGING_ACTIONS:
                continue  # read-only: not offered at all
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
    # Only Textual's own global keys (ctrl+q, ctrl+p) live on the App: the dashboard's
    # single letters are on the jobs screen, so they never fire inside a form or a modal.
    BINDINGS: ClassVar[list[BindingType]] = []
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
        journal: Journal | None = AUTO,
        client_builder: Callable[[Connection], Any] | None = None,
        connection_resolver: Callable[[str], Connection] | None = None,
    ) -> None:
        """`connection_or_client_factory`: a `tui.config.Connection`, a `DescriptClient`, or a
        zero-argument callable returning one (tests build one on `httpx.ASGITransport`).

        `refresh_interval`: the least time between two table repaints from polling (tests use
        0 so a poll shows at once). `discover`: let the scheduler find jobs created elsewhere
        (and the profile's `discover_new_jobs` agrees). `read_only=True` (`--read-only`) wins
        over the profile. `journal`: a `Journal`, None for none, or (default) the profile's
        journal on disk; `Journal(MEMORY)` with `demo`. `client_builder(connection)` and
        `connection_resolver(profile_name)` replace how a client is made and a profile is
        resolved (tests: an in-process transport and a test config).
        """
        super().__init__()
        self.demo = demo
        self.refresh_interval = refresh_interval
        self.watched_jobs: set[str] = set()
        self.token_problem: str | None = None
        self.forced_read_only = bool(read_only)
        self.read_only = self.forced_read_only
        self.connection: Connection | None = None
        self.journal: Journal | None = None
        self.journal_problem: str | None = None
        self._clock_arg = clock
        self._discover = discover
        self._scheduler_factory = scheduler_factory
        self._client_builder = client_builder
        self._connection_resolver = connection_resolver
        #: True once the profile was switched inside the app (the start notices are skipped).
        self.switched_profile = False
        self.client: Any = self._build_client(connection_or_client_factory, clock)
        self.clock: Clock = clock or getattr(self.client, "clock", None) or SystemClock()
        self.scheduler: Any = self._build_scheduler()
        self.journal = self._open_journal(journal)
        self.jobs_screen = JobsScreen()
        if demo:
            self.sub_title = "demo (simulator)"

    @property
    def profile(self) -> Profile | None:
        return self.connection.profile if self.connection is not None else None

    def _build_client(self, source: Any, clock: Clock | None) -> Any:
        from tui.api.client import DescriptClient
        from tui.api.errors import MissingTokenError
        from tui.api.limits import RateLimits
        from tui.config import Connection

        if source is None or isinstance(source, DescriptClient):
            return source
        if not isinstance(source, Connection) and callable(source):
            return source()
        # A tui.config.Connection: token (maybe None), base_url, read_only, profile.
        self.connection = source
        self.read_only = self.forced_read_only or bool(getattr(source, "read_only", False))
        if self._client_builder is not None:
            return self._client_builder(source)
        try:
            # One rate budget with every other process on this token (not for the demo).
            limits, self.budget_warning = (
                RateLimits.shared_for(source.token, source.base_url, clock)
                if source.token and not self.demo
                else (None, None)
            )
            return DescriptClient(
                source.token, base_url=source.base_url, clock=clock, limits=limits
            )
        except MissingTokenError as error:
            self.token_problem = str(error)
            return None

    def _build_scheduler(self) -> Any:
        if self.client is None:
            return None
        if self._scheduler_factory is not None:
            return self._scheduler_factory(self.client, self.clock)
        from tui.api.scheduler import DEFAULT_POLICY, PollingScheduler

        profile = self.profile
        return PollingScheduler(
            self.client,
            clock=self.clock,
            policy=profile.poll_policy() if profile is not None else DEFAULT_POLICY,
            discover=self._discover and (profile.discover_new_jobs if profile else True),
        )

    def _open_journal(self, journal: Journal | None) -> Journal | None:
        """The given journal, or the profile's (in memory for the demo); None if it fails."""
        # A journal handed in belongs to the caller; one opened here is closed here.
        self._owns_journal = journal is AUTO
        if journal is not AUTO:
            return journal
        try:
            if self.demo:
                return Journal(MEMORY, profile="demo", clock=self.clock)
            if self.connection is not None:
                return Journal(profile=self.connection.profile_name, clock=self.clock)
        except (JournalError, OSError) as error:
            self.journal_problem = str(error)
        return None

    # -- lifecycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._apply_theme(self.profile)
        self.push_screen(self.jobs_screen)
        self._say_journal_state()

    def _say_journal_state(self) -> None:
        if self.journal_problem is not None:
            self.notify(
                f"{self.journal_problem}. Jobs are shown but not remembered this session.",
                title="Journal unavailable",
                severity="error",
                markup=False,
                timeout=15,
            )
        elif self.journal is not None and self.journal.recovered_from is not None:
            self.notify(
                f"The journal was corrupt: it was moved to {self.journal.recovered_from} and a "
                "fresh one started. Jobs on the server are unaffected.",
                title="Journal",
                severity="warning",
                markup=False,
                timeout=15,
            )

    async def on_unmount(self) -> None:
        await self._disconnect(self.scheduler, self.client, self._owned_journal())

    def _owned_journal(self) -> Journal | None:
        return self.journal if self._owns_journal else None

    @staticmethod
    async def _disconnect(scheduler: Any, client: Any, journal: Journal | None) -> None:
        if scheduler is not None:
            scheduler.stop()
        if client is not None:
            with contextlib.suppress(Exception):  # closing a dead connection must not crash
                await client.aclose()
        if journal is not None:
            journal.close()

    def _apply_theme(self, profile: Profile | None) -> None:
        if profile is not None and profile.theme in self.available_themes:
            self.theme = profile.theme

    def apply_profile(self, profile: Profile) -> None:
        """A saved profile (settings) that is the current one: theme, read-only, polling."""
        import dataclasses

        if self.connection is None or profile.name != self.connection.profile_name:
            return
        self.connection = dataclasses.replace(
            self.connection, profile=profile, read_only=self.forced_read_only or profile.read_only
        )
        self._apply_theme(profile)
        self.set_read_only(self.connection.read_only)
        if self.scheduler is not None and hasattr(self.scheduler, "policy"):
            self.scheduler.policy = profile.poll_policy()
            self.scheduler.discover = self._discover and profile.discover_new_jobs
            self.scheduler.poke()

    def set_read_only(self, read_only: bool) -> None:
        """Hide or show the changing actions (footer, palette) and the badge."""
        self.read_only = read_only
        self.refresh_bindings()
        with contextlib.suppress(Exception):  # the screen may not be composed yet
            self.jobs_screen.status_bar.show_read_only(read_only)
            self.jobs_screen.status_bar.show_drive(self.jobs_screen.drive_id, read_only)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only hides the changing actions; their keys then reach `refuse` instead."""
        if action in CHANGING_ACTIONS:
            return not self.read_only
        if action == "refuse":
            return self.read_only
        return True

    def action_refuse(self, what: str) -> None:
        self.notify(
            f"Read-only profile: {what} is disabled (it would change something on the server).",
            severity="warning",
            markup=False,
        )

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

    def track_job(
        self,
        job_or_created: Job | JobCreated,
        *,
        job_type: str | None = None,
        project_name: str | None = None,
    ) -> None:
        """Show a job in the table at once, selected, and notify when it finishes.

        A `JobCreated` becomes a queued placeholder row (of `job_type` when the caller knows
        it) until the first poll brings the real job. `project_name`: the name the request
        gave its new project, shown at once (no wait for `GET /projects`).
        """
        job_id = job_or_created.job_id
        self.watched_jobs.add(job_id)
        self.jobs_screen.submitted_ids.add(job_id)
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
        if project_name and project_name.strip() and job.project_id:
            self.jobs_screen.learn_project_names({job.project_id: project_name.strip()})
        self.jobs_screen.show_submitted(job)
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

        form = ImportScreen()
        self.push_screen(form, partial(self._submitted, JOB_TYPE_IMPORT, form))

    def action_agent_edit(self) -> None:
        if not self._can_change("start an agent edit"):
            return
        from tui.screens.agent_form import AgentScreen

        form = AgentScreen()
        self.push_screen(form, partial(self._submitted, JOB_TYPE_AGENT, form))

    def _submitted(self, job_type: str, form: Any, created: JobCreated | None) -> None:
        if created is not None:
            # A new project's name is in the request: the row shows it before any refresh.
            name = getattr(form.sent_request, "project_name", None)
            self.track_job(created, job_type=job_type, project_name=name)

    def action_cancel_job(self) -> None:
        job = self.jobs_screen.selected_job()
        if job is None:
            self.notify("Select a job to cancel.", severity="warning")
            return
        if job.job_id in self.jobs_screen.pending_submissions:
            self.notify(
                "This submission has no job id yet (its answer was lost): press R to look for "
                "the job it may have made.",
                severity="warning",
                markup=False,
            )
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
        self.jobs_screen.remember_ui(screen="activity")

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    # -- settings, profiles, reconciliation --------------------------------------------

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        name = self.connection.profile_name if self.connection is not None else None
        self.push_screen(SettingsScreen(name), self._settings_saved)

    def _settings_saved(self, profile: Profile | None) -> None:
        if profile is None or self.connection is None:
            return
        if profile.name != self.connection.profile_name:
            return  # another profile was edited: it applies when switched to
        if profile.base_url != (self.profile.base_url if self.profile else None):
            # Another server: reconnect the way a profile switch does.
            self.run_worker(self.switch_profile(profile.name), group="profile", exclusive=True)
            return
        self.apply_profile(profile)

    def action_profiles(self) -> None:
        if self.demo:
            self.notify(
                "The demo runs on its own simulator and has no profiles: quit and start "
                "`descript-tui --profile NAME`.",
                markup=False,
            )
            return
        from tui.screens.profiles import ProfilesScreen

        current = self.connection.profile_name if self.connection is not None else None
        self.push_screen(ProfilesScreen(current), self._profile_picked)

    def _profile_picked(self, name: str | None) -> None:
        current = self.connection.profile_name if self.connection is not None else None
        if name is not None and name != current:
            self.run_worker(self.switch_profile(name), group="profile", exclusive=True)

    def _resolve(self, name: str) -> Connection:
        if self._connection_resolver is not None:
            return self._connection_resolver(name)
        from tui.config import resolve_connection

        return resolve_connection(profile=name, read_only=self.forced_read_only)

    async def switch_profile(self, name: str) -> bool:
        """Another Drive: a new client, scheduler, journal and jobs screen; the old ones stop.

        The same code path as a start (nothing of the old Drive can leak into the new table);
        the old jobs screen is replaced, which cancels its workers.
        """
        from tui.config import ConfigError

        try:
            connection = await asyncio.to_thread(self._resolve, name)
        except ConfigError as error:
            self.notify(str(error), title="Profile not switched", severity="error", markup=False)
            return False
        old = (self.scheduler, self.client, self._owned_journal())
        if self.scheduler is not None:
            self.scheduler.stop()
        self.token_problem = None
        self.journal_problem = None
        self.connection = None
        self.client = self._build_client(connection, self._clock_arg)
        self.clock = self._clock_arg or getattr(self.client, "clock", None) or SystemClock()
        self.scheduler = self._build_scheduler()
        self.journal = self._open_journal(AUTO)
        self.watched_jobs.clear()
        self.switched_profile = True
        self._apply_theme(self.profile)
        self.jobs_screen = JobsScreen()
        # Off with everything above the default screen (the old jobs screen and anything on
        # it): removing the old screen cancels its workers. Then the new one goes on.
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(self.jobs_screen)
        self.refresh_bindings()
        await self._disconnect(*old)
        self._say_journal_state()
        self.notify(f"Profile {name}: {connection.base_url}", title="Switched", markup=False)
        return True

    def action_reconcile(self) -> None:
        screen = self.jobs_screen
        job = screen.selected_job()
        pending = screen.pending_submissions.get(job.job_id) if job is not None else None
        if pending is None:
            if screen.pending_submissions:
                self.notify(
                    "Select a row marked ⚠ reconcile first.", severity="warning", markup=False
                )
            else:
                self.notify("No submission needs reconciliation.", markup=False)
            return
        if self.client is None or self.journal is None:
            self.notify(NO_TOKEN_HELP, severity="error", markup=False)
            return
        from tui.screens.reconcile import ReconcileScreen

        known = frozenset(screen.submitted_ids)
        self.push_screen(
            ReconcileScreen(pending, known_job_ids=known), partial(self._reconciled, job.job_id)
        )

    def _reconciled(self, key: str, result: Reconciled | None) -> None:
        if result is None:
            return  # "later": the row stays
        self.jobs_screen.resolve_pending(key, result.job)
        if result.job is None:
            self.notify(
                "Marked as never created: it is safe to submit it again.",
                title="Reconciled",
                markup=False,
            )
            return
        self.notify(
            f"It was {result.job.job_id}: now linked to the submission and watched.",
            title="Reconciled",
            markup=False,
        )
        if result.job.is_finished:
            self.jobs_screen.show_job(result.job)
        else:
            self.track_job(result.job)

    def submission_outcome_unknown(self) -> None:
        """A form's POST got no answer: show its row as needing reconciliation at once."""
        self.jobs_screen.load_reconciliations()

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
        # A crash: Textual has printed the error; exit non-zero with its return code.
        return int(result) if isinstance(result, int) else int(app.return_code or 0)
    finally:
        if simulator is not None:
            simulator.stop()
