"""The jobs screen: the live table, its filters and sort, the detail pane and the status line.

Two workers feed it. `load_jobs` walks `GET /jobs` once (newest first, page by page, so the
first screenful paints at once) and hands every unfinished job to the scheduler.
`poll_jobs` consumes `PollingScheduler.run()` and posts `JobsChanged` / `ConnectionChanged`.
With a journal, `restore_journal` runs first: every remembered row (expired jobs and
submissions needing reconciliation included) shows at once, the unfinished ones are watched
again, and filters and sort come back; then the list walk and the poller start, and every
list page and poll batch is written back to the journal from a thread.
The handler folds changes into a pending set and applies them at most every
`refresh_interval` seconds: however many jobs change, the table repaints about twice a second.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker

from tui.api.errors import (
    ApiError,
    DescriptError,
    MissingTokenError,
    RateLimitedError,
    RetryAfterTooLong,
    UnauthorizedError,
)
from tui.api.models import Job, format_timestamp
from tui.journal import KIND_TO_JOB_TYPE, JournalError, PendingSubmission
from tui.messages import (
    ConnectionChanged,
    ConnectionState,
    DriveKnown,
    JobsChanged,
    JobsListed,
    JournalRestored,
    ProjectsListed,
    ReconciliationsFound,
)
from tui.widgets.detail_pane import DetailPane
from tui.widgets.formatting import EXPIRED_WORDS
from tui.widgets.job_table import (
    COLUMN_KEYS,
    STATE_FILTERS,
    TYPE_FILTERS,
    JobFilter,
    JobSort,
    JobTable,
    RowContext,
)
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.app import DescriptApp

NO_TOKEN_HELP = (
    "No valid API token. Create one in Descript (Settings → API tokens), then run "
    "`descript-tui auth login` or set DESCRIPT_API_TOKEN, and start again. "
    "`descript-tui --demo` works without one."
)
PAGE_SIZE = 100
STATE_GROUP = Binding.Group("all/running/failed/partial", compact=True)
# Offline retries of the initial list: 2, 4, 8 .. 30 s on the app clock (polite).
RETRY_FIRST, RETRY_MAX = 2.0, 30.0
# The state column of rows the journal knows better than the API (see RowContext.state_notes).
EXPIRED_NOTE = EXPIRED_WORDS
RECONCILE_NOTE = "⚠ reconcile"
LOCAL_PREFIX = "local-"
# The API keeps a job 30 days after it was created (async-job-model.txt), then answers 404.
RETENTION = timedelta(days=30)
# What a failed journal call can raise (closed at exit, disk full, locked for too long).
JOURNAL_ERRORS = (JournalError, sqlite3.Error, OSError)
# Rows showing a project id with no name ask `GET /projects` again, at most this often (s).
PROJECT_NAMES_EVERY = 30.0
# Narrower than this, the detail pane goes under the table instead of beside it (the table
# then keeps id, type, state, progress, label and project without sideways scrolling).
STACKED_BELOW = 115


def pending_row(pending: PendingSubmission) -> Job:
    """A row for a submission whose POST may or may not have made a job (no job id yet).

    Stopped with no result reads as "finished, unknown": never polled, never cancellable.
    """
    request = pending.request
    raw: dict[str, Any] = {
        "job_id": f"{LOCAL_PREFIX}{pending.local_id}",
        "job_type": KIND_TO_JOB_TYPE.get(pending.kind, pending.kind),
        "job_state": "stopped",
        "created_at": format_timestamp(pending.submitted_at),
        "project_id": request.get("project_id"),
        "progress": {"label": "answer lost: R finds it"},
        "descript_tui": {
            "needs_reconciliation": True,
            "local_id": pending.local_id,
            "submission_status": pending.status,
            "error": pending.error,
            "request": request,
        },
    }
    return Job.from_json(raw)


def pending_of(row: Any) -> PendingSubmission | None:
    """The `PendingSubmission` behind a journal row that needs reconciliation."""
    if not row.needs_reconciliation or row.local_id is None or row.submitted_at is None:
        return None
    return PendingSubmission(
        local_id=row.local_id,
        kind=row.kind,
        request=row.request or {},
        submitted_at=row.submitted_at,
        status=row.submission_status or "",
        error=row.error,
    )


class JobsScreen(Screen[None]):
    """The dashboard's main screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "toggle_detail", "Detail"),
        Binding("r", "raw_json", "Raw JSON", show=False),
        Binding("slash", "text_filter", "Find", key_display="/"),
        Binding("1", "filter_state('all')", "All", group=STATE_GROUP),
        Binding("2", "filter_state('running')", "Running", group=STATE_GROUP),
        Binding("3", "filter_state('failed')", "Failed", group=STATE_GROUP),
        Binding("4", "filter_state('partial')", "Partial", group=STATE_GROUP),
        Binding("t", "cycle_type", "Type", show=False),
        Binding("p", "filter_project", "Project", show=False),
        Binding("0", "clear_filters", "Clear filters", show=False),
        Binding("s", "cycle_sort", "Sort", show=False),
        Binding("S", "reverse_sort", "Reverse sort", show=False),
        Binding("w", "toggle_watch", "Watch"),
        Binding("c", "app.cancel_job", "Cancel"),
        Binding("c", "app.refuse('cancel')", "Cancel (read-only: refused)", show=False),
        Binding("o", "open_project", "Open project", show=False),
        Binding("y", "copy_url", "Copy URL", show=False),
        Binding("escape", "escape", "Back", show=False),
        # The app's keys live here, not on the App, so they never fire while a form or a
        # modal is on top (a `q` typed with a Button focused must not quit the app).
        Binding("i", "app.import_media", "Import"),
        Binding("i", "app.refuse('import')", "Import (read-only: refused)", show=False),
        Binding("a", "app.agent_edit", "Agent"),
        Binding("a", "app.refuse('start an agent edit')", "Agent (read-only: refused)", show=False),
        Binding("l", "app.activity", "Activity"),
        Binding("question_mark", "app.help", "Keys", key_display="?"),
        Binding("q", "app.quit", "Quit"),
        Binding("T", "app.next_theme", "Theme", show=False),
        Binding("R", "app.reconcile", "Reconcile", show=False),
        Binding("comma", "app.settings", "Settings", key_display=",", show=False),
        Binding("P", "app.profiles", "Profiles", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="jobs-screen")
        self.jobs: dict[str, Job] = {}
        self.filter = JobFilter()
        self.sort = JobSort()
        self.connection = ConnectionState.CONNECTING
        self.drive_id: str | None = None
        self.last_refresh: datetime | None = None
        # While offline: when the poller tries next (the status line counts down to it).
        self.retry_at: datetime | None = None
        self.listing_complete = False
        self._pending: dict[str, Job] = {}
        self._pending_finished: dict[str, Job] = {}
        self._pending_gone: set[str] = set()
        self._apply_timer: Timer | None = None
        self._last_apply = 0.0
        self.applied_refreshes = 0
        self._filter_words = ""
        self._heap_frozen = False
        self._unsubscribe: Callable[[], None] | None = None
        #: Rows of submissions needing reconciliation, by row key (`local-N`).
        self.pending_submissions: dict[str, PendingSubmission] = {}
        #: Jobs a submission from this tool created (never offered to reconcile another).
        self.submitted_ids: set[str] = set()
        #: How many rows the journal gave at start (None: no journal read yet).
        self.restored_rows: int | None = None
        self._ui_restored = False
        self._journal_failed = False
        # Project names: when `GET /projects` last went (app clock), the ids rows show with
        # no name (asked for next), those it did not list (not asked for again), and
        # whether a throttled refresh is booked.
        self._projects_fetched_at: float | None = None
        self._projects_wanted: set[str] = set()
        self._projects_missing: set[str] = set()
        self._projects_refresh_booked = False

    @property
    def dashboard(self) -> DescriptApp:
        return cast("DescriptApp", self.app)

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        app = self.dashboard
        self.context = RowContext(now=app.clock.now, jobs=self.jobs, watched=app.watched_jobs)
        self.state_notes = self.context.state_notes
        yield StatusBar(id="status-bar")
        yield Static(id="filter-bar")
        yield Static(id="banner", classes="-hidden")
        with Horizontal(id="jobs-body"):
            yield JobTable(self.context, id="job-table")
            yield DetailPane(id="detail", classes="-hidden")
        yield Input(
            placeholder="text filter over id, project and label (enter keeps, esc clears)",
            id="text-filter",
            classes="-hidden",
        )
        yield Footer()

    @property
    def table(self) -> JobTable:
        return self.query_one(JobTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        app = self.dashboard
        self._fit_layout(app.size.width)
        self.status_bar.show_drive(None, app.read_only)
        self.status_bar.show_read_only(app.read_only)
        self._update_filter_bar()
        self.table.focus()
        # Wall-clock ticks only repaint the status line (countdowns) and ages: cheap.
        self.set_interval(1.0, self.refresh_status)
        self.set_interval(5.0, self.refresh_ages)
        if app.client is None:
            self.show_connection(ConnectionState.UNAUTHORIZED, NO_TOKEN_HELP)
        else:
            # Every answer (or its absence) the client records says how the link is, at
            # once, even while a request is still inside the client's retry loop.
            self._unsubscribe = app.client.activity.subscribe(self._on_activity)
        if app.journal is not None:
            self.restore_journal()  # its handler starts the list walk and the poller
        else:
            self._ui_restored = True
            self._start_live()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_layout(event.size.width)
        self._update_filter_bar()

    def _fit_layout(self, width: int) -> None:
        """Below STACKED_BELOW columns the detail pane sits under the table (see jobs.tcss)."""
        self.query_one("#jobs-body").set_class(width < STACKED_BELOW, "-stacked")

    @property
    def stacked(self) -> bool:
        """True while the detail pane goes under the table (a narrow terminal)."""
        return self.query_one("#jobs-body").has_class("-stacked")

    def _start_live(self) -> None:
        if self.dashboard.client is None:
            return
        self.load_jobs()
        self.poll_jobs()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._heap_frozen:
            gc.unfreeze()  # hand the jobs back to the collector (several apps in one process)

    def _on_activity(self, entry: Any) -> None:
        if entry.kind == "upload":
            return  # a signed storage URL failing says nothing about the API
        if entry.status is None or entry.status >= 500:
            if self.connection in (ConnectionState.CONNECTING, ConnectionState.ONLINE):
                what = f"HTTP {entry.status}" if entry.status else (entry.note or "no answer")
                self.post_message(ConnectionChanged(ConnectionState.OFFLINE, what))
        elif entry.status < 400 and self.connection is ConnectionState.OFFLINE:
            self.post_message(ConnectionChanged(ConnectionState.ONLINE))

    # -- workers -------------------------------------------------------------------------

    @work(group="journal", exit_on_error=False)
    async def restore_journal(self) -> None:
        """Read what the journal remembers (in a thread) and post it, before any list answer."""
        app = self.dashboard
        journal = app.journal
        assert journal is not None
        profile = app.connection.profile_name if app.connection is not None else None

        def read() -> tuple[list[Any], list[str], dict[str, Any]]:
            rows, ids, state = journal.load_jobs(), journal.unfinished_job_ids(), journal.ui_state()
            if profile is not None and not app.demo:
                journal.set_ui_state("profile", profile)
            return rows, ids, state

        try:
            rows, ids, state = await asyncio.to_thread(read)
        except JOURNAL_ERRORS as error:
            self._journal_trouble(error)
            rows, ids, state = [], [], {}
        self.post_message(JournalRestored(rows, ids, state))

    async def journal_write(self, call: Callable[..., Any], *args: Any) -> Any:
        """Run one journal call in a thread; a failure is said once and never stops the app."""
        journal = self.dashboard.journal
        if journal is None:
            return None
        try:
            return await asyncio.to_thread(call, *args)
        except JOURNAL_ERRORS as error:
            self._journal_trouble(error)
            return None

    def _journal_trouble(self, error: BaseException) -> None:
        if self._journal_failed or not self.is_attached:
            return
        self._journal_failed = True
        self.notify(
            f"{error}. The dashboard keeps working; this session may not be remembered.",
            title="Journal",
            severity="warning",
            markup=False,
            timeout=10,
        )

    @work(group="loader", exclusive=True, exit_on_error=False)
    async def load_jobs(self) -> None:
        """Walk `GET /jobs` (newest first) once; retry politely while offline."""
        app = self.dashboard
        client, clock, scheduler = app.client, app.clock, app.scheduler
        assert client is not None and scheduler is not None
        delay = RETRY_FIRST
        while True:
            try:
                page: list[Job] = []
                async for job in client.iter_jobs(limit=PAGE_SIZE):
                    page.append(job)
                    if len(page) >= PAGE_SIZE:
                        await self._listed(page)
                        page = []
                await self._listed(page, complete=True)
                break
            except (UnauthorizedError, MissingTokenError) as error:
                self.post_message(ConnectionChanged(ConnectionState.UNAUTHORIZED, error.remedy))
                return
            except (RateLimitedError, RetryAfterTooLong) as error:
                wait = _retry_seconds(error) or delay
                until = clock.now() + timedelta(seconds=wait)
                self.post_message(
                    ConnectionChanged(ConnectionState.RATE_LIMITED, "listing jobs", until)
                )
                await clock.sleep(wait)
            except ApiError as error:
                if error.status < 500:
                    # Never retry a 4xx other than 429: say what it means and stop.
                    self.post_message(
                        ConnectionChanged(ConnectionState.ERROR, f"{error} — {error.remedy}")
                    )
                    return
                until = clock.now() + timedelta(seconds=delay)
                self.post_message(ConnectionChanged(ConnectionState.OFFLINE, str(error), until))
                await clock.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
            except DescriptError as error:
                until = clock.now() + timedelta(seconds=delay)
                self.post_message(ConnectionChanged(ConnectionState.OFFLINE, str(error), until))
                await clock.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
        await self._load_project_names()

    async def _listed(self, page: list[Job], *, complete: bool = False) -> None:
        app = self.dashboard
        scheduler = app.scheduler
        assert scheduler is not None
        scheduler.watch_many(job for job in page if not job.is_finished)
        self.post_message(JobsListed(page, complete))
        if app.journal is not None and page:
            await self.journal_write(app.journal.upsert_jobs, page)

    async def _load_project_names(self) -> None:
        # Names make the project column and text filter friendlier; ids work without them.
        app = self.dashboard
        client = app.client
        assert client is not None
        asked, self._projects_wanted = self._projects_wanted, set()
        self._projects_fetched_at = app.clock.monotonic()
        names: dict[str, str] = {}
        try:
            async for project in client.iter_projects():
                if project.name:
                    names[project.id] = project.name
        except DescriptError:
            self._projects_wanted |= asked  # not answered: ask again next time
            return
        # Not among the Drive's projects (deleted, say): the id stays; never asked again.
        self._projects_missing |= asked - names.keys()
        if names:
            self.post_message(ProjectsListed(names))

    def _want_project_names(self, jobs: Iterable[Job]) -> None:
        """Rows show project ids with no name (a project made since): book a names refresh."""
        names, missing = self.context.project_names, self._projects_missing
        wanted = self._projects_wanted
        for job in jobs:
            project_id = job.project_id
            if project_id and project_id not in names and project_id not in missing:
                wanted.add(project_id)
        # Only after the start's own fetch (the list walk asks once it is done).
        if wanted and self._projects_fetched_at is not None and not self._projects_refresh_booked:
            self._projects_refresh_booked = True
            self.refresh_project_names()

    @work(group="projects", exclusive=True, exit_on_error=False)
    async def refresh_project_names(self) -> None:
        """`GET /projects` again, at most once every PROJECT_NAMES_EVERY seconds."""
        clock = self.dashboard.clock
        try:
            while self._projects_fetched_at is not None:
                wait = self._projects_fetched_at + PROJECT_NAMES_EVERY - clock.monotonic()
                if wait <= 0:
                    break
                await clock.sleep(wait)
            if self._projects_wanted:  # a submit may have named them meanwhile
                await self._load_project_names()
        finally:
            self._projects_refresh_booked = False

    def learn_project_names(self, names: dict[str, str]) -> None:
        """Project names learned (the list, or a submit's own `project_name`): rows show them."""
        known = self.context.project_names
        names = {pid: name for pid, name in names.items() if name and known.get(pid) != name}
        if not names:
            return
        known.update(names)
        self._projects_wanted.difference_update(names)
        if self.filter.text:
            self._rebuild()  # a name can bring a row into (or out of) the text filter
        else:
            self.table.refresh_rows(job for job in self.jobs.values() if job.project_id in names)
            self._update_filter_bar()
        self._show_detail_job()

    @work(group="poller", exclusive=True, exit_on_error=False)
    async def poll_jobs(self) -> None:
        """Turn scheduler batches into messages; the scheduler sleeps on the app clock."""
        from tui.api.scheduler import ConnectionEvent

        app = self.dashboard
        scheduler = app.scheduler
        assert scheduler is not None
        async for batch in scheduler.run():
            changed = JobsChanged()
            for event in batch:
                if isinstance(event, ConnectionEvent):
                    state = ConnectionState(event.state)
                    self.post_message(ConnectionChanged(state, event.detail, event.retry_at))
                    continue
                if event.kind == "gone":
                    # Its last known state stays: the row turns expired, it is not dropped.
                    changed.gone.add(event.job_id)
                    continue
                if event.job is not None:
                    changed.jobs[event.job_id] = event.job
                if event.kind == "finished" and event.job is not None:
                    changed.finished[event.job_id] = event.job
            if changed.jobs or changed.gone:
                self.post_message(changed)
            if app.journal is not None:
                await self.journal_write(app.journal.record_events, batch)

    # -- messages ------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.dashboard.on_worker_state_changed(event)

    def on_journal_restored(self, message: JournalRestored) -> None:
        """Show everything the journal remembers at once, then go live."""
        app = self.dashboard
        self._restore_ui_state(message.ui_state)
        past_retention = app.clock.now() - RETENTION
        newly_expired: list[str] = []
        for row in message.rows:
            job = row.job
            if job is not None:
                self.jobs[job.job_id] = job
                too_old = job.created_at is not None and job.created_at < past_retention
                if row.expired or too_old:
                    self.state_notes[job.job_id] = EXPIRED_NOTE
                    if not row.expired:
                        newly_expired.append(job.job_id)
                if row.local_id is not None:
                    self.submitted_ids.add(job.job_id)
            elif (pending := pending_of(row)) is not None:
                self._add_pending(pending)
        self.restored_rows = len(message.rows)
        self._want_project_names(self.jobs.values())
        drive = next((job.drive_id for job in self.jobs.values() if job.drive_id), None)
        if drive and self.drive_id is None:
            self.post_message(DriveKnown(drive))
        if self.jobs:
            self._rebuild()
        if newly_expired and app.journal is not None:
            # Past retention whatever it last said: no GET could find it any more.
            self._mark_expired(newly_expired)
        if app.scheduler is not None and message.unfinished:
            # Unfinished ones past retention are polled once too: the 404 says "gone".
            app.scheduler.watch_many(message.unfinished)
        self._say_pending()
        last = message.ui_state.get("profile")
        current = app.connection.profile_name if app.connection is not None else None
        if (
            isinstance(last, str)
            and current is not None
            and last != current
            and not app.demo
            and not app.switched_profile  # chosen just now, in the app: nothing to suggest
        ):
            self.notify(
                f"Last time you were on profile {last!r}; P switches profile.", markup=False
            )
        self._ui_restored = True
        self._start_live()
        if message.ui_state.get("screen") == "activity" and app.client is not None:
            app.action_activity()

    @work(thread=True, group="journal-expire", exit_on_error=False)
    def _mark_expired(self, job_ids: list[str]) -> None:
        journal = self.dashboard.journal
        if journal is None:
            return
        try:
            for job_id in job_ids:
                journal.mark_expired(job_id)
        except JOURNAL_ERRORS:
            pass  # shown as expired anyway; the next start infers it again

    def _say_pending(self) -> None:
        count = len(self.pending_submissions)
        if not count:
            return
        noun = "submission's answer was" if count == 1 else "submissions' answers were"
        self.notify(
            f"{count} {noun} lost: the job may or may not exist. Select a row marked "
            f"{RECONCILE_NOTE} and press R to look for it before submitting again.",
            title="Needs reconciliation",
            severity="warning",
            markup=False,
            timeout=12,
        )

    def _add_pending(self, pending: PendingSubmission) -> Job:
        job = pending_row(pending)
        self.jobs[job.job_id] = job
        self.pending_submissions[job.job_id] = pending
        self.state_notes[job.job_id] = RECONCILE_NOTE
        return job

    @work(group="journal-pending", exclusive=True, exit_on_error=False)
    async def load_reconciliations(self) -> None:
        """Show submissions whose outcome became unknown (after a submit from a form)."""
        journal = self.dashboard.journal
        if journal is None:
            return
        pending = await self.journal_write(journal.pending_reconciliations)
        if pending:
            self.post_message(ReconciliationsFound(list(pending)))

    def on_reconciliations_found(self, message: ReconciliationsFound) -> None:
        new = [
            self._add_pending(pending)
            for pending in message.pending
            if f"{LOCAL_PREFIX}{pending.local_id}" not in self.pending_submissions
        ]
        if new:
            self._insert(new)
            self._update_filter_bar()
            self._say_pending()

    def resolve_pending(self, key: str, job: Job | None) -> None:
        """A reconciliation was decided: the placeholder row goes; the found job stays."""
        self.pending_submissions.pop(key, None)
        self.state_notes.pop(key, None)
        self.jobs.pop(key, None)
        self.table.remove(key)
        if job is not None:
            self.submitted_ids.add(job.job_id)
        self._update_filter_bar()

    def on_jobs_listed(self, message: JobsListed) -> None:
        first = not self.jobs
        for job in message.jobs:
            self.jobs[job.job_id] = job
            self.state_notes.pop(job.job_id, None)  # listed: alive after all
        self._want_project_names(message.jobs)
        if message.jobs and self.drive_id is None:
            drive = next((job.drive_id for job in message.jobs if job.drive_id), None)
            if drive:
                self.post_message(DriveKnown(drive))
        self.listing_complete = message.complete
        if self.connection is not ConnectionState.ONLINE:
            self.show_connection(ConnectionState.ONLINE)
        if first:
            # Paint the first page at once; later pages join the throttled refreshes.
            self.last_refresh = self.dashboard.clock.now()
            self._rebuild()
            self.refresh_status()
        else:
            self._pending.update((job.job_id, job) for job in message.jobs)
            self._schedule_apply()
        if message.complete:
            self._update_filter_bar()

    def on_projects_listed(self, message: ProjectsListed) -> None:
        self.learn_project_names(message.names)

    def on_drive_known(self, message: DriveKnown) -> None:
        self.drive_id = message.drive_id
        self.status_bar.show_drive(message.drive_id, self.dashboard.read_only)

    def on_connection_changed(self, message: ConnectionChanged) -> None:
        if message.state is ConnectionState.OFFLINE and message.retry_at is not None:
            self.retry_at = message.retry_at
        elif message.state is not ConnectionState.OFFLINE:
            self.retry_at = None
        self.show_connection(message.state, message.detail)

    def on_jobs_changed(self, message: JobsChanged) -> None:
        self._pending.update(message.jobs)
        self._pending_finished.update(message.finished)
        self._pending_gone |= message.gone
        self._schedule_apply()

    @property
    def changes_pending(self) -> bool:
        """Listed or polled changes are waiting for the next throttled apply."""
        return bool(self._pending or self._pending_gone or self._apply_timer is not None)

    def _schedule_apply(self) -> None:
        if self._apply_timer is not None:
            return  # an apply is already booked; it will take these too
        wait = self._last_apply + self.dashboard.refresh_interval - time.monotonic()
        if wait <= 0:
            self.apply_pending()
        else:
            self._apply_timer = self.set_timer(wait, self.apply_pending)

    def apply_pending(self) -> None:
        """Fold every pending change into the model and the table, in one repaint."""
        self._apply_timer = None
        self._last_apply = time.monotonic()
        pending, self._pending = self._pending, {}
        finished, self._pending_finished = self._pending_finished, {}
        gone, self._pending_gone = self._pending_gone, set()
        if not (pending or gone):
            return
        self.applied_refreshes += 1
        for job in pending.values():
            self.jobs[job.job_id] = job
            if not job.job_id.startswith(LOCAL_PREFIX):
                self.state_notes.pop(job.job_id, None)
        expired = []
        for job_id in gone - pending.keys():
            if job_id in self.jobs:
                self.state_notes[job_id] = EXPIRED_NOTE
                expired.append(self.jobs[job_id])
        self._insert([*pending.values(), *expired])
        self._want_project_names(pending.values())
        app = self.dashboard
        for job_id in gone:
            app.job_gone(self.jobs.get(job_id), job_id)
        for job in finished.values():
            app.job_finished(job)
        self.last_refresh = app.clock.now()
        if self.connection in (ConnectionState.CONNECTING, ConnectionState.OFFLINE):
            self.show_connection(ConnectionState.ONLINE)
        self.refresh_status()
        self._update_filter_bar()
        self._freeze_heap()
        shown = self.detail.job
        if shown is not None and (shown.job_id in pending or shown.job_id in gone):
            self._show_detail_job()

    def _insert(self, jobs: Iterable[Job]) -> None:
        """Upsert jobs into the table by key; re-sort only when the order could change."""
        table = self.table
        now = self.dashboard.clock.now()
        sort_column = self.sort.column
        resort = False
        with table.cursor_kept():
            for job in jobs:
                if self._passes(job):
                    if job.job_id not in table:
                        resort = resort or not self._fits_at_end(job)
                    if sort_column in table.upsert(job, now) and job.job_id in table:
                        resort = resort or self._order_changed(job)
                else:
                    table.remove(job.job_id)
            if resort:
                table.sort_by(self._sort_key, self.sort.reverse)

    def _passes(self, job: Job) -> bool:
        """Whether the filter in force shows `job` (an expired job counts as stopped)."""
        return self.filter.matches(
            job,
            self.context.project_names.get(job.project_id or ""),
            expired=self.is_expired(job.job_id),
        )

    def is_expired(self, job_id: str) -> bool:
        """The API answers 404 for it now: past retention (or deleted); the journal remembers."""
        return self.state_notes.get(job_id) == EXPIRED_NOTE

    def show_submitted(self, job: Job) -> None:
        """A job submitted from here: in the table now (no waiting for a poll), selected.

        A filter that would hide it is cleared, so the user sees what they just made.
        """
        self.jobs[job.job_id] = job
        self.state_notes.pop(job.job_id, None)
        self._want_project_names([job])
        if not self._passes(job):
            self.action_clear_filters()
            self.notify("Filters cleared to show the new job.", markup=False, timeout=4)
        self._insert([job])
        self._update_filter_bar()
        # After the insert's own scroll fix-up (queued the same way), so this one wins.
        self.table.call_after_refresh(self.select_job, job.job_id)

    def select_job(self, job_id: str) -> None:
        """Put the cursor on `job_id`'s row and scroll it into view."""
        table = self.table
        if job_id in table:  # a row still to come after a big rebuild is not
            table.move_cursor(row=table.get_row_index(job_id), animate=False)

    def _fits_at_end(self, job: Job) -> bool:
        # A row appended in order (the list walk, newest first) needs no re-sort.
        last_id = self.table.last_job_id
        last = self.jobs.get(last_id) if last_id is not None else None
        if last is None:
            return last_id is None
        a, b = self.sort.key(last), self.sort.key(job)
        return a >= b if self.sort.reverse else a <= b

    def _order_changed(self, job: Job) -> bool:
        # Sorting by created: an update never moves a row; anything else may.
        return self.sort.column not in ("created", "id")

    def _sort_key(self, job_id: str) -> Any:
        job = self.jobs.get(job_id)
        return self.sort.key(job) if job is not None else (0, job_id)

    def _rebuild(self) -> None:
        """Show the jobs that pass the filter, sorted (a filter or sort change)."""
        visible = [job for job in self.jobs.values() if self._passes(job)]
        visible.sort(key=self.sort.key, reverse=self.sort.reverse)
        self.table.set_jobs(visible)
        self._update_filter_bar()
        self._show_detail_job()

    # -- status line, filter bar, banner -----------------------------------------------

    def show_connection(self, state: ConnectionState, detail: str = "") -> None:
        changed = state is not self.connection
        self.connection = state
        self.status_bar.show_connection(state)
        banner = self.query_one("#banner", Static)
        message = ""
        if state is ConnectionState.UNAUTHORIZED:
            message = NO_TOKEN_HELP if detail == NO_TOKEN_HELP else f"{detail}\n{NO_TOKEN_HELP}"
        elif state is ConnectionState.OFFLINE:
            message = f"Offline ({detail}). Retrying politely; rows show the last known state."
        elif state is ConnectionState.ERROR:
            message = detail
        banner.update(Text(message.strip()))
        banner.set_classes(f"-{state.value.replace('_', '-')}" if message else "-hidden")
        if changed and state is not ConnectionState.RATE_LIMITED:
            self.refresh_status()

    def refresh_status(self) -> None:
        app = self.dashboard
        now = app.clock.now()
        self.status_bar.show_refreshed(self.last_refresh)
        snapshot = app.client.limits.snapshot() if app.client is not None else None
        self.status_bar.show_budgets(snapshot, now)
        if self.connection is ConnectionState.OFFLINE and self.retry_at is not None:
            wait = max(0, round((self.retry_at - now).total_seconds()))
            self.status_bar.show_connection(ConnectionState.OFFLINE, retry_in=wait)
        if snapshot is None:
            return
        # The client's shared Retry-After gate is the truth about a 429, even while the
        # request that met it is still waiting inside the client's retry loop.
        if snapshot.gate_closed_until is not None:
            if self.connection is ConnectionState.ONLINE:
                self.show_connection(ConnectionState.RATE_LIMITED)
        elif self.connection is ConnectionState.RATE_LIMITED and self.last_refresh is not None:
            self.show_connection(ConnectionState.ONLINE)

    def refresh_ages(self) -> None:
        """Ages of running jobs move with time, not with polls: re-diff the live rows."""
        self.table.refresh_ages(job for job in self.jobs.values() if not job.is_finished)

    def filter_description(self, *, compact: bool = False) -> str:
        """`Filter: state all · …   Sort: created ↓   34 of 34 jobs`; `compact` drops the
        words a narrow terminal has no room for (the filter itself always stays)."""
        f = self.filter
        project = "all"
        if f.project_id:
            project = self.context.project_names.get(f.project_id) or f.project_id[:8]
        parts = [f"state {f.state}", f"type {f.kind}", f"project {project}"]
        if f.text:
            parts.append(f"text “{f.text}”")
        shown, total = self.table.row_count, len(self.jobs)
        loading = "" if self.listing_complete or not self.jobs else " (loading…)"
        if compact:
            return f"{' · '.join(parts)}  {self.sort.describe()}  {shown:,}/{total:,}{loading}"
        return (
            f"Filter: {' · '.join(parts)}   Sort: {self.sort.describe()}   "
            f"{shown:,} of {total:,} jobs{loading}"
        )

    def _update_filter_bar(self) -> None:
        bar = self.query_one("#filter-bar", Static)
        words = self.filter_description()
        if len(words) + 2 > self.app.size.width:  # the bar spans the terminal, padded 1 + 1
            words = self.filter_description(compact=True)
        if words != self._filter_words:
            self._filter_words = words
            bar.update(Text(words), layout=False)
        bar.set_class(not self.filter.is_default, "-active")

    # -- detail pane -----------------------------------------------------------------------

    def selected_job(self) -> Job | None:
        job_id = self.table.current_job_id()
        return self.jobs.get(job_id) if job_id else None

    def _show_detail_job(self) -> None:
        detail = self.detail
        if detail.has_class("-hidden"):
            return
        job = self.selected_job()
        name = self.context.project_names.get(job.project_id or "") if job else None
        expired = job is not None and self.is_expired(job.job_id)
        detail.show(job, self.dashboard.clock.now(), name, expired=expired)

    @on(JobTable.RowsLoaded)
    def _rows_loaded(self) -> None:
        self._freeze_heap()

    def _freeze_heap(self) -> None:
        """Once the big initial load is in, take it out of the cyclic GC's sweeps.

        Thousands of long-lived jobs and cells make every full collection scan them all
        (150-350 ms pauses with 10,000 jobs: keypresses stall). Frozen objects are still
        freed by reference counting when a refresh replaces them.
        """
        if self._heap_frozen or not self.listing_complete or self.table.loading_rows:
            return
        self._heap_frozen = True
        gc.freeze()

    @on(DataTable.RowHighlighted, "#job-table")
    def _row_highlighted(self) -> None:
        self._show_detail_job()

    @on(DataTable.RowSelected, "#job-table")
    def _row_selected(self) -> None:
        self.action_toggle_detail()

    @on(DataTable.HeaderSelected, "#job-table")
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column == self.sort.column:
            self.sort = JobSort(column, not self.sort.reverse)
        else:
            self.sort = JobSort(column, column in ("created", "age", "progress"))
        self._resort()

    # -- actions ---------------------------------------------------------------------------

    def action_toggle_detail(self) -> None:
        detail = self.detail
        detail.set_class(not detail.has_class("-hidden"), "-hidden")
        self._show_detail_job()
        self.remember_ui()

    def action_raw_json(self) -> None:
        detail = self.detail
        if detail.has_class("-hidden"):
            detail.remove_class("-hidden")
            detail.raw = True
        else:
            detail.raw = not detail.raw
        self._show_detail_job()

    def action_filter_state(self, state: str) -> None:
        self.set_filter(self.filter.with_(state=state))

    def action_cycle_type(self) -> None:
        index = TYPE_FILTERS.index(self.filter.kind) if self.filter.kind in TYPE_FILTERS else 0
        self.set_filter(self.filter.with_(kind=TYPE_FILTERS[(index + 1) % len(TYPE_FILTERS)]))

    def action_filter_project(self) -> None:
        """Only the selected job's project; again to show every project."""
        if self.filter.project_id is not None:
            self.set_filter(self.filter.with_(project_id=None))
            return
        job = self.selected_job()
        if job is None or job.project_id is None:
            self.notify("Select a job with a project first.", severity="warning")
            return
        self.set_filter(self.filter.with_(project_id=job.project_id))

    def action_clear_filters(self) -> None:
        field = self.query_one("#text-filter", Input)
        field.value = ""
        if not field.has_focus:
            field.add_class("-hidden")  # nothing left to show in it
        self.set_filter(JobFilter())

    def action_text_filter(self) -> None:
        field = self.query_one("#text-filter", Input)
        field.remove_class("-hidden")
        field.focus()

    def action_escape(self) -> None:
        field = self.query_one("#text-filter", Input)
        if field.has_focus:
            field.value = ""
            field.add_class("-hidden")
            self.table.focus()
        elif not self.detail.has_class("-hidden"):
            self.detail.add_class("-hidden")
        elif not self.filter.is_default:
            self.action_clear_filters()

    @on(Input.Changed, "#text-filter")
    def _text_changed(self, event: Input.Changed) -> None:
        self.set_filter(self.filter.with_(text=event.value.strip()))

    @on(Input.Submitted, "#text-filter")
    def _text_submitted(self, event: Input.Submitted) -> None:
        field = self.query_one("#text-filter", Input)
        if not event.value.strip():
            field.add_class("-hidden")
        self.table.focus()

    def set_filter(self, new_filter: JobFilter) -> None:
        if new_filter == self.filter:
            return
        self.filter = new_filter
        self._rebuild()
        self.remember_ui()

    # -- UI state in the journal ---------------------------------------------------------

    def ui_state(self) -> dict[str, Any]:
        """What is remembered of this screen: filter, sort, detail pane."""
        return {
            "jobs.filter": asdict(self.filter),
            "jobs.sort": {"column": self.sort.column, "reverse": self.sort.reverse},
            "jobs.detail": not self.detail.has_class("-hidden"),
        }

    def remember_ui(self, **extra: Any) -> None:
        """Write the UI state to the journal, off the UI thread (a few small writes)."""
        if self.dashboard.journal is None or not self._ui_restored:
            return
        self._write_ui_state({**self.ui_state(), **extra})

    @work(thread=True, group="ui-state", exit_on_error=False)
    def _write_ui_state(self, values: dict[str, Any]) -> None:
        journal = self.dashboard.journal
        if journal is None:
            return
        try:
            for key, value in values.items():
                journal.set_ui_state(key, value)
        except JOURNAL_ERRORS:
            pass  # losing a filter choice is not worth a warning; job rows are

    def _restore_ui_state(self, state: dict[str, Any]) -> None:
        """Filters, sort and the detail pane as they were; anything unknown is ignored."""
        saved = state.get("jobs.filter")
        if isinstance(saved, dict):
            kind = saved.get("kind", "all")
            project = saved.get("project_id")
            text = saved.get("text", "")
            if (
                saved.get("state", "all") in STATE_FILTERS
                and kind in TYPE_FILTERS
                and (project is None or isinstance(project, str))
                and isinstance(text, str)
            ):
                self.filter = JobFilter(saved.get("state", "all"), kind, project, text)
                if text:
                    field = self.query_one("#text-filter", Input)
                    with field.prevent(Input.Changed):
                        field.value = text
        sort = state.get("jobs.sort")
        if isinstance(sort, dict) and sort.get("column") in COLUMN_KEYS:
            self.sort = JobSort(str(sort["column"]), bool(sort.get("reverse")))
        if state.get("jobs.detail") is True:
            self.detail.remove_class("-hidden")
        self._update_filter_bar()

    def on_screen_resume(self) -> None:
        # Back on the jobs screen (a form, the activity log or a modal closed); the terminal
        # may have been resized meanwhile.
        self._fit_layout(self.app.size.width)
        self.remember_ui(screen="jobs")

    def action_cycle_sort(self) -> None:
        index = COLUMN_KEYS.index(self.sort.column)
        column = COLUMN_KEYS[(index + 1) % len(COLUMN_KEYS)]
        self.sort = JobSort(column, column in ("created", "age", "progress"))
        self._resort()

    def action_reverse_sort(self) -> None:
        self.sort = JobSort(self.sort.column, not self.sort.reverse)
        self._resort()

    def _resort(self) -> None:
        if self.table.loading_rows:
            self._rebuild()
        else:
            self.table.sort_by(self._sort_key, self.sort.reverse)
        self._update_filter_bar()
        self.remember_ui()

    def action_toggle_watch(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        self.dashboard.toggle_watch(job)
        self.table.refresh_rows([job])

    def action_open_project(self) -> None:
        job = self.selected_job()
        if job is None or not job.project_url:
            self.notify("This job has no project URL.", severity="warning")
            return
        self.app.open_url(job.project_url)

    def action_copy_url(self) -> None:
        job = self.selected_job()
        if job is None or not job.project_url:
            self.notify("This job has no project URL.", severity="warning")
            return
        self.app.copy_to_clipboard(job.project_url)
        self.notify(Text(f"Copied {job.project_url}").plain, markup=False)

    def show_job(self, job: Job) -> None:
        """Put a job into the model and table now (a submit or a cancel re-read)."""
        self.post_message(JobsChanged({job.job_id: job}))


def _retry_seconds(error: DescriptError) -> float | None:
    retry_after = getattr(error, "retry_after", None)
    value = retry_after.seconds if retry_after is not None else getattr(error, "wait", None)
    return float(value) if isinstance(value, int | float) and value > 0 else None
