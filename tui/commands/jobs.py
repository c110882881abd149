"""`descript-tui jobs list|get|watch|cancel`: read and steer jobs without the dashboard.

Every job these commands read is journaled for the profile (`CliContext.journal()`), like the
dashboard's: the list's jobs, each state `get`/`watch` sees; a 404 for a job the journal
knows marks it expired (past the 30-day retention), keeping its last known state.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.api.models import (
    JOB_TYPE_AGENT,
    JOB_TYPE_BY_KIND,
    JOB_TYPE_IMPORT,
    KIND_BY_JOB_TYPE,
    Job,
    Outcome,
)
from tui.commands import (
    CliContext,
    CliJournal,
    CommandFailed,
    ExitCode,
    UsageError,
    add_json_flag,
)
from tui.commands.output import (
    clean,
    job_detail,
    job_table,
    state_cell,
    to_json,
)
from tui.commands.reading import (
    LIST_PAGE_SIZE,
    closing,
    job_id_argument,
    parse_since,
    plain_ascii,
    read_job,
    terminal_width,
)
from tui.commands.watch import follow_jobs as follow_jobs
from tui.commands.watch import register_watch
from tui.formatting import format_duration, format_full_timestamp

if TYPE_CHECKING:
    from tui.api.client import DescriptClient

# The list endpoint's `type` filter knows only these (spec); others are filtered here.
_SERVER_TYPE_FILTERS = {JOB_TYPE_IMPORT, JOB_TYPE_AGENT}

# `--state` words beyond job_state values and Outcome names.
_STATE_GROUPS: dict[str, Callable[[Job], bool]] = {
    "active": lambda job: not job.is_finished,
    "unfinished": lambda job: not job.is_finished,
    "finished": lambda job: job.is_finished,
    "ok": lambda job: job.outcome is Outcome.SUCCESS,
    "error": lambda job: job.outcome is Outcome.FAILED,
    "canceled": lambda job: job.outcome is Outcome.CANCELLED,
    "unknown": lambda job: job.outcome is Outcome.FINISHED_UNKNOWN,
}

# `jobs list` looks up project names among this many recently updated projects.
PROJECT_LOOKUP_MAX = 300


# job_state values the spec documents (the set is open: others still match exactly).
_KNOWN_JOB_STATES = ("queued", "running", "stopped", "cancelled")


def known_state_word(wanted: str) -> bool:
    """Whether `--state` names something we know, to warn about a typo like `faild`."""
    word = wanted.strip().lower()
    return word in _KNOWN_JOB_STATES or word in {o.value for o in Outcome} or word in _STATE_GROUPS


def state_matches(job: Job, wanted: str) -> bool:
    """`--state`: the raw job_state (`stopped`), an outcome (`failed`, `partial`), or a group."""
    wanted = wanted.strip().lower()
    if (job.job_state or "").lower() == wanted or job.outcome.value == wanted:
        return True
    group = _STATE_GROUPS.get(wanted)
    return bool(group and group(job))


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(subparsers: Any) -> None:
    jobs = subparsers.add_parser(
        "jobs",
        help="list, inspect, watch and cancel jobs",
        description="Read and steer Descript jobs (imports, agent edits, publishes).",
    )
    jobs.set_defaults(handler=lambda args, ctx: _missing_action(jobs, ctx))
    actions = jobs.add_subparsers(title="actions", metavar="ACTION")

    list_parser = actions.add_parser(
        "list",
        help="list recent jobs (follows every page)",
        description=(
            "List jobs, newest first, following every page. The API lists the last 7 days "
            "unless --since says otherwise (30 days at most)."
        ),
    )
    list_parser.add_argument(
        "--type",
        metavar="TYPE",
        help="only jobs of this type: import, agent, publish, or any job_type the API sends "
        "(e.g. transcode/legacy)",
    )
    list_parser.add_argument("--project-id", metavar="ID", help="only jobs of this project")
    list_parser.add_argument(
        "--state",
        metavar="STATE",
        help=(
            "only jobs in this state: a job_state (queued, running, stopped, cancelled) or an "
            "outcome (success, partial, failed, cancelled), or active / finished"
        ),
    )
    list_parser.add_argument(
        "--since",
        metavar="AGE",
        help="only jobs created in the last AGE: 30m, 12h, 7d (at most 30d), or an ISO time",
    )
    list_parser.add_argument(
        "--limit", type=_positive_int, metavar="N", help="print at most N jobs"
    )
    add_json_flag(list_parser)
    list_parser.set_defaults(handler=list_jobs)

    get_parser = actions.add_parser(
        "get",
        help="every field of one job",
        description=(
            "Show one job: every field, per-file status of an import (failed first), the "
            "agent's answer and credits, the error of a failure."
        ),
    )
    get_parser.add_argument("job_id", metavar="JOB_ID")
    add_json_flag(get_parser)
    get_parser.set_defaults(handler=get_job)

    register_watch(actions)

    cancel_parser = actions.add_parser(
        "cancel",
        help="cancel a queued or running job",
        description=(
            "Cancel a job. Asks first on a terminal (unless --yes); without a terminal, "
            "--yes is required. Prints the server's answer (204 No Content), then re-reads the job."
        ),
    )
    cancel_parser.add_argument("job_id", metavar="JOB_ID", nargs="+")
    cancel_parser.add_argument("--yes", "-y", action="store_true", help="do not ask")
    cancel_parser.set_defaults(handler=cancel_job)
    from tui.commands import triage  # issue 11: failures, report, --stalled, short ids, bulk

    triage.extend_jobs(actions)


def _missing_action(parser: argparse.ArgumentParser, ctx: CliContext) -> int:
    parser.print_help(ctx.stderr)
    return ExitCode.USAGE


# --- list ----------------------------------------------------------------------------------


async def list_jobs(args: argparse.Namespace, ctx: CliContext) -> int:
    now = ctx.clock.now()
    created_after = parse_since(args.since, now) if args.since else None
    # A short name, or a job_type as the API spells it (one this client does not know too).
    job_type = JOB_TYPE_BY_KIND.get(args.type, args.type) if args.type else None
    server_type = job_type if job_type in _SERVER_TYPE_FILTERS else None
    # With no filter on this side, --limit N needs only N rows: ask for no more.
    filtered_here = bool(args.state) or (job_type is not None and server_type is None)
    page_size = LIST_PAGE_SIZE
    if args.limit and not filtered_here:
        page_size = min(LIST_PAGE_SIZE, args.limit)
    _note_open_set_filters(args, job_type, ctx)
    found: list[Job] = []
    # Every job the list returned, filtered here or not: all of them are journaled.
    seen: list[Job] = []
    async with ctx.client() as client:
        jobs = client.iter_jobs(
            job_type=server_type,
            project_id=args.project_id,
            created_after=created_after,
            limit=page_size,
        )
        with ctx.journal() as journal, _explain_lookback_refusal(args.since):
            try:
                async with closing(jobs):
                    async for job in jobs:
                        seen.append(job)
                        if job_type and job.job_type != job_type:
                            continue
                        if args.state and not state_matches(job, args.state):
                            continue
                        found.append(job)
                        if args.limit and len(found) >= args.limit:
                            break
            finally:
                journal.upsert_jobs(seen)  # the pages that did arrive, even if a later one failed
        names = {} if args.json else await project_names(client, found)
    if args.json:
        ctx.out(to_json([job.raw for job in found]))
        return ExitCode.OK
    _print_listing(ctx, args, found, names, created_after)
    return ExitCode.OK


def _note_open_set_filters(
    args: argparse.Namespace, job_type: str | None, ctx: CliContext
) -> None:
    """A --state or --type this client does not know is matched exactly: say so."""
    if args.state and not known_state_word(args.state):
        known = ", ".join(
            (*_KNOWN_JOB_STATES, "success", "partial", "failed", "active", "finished")
        )
        ctx.err(f"note: --state {args.state!r} is not one of {known}; matching job_state exactly")
    if job_type is not None and job_type not in KIND_BY_JOB_TYPE:
        known = ", ".join(sorted(JOB_TYPE_BY_KIND))
        ctx.err(f"note: --type {args.type!r} is not one of {known}; matching job_type exactly")


def _print_listing(
    ctx: CliContext,
    args: argparse.Namespace,
    found: list[Job],
    names: dict[str, str],
    created_after: datetime | None,
) -> None:
    window = (
        f"since {format_full_timestamp(created_after)}" if created_after else "in the last 7 days"
    )
    if not found:
        ctx.err(f"no jobs found {window}" + _filters_note(args))
        return
    table = job_table(
        found,
        ctx.clock.now(),
        ascii_only=plain_ascii(ctx),
        project_names=names,
        max_width=terminal_width(ctx),
    )
    for line in table:
        ctx.out(line)
    plural = "job" if len(found) == 1 else "jobs"
    ctx.err(f"{len(found)} {plural} {window}" + _filters_note(args))


@contextlib.contextmanager
def _explain_lookback_refusal(since: str | None) -> Iterator[None]:
    """A 400 about `created_after` after our own 30-day check: the API's clock runs ahead."""
    from tui.api.errors import BadRequestError

    try:
        yield
    except BadRequestError as err:
        if since is None or "created_after" not in (err.message or ""):
            raise
        raise CommandFailed(
            f"error: --since {since}: the API refused it ({clean(err.message)}); its clock "
            "is probably ahead of this machine's: use a shorter --since, such as 29d"
        ) from err


async def project_names(client: DescriptClient, jobs: Sequence[Job]) -> dict[str, str]:
    """Names of the jobs' projects, best effort: the most recently updated projects first.

    A job names only its project's id; a name reads better. At most
    `PROJECT_LOOKUP_MAX` projects are listed; a project not among them, or a failed
    lookup, leaves the short id in the table.
    """
    from tui.api.errors import DescriptError

    wanted = {job.project_id for job in jobs if job.project_id}
    names: dict[str, str] = {}
    if not wanted:
        return names
    try:
        projects = client.iter_projects(
            sort="updated_at", direction="desc", limit=100, max_items=PROJECT_LOOKUP_MAX
        )
        async with closing(projects):
            async for project in projects:
                if project.id in wanted and project.name:
                    names[project.id] = project.name
                    if len(names) == len(wanted):
                        break
    except DescriptError:
        pass  # the table still shows the project ids
    return names


def _filters_note(args: argparse.Namespace) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (
            ("type", args.type),
            ("project", args.project_id),
            ("state", args.state),
            ("limit", args.limit),
        )
        if value
    ]
    return f" ({', '.join(parts)})" if parts else ""


# --- get -----------------------------------------------------------------------------------


async def get_job(args: argparse.Namespace, ctx: CliContext) -> int:
    job_id = job_id_argument(args.job_id)
    async with ctx.client() as client:
        with ctx.journal() as journal:
            job = await read_job(client, ctx, journal, job_id)
    if args.json:
        ctx.out(to_json(job.raw))
    else:
        for line in job_detail(job, ctx.clock.now(), ascii_only=plain_ascii(ctx)):
            ctx.out(line)
    return ExitCode.OK


# --- cancel --------------------------------------------------------------------------------


async def cancel_job(args: argparse.Namespace, ctx: CliContext) -> int:
    job_id = job_id_argument(args.job_id)
    ctx.refuse_if_read_only("cancel a job")
    if not args.yes and not ctx.interactive:
        raise UsageError(
            "stdin is not a terminal, so nobody can confirm: pass --yes to cancel without asking"
        )
    ascii_only = plain_ascii(ctx)
    async with ctx.client() as client, _journal_of(ctx) as journal:
        job = await read_job(client, ctx, journal, job_id)
        if job.is_finished:
            when = f" at {format_full_timestamp(job.stopped_at)}" if job.stopped_at else ""
            raise CommandFailed(
                f"job {job.job_id} has already stopped{when} "
                f"({state_cell(job, ascii_only=ascii_only)}): there is nothing to cancel; "
                "nothing was sent"
            )
        if not args.yes and not _confirm(ctx, job, ascii_only=ascii_only):
            ctx.err("not cancelled: nothing was sent")
            return ExitCode.FAILURE
        result = await client.cancel_job(job.job_id)
        ctx.out(f"cancel {job.job_id}: the server answered {result.status_line}")
        after = await read_job(client, ctx, journal, job.job_id)
    state = state_cell(after, ascii_only=ascii_only)
    if after.outcome is Outcome.CANCELLED:
        when = f" at {format_full_timestamp(after.stopped_at)}" if after.stopped_at else ""
        ctx.out(f"job {after.job_id} is now {state}{when}")
    else:
        ctx.out(
            f"job {after.job_id} still reads {state} (job_state {clean(after.job_state)}): "
            f"the cancellation may take a moment; check with `descript-tui jobs get {after.job_id}`"
        )
    return ExitCode.OK


@contextlib.asynccontextmanager
async def _journal_of(ctx: CliContext) -> AsyncIterator[CliJournal]:
    """`ctx.journal()` for an `async with` line (opened after the client checked the token)."""
    with ctx.journal() as journal:
        yield journal


def _confirm(ctx: CliContext, job: Job, *, ascii_only: bool) -> bool:
    age = format_duration(job.duration_seconds(ctx.clock.now()))
    project = f", project {clean(job.project_id)}" if job.project_id else ""
    ctx.stderr.write(
        f"Cancel {clean(job.kind)} job {job.job_id}{project} "
        f"({state_cell(job, ascii_only=ascii_only)}, {age})? [y/N] "
    )
    ctx.stderr.flush()
    answer = ctx.stdin.readline()
    return answer.strip().lower() in ("y", "yes")
