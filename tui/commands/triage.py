"""Triage from the command line (issue 11): short ids, stalls, failures, reports, bulk cancel,
resubmitting only what failed, and the media URL preflight.

Nothing here is a parser of its own: `extend_jobs` adds `jobs failures`, `jobs report` and
`jobs list --stalled` to the `jobs` parser, accepts short ids in `jobs get/watch/cancel`
(resolving them before the existing handler runs), and lets `jobs cancel` take several
ids. (`import --retry-failed` and the preflight live with `import`, in submit.py.) The
logic lives in `tui.triage`, shared with the dashboard's screens.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.api.models import JOB_TYPE_BY_KIND, Job
from tui.commands import CliContext, CliJournal, CommandFailed, ExitCode, UsageError
from tui.commands.output import clean, render_table, to_json
from tui.formatting import format_full_timestamp
from tui.triage.cancel import cancel_each, summary
from tui.triage.failures import group_failures
from tui.triage.ids import AmbiguousJobId, JobIdError, parse_wanted, resolve_job_id
from tui.triage.report import incident_report, report_path
from tui.triage.stalls import StallThresholds, stall_of

if TYPE_CHECKING:
    from tui.api.client import DescriptClient

Handler = Callable[[argparse.Namespace, CliContext], "Awaitable[int] | int"]
# Short ids are looked up among the jobs the API still keeps (30 days at most).
LOOKUP_SINCE = "30d"
DEFAULT_FAILURES_SINCE = "7d"


async def call_handler(handler: Handler, args: argparse.Namespace, ctx: CliContext) -> int:
    """Run a wrapped handler, which may be a plain function (as `tui.cli` allows)."""
    result = handler(args, ctx)
    return await result if inspect.isawaitable(result) else result


# --- registration ----------------------------------------------------------------------------


def extend_jobs(actions: Any) -> None:
    """Add the triage actions and flags to the `jobs` parser's sub-parsers (`actions`)."""
    parsers: dict[str, argparse.ArgumentParser] = actions.choices
    failures = actions.add_parser(
        "failures",
        help="every failed file and job in a window, grouped by error message",
        description=(
            "List every failed file and failed job created in the window (default 7 days), "
            "grouped by error message with counts, each group with its jobs and files."
        ),
    )
    failures.add_argument(
        "--since", metavar="AGE", default=DEFAULT_FAILURES_SINCE, help="30m, 12h, 7d (30d at most)"
    )
    failures.add_argument("--json", action="store_true", help="print the groups as JSON")
    failures.set_defaults(handler=list_failures)

    report = actions.add_parser(
        "report",
        help="write an incident report (Markdown) for one job",
        description=(
            "Write a Markdown incident report for one job: the job, its state history from "
            "the journal, the API calls about it with their request ids, error bodies and an "
            "equivalent curl (the token is read from $DESCRIPT_API_TOKEN, never written). "
            "Prints the file's path."
        ),
    )
    report.add_argument("job_id", metavar="JOB_ID")
    report.add_argument(
        "--output", metavar="DIR", type=Path, default=Path("."), help="folder for the file"
    )
    report.set_defaults(handler=with_resolved_ids(write_report))

    listing = parsers["list"]
    listing.add_argument(
        "--stalled",
        action="store_true",
        help="only running jobs whose progress has not moved for 10 minutes, or queued for 5",
    )
    listing.set_defaults(handler=_stalled_or(listing.get_default("handler")))
    for name in ("get", "watch"):
        parsers[name].set_defaults(handler=with_resolved_ids(parsers[name].get_default("handler")))
    cancel = parsers["cancel"]
    cancel.set_defaults(handler=_bulk_or(cancel.get_default("handler")))


# --- short ids -------------------------------------------------------------------------------


def _id_fields(args: argparse.Namespace) -> list[str]:
    return [name for name in ("job_id", "job_ids") if hasattr(args, name)]


def with_resolved_ids(handler: Handler) -> Handler:
    """`handler` with `args.job_id` / `args.job_ids` resolved from short ids or URLs first."""

    async def resolved(args: argparse.Namespace, ctx: CliContext) -> int:
        for name in _id_fields(args):
            value = getattr(args, name)
            texts = value if isinstance(value, list) else [value]
            ids = await resolve_ids(ctx, texts)
            setattr(args, name, ids if isinstance(value, list) else ids[0])
        return await call_handler(handler, args, ctx)

    return resolved


async def resolve_ids(ctx: CliContext, texts: Sequence[str]) -> list[str]:
    """Each text as the job id it names: the journal first, then the list (30 days).

    A UUID costs no request. Ambiguous -> exit 2 listing the candidates. Text that names
    no known job goes on as typed: the GET that follows says whether it exists (and a 404
    for a journaled job still reports it expired).
    """
    ctx.require_token()  # a missing token is the first thing to say, before any lookup
    if all(_is_full_id(text) for text in texts):
        return [text.strip() for text in texts]
    async with ctx.client() as client:
        with ctx.journal() as journal:
            known = [row.job for row in journal.load_jobs() if row.job is not None]
            listed: list[list[Job]] = []

            async def list_once() -> list[Job]:
                if not listed:  # one walk of the list serves every id on the line
                    listed.append(await _list_recent(client, ctx, journal))
                return listed[0]

            try:
                return [
                    await resolve_job_id(text, known, list_once, pass_through=True)
                    for text in texts
                ]
            except AmbiguousJobId as error:
                lines = [f"{error.text!r} matches {len(error.candidates)} jobs; type more:"]
                lines += [f"  {job_id}" for job_id in error.candidates]
                raise UsageError("\n".join(lines)) from None


def _is_full_id(text: str) -> bool:
    try:
        return parse_wanted(text).job_id is not None
    except JobIdError:
        return True  # not an id at all: the handler's own check says what is wrong


async def _list_recent(
    client: DescriptClient, ctx: CliContext, journal: CliJournal, since: str = LOOKUP_SINCE
) -> list[Job]:
    """Every job of the window (each page once), journaled like `jobs list`'s."""
    from tui.commands.reading import LIST_PAGE_SIZE, closing, parse_since

    jobs: list[Job] = []
    created_after = parse_since(since, ctx.clock.now())
    pages = client.iter_jobs(created_after=created_after, limit=LIST_PAGE_SIZE)
    try:
        async with closing(pages):
            async for job in pages:
                jobs.append(job)
    finally:
        journal.upsert_jobs(jobs)
    return jobs


# --- jobs failures ---------------------------------------------------------------------------


async def list_failures(args: argparse.Namespace, ctx: CliContext) -> int:
    from tui.commands.reading import parse_since

    since = parse_since(args.since, ctx.clock.now())
    async with ctx.client() as client:
        with ctx.journal() as journal:
            jobs = await _list_recent(client, ctx, journal, args.since)
    groups = group_failures(jobs, since)
    if args.json:
        ctx.out(to_json([group.to_json() for group in groups]))
        return ExitCode.OK
    if not groups:
        ctx.err(f"no failures since {format_full_timestamp(since)}")
        return ExitCode.OK
    for group in groups:
        ctx.out(clean(group.title))
        for job_id in group.job_ids:
            files = [clean(f.file_name) for f in group.files if f.job_id == job_id]
            ctx.out(f"  {job_id}  " + (", ".join(files) if files else "(the job failed)"))
    total = sum(group.count for group in groups)
    ctx.err(f"{total} failures in {len(groups)} groups since {format_full_timestamp(since)}")
    return ExitCode.OK


# --- jobs list --stalled ---------------------------------------------------------------------


def _stalled_or(handler: Handler) -> Handler:
    async def choose(args: argparse.Namespace, ctx: CliContext) -> int:
        return await call_handler(list_stalled if args.stalled else handler, args, ctx)

    return choose


async def list_stalled(args: argparse.Namespace, ctx: CliContext) -> int:
    """Unfinished jobs that stopped moving; percent-only jobs are timed from the journal."""
    thresholds = StallThresholds()
    job_type = JOB_TYPE_BY_KIND.get(args.type) if args.type else None
    async with ctx.client() as client:
        with ctx.journal() as journal:
            # Read before the list is journaled: its last change is when the percent last moved.
            before = {row.job_id: row for row in journal.load_jobs() if row.job is not None}
            jobs = await _list_recent(client, ctx, journal, args.since or "7d")
    now = ctx.clock.now()
    stalls = []
    for job in jobs:
        if job.is_finished or (job_type and job.job_type != job_type):
            continue
        if args.project_id and job.project_id != args.project_id:
            continue
        stall = stall_of(job, now, thresholds, percent_since=_percent_since(job, before))
        if stall is not None:
            stalls.append((job, stall))
    stalls.sort(key=lambda pair: (-pair[1].seconds, pair[0].job_id))
    if args.json:
        ctx.out(to_json([_stall_json(job, stall) for job, stall in stalls]))
        return ExitCode.OK
    if not stalls:
        ctx.err("no stalled jobs")
        return ExitCode.OK
    rows = [
        [job.job_id, clean(job.kind), stall.text, stall.reason, clean(job.project_id)]
        for job, stall in stalls
    ]
    for line in render_table(("JOB", "TYPE", "STATE", "WHY", "PROJECT"), rows):
        ctx.out(line)
    ctx.err(f"{len(stalls)} stalled")
    return ExitCode.OK


def _percent_since(job: Job, journaled: dict[str, Any]) -> datetime | None:
    row = journaled.get(job.job_id)
    if row is None or row.job is None:
        return None
    before = row.job.progress.percent if row.job.progress else None
    now = job.progress.percent if job.progress else None
    return row.updated_at if before == now else None


def _stall_json(job: Job, stall: Any) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "stalled_since": stall.since.isoformat(),
        "stalled_seconds": round(stall.seconds),
        "reason": stall.reason,
        "job": job.raw,
    }


# --- jobs report -----------------------------------------------------------------------------


async def write_report(args: argparse.Namespace, ctx: CliContext) -> int:
    from tui.commands.reading import read_job

    async with ctx.client() as client:
        with ctx.journal() as journal:
            # The GET journals the latest state first, so the history ends with it.
            job = await read_job(client, ctx, journal, args.job_id)
            row = journal.get_job(job.job_id)
            history = journal.state_history(job.job_id)
            calls = journal.job_calls(job.job_id)
        now = ctx.clock.now()
        text = incident_report(
            job,
            journaled=row,
            history=history,
            entries=client.activity.entries(),
            calls=calls,
            base_url=client.base_url,
            now=now,
        )
    path = report_path(args.output, job.job_id, now)
    try:
        args.output.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandFailed(f"error: cannot write the report to {path}: {error}") from None
    ctx.out(str(path))
    return ExitCode.OK


# --- jobs cancel ID ID ... -------------------------------------------------------------------


def _bulk_or(handler: Handler) -> Handler:
    """One id: the existing `cancel`; several: `cancel_many`. Both refuse before any lookup."""

    async def choose(args: argparse.Namespace, ctx: CliContext) -> int:
        ctx.refuse_if_read_only("cancel a job")
        if not args.yes and not ctx.interactive:
            raise UsageError(
                "stdin is not a terminal, so nobody can confirm: pass --yes to cancel "
                "without asking"
            )
        ids = list(dict.fromkeys(await resolve_ids(ctx, args.job_id)))
        if len(ids) == 1:
            args.job_id = ids[0]
            return await call_handler(handler, args, ctx)
        args.job_id = ids
        return await cancel_many(args, ctx)

    return choose


async def cancel_many(args: argparse.Namespace, ctx: CliContext) -> int:
    """Ask once for all of them, cancel each in turn, one line per job with its answer."""
    from tui.commands.reading import read_job

    async with ctx.client() as client:
        with ctx.journal() as journal:
            jobs = [await read_job(client, ctx, journal, job_id) for job_id in args.job_id]
            stopped = [job for job in jobs if job.is_finished]
            live = [job for job in jobs if not job.is_finished]
            for job in stopped:
                ctx.out(f"{job.job_id}  already {job.outcome.value}: nothing sent")
            if not live:
                raise CommandFailed("error: every job has already stopped: nothing was sent")
            if not args.yes and not _confirm_many(ctx, live):
                ctx.err("not cancelled: nothing was sent")
                return ExitCode.FAILURE
            answers = await cancel_each([job.job_id for job in live], client.cancel_job)
            for answer in answers:
                ctx.out(answer.line)
            for job in live:  # journal what the cancellations did
                await read_job(client, ctx, journal, job.job_id)
    ctx.out(summary(answers) + (f", {len(stopped)} already stopped" if stopped else ""))
    return ExitCode.OK if all(answer.ok for answer in answers) else ExitCode.FAILURE


def _confirm_many(ctx: CliContext, jobs: Sequence[Job]) -> bool:
    ctx.stderr.write(f"Cancel these {len(jobs)} jobs?\n")
    for job in jobs:
        ctx.stderr.write(f"  {job.job_id}  {clean(job.kind)}  {job.outcome.value}\n")
    ctx.stderr.write("[y/N] ")
    ctx.stderr.flush()
    return ctx.stdin.readline().strip().lower() in ("y", "yes")
