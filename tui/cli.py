"""`descript-tui`: the dashboard with no subcommand, headless subcommands otherwise.

Exit codes are `tui.commands.ExitCode` (table in docs/cli.md). Every API error is turned into
its exit code and a message here, in one place; handlers only raise. A token is never read
from the command line: `DESCRIPT_API_TOKEN` or a profile (`descript-tui auth login`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from tui import __version__
from tui.api.clock import Clock, SystemClock
from tui.commands import (
    CliContext,
    CommandFailed,
    ExitCode,
    TransportFactory,
    UsageError,
)
from tui.commands.exits import PROG, error_lines, exit_code_for
from tui.paths import demo_sandbox

# Seams for tests: an in-process transport (httpx.ASGITransport on the simulator) and a
# virtual clock. None means real sockets and real time.
TRANSPORT_FACTORY: TransportFactory | None = None
CLOCK_FACTORY: Callable[[], Clock] | None = None

# Subcommand modules, in the order `--help` lists them. A module that does not exist yet
# (written by another engineer) is skipped, so the command stays usable meanwhile.
COMMAND_MODULES = (
    "tui.commands.jobs",
    "tui.commands.submit",
    "tui.commands.simulate",
    "tui.commands.auth",
    "tui.commands.listen",
    "tui.commands.reconcile",
)

# `--token x`, `--api-key=x`, `--bearer`, ...: what someone trying to pass a token would type.
_TOKEN_OPTION = re.compile(
    r"^--?(api[-_]?)?(token|key|api[-_]?key|bearer|auth[-_]?token|secret)(=.*)?$", re.IGNORECASE
)
_TOKEN_ENV_VAR = "DESCRIPT_API_TOKEN"


def token_in_argv(argv: Sequence[str], known_tokens: Sequence[str] = ()) -> str | None:
    """Why `argv` seems to carry an API token, or None. Never repeats the token itself."""
    for argument in argv:
        if argument == "--":
            break
        if _TOKEN_OPTION.match(argument):
            option = argument.split("=", 1)[0]
            return f"{option}: a token is never accepted on the command line"
        if argument.lower().startswith(("bearer ", "authorization:")):
            return "an Authorization header value was passed on the command line"
        if argument.startswith(f"{_TOKEN_ENV_VAR}="):
            return f"{_TOKEN_ENV_VAR}=... was passed as an argument, not set in the environment"
        if any(token and token in argument for token in known_tokens):
            return "the API token appeared on the command line"
    return None


_TOKEN_HELP = (
    f"give the token through {_TOKEN_ENV_VAR} or `{PROG} auth login` (which reads it "
    "from stdin or a hidden prompt); never as an argument, where shell history and `ps` see it"
)


class _Parser(argparse.ArgumentParser):
    """argparse, with one-line error messages that never echo a token back."""

    def error(self, message: str) -> NoReturn:
        token = os.environ.get(_TOKEN_ENV_VAR)
        if token:
            message = message.replace(token, "***")
        # One line, like every other refusal; the usage is one --help away.
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_global_options(parser: argparse.ArgumentParser, *, top_level: bool) -> None:
    """The options every command takes, before or after the subcommand name.

    Below the top level they default to SUPPRESS, so `jobs list` without `--profile` does not
    overwrite a `--profile` given before `jobs`.
    """
    present = set(parser._option_string_actions)  # argparse has no public way

    def default(value: Any) -> Any:
        return value if top_level else argparse.SUPPRESS

    if "--profile" not in present:
        parser.add_argument(
            "--profile",
            metavar="NAME",
            default=default(None),
            help="the config profile to use (one per Drive); default: the default profile",
        )
    if "--base-url" not in present:
        parser.add_argument(
            "--base-url",
            metavar="URL",
            default=default(None),
            help="API base URL (beats DESCRIPT_API_BASE_URL and the profile)",
        )
    if "--demo" not in present:
        parser.add_argument(
            "--demo",
            action="store_true",
            default=default(False),
            help="start the built-in simulator in the background and use its demo token",
        )
    if "--allow-insecure-http" not in present:
        parser.add_argument(
            "--allow-insecure-http",
            action="store_true",
            default=default(False),
            help="allow a plain http:// base URL to a host that is not this machine "
            "(the token then travels in clear); loopback needs no flag",
        )
    if "--request-timeout" not in present:
        parser.add_argument(
            "--request-timeout",
            metavar="SECONDS",
            type=_positive_seconds,
            default=default(None),
            help="overall deadline of one request, connect and whole answer included "
            "(default: the profile's request_timeout, 30 s)",
        )
    if "--read-only" not in present:
        parser.add_argument(
            "--read-only",
            action="store_true",
            default=default(False),
            help="refuse every action that changes something (submit, cancel)",
        )


def _add_dashboard_callbacks(parser: argparse.ArgumentParser) -> None:
    """The dashboard's `--callbacks HOST:PORT [--public-url URL]` (the profile's settings)."""
    parser.add_argument(
        "--callbacks",
        dest="dashboard_callbacks",
        metavar="HOST:PORT",
        type=_host_port_text,
        help="dashboard: receive job callbacks on HOST:PORT while it runs (beats the "
        "profile's `callbacks`); submissions then carry its secret callback URL",
    )
    parser.add_argument(
        "--public-url",
        dest="dashboard_public_url",
        metavar="URL",
        help="dashboard, with --callbacks: where Descript reaches the receiver (an HTTPS "
        "reverse proxy or tunnel to it)",
    )


def _host_port_text(text: str) -> str:
    from tui.callbacks.wiring import host_port_argument

    host_port_argument(text)  # refuses what is not HOST:PORT
    return text


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 86_400:
        raise argparse.ArgumentTypeError("must be more than 0 and less than a day")
    return value


def _subparsers_of(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found.append(sub)
                found.extend(_subparsers_of(sub))
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "A terminal dashboard and headless CLI for the Descript API's jobs. "
            "With no command, opens the dashboard."
        ),
        epilog=(
            f"The API token comes from {_TOKEN_ENV_VAR} or the profile "
            f"(`{PROG} auth login`), never from an argument. Exit codes: docs/cli.md."
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    _add_global_options(parser, top_level=True)
    _add_dashboard_callbacks(parser)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name:
                raise
            continue
        module.register(subparsers)
    for sub in _subparsers_of(parser):
        _add_global_options(sub, top_level=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `descript-tui` with `argv` (default: sys.argv[1:]) and return its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    env_token = os.environ.get(_TOKEN_ENV_VAR)
    if problem := token_in_argv(arguments, [env_token] if env_token else []):
        print(f"{PROG}: error: {problem}. {_TOKEN_HELP}", file=sys.stderr)
        return ExitCode.USAGE
    parser = build_parser()
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else ExitCode.USAGE
    ctx = CliContext(
        stdout=sys.stdout,
        stderr=sys.stderr,
        stdin=sys.stdin,
        clock=CLOCK_FACTORY() if CLOCK_FACTORY else SystemClock(),
        profile=args.profile,
        base_url=args.base_url,
        read_only=args.read_only,
        allow_insecure_http=args.allow_insecure_http,
        request_timeout=args.request_timeout,
        transport_factory=TRANSPORT_FACTORY,
        argv=tuple(arguments),
    )
    return run(args, ctx)


def run(args: argparse.Namespace, ctx: CliContext) -> int:
    """Run the parsed command; every error ends here as a message and an exit code."""
    simulator = None
    try:
        if args.demo and args.base_url:
            raise UsageError("--demo runs its own simulator: drop --base-url")
        with demo_sandbox() if args.demo else contextlib.nullcontext():
            handler = getattr(args, "handler", None)
            if handler is None:
                return _open_dashboard(ctx, demo=bool(args.demo), args=args)
            if args.demo:
                simulator = _start_demo_simulator()
                ctx.demo_base_url = simulator.base_url
            result = handler(args, ctx)
            if inspect.isawaitable(result):
                result = asyncio.run(_awaited(result))
            return int(result if result is not None else ExitCode.OK)
    except KeyboardInterrupt:
        ctx.err(f"{PROG}: interrupted")
        return ExitCode.INTERRUPTED
    except UsageError as err:
        ctx.err(f"{PROG}: error: {err}")
        return ExitCode.USAGE
    except CommandFailed as err:
        ctx.err(f"{PROG}: {err}")
        return err.exit_code
    except Exception as err:
        code = exit_code_for(err)
        if code is None:
            raise
        for number, line in enumerate(error_lines(err)):
            ctx.err(f"{PROG}: error: {line}" if number == 0 else f"  {line}")
        return code
    finally:
        if simulator is not None:
            simulator.stop()


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _start_demo_simulator() -> Any:
    from tui.simulator.server import start_in_background

    return start_in_background(port=0, seed=0)


def _open_dashboard(
    ctx: CliContext, *, demo: bool, args: argparse.Namespace | None = None
) -> int:
    """The app; with --demo it starts (and stops) its own background simulator."""
    from tui.app import run_app

    read_only = True if ctx.read_only else None
    if demo:
        result = run_app(None, demo=True, read_only=read_only)
    else:
        result = run_app(_with_callbacks(ctx.connection(), args), read_only=read_only)
    return int(result) if isinstance(result, int) else ExitCode.OK


def _with_callbacks(connection: Any, args: argparse.Namespace | None) -> Any:
    """The connection with `--callbacks` / `--public-url` put in its profile's settings."""
    import dataclasses

    from tui.callbacks.wiring import check_public_url
    from tui.config import Profile

    host_port = getattr(args, "dashboard_callbacks", None)
    public_url = getattr(args, "dashboard_public_url", None)
    if not host_port:
        if public_url:
            raise UsageError("--public-url goes with --callbacks HOST:PORT")
        return connection
    if problem := check_public_url(public_url):
        raise UsageError(problem)
    profile = dataclasses.replace(
        connection.profile or Profile(name=connection.profile_name),
        callbacks=host_port,
        callbacks_public_url=public_url or "",
    )
    return dataclasses.replace(connection, profile=profile)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
