"""The subcommands of `descript-tui`, and what they share: exit codes and the run context.

Each module exposes `register(subparsers)`, which adds its parsers and sets a handler with
`parser.set_defaults(handler=...)`. A handler takes `(args, ctx: CliContext)` and returns an
exit code (or a coroutine that does; `tui.cli` runs it). It raises `UsageError` for bad input
*before* any request is sent, and lets API errors propagate: `tui.cli` turns each into its
documented exit code and message, in one place.

`CliContext.journal()` opens the profile's journal (`tui.journal`) for one command, wrapped
in a `CliJournal`: what the command submits or reads is remembered, and a journal that
cannot be opened or written costs one warning line on stderr, never the command.
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from tui.api.activity import ActivityLog
from tui.api.clock import Clock, SystemClock
from tui.config import client_deadlines
from tui.journal import (
    MEMORY,
    CallRecorder,
    Journal,
    JournaledJob,
    JournalError,
    Source,
    StateChange,
)
from tui.simulator.world import DEMO_TOKEN
from tui.submissions import submit_journaled

if TYPE_CHECKING:
    import httpx

    from tui.api.client import DescriptClient
    from tui.api.models import Job, JobCreated

T = TypeVar("T")
# What a failing journal call can raise (unwritable folder, disk full, locked too long).
JOURNAL_ERRORS = (JournalError, sqlite3.Error, OSError)


class ExitCode(IntEnum):
    """Exit codes of every subcommand (documented in docs/cli.md)."""

    OK = 0
    # An API error not listed below (400, 402, 404, 5xx, ...), or a job that failed.
    FAILURE = 1
    # Bad input, refused before any request. Under --exit-status/--wait: a partial job.
    USAGE = 2
    # Under --exit-status/--wait: a cancelled job.
    CANCELLED = 3
    # 401 or 403: the token is missing on the server side, invalid, or for another Drive.
    UNAUTHORIZED = 4
    # The network failed, or a submit's outcome is unknown (it may or may not exist).
    NETWORK = 5
    # 429 for longer than we are willing to wait.
    RATE_LIMITED = 6
    INTERRUPTED = 130


# Job outcomes -> exit codes under `jobs watch --exit-status` and `--wait`.
OUTCOME_EXIT = {
    "success": ExitCode.OK,
    "failed": ExitCode.FAILURE,
    "partial": ExitCode.USAGE,
    "cancelled": ExitCode.CANCELLED,
    "finished_unknown": ExitCode.FAILURE,
}
# Worst wins when several jobs are watched: failed > cancelled > partial > success.
_SEVERITY = ("success", "partial", "cancelled", "finished_unknown", "failed")


def worst_outcome_exit(outcomes: list[str]) -> ExitCode:
    """The exit code of the worst outcome among `outcomes` (unknown names count as failed)."""
    if not outcomes:
        return ExitCode.OK
    ranks = [(_SEVERITY.index(o) if o in _SEVERITY else len(_SEVERITY)) for o in outcomes]
    worst = max(ranks)
    return OUTCOME_EXIT[_SEVERITY[worst]] if worst < len(_SEVERITY) else ExitCode.FAILURE


class UsageError(Exception):
    """Bad input, found before any request: printed as one line, exit code 2."""

    exit_code = ExitCode.USAGE


class CommandFailed(Exception):
    """A command that cannot go on for a reason already explained in `message`."""

    def __init__(self, message: str, exit_code: ExitCode = ExitCode.FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


TransportFactory = Callable[[], "httpx.AsyncBaseTransport | None"]


@dataclass
class CliContext:
    """What a handler needs besides its arguments: streams, clock, and how to connect."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    clock: Clock = field(default_factory=SystemClock)
    profile: str | None = None
    base_url: str | None = None
    read_only: bool = False
    # --allow-insecure-http: plain http to a remote host (the token travels in clear).
    allow_insecure_http: bool = False
    # --request-timeout: beats the profile's request_timeout.
    request_timeout: float | None = None
    # Set by --demo: the background simulator and the token the demo world knows.
    demo_base_url: str | None = None
    # Tests swap in an in-process transport (httpx.ASGITransport) here.
    transport_factory: TransportFactory | None = None
    # The command line as typed, to refuse a token that was pasted into it.
    argv: tuple[str, ...] = ()
    #: The command's one activity log: every client it opens records here, and the journal
    #: keeps the calls about jobs from it (`CallRecorder`).
    activity: ActivityLog = field(default_factory=ActivityLog)
    _connection: Any = None

    def out(self, line: str = "") -> None:
        self.stdout.write(line + "\n")
        self.stdout.flush()

    def err(self, line: str = "") -> None:
        self.stderr.write(line + "\n")
        self.stderr.flush()

    @property
    def interactive(self) -> bool:
        """Whether a person can answer a question on stdin."""
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())

    def connection(self) -> Any:
        """The resolved profile, base URL and token (`tui.config.Connection`); cached."""
        if self._connection is None:
            self._connection = self._resolve_connection()
        return self._connection

    def _resolve_connection(self) -> Any:
        if self.demo_base_url is not None:
            return demo_connection(self.demo_base_url, read_only=self.read_only)
        from tui.config import resolve_connection

        # resolve_connection checks the base URL (tui.api.base_url) before anything is sent.
        return resolve_connection(
            profile=self.profile,
            base_url=self.base_url,
            read_only=self.read_only,
            allow_insecure_http=self.insecure_http_ok,
        )

    @property
    def insecure_http_ok(self) -> bool:
        """--allow-insecure-http, or an in-process transport (tests): then no byte crosses
        a network, so plain http cannot expose the token."""
        return self.allow_insecure_http or self.transport_factory is not None

    @property
    def is_read_only(self) -> bool:
        if self.read_only:
            return True
        try:
            return bool(getattr(self.connection(), "read_only", False))
        except UsageError:
            return False

    def refuse_if_read_only(self, action: str) -> None:
        if self.is_read_only:
            raise UsageError(
                f"read-only mode: refusing to {action} "
                "(drop --read-only, or use a profile without read_only)"
            )

    def require_token(self) -> Any:
        """The connection, or a UsageError saying how to give a token."""
        connection = self.connection()
        token = getattr(connection, "token", None)
        if not token:
            raise UsageError(
                "no API token: set DESCRIPT_API_TOKEN, run `descript-tui auth login`, "
                "or try `descript-tui --demo ...` against the built-in simulator"
            )
        if self.demo_base_url is None and any(token in argument for argument in self.argv):
            raise UsageError(
                "the API token appeared on the command line: a token is never accepted as "
                "an argument (use DESCRIPT_API_TOKEN or `descript-tui auth login`)"
            )
        return connection

    def client(self) -> DescriptClient:
        """A client on the resolved connection (not yet entered: use `async with`)."""
        from tui.api.client import DescriptClient

        connection = self.require_token()
        transport = self.transport_factory() if self.transport_factory else None
        return DescriptClient(
            connection.token,
            base_url=connection.base_url,
            transport=transport,
            clock=self.clock,
            activity=self.activity,
            on_retry=self.say_retry,
            limits=self._rate_limits(connection) if transport is None else None,
            **client_deadlines(getattr(connection, "profile", None), self.request_timeout),
        )

    def _rate_limits(self, connection: Any) -> Any:
        """Limits shared with every process on this token and base URL (the API's limits are
        per user); per-process, with one warning line, when the state dir is unusable. The
        demo's simulator is this process's own: nothing is written for it."""
        from tui.api.limits import RateLimits

        if self.demo_base_url is not None:
            return None
        limits, warning = RateLimits.shared_for(connection.token, connection.base_url, self.clock)
        if warning:
            self.err(warning)
        return limits

    def say_retry(self, what: str, seconds: float) -> None:
        """A retry's wait on stderr: a 429's Retry-After can hold a command for minutes."""
        self.err(f"note: {what}: retrying in {seconds:.1f} s")

    def journal(self) -> CliJournal:
        """The profile's journal for this command (use `with`); in memory under --demo.

        Call it after `client()`, so a missing token is refused before any file is made.
        """
        connection = self.connection()
        try:
            if self.demo_base_url is not None:
                # The demo world is new each run: never mix it into the user's journal.
                journal = Journal(MEMORY, profile=connection.profile_name, clock=self.clock)
            else:
                journal = Journal(profile=connection.profile_name, clock=self.clock)
        except JOURNAL_ERRORS as error:
            self.err(journal_warning(error))
            return CliJournal(None, self.err)
        if journal.recovered_from is not None:
            self.err(
                f"note: the journal was corrupt: it was moved to {journal.recovered_from} and "
                "a new one was started"
            )
        return CliJournal(journal, self.err, activity=self.activity)


def demo_connection(base_url: str, *, read_only: bool = False) -> Any:
    """The connection `--demo` uses: the simulator's seeded demo user."""
    from tui.config import Connection

    return Connection(
        token=DEMO_TOKEN,
        base_url=base_url,
        profile_name="demo",
        read_only=read_only,
        token_source="demo",
    )


def journal_warning(error: BaseException) -> str:
    """The one stderr line for a journal that cannot be used: the command goes on."""
    reason = " ".join(str(error).split()) or type(error).__name__
    return (
        f"descript-tui: warning: journal unavailable ({reason}); carrying on without it: "
        "this command's jobs are not remembered"
    )


class CliJournal:
    """The journal as one CLI command uses it: every call guarded, none ever fatal.

    The first failing call prints `journal_warning` once and turns the journal off for the
    rest of the command; later calls do nothing. `record_submission`, `attach_job`,
    `mark_outcome_unknown` and `mark_rejected` let `submit_journaled` use it directly.
    """

    def __init__(
        self,
        journal: Journal | None,
        warn: Callable[[str], None],
        *,
        activity: ActivityLog | None = None,
    ) -> None:
        self._journal = journal
        self._warn = warn
        #: The submission last marked outcome-unknown (it waits for reconciliation).
        self.outcome_unknown_id: int | None = None
        # The command's calls about jobs, kept for a later `jobs report` (written on close).
        self._calls: CallRecorder | None = None
        if journal is not None and activity is not None:
            self._calls = CallRecorder(journal, journal.clock)
            self._calls.attach(activity)

    def __enter__(self) -> CliJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def active(self) -> bool:
        return self._journal is not None

    @property
    def journal(self) -> Journal | None:
        """The journal itself, unguarded (None when it could not be opened)."""
        return self._journal

    @property
    def in_memory(self) -> bool:
        return self._journal is not None and self._journal.in_memory

    def close(self) -> None:
        calls, self._calls = self._calls, None
        if calls is not None:
            self._guard(lambda _: calls.close(), 0)
            if calls.problem is not None and self._journal is not None:
                self._warn(journal_warning(JournalError(calls.problem)))
        journal, self._journal = self._journal, None
        if journal is not None:
            # Nothing left to lose: every write was committed.
            with contextlib.suppress(*JOURNAL_ERRORS):
                journal.close()

    def _guard(self, call: Callable[[Journal], T], default: T) -> T:
        journal = self._journal
        if journal is None:
            return default
        try:
            return call(journal)
        except JOURNAL_ERRORS as error:
            self.close()
            self._warn(journal_warning(error))
            return default

    # -- submissions (the calls `submit_journaled` makes) --------------------------------

    async def submit(
        self,
        kind: str,
        request_json: Mapping[str, Any],
        send: Callable[[], Awaitable[JobCreated]],
        *,
        extra: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> JobCreated:
        """`submit_journaled`: refused if an unresolved twin exists (unless `force`), on disk
        before the POST, then its job id or its fate."""
        # Duck-typed: the four submission calls below, each guarded.
        journal = self if self.active else None
        return await submit_journaled(journal, kind, request_json, send, extra=extra, force=force)

    def record_submission(
        self,
        kind: str,
        request_json: Mapping[str, Any],
        *,
        extra: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> int | None:
        # An UnresolvedTwinError is not a journal failure: it propagates (nothing is sent).
        return self._guard(
            lambda j: j.record_submission(kind, request_json, extra=extra, force=force), None
        )

    def attach_job(self, local_id: int | None, job_created: JobCreated) -> None:
        if local_id is not None:
            self._guard(lambda j: j.attach_job(local_id, job_created), None)

    def mark_outcome_unknown(self, local_id: int | None, error: str) -> None:
        if local_id is not None and self.active:
            self._guard(lambda j: j.mark_outcome_unknown(local_id, error), None)
            if self.active:
                self.outcome_unknown_id = local_id

    def mark_rejected(self, local_id: int | None, error: str) -> None:
        if local_id is not None:
            self._guard(lambda j: j.mark_rejected(local_id, error), None)

    # -- jobs read from the API -----------------------------------------------------------

    def knows_job(self, job_id: str) -> bool:
        """Whether this profile submitted or has seen `job_id` (callbacks for others are forged)."""
        return self._guard(lambda j: j.get_job(job_id) is not None, False)

    def upsert_job(self, job: Job, *, seen_by: Source = "poll") -> None:
        self._guard(lambda j: j.upsert_job(job, seen_by=seen_by), False)

    def upsert_jobs(self, jobs: Iterable[Job]) -> None:
        self._guard(lambda j: j.upsert_jobs(jobs), 0)

    def record_events(self, events: Iterable[Any]) -> None:
        """One scheduler batch: changed jobs upserted, "gone" (404) ones marked expired."""
        self._guard(lambda j: j.record_events(events), 0)

    def state_history(self, job_id: str) -> list[StateChange]:
        """One job's recorded changes, oldest first (the incident report)."""
        return self._guard(lambda j: j.state_history(job_id), [])

    def job_calls(self, job_id: str) -> list[Any]:
        """The API calls about one job every process journaled, oldest first (the report)."""
        return self._guard(lambda j: j.job_calls(job_id), [])

    def load_jobs(self) -> list[JournaledJob]:
        """Every journaled job of the profile (short ids, retry links)."""
        return self._guard(lambda j: j.load_jobs(), [])

    def get_job(self, job_id: str) -> JournaledJob | None:
        """One journaled job by id (incident reports, retries), None if never seen."""
        return self._guard(lambda j: j.get_job(job_id), None)

    def expire_if_known(self, job_id: str) -> JournaledJob | None:
        """A 404: mark the job expired if the journal knows it; its row (last state), or None."""

        def expire(journal: Journal) -> JournaledJob | None:
            if journal.get_job(job_id) is None:
                return None  # a wrong id is not journaled
            journal.mark_expired(job_id)
            return journal.get_job(job_id)

        return self._guard(expire, None)


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print the API's JSON instead of a table"
    )
