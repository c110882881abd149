"""`descript-tui listen`: the callback receiver, headless, one line per accepted callback.

Each accepted callback is a hint (tui.callbacks.receiver): the job is re-read with one GET
through the client (so within the shared rate budget) and *that* answer is printed and
journaled. Several callbacks for one job waiting at once cost one GET.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from tui.api.errors import DescriptError
from tui.callbacks.receiver import CallbackHint, CallbackReceiver, bind_warning
from tui.callbacks.server import ReceiverServer
from tui.callbacks.wiring import check_public_url, url_host
from tui.commands import CliContext, CliJournal, ExitCode, UsageError
from tui.commands.output import can_encode, describe_error, watch_line
from tui.commands.simulate import _port


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "listen",
        help="receive Descript's job callbacks (callback_url) and print each job's state",
        description=(
            "Serve the callback receiver: Descript POSTs a job's final status to the "
            "callback_url given at submit. Each callback is checked (secret path, JSON, "
            "under 1 MB, a job this profile knows) and then the job is re-read with one GET; "
            "the payload itself is never trusted. Expose it to Descript through an HTTPS "
            "reverse proxy or tunnel and pass that address as --public-url."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=_port, default=8787, help="port (0 picks a free one)")
    parser.add_argument(
        "--public-url",
        help="where Descript reaches this receiver, e.g. https://hooks.example.com "
        "(default: http://HOST:PORT)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--count", type=int, default=0, help="exit after this many accepted callbacks"
    )
    parser.set_defaults(handler=listen)


async def listen(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.count < 0:
        raise UsageError("--count must be 0 (no limit) or more")
    if problem := check_public_url(args.public_url):
        raise UsageError(problem)
    if warning := bind_warning(args.host):
        ctx.err(warning)
    async with ctx.client() as client:
        with ctx.journal() as journal:
            hints: asyncio.Queue[CallbackHint] = asyncio.Queue()
            receiver = CallbackReceiver(
                is_known=journal.knows_job,
                on_hint=hints.put_nowait,
                public_url=args.public_url or "",
                clock=ctx.clock,
            )
            server = ReceiverServer(receiver, args.host, args.port)
            try:
                await server.start()
            except OSError as error:
                raise UsageError(f"cannot listen on {args.host}:{args.port}: {error}") from None
            if not args.public_url:
                receiver.public_url = f"http://{url_host(args.host)}:{server.port}"
            ctx.err(f"listening: callbacks to {receiver.shown_url} (secret path hidden)")
            try:
                await _reread_hinted_jobs(client, ctx, journal, hints, args)
            finally:
                await server.stop()
                ctx.err(f"callbacks {receiver.describe()}")
    return ExitCode.OK


async def _reread_hinted_jobs(
    client: Any,
    ctx: CliContext,
    journal: CliJournal,
    hints: asyncio.Queue[CallbackHint],
    args: argparse.Namespace,
) -> None:
    ascii_only = not can_encode(ctx.stdout)
    printed = 0
    while not args.count or printed < args.count:
        hint = await hints.get()
        # Duplicates that queued up meanwhile are answered by the same GET.
        waiting = [hints.get_nowait() for _ in range(hints.qsize())]
        for other in waiting:
            if other.job_id != hint.job_id:
                hints.put_nowait(other)
        try:
            job = await client.get_job(hint.job_id)
        except DescriptError as error:
            ctx.err(f"callback for {hint.job_id}: re-read failed: " + describe_error(error)[0])
            continue
        journal.upsert_job(job, seen_by="callback")
        if args.json:
            ctx.out(json.dumps({"callback_for": hint.job_id, "job": job.raw}, ensure_ascii=False))
        else:
            ctx.out(watch_line(job, ctx.clock.now(), ascii_only=ascii_only))
        printed += 1
