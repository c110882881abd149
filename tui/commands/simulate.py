"""`descript-tui simulate`: serve the Descript API simulator on loopback, for curl and clients."""

from __future__ import annotations

import argparse
import errno
import math
import socket
from typing import Any

from tui.commands import CliContext, ExitCode, UsageError
from tui.simulator.faults import FAULT_PROFILES
from tui.simulator.world import BROKE_TOKEN, DEMO_TOKEN, OTHER_DRIVE_TOKEN

# The tokens the seeded world knows (docs/simulator.md).
DEMO_TOKENS = (
    (DEMO_TOKEN, "the demo user on the demo Drive"),
    (OTHER_DRIVE_TOKEN, "a user on another Drive (403 on the demo Drive's jobs)"),
    (BROKE_TOKEN, "a Drive with no media minutes or AI credits left (402 on submit)"),
)


def _speed(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a number above 0 (1 is real time)")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be 0-65535 (0 picks a free port)")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="serve the Descript API simulator on this machine",
        description=(
            "Serve a simulated Descript API (seeded demo world, documented tokens) until "
            "Ctrl-C. Point any client at the printed base URL."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    parser.add_argument(
        "--speed", type=_speed, default=1.0, help="time runs X times faster (default 1)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the demo world (default 0)")
    parser.add_argument(
        "--faults", choices=FAULT_PROFILES, default="none", help="fault profile (default none)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback (anyone who can reach it can use it)",
    )
    parser.set_defaults(handler=run_simulator)


def run_simulator(args: argparse.Namespace, ctx: CliContext) -> int:
    from tui.simulator.callbacks import is_loopback_host

    if not is_loopback_host(args.host) and not args.allow_remote:
        raise UsageError(
            f"--host {args.host} is not loopback: the simulator has no real security; "
            "add --allow-remote if you mean it"
        )
    from tui.simulator.server import serve

    port = free_port(args.host, args.port)
    display_host = f"[{args.host}]" if ":" in args.host else args.host
    ctx.out(f"Descript API simulator: http://{display_host}:{port}/v1")
    ctx.out(f"seed {args.seed}, speed {args.speed:g}x, faults {args.faults}")
    ctx.out("tokens:")
    for token, meaning in DEMO_TOKENS:
        ctx.out(f"  {token:<18} {meaning}")
    ctx.out(
        "try: DESCRIPT_API_TOKEN=demo-token descript-tui "
        f"--base-url http://{display_host}:{port}/v1 jobs list"
    )
    ctx.out("Ctrl-C stops it.")
    serve(host=args.host, port=port, speed=args.speed, seed=args.seed, faults=args.faults)
    return ExitCode.OK


def free_port(host: str, port: int) -> int:
    """`port` if it can be bound on `host` (0: a free one, named), else a one-line refusal.

    Without this a busy port ends in uvicorn's log and exit code 3, and the banner would
    advertise port 0.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
            return int(probe.getsockname()[1])
    except OSError as err:
        if err.errno == errno.EADDRINUSE:
            raise UsageError(
                f"--port {port} is already in use on {host}: pick another port, or --port 0 "
                "for a free one"
            ) from None
        raise UsageError(f"--host {host}: cannot serve there ({err.strerror or err})") from None
