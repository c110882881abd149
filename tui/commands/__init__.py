"""The subcommands of `descript-tui`, and what they share: exit codes and the run context.

Each module exposes `register(subparsers)`, which adds its parsers and sets a handler with
`parser.set_defaults(handler=...)`. A handler takes `(args, ctx: CliContext)` and returns an
exit code (or a coroutine that does; `tui.cli` runs it). It raises `UsageError` for bad input
*before* any request is sent, and lets API errors propagate: `tui.cli` turns each into its
documented exit code and message, in one place.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TextIO

from tui.api.clock import Clock, SystemClock
from tui.api.requests import url_problem
from tui.simulator.world import DEMO_TOKEN

if TYPE_CHECKING:
    import httpx

    from tui.api.client import DescriptClient


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
    # Set by --demo: the background simulator and the token the demo world knows.
    demo_base_url: str | None = None
    # Tests swap in an in-process transport (httpx.ASGITransport) here.
    transport_factory: TransportFactory | None = None
    # The command line as typed, to refuse a token that was pasted into it.
    argv: tuple[str, ...] = ()
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

        if self.base_url and (problem := url_problem(self.base_url)):
            raise UsageError(f"--base-url {problem}")
        return resolve_connection(
            profile=self.profile, base_url=self.base_url, read_only=self.read_only
        )

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
            on_retry=self.say_retry,
        )

    def say_retry(self, what: str, seconds: float) -> None:
        """A retry's wait on stderr: a 429's Retry-After can hold a command for minutes."""
        self.err(f"note: {what}: retrying in {seconds:.1f} s")


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


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print the API's JSON instead of a table"
    )
