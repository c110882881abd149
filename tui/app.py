"""The Textual app: holds one `Session`, pushes the jobs screen built on it, opens forms.

`DescriptApp(source, ...)` opens a `Session` (tui/session.py: client, scheduler, journal,
clock for one profile) and a `JobsScreen` on it. The jobs screen owns the job actions
(cancel, watch, reconcile); the app keeps what is not about one job: the forms (import,
agent), activity, help, settings, themes, read-only, and the profile switch, which opens a
new Session and a new JobsScreen and then closes the old session.
`run_app(connection, demo=...)` is what `descript-tui` (and `--demo`) calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from tui.api.client import DescriptClient
from tui.api.clock import Clock
from tui.api.models import JOB_TYPE_AGENT, JOB_TYPE_IMPORT, Job, JobCreated
from tui.api.scheduler import PollingScheduler
from tui.config import Connection, Profile
from tui.journal import Journal
from tui.paths import style_paths
from tui.screens.jobs import NO_TOKEN_HELP, JobsScreen
from tui.session import (
    ClientBuilder,
    ClientSource,
    JournalChoice,
    SchedulerFactory,
    SessionFactory,
)
from tui.widgets.state_colours import with_state_colours

# Actions that change something on the server: hidden and refused in read-only mode.
CHANGING_ACTIONS = frozenset({"import_media", "agent_edit", "cancel_job"})

# (title, help, action, namespace): what the command palette offers. `screen` actions run on
# the jobs screen, `app` ones here. The key is not written here: `palette_help` reads it from
# the jobs screen's bindings (their one owner) and shows it styled as a key, apart from the
# words, so "Failed jobs" and its key 3 never read as "Failed jobs (3)", a count.
PALETTE_COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("Import media", "New import job", "import_media", "app"),
    ("Agent edit", "New agent edit job", "agent_edit", "app"),
    ("Cancel selected job", "Confirm, then DELETE the job", "cancel_job", "screen"),
    ("Activity log", "Every API call, errors in colour", "activity", "app"),
    ("Help: keys", "Every key binding", "help", "app"),
    ("Toggle detail pane", "Fields, files, agent result; enter too", "toggle_detail", "screen"),
    ("Raw JSON", "The selected job as the API sent it", "raw_json", "screen"),
    ("Detail pane: wider", "More room for ids and raw JSON", "pane_width(1)", "screen"),
    ("Detail pane: narrower", "More room for the table", "pane_width(-1)", "screen"),
    ("Filter: all jobs", "Show every state", "filter_state('all')", "screen"),
    ("Filter: running", "Queued and running jobs", "filter_state('running')", "screen"),
    ("Filter: failed", "Failed jobs", "filter_state('failed')", "screen"),
    ("Filter: partial", "Imports where some files failed", "filter_state('partial')", "screen"),
    ("Filter: next job type", "all, then each type on the board", "cycle_type", "screen"),
    (
        "Filter: selected project",
        "Only this job's project, again for all",
        "filter_project",
        "screen",
    ),
    ("Filter: text", "Over id, project and label", "text_filter", "screen"),
    ("Clear filters", "Back to every job", "clear_filters", "screen"),
    ("Sort: next column", "Cycle the sort column", "cycle_sort", "screen"),
    ("Sort: reverse", "Flip the sort order", "reverse_sort", "screen"),
    ("Watch selected job", "Notify when it finishes", "toggle_watch", "screen"),
    ("Open project in browser", "The job's project_url", "open_project", "screen"),
    ("Copy project URL", "To the clipboard", "copy_url", "screen"),
    ("Copy job id", "The whole id, to the clipboard", "copy_job_id", "screen"),
    ("Next theme", "Cycle the colour theme", "next_theme", "app"),
    ("Settings", "Edit this profile in the config file", "settings", "app"),
    ("Switch profile", "Another Drive, from the config file", "profiles", "app"),
    (
        "Reconcile selected submission",
        "Find the job a lost-answer submit may have made",
        "reconcile",
        "screen",
    ),
)




def binding_key(action: str, namespace: str) -> str | None:
    """The key the jobs screen binds to `action` (as the footer shows it), or None."""
    wanted = action if namespace == "screen" else f"app.{action}"
    for binding in JobsScreen.BINDINGS:
        if isinstance(binding, Binding) and binding.action == wanted:
            return binding.key_display or binding.key
    return None


def palette_help(help_text: str, key: str | None) -> str:
    """The palette's help column (Textual markup): the words, then the key in reverse video."""
    words = escape(help_text)
    return f"{words}  [reverse] {escape(key)} [/reverse]" if key else words


class DashboardCommands(Provider):
    """Every dashboard action in the command palette (ctrl+p)."""

    def _commands(self) -> Iterable[tuple[str, str, Callable[[], Any]]]:
        app = self.app
        assert isinstance(app, DescriptApp)
        for title, help_text, action, namespace in PALETTE_COMMANDS:
            if app.read_only and action in CHANGING_ACTIONS:
                continue  # read-only: not offered at all
            target = app if namespace == "app" else app.jobs_screen
            help_markup = palette_help(help_text, binding_key(action, namespace))
            yield title, help_markup, partial(app.run_action, action, target)

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
    CSS_PATH: ClassVar[Any] = style_paths(
        "app.tcss", "jobs.tcss", "job_table.tcss", "forms.tcss", "activity.tcss"
    )
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
        source: ClientSource = None,
        *,
        demo: bool = False,
        clock: Clock | None = None,
        refresh_interval: float = 0.1,
        read_only: bool | None = None,
        discover: bool = True,
        scheduler_factory: SchedulerFactory | None = None,
        journal: JournalChoice = "profile",
        client_builder: ClientBuilder | None = None,
        connection_resolver: Callable[[str], Connection] | None = None,
    ) -> None:
        """`source`: a `tui.config.Connection`, a `DescriptClient`, or a zero-argument
        callable returning one (tests build one on `httpx.ASGITransport`).

        `refresh_interval`: the least time (session clock) between two table updates from
        polling (tests use 0). `discover`: let the scheduler find jobs created elsewhere (and
        the profile's `discover_new_jobs` agrees). `read_only=True` (`--read-only`) wins over
        the profile. `journal`: a `Journal`, None for none, or "profile" (the profile's
        journal on disk; in memory with `demo`). `client_builder(connection)` and
        `connection_resolver(profile_name)` replace how a client is made and a profile is
        resolved (tests: an in-process transport and a test config).
        """
        super().__init__()
        self.demo = demo
        self.refresh_interval = refresh_interval
        self.forced_read_only = bool(read_only)
        self._connection_resolver = connection_resolver
        self.sessions = SessionFactory(
            clock=clock,
            demo=demo,
            forced_read_only=self.forced_read_only,
            discover=discover,
            scheduler_factory=scheduler_factory,
            client_builder=client_builder,
        )
        self.session = self.sessions.open(source, journal)
        self.jobs_screen = JobsScreen(self.session, refresh_interval=refresh_interval)
        if demo:
            self.sub_title = "demo (simulator)"

    # What other screens read of the session (the forms and pickers talk to the client).

    @property
    def client(self) -> DescriptClient | None:
        return self.session.client

    @property
    def scheduler(self) -> PollingScheduler | None:
        return self.session.scheduler

    @property
    def journal(self) -> Journal | None:
        return self.session.journal

    @property
    def clock(self) -> Clock:
        return self.session.clock

    @property
    def connection(self) -> Connection | None:
        return self.session.connection

    @property
    def profile(self) -> Profile | None:
        return self.session.profile

    @property
    def read_only(self) -> bool:
        """Changes refused: `--read-only` or the profile's flag (the session holds it)."""
        return self.session.read_only

    # -- lifecycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._apply_theme(self.profile)
        self.push_screen(self.jobs_screen)
        self._say_journal_state()

    def _say_journal_state(self) -> None:
        session = self.session
        if session.budget_warning is not None:
            self.notify(session.budget_warning, title="Rate budget", severity="warning",
                        markup=False, timeout=10)
        if session.journal_problem is not None:
            self.notify(
                f"{session.journal_problem}. Jobs are shown but not remembered this session.",
                title="Journal unavailable",
                severity="error",
                markup=False,
                timeout=15,
            )
        elif session.journal is not None and session.journal.recovered_from is not None:
            self.notify(
                f"The journal was corrupt: it was moved to {session.journal.recovered_from} "
                "and a fresh one started. Jobs on the server are unaffected.",
                title="Journal",
                severity="warning",
                markup=False,
                timeout=15,
            )

    async def on_unmount(self) -> None:
        await self.session.close()

    def _apply_theme(self, profile: Profile | None) -> None:
        if profile is not None and profile.theme in self.available_themes:
            self.theme = profile.theme

    def apply_profile(self, profile: Profile) -> None:
        """A saved profile (settings) that is the current one: theme, read-only, polling."""
        session = self.session
        connection = session.connection
        if connection is None or profile.name != connection.profile_name:
            return
        read_only = self.forced_read_only or profile.read_only
        session.connection = dataclasses.replace(
            connection, profile=profile, read_only=read_only
        )
        self._apply_theme(profile)
        self.set_read_only(read_only)
        scheduler = session.scheduler
        if scheduler is not None and hasattr(scheduler, "policy"):
            scheduler.policy = profile.poll_policy()
            scheduler.discover = self.sessions.discover and profile.discover_new_jobs
            scheduler.poke()

    def set_read_only(self, read_only: bool) -> None:
        """Hide or show the changing actions (footer, palette) and the badge."""
        self.session.read_only = read_only
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

    # -- contract with the forms ----------------------------------------------------------

    def track_job(
        self,
        job_or_created: Job | JobCreated,
        *,
        job_type: str | None = None,
        project_name: str | None = None,
    ) -> None:
        """Show a submitted job in the table at once, selected, watched (the jobs screen)."""
        if isinstance(job_or_created, Job):
            self.jobs_screen.track_job(job_or_created, project_name)
        else:
            self.jobs_screen.track_created(
                job_or_created, job_type=job_type, project_name=project_name
            )

    def submission_outcome_unknown(self) -> None:
        """A form's POST got no answer: show its row as needing reconciliation at once."""
        self.jobs_screen.load_reconciliations()

    # -- forms and other screens --------------------------------------------------------------

    def action_import_media(self) -> None:
        if not self.jobs_screen.can_change("import"):
            return
        from tui.screens.import_form import ImportScreen

        form = ImportScreen()
        self.push_screen(form, partial(self._submitted, JOB_TYPE_IMPORT, form))

    def action_agent_edit(self) -> None:
        if not self.jobs_screen.can_change("start an agent edit"):
            return
        from tui.screens.agent_form import AgentScreen

        form = AgentScreen()
        self.push_screen(form, partial(self._submitted, JOB_TYPE_AGENT, form))

    def _submitted(self, job_type: str, form: Any, created: JobCreated | None) -> None:
        if created is not None:
            # A new project's name is in the request: the row shows it before any refresh.
            name = getattr(form.sent_request, "project_name", None)
            self.track_job(created, job_type=job_type, project_name=name)

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

    # -- settings and profiles ------------------------------------------------------------

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.session.profile_name), self._settings_saved)

    def _settings_saved(self, profile: Profile | None) -> None:
        current = self.session.profile_name
        if profile is None or current is None or profile.name != current:
            return  # nothing saved, or another profile: it applies when switched to
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

        self.push_screen(ProfilesScreen(self.session.profile_name), self._profile_picked)

    def _profile_picked(self, name: str | None) -> None:
        if name is not None and name != self.session.profile_name:
            self.run_worker(self.switch_profile(name), group="profile", exclusive=True)

    def _resolve(self, name: str) -> Connection:
        if self._connection_resolver is not None:
            return self._connection_resolver(name)
        from tui.config import resolve_connection

        return resolve_connection(profile=name, read_only=self.forced_read_only)

    async def switch_profile(self, name: str) -> bool:
        """Another Drive: a new Session and a new jobs screen; then the old session closes.

        The same code path as a start (nothing of the old Drive can leak into the new table);
        the old jobs screen is replaced, which cancels its workers.
        """
        from tui.config import ConfigError

        try:
            connection = await asyncio.to_thread(self._resolve, name)
        except ConfigError as error:
            self.notify(str(error), title="Profile not switched", severity="error", markup=False)
            return False
        old = self.session
        if old.scheduler is not None:
            old.scheduler.stop()
        self.session = self.sessions.open(connection, "profile")
        self.session.switched = True
        self._apply_theme(self.profile)
        self.jobs_screen = JobsScreen(self.session, refresh_interval=self.refresh_interval)
        # Off with everything above the default screen (the old jobs screen and anything on
        # it): removing the old screen cancels its workers. Then the new one goes on.
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        await self.push_screen(self.jobs_screen)
        self.refresh_bindings()
        await old.close()
        self._say_journal_state()
        self.notify(f"Profile {name}: {connection.base_url}", title="Switched", markup=False)
        return True

    def get_css_variables(self) -> dict[str, str]:
        # The `$state-*` colours of styles/*.tcss: the theme's own, readable on its surfaces.
        return with_state_colours(super().get_css_variables())

    def action_next_theme(self) -> None:
        names = [name for name in self.THEMES_CYCLE if name in self.available_themes]
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    def status_text(self) -> str:
        """What the status line says, as plain text (for tests and screenshots)."""
        return self.jobs_screen.status_bar.text()


def run_app(
    connection: Connection | None = None,
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
