"""One profile's session: the client, scheduler, journal, connection and clock, typed.

The dashboard holds exactly one `Session`; the jobs screen receives it (attributes down).
A profile switch opens a new Session and builds a new jobs screen on it, then closes the
old one: nothing of the old Drive can leak into the new table. Textual-free.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from tui.api.client import DescriptClient
from tui.api.clock import Clock, SystemClock
from tui.api.errors import MissingTokenError
from tui.api.limits import RateLimits
from tui.api.scheduler import DEFAULT_POLICY, PollingScheduler
from tui.callbacks.wiring import CallbackScheduler, CallbackWatch, check_public_url, parse_host_port
from tui.config import Connection, Profile, client_deadlines
from tui.journal import MEMORY, CallRecorder, Journal, JournalError

#: Where a session's client comes from: a resolved profile, a ready client, or a builder.
ClientSource = Connection | DescriptClient | Callable[[], DescriptClient] | None
#: The journal: one handed in (the caller closes it), none, or the profile's own.
JournalChoice = Journal | Literal["profile"] | None
SchedulerFactory = Callable[[DescriptClient, Clock], PollingScheduler]
ClientBuilder = Callable[[Connection], DescriptClient]


@dataclass
class Session:
    """Everything the dashboard talks to for one profile."""

    client: DescriptClient | None
    scheduler: PollingScheduler | None
    journal: Journal | None
    clock: Clock
    connection: Connection | None = None
    read_only: bool = False
    demo: bool = False
    #: Why there is no client (no token): said in the banner.
    token_problem: str | None = None
    #: Why the rate budget is not shared with other processes: said once at start.
    budget_warning: str | None = None
    #: Why there is no journal: said once at start.
    journal_problem: str | None = None
    #: Opened by a profile switch inside the app (the start's suggestions are skipped).
    switched: bool = False
    #: A journal opened here is closed here; one handed in belongs to the caller.
    owns_journal: bool = field(default=False, repr=False)
    #: The callback receiver (profile `callbacks` = HOST:PORT): started by the scheduler's
    #: first run, stopped by `close()`. None when off.
    callbacks: CallbackWatch | None = None
    #: Why callbacks are off although asked for (a bad setting).
    callbacks_problem: str | None = None
    #: Journals the client's calls about jobs (for incident reports of later processes).
    calls: CallRecorder | None = field(default=None, repr=False)

    @property
    def profile_name(self) -> str | None:
        return self.connection.profile_name if self.connection is not None else None

    @property
    def profile(self) -> Profile | None:
        return self.connection.profile if self.connection is not None else None

    def callbacks_text(self) -> str:
        """The header's words: "on (3 received)", "off (why)", or "" when not asked for."""
        if self.callbacks is not None:
            return self.callbacks.describe()
        return f"off ({self.callbacks_problem})" if self.callbacks_problem else ""

    def knows_job(self, job_id: str) -> bool:
        """A job this profile submitted or watches: a callback for it is taken as a hint."""
        if self.scheduler is not None and self.scheduler.job(job_id) is not None:
            return True
        if self.journal is None:
            return False
        try:
            return self.journal.get_job(job_id) is not None
        except (JournalError, OSError):
            return False  # a journal in trouble knows nothing: the callback is refused

    async def close(self) -> None:
        """Stop polling and the receiver, close the connection pool and our journal."""
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.callbacks is not None:
            with contextlib.suppress(Exception):  # a receiver that will not stop is gone
                await self.callbacks.stop()
        if self.client is not None:
            with contextlib.suppress(Exception):  # closing a dead connection must not crash
                await self.client.aclose()
        if self.calls is not None:
            await self.calls.aclose()  # before the journal closes
        if self.journal is not None and self.owns_journal:
            self.journal.close()


@dataclass(frozen=True)
class SessionFactory:
    """How this app opens sessions: the same options for the start and every switch."""

    clock: Clock | None = None
    demo: bool = False
    forced_read_only: bool = False
    discover: bool = True
    scheduler_factory: SchedulerFactory | None = None
    client_builder: ClientBuilder | None = None

    def open(self, source: ClientSource, journal: JournalChoice = "profile") -> Session:
        connection = source if isinstance(source, Connection) else None
        client, token_problem, budget_warning = self._client(source)
        clock = self.clock or (client.clock if client is not None else None) or SystemClock()
        read_only = self.forced_read_only or (connection is not None and connection.read_only)
        session = Session(
            client=client,
            scheduler=None,
            journal=None,
            clock=clock,
            connection=connection,
            read_only=read_only,
            demo=self.demo,
            token_problem=token_problem,
            budget_warning=budget_warning,
        )
        callbacks = self._callbacks(session) if client is not None else None
        session.scheduler = self._scheduler(client, clock, connection, callbacks)
        self._open_journal(session, journal)
        if session.client is not None and session.journal is not None:
            session.calls = CallRecorder(session.journal, clock)
            session.calls.attach(session.client.activity)
        return session

    def _callbacks(self, session: Session) -> CallbackWatch | None:
        """The receiver the profile asks for (`callbacks` = HOST:PORT), not yet started."""
        profile = session.profile
        if profile is None or not profile.callbacks or self.scheduler_factory is not None:
            return None
        try:
            host, port = parse_host_port(profile.callbacks)
        except ValueError:
            session.callbacks_problem = f"setting {profile.callbacks!r} is not HOST:PORT"
            return None
        if problem := check_public_url(profile.callbacks_public_url):
            session.callbacks_problem = problem
            return None
        watch = CallbackWatch(
            clock=session.clock,
            host=host,
            port=port,
            public_url=profile.callbacks_public_url,
            is_known=session.knows_job,
        )
        if session.client is not None:
            watch.log_to(session.client.activity)
        session.callbacks = watch
        return watch

    def _client(
        self, source: ClientSource
    ) -> tuple[DescriptClient | None, str | None, str | None]:
        """(client, why there is none, why the rate budget is this process's own)."""
        if source is None or isinstance(source, DescriptClient):
            return source, None, None
        if not isinstance(source, Connection):
            return source(), None, None
        if self.client_builder is not None:
            return self.client_builder(source), None, None
        try:
            # One rate budget with every other process on this token (not for the demo,
            # whose simulator is this process's own).
            limits, budget_warning = (
                RateLimits.shared_for(source.token, source.base_url, self.clock)
                if source.token and not self.demo
                else (None, None)
            )
            client = DescriptClient(
                source.token,
                base_url=source.base_url,
                clock=self.clock,
                limits=limits,
                **client_deadlines(source.profile),
            )
            return client, None, budget_warning
        except MissingTokenError as error:
            return None, str(error), None

    def _scheduler(
        self,
        client: DescriptClient | None,
        clock: Clock,
        connection: Connection | None,
        callbacks: CallbackWatch | None = None,
    ) -> PollingScheduler | None:
        if client is None:
            return None
        if self.scheduler_factory is not None:
            return self.scheduler_factory(client, clock)
        profile = connection.profile if connection is not None else None
        options = {
            "clock": clock,
            "policy": profile.poll_policy() if profile is not None else DEFAULT_POLICY,
            "discover": self.discover and (profile.discover_new_jobs if profile else True),
            # The scheduler reads every list page once at start (the one first walk).
            "walk_on_start": True,
        }
        if callbacks is not None:
            return CallbackScheduler(client, callbacks=callbacks, **options)
        return PollingScheduler(client, **options)

    def _open_journal(self, session: Session, journal: JournalChoice) -> None:
        """The given journal, or the profile's (in memory for the demo); None if it fails."""
        if not isinstance(journal, str):
            session.journal = journal if isinstance(journal, Journal) else None
            return
        session.owns_journal = True
        try:
            if self.demo:
                session.journal = Journal(MEMORY, profile="demo", clock=session.clock)
            elif session.connection is not None:
                name = session.connection.profile_name
                session.journal = Journal(profile=name, clock=session.clock)
        except (JournalError, OSError) as error:
            session.journal_problem = str(error)
