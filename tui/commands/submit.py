"""`descript-tui import|agent|publish`: submit a job, optionally `--wait` for it to finish.

Every submission is built as a typed request from `tui.api.requests` and checked with its
`validate()` (the same check the dashboard's forms use) before anything is sent: bad input
exits 2 with one line and no request. A POST whose answer never came is never resent.

Every submission goes through `submit_journaled` (the app's own path): the whole request is
in the profile's journal before the POST, then its job id (or, for a lost answer, a mark
that it needs reconciliation, which the dashboard's `R` resolves); `--wait` journals each
change of state.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from tui.api.limits import RequestKind
from tui.api.models import JobCreated
from tui.api.requests import (
    PUBLISH_ACCESS_LEVELS,
    PUBLISH_MEDIA_TYPES,
    PUBLISH_RESOLUTIONS,
    TEAM_ACCESS_LEVELS,
    AgentRequest,
    CompositionSpec,
    ImportRequest,
    MediaItem,
    Problem,
    PublishRequest,
    media_from_argument,
)
from tui.callbacks.wiring import CallbackWatch, check_public_url, host_port_argument
from tui.commands import (
    CliContext,
    CliJournal,
    CommandFailed,
    ExitCode,
    UsageError,
    add_json_flag,
    worst_outcome_exit,
)
from tui.commands.exits import PROG, error_lines, exit_code_for
from tui.commands.output import UploadProgress, clean, to_json
from tui.commands.reading import read_job
from tui.commands.triage import Handler, call_handler, resolve_ids
from tui.triage.preflight import preflight_media
from tui.triage.retry_failed import NO_URLS_FROM_API, RetryError, RetryPlan, plan_retry


def register(subparsers: Any) -> None:
    _register_import(subparsers)
    _register_agent(subparsers)
    _register_publish(subparsers)


def _add_wait_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--callback-url",
        metavar="URL",
        help="Descript POSTs the final job status to this URL when the job stops",
    )
    parser.add_argument(
        "--callbacks",
        type=host_port_argument,
        metavar="HOST:PORT",
        help="with --wait: receive the job's callback on this address for the wait (the "
        "callback_url is set to a secret URL on it); polling backs off to a 60 s safety poll",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="with --callbacks: where Descript reaches the receiver, e.g. the HTTPS address of "
        "a reverse proxy or tunnel to it (default: http://HOST:PORT)",
    )
    parser.set_defaults(callback_watch=None)
    parser.add_argument(
        "--force",
        action="store_true",
        help="send even if the same request is journaled with an unknown outcome (see "
        "`descript-tui reconcile`): a duplicate job may result",
    )
    parser.add_argument(
        "--wait",
        action="store_true",
        help=(
            "follow the new job until it finishes; exit 0 success, 1 failed, 2 partial, 3 cancelled"
        ),
    )
    add_json_flag(parser)


def _register_import(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import media (URLs or local files) into a new or existing project",
        description=(
            "Import media into a new project (--name) or an existing one (--project-id). "
            "A URL is fetched by Descript (it must allow Range requests); a local path is "
            "uploaded directly, with a progress bar on stderr."
        ),
    )
    parser.add_argument("--name", metavar="NAME", help="name of the new project")
    parser.add_argument("--project-id", metavar="ID", help="import into this existing project")
    parser.add_argument(
        "--media",
        nargs="+",
        action="extend",
        metavar="URL_OR_PATH",
        help="media to import: http(s) URLs or local files (repeatable)",
    )
    parser.add_argument(
        "--language", metavar="xx", help="ISO 639-1 transcription language, e.g. en"
    )
    parser.add_argument(
        "--folder", metavar="PATH", help="Drive folder for the new project, e.g. Clients/Acme"
    )
    parser.add_argument(
        "--team-access",
        metavar="LEVEL",
        help=f"access for Drive members to the new project: {', '.join(TEAM_ACCESS_LEVELS)}",
    )
    parser.add_argument(
        "--composition",
        metavar="NAME",
        help="also create a composition of this name with every media as a clip, in order",
    )
    _add_wait_flags(parser)
    parser.set_defaults(handler=submit_import)
    _extend_import(parser)
    parser.set_defaults(handler=_with_callbacks(parser.get_default("handler")))


def _register_agent(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "agent",
        help="ask the Descript agent to edit a project",
        description=(
            "Start an agent edit on an existing project (--project-id) or a new one (--name). "
            "--prompt - reads the prompt from stdin."
        ),
    )
    parser.add_argument("--project-id", metavar="ID", help="the project to edit")
    parser.add_argument("--name", metavar="NAME", help="create a new project of this name")
    parser.add_argument(
        "--prompt", required=True, metavar="TEXT", help="what to do; '-' reads it from stdin"
    )
    parser.add_argument("--composition-id", metavar="ID", help="the composition to edit")
    parser.add_argument("--model", metavar="M", help="the agent model to use")
    _add_wait_flags(parser)
    parser.set_defaults(handler=_with_callbacks(submit_agent))


def _register_publish(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="publish (render and share) a project's composition",
        description="Publish a composition of a project as video or audio.",
    )
    parser.add_argument("--project-id", required=True, metavar="ID", help="the project")
    parser.add_argument("--composition-id", metavar="ID", help="the composition to publish")
    parser.add_argument("--media-type", metavar="TYPE", help=f"{' or '.join(PUBLISH_MEDIA_TYPES)}")
    parser.add_argument(
        "--resolution", metavar="RES", help=f"video resolution: {', '.join(PUBLISH_RESOLUTIONS)}"
    )
    parser.add_argument(
        "--access-level", metavar="LEVEL", help=f"who can view: {', '.join(PUBLISH_ACCESS_LEVELS)}"
    )
    _add_wait_flags(parser)
    parser.set_defaults(handler=_with_callbacks(submit_publish))


def _stop_on_problems(problems: list[Problem], flag_names: dict[str, str]) -> None:
    """The first problem as one line (named by its flag), exit 2, before any request."""
    if not problems:
        return
    first = problems[0]
    where = flag_names.get(first.field.split("[", 1)[0], first.field)
    if first.field.startswith("media["):
        where = f"--media {first.field[len('media[') : -1]}"
    more = f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    raise UsageError(f"{where}: {first.message}" + (more if len(problems) > 1 else ""))


_IMPORT_FLAGS = {
    "project": "--name/--project-id",
    "project_name": "--name",
    "team_access": "--team-access",
    "media": "--media",
    "composition": "--composition",
    "callback_url": "--callback-url",
}
_AGENT_FLAGS = {
    "prompt": "--prompt",
    "project": "--project-id/--name",
    "composition_id": "--composition-id",
    "team_access": "--team-access",
    "callback_url": "--callback-url",
}
_PUBLISH_FLAGS = {
    "project_id": "--project-id",
    "media_type": "--media-type",
    "resolution": "--resolution",
    "access_level": "--access-level",
    "callback_url": "--callback-url",
}


def build_import_request(args: argparse.Namespace) -> ImportRequest:
    """The `ImportRequest` for these arguments, or a UsageError naming the first problem."""
    media: dict[str, MediaItem] = {}
    for argument in args.media:
        name, item = media_from_argument(argument, language=args.language)
        if name in media:
            raise UsageError(
                f"--media {name}: the name {name!r} is used twice (Descript names media by "
                "file name; rename one of the files)"
            )
        media[name] = item
    compositions = (
        (CompositionSpec(name=args.composition, clips=tuple(media)),)
        if args.composition is not None
        else ()
    )
    if args.composition is not None and not args.composition.strip():
        raise UsageError("--composition: the composition needs a name")
    request = ImportRequest(
        add_media=media,
        project_name=args.name,
        project_id=args.project_id,
        folder_name=args.folder,
        team_access=args.team_access,
        add_compositions=compositions,
        callback_url=args.callback_url,
    )
    _stop_on_problems(request.validate(), _IMPORT_FLAGS)
    return request


def build_agent_request(args: argparse.Namespace, ctx: CliContext) -> AgentRequest:
    prompt = args.prompt
    if prompt == "-":
        if ctx.interactive:
            ctx.err("type the prompt, then Ctrl-D on a line of its own:")
        prompt = ctx.stdin.read()
    request = AgentRequest(
        prompt=prompt,
        project_id=args.project_id,
        project_name=args.name,
        composition_id=args.composition_id,
        model=args.model,
        callback_url=args.callback_url,
    )
    _stop_on_problems(request.validate(), _AGENT_FLAGS)
    return request


def build_publish_request(args: argparse.Namespace) -> PublishRequest:
    request = PublishRequest(
        project_id=args.project_id,
        composition_id=args.composition_id,
        media_type=args.media_type,
        resolution=args.resolution,
        access_level=args.access_level,
        callback_url=args.callback_url,
    )
    _stop_on_problems(request.validate(), _PUBLISH_FLAGS)
    return request


async def submit_import(args: argparse.Namespace, ctx: CliContext) -> int:
    ctx.refuse_if_read_only("submit an import")
    request = build_import_request(args)
    ctx.require_token()
    progress = UploadProgress(ctx.stderr) if request.uploads else None
    # The request names uploads by file name only: keep where each file was, too.
    local_files = {name: str(media.path) for name, media in request.uploads.items()}
    async with ctx.client() as client:
        with ctx.journal() as journal:
            created = await _submit(
                ctx,
                journal,
                args.force,
                RequestKind.IMPORT,
                request.to_json(),
                lambda: client.import_media(request, upload_progress=progress),
                extra={"local_files": local_files} if local_files else None,
                callbacks=args.callback_watch,
            )
            return await _report_created(args, ctx, client, "import", created, journal)


async def submit_agent(args: argparse.Namespace, ctx: CliContext) -> int:
    ctx.refuse_if_read_only("submit an agent edit")
    request = build_agent_request(args, ctx)
    ctx.require_token()
    async with ctx.client() as client:
        with ctx.journal() as journal:
            created = await _submit(
                ctx,
                journal,
                args.force,
                RequestKind.AGENT,
                request.to_json(),
                lambda: client.agent_edit(request),
                callbacks=args.callback_watch,
            )
            return await _report_created(args, ctx, client, "agent", created, journal)


async def submit_publish(args: argparse.Namespace, ctx: CliContext) -> int:
    ctx.refuse_if_read_only("publish")
    request = build_publish_request(args)
    ctx.require_token()
    async with ctx.client() as client:
        with ctx.journal() as journal:
            created = await _submit(
                ctx,
                journal,
                args.force,
                RequestKind.PUBLISH,
                request.to_json(),
                lambda: client.publish(request),
                callbacks=args.callback_watch,
            )
            return await _report_created(args, ctx, client, "publish", created, journal)


async def _submit(
    ctx: CliContext,
    journal: CliJournal,
    force: bool,
    kind: RequestKind,
    request_json: Mapping[str, Any],
    send: Callable[[], Awaitable[JobCreated]],
    *,
    extra: Mapping[str, Any] | None = None,
    callbacks: CallbackWatch | None = None,
) -> JobCreated:
    """Send once, journaled (refused when an unresolved twin exists, unless `force`); a
    lost answer also says how to reconcile it. With `callbacks` the job is expected there."""
    if callbacks is not None:
        request_json, extra = callbacks.journaled(request_json, extra)
    try:
        created = await journal.submit(kind.value, request_json, send, extra=extra, force=force)
        if extra and extra.get("expects_callback") and callbacks is not None:
            callbacks.expect(created.job_id)
        return created
    except Exception as error:
        # Marked outcome-unknown (a lost answer, or a 2xx we could not read): the job may
        # exist. Say where it is remembered, unless that memory dies with this command.
        if journal.outcome_unknown_id is None or journal.in_memory:
            raise
        code = exit_code_for(error) or ExitCode.NETWORK
        raise CommandFailed(_outcome_unknown_message(ctx, error), ExitCode(code)) from error


def _outcome_unknown_message(ctx: CliContext, error: BaseException) -> str:
    """The usual lines for the error, plus where the journal keeps it for reconciliation."""
    profile = ctx.connection().profile_name
    dashboard = PROG if ctx.profile is None else f"{PROG} --profile {profile}"
    lines = [
        *error_lines(error),
        f"it is journaled as needing reconciliation (profile {profile}): run `{PROG} "
        f"reconcile`, or open the dashboard (`{dashboard}`) and press R on its row",
    ]
    return "error: " + "\n  ".join(lines)


async def _report_created(
    args: argparse.Namespace,
    ctx: CliContext,
    client: Any,
    kind: str,
    created: JobCreated,
    journal: CliJournal | None = None,
) -> int:
    """Say what was created; with --wait, follow it to the end and exit by its outcome."""
    from tui.commands.watch import follow_jobs

    if not args.wait:
        if args.json:
            ctx.out(to_json(created.raw))
        else:
            _print_created(ctx, kind, created, stream=ctx.out)
            ctx.out(f"follow it with: descript-tui jobs watch {created.job_id}")
        return ExitCode.OK
    # With --json, stdout holds only the final job's JSON; progress goes to stderr.
    progress_line = ctx.err if args.json else ctx.out
    _print_created(ctx, kind, created, stream=progress_line)
    final = await follow_jobs(
        client,
        ctx,
        [created.job_id],
        emit=progress_line,
        journal=journal,
        callbacks=args.callback_watch,
    )
    job, outcome = final[created.job_id]
    if args.json and job is not None:
        ctx.out(to_json(job.raw))
    if outcome == "gone":
        progress_line(f"job {created.job_id} vanished while watching (404)")
    return worst_outcome_exit([outcome])


def _print_created(ctx: CliContext, kind: str, created: JobCreated, *, stream: Any) -> None:
    stream(f"{kind} job {created.job_id} created")
    if created.project_id:
        url = f" {clean(created.project_url)}" if created.project_url else ""
        stream(f"project {clean(created.project_id)}{url}")
    if created.upload_urls:
        stream(f"uploaded {len(created.upload_urls)} file(s) directly")


def _extend_import(parser: argparse.ArgumentParser) -> None:
    """`import --retry-failed JOB_ID` and `--no-preflight` around the existing handler."""
    parser.add_argument(
        "--retry-failed",
        metavar="JOB_ID",
        help=(
            "import just the failed files of this partial or failed import, into its project; "
            "for an import not sent from here, give each file's URL with --media NAME=URL"
        ),
    )
    parser.add_argument(
        "--no-preflight",
        action="store_true",
        help="skip the ranged GET that checks each media URL before sending",
    )
    parser.set_defaults(handler=_import_with_triage(parser.get_default("handler")))


# --- --wait --callbacks HOST:PORT (issue 12) ------------------------------------------------


def _with_callbacks(handler: Handler) -> Handler:
    """Run a callback receiver around the submit and its wait, when `--callbacks` asks."""

    async def run(args: argparse.Namespace, ctx: CliContext) -> int:
        if args.callbacks is None:
            if args.public_url:
                raise UsageError("--public-url goes with --callbacks HOST:PORT")
            return await call_handler(handler, args, ctx)
        if not args.wait:
            raise UsageError("--callbacks needs --wait: nothing would listen after the submit")
        if args.callback_url:
            raise UsageError("--callbacks sets the callback URL itself: drop --callback-url")
        if problem := check_public_url(args.public_url):
            raise UsageError(problem)
        host, port = args.callbacks
        public_url = args.public_url or ""
        watch = CallbackWatch(clock=ctx.clock, host=host, port=port, public_url=public_url)
        if watch.warning:
            ctx.err(watch.warning)
        try:
            await watch.start()
        except OSError as error:
            # One clear line; the wait goes on by polling alone.
            ctx.err(f"callbacks off: cannot listen on {host}:{port} ({error}); polling instead")
            return await call_handler(handler, args, ctx)
        ctx.err(f"callbacks: receiving at {watch.receiver.shown_url} (secret path hidden)")
        args.callback_url, args.callback_watch = watch.callback_url, watch
        try:
            return await call_handler(handler, args, ctx)
        finally:
            await watch.stop()
            ctx.err(f"callbacks {watch.receiver.describe()}")

    return run


# --- import --retry-failed / preflight (issue 11) ----------------------------------------


def _import_with_triage(handler: Handler) -> Handler:
    async def run(args: argparse.Namespace, ctx: CliContext) -> int:
        if args.retry_failed:
            if args.name:
                raise UsageError(
                    "--retry-failed takes its project from the original job: drop --name"
                )
            return await retry_failed(args, ctx)
        if not args.media:
            raise UsageError("--media is required (or --retry-failed JOB_ID)")
        if not args.no_preflight:
            # The import's own order: read-only, bad input, no token all refuse before this.
            ctx.refuse_if_read_only("submit an import")
            request = build_import_request(args)
            ctx.require_token()
            await warn_preflight(ctx, request.add_media)
        return await call_handler(handler, args, ctx)

    return run


async def warn_preflight(ctx: CliContext, add_media: Mapping[str, MediaItem]) -> None:
    """Print a warning per media URL that fails the ranged GET; never stops the import."""
    if ctx.demo_base_url is not None:
        return  # the demo's simulator fetches nothing: its URLs are not real
    transport = ctx.transport_factory() if ctx.transport_factory else None
    checks = await preflight_media(add_media, transport=transport)
    problems = [check for check in checks.values() if not check.ok]
    for check in problems:
        ctx.err(f"warning: {clean(check.warning)}")
    if problems:
        ctx.err("sending anyway (it may fail on Descript's side; --no-preflight skips this check)")


def retry_sources(plan: RetryPlan, arguments: Sequence[str], language: str | None) -> RetryPlan:
    """`--media NAME=URL` (or a URL or path whose file name is NAME) for failed files; every
    failed file must then have a source, else exit 2 naming them and nothing is sent."""
    sources: dict[str, MediaItem] = {}
    for argument in arguments:
        name, _, rest = argument.partition("=")
        if rest and name in plan.files:
            argument = rest  # NAME=URL: a URL's own "=" only comes after "://"
        else:
            name = ""
        derived, item = media_from_argument(argument, language=language)
        sources[name or derived] = item
    try:
        plan = plan.with_sources(sources)
    except RetryError as error:
        raise UsageError(f"--media: {error}") from None
    if plan.unknown:
        pairs = " ".join(f"--media {shlex.quote(f'{clean(name)}=URL')}" for name in plan.unknown)
        raise UsageError(
            f"job {plan.original_job_id} was not imported from here. {NO_URLS_FROM_API}: "
            f"give the URL of {', '.join(clean(name) for name in plan.unknown)} with "
            f"{pairs} (a local path works too)"
        )
    return plan


async def retry_failed(args: argparse.Namespace, ctx: CliContext) -> int:
    """Import just the failed files of a partial or failed import, linked in the journal."""
    from tui.api.limits import RequestKind

    ctx.refuse_if_read_only("submit an import")
    [original_id] = await resolve_ids(ctx, [args.retry_failed])
    async with ctx.client() as client:
        with ctx.journal() as journal:
            job = await read_job(client, ctx, journal, original_id)
            row = journal.get_job(job.job_id)
            try:
                plan = plan_retry(job, row.request if row else None, row.extra if row else None)
            except RetryError as error:
                raise CommandFailed(f"error: {error}") from None
            if args.project_id and args.project_id != plan.request.project_id:
                raise UsageError("--retry-failed imports into the original job's project")
            plan = retry_sources(plan, args.media or [], args.language)
            ctx.err(
                f"retrying {len(plan.files)} failed file(s) of job {job.job_id} into project "
                f"{clean(job.project_id)}: {', '.join(clean(name) for name in plan.files)}"
            )
            if not args.no_preflight:
                await warn_preflight(ctx, plan.request.add_media)
            request = plan.request
            created = await _submit(
                ctx,
                journal,
                args.force,
                RequestKind.IMPORT,
                request.to_json(),
                lambda: client.import_media(request),
                extra=plan.extra,
            )
            return await _report_created(args, ctx, client, "import", created, journal)

