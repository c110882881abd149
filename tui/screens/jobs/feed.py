"""The jobs screen's background work: journal reads and writes, the poller, project names.

Workers never touch widgets: each posts a message (tui/messages.py) that the screen folds
into its board. The poller is the one throttle between the scheduler and the table: it
posts each scheduler batch as one `LiveBatch` and then waits `refresh_interval` seconds of
the session clock before pulling the next (the scheduler's loop is pulled, so it waits too).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from textual import work
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui.api.errors import DescriptError
from tui.api.models import Job
from tui.journal import JournalError
from tui.live.board import Board
from tui.live.link import LinkView, default_stale_after
from tui.messages import JournalRestored, LiveBatch, ProjectsListed, ReconciliationsFound
from tui.session import Session

# What a failed journal call can raise (closed at exit, disk full, locked for too long).
JOURNAL_ERRORS = (JournalError, sqlite3.Error, OSError)
# Rows showing a project id with no name ask `GET /projects` again, at most this often (s).
PROJECT_NAMES_EVERY = 30.0
# A poller that died unexpectedly is started again after this long (s).
POLLER_RESTART = 5.0
T = TypeVar("T")


class JobsFeed(Screen[None]):
    """State and workers of the jobs screen; the screen itself renders (screen.py)."""

    def __init__(self, session: Session, *, refresh_interval: float = 0.1) -> None:
        super().__init__(id="jobs-screen")
        self.session = session
        self.refresh_interval = refresh_interval
        self.board = Board()
        scheduler = session.scheduler
        policy = getattr(scheduler, "policy", None)
        self.link = LinkView(
            stale_after=getattr(scheduler, "stale_after", None)
            or (lambda: default_stale_after(policy) if policy else 30.0),
            started_at=session.clock.now(),
        )
        #: The start's list walk has delivered its last page.
        self.listing_complete = False
        #: How many rows the journal gave at start (None: no journal read yet).
        self.restored_rows: int | None = None
        #: LiveBatch messages applied (a test and the benchmark count repaints by it).
        self.applied_refreshes = 0
        self._ui_restored = False
        self._journal_failed = False
        # Project names: when `GET /projects` last went (session clock), the ids rows show
        # with no name (asked for next), those it did not list (never asked for again).
        self._projects_fetched_at: float | None = None
        self._projects_wanted: set[str] = set()
        self._projects_missing: set[str] = set()
        self._projects_refresh_booked = False

    # -- journal ---------------------------------------------------------------------------

    @work(group="journal", exit_on_error=False)
    async def restore_journal(self) -> None:
        """Read what the journal remembers (in a thread) and post it, before any list answer."""
        session = self.session
        journal = session.journal
        assert journal is not None
        profile = session.profile_name

        def read() -> tuple[list[Any], list[str], dict[str, Any]]:
            rows, ids, state = journal.load_jobs(), journal.unfinished_job_ids(), journal.ui_state()
            if profile is not None and not session.demo:
                journal.set_ui_state("profile", profile)
            return rows, ids, state

        try:
            rows, ids, state = await asyncio.to_thread(read)
        except JOURNAL_ERRORS as error:
            self._journal_trouble(error)
            rows, ids, state = [], [], {}
        self.post_message(JournalRestored(rows, ids, state))

    async def journal_write(self, call: Callable[..., T], *args: Any) -> T | None:
        """Run one journal call in a thread; a failure is said once and never stops the app."""
        if self.session.journal is None:
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

    @work(thread=True, group="journal-expire", exit_on_error=False)
    def mark_expired(self, job_ids: list[str]) -> None:
        journal = self.session.journal
        try:
            for job_id in job_ids if journal is not None else ():
                journal.mark_expired(job_id)  # type: ignore[union-attr]
        except JOURNAL_ERRORS:
            pass  # shown as expired anyway; the next start infers it again

    @work(thread=True, group="ui-state", exit_on_error=False)
    def write_ui_state(self, values: dict[str, Any]) -> None:
        journal = self.session.journal
        try:
            for key, value in values.items() if journal is not None else ():
                journal.set_ui_state(key, value)  # type: ignore[union-attr]
        except JOURNAL_ERRORS:
            pass  # losing a filter choice is not worth a warning; job rows are

    @work(group="journal-pending", exclusive=True, exit_on_error=False)
    async def load_reconciliations(self) -> None:
        """Show submissions whose outcome became unknown (after a submit from a form)."""
        journal = self.session.journal
        if journal is None:
            return
        pending = await self.journal_write(journal.pending_reconciliations)
        if pending:
            self.post_message(ReconciliationsFound(list(pending)))

    # -- the poller --------------------------------------------------------

    @work(group="poller", exclusive=True, exit_on_error=False)
    async def poll_jobs(self) -> None:
        """Each scheduler batch becomes one LiveBatch, at most one per `refresh_interval`."""
        session = self.session
        scheduler = session.scheduler
        assert scheduler is not None
        async for batch in scheduler.run():
            self.post_message(LiveBatch(list(batch)))
            if session.journal is not None:
                await self.journal_write(session.journal.record_events, batch)
            if self.refresh_interval > 0:
                await session.clock.sleep(self.refresh_interval)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected worker error becomes a notification, never a dead app."""
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
        if worker.group == "poller" and self.session.scheduler is not None:
            # Polling is the dashboard's pulse: start it again after a pause.
            self.set_timer(POLLER_RESTART, self.poll_jobs)

    # -- project names ---------------------------------------------------------------------

    @work(group="projects", exclusive=True, exit_on_error=False)
    async def fetch_project_names(self) -> None:
        """The start's `GET /projects`, once the list walk is done."""
        await self.load_project_names()

    async def load_project_names(self) -> None:
        """Names make the project column and text filter friendlier; ids work without them."""
        client = self.session.client
        if client is None:
            return
        asked, self._projects_wanted = self._projects_wanted, set()
        self._projects_fetched_at = self.session.clock.monotonic()
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

    def want_project_names(self, jobs: Iterable[Job]) -> None:
        """Rows show project ids with no name (a project made since): book a names refresh."""
        names, missing = self.board.project_names, self._projects_missing
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
        clock = self.session.clock
        try:
            while self._projects_fetched_at is not None:
                wait = self._projects_fetched_at + PROJECT_NAMES_EVERY - clock.monotonic()
                if wait <= 0:
                    break
                await clock.sleep(wait)
            if self._projects_wanted:  # a submit may have named them meanwhile
                await self.load_project_names()
        finally:
            self._projects_refresh_booked = False
