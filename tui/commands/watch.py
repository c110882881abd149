"""`descript-tui jobs watch` and the `--wait` of the submit commands: follow jobs to the end.

The polling scheduler finds the jobs by list sweeps and GETs only what a sweep did not
return (docs/scheduler.md). On a terminal `WatchBoard` redraws one line per job in place;
piped or with `--json`, one line (or one JSON document) per change. At the end every failed
file is named with its whole error, wrapped on a terminal, never cut.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.api.link import ConnectionEvent, LinkState, SchedulerEvent, WalkEvent
from tui.api.models import Job
from tui.api.planning import DEFAULT_POLICY, PollPolicy
from tui.commands import CliContext, CliJournal, ExitCode, worst_outcome_exit
from tui.commands.output import (
    WatchBoard,
    clean,
    failure_lines,
    watch_line,
)
from tui.commands.reading import (
    closing,
    job_id_argument,
    note_if_journaled,
    plain_ascii,
    read_job,
    terminal_width,
)
from tui.formatting import format_duration

if TYPE_CHECKING:
    from tui.api.client import DescriptClient
    from tui.callbacks.wiring import CallbackWatch

# `jobs watch` is the client's only user: the scheduler's burst may use most of its limiter.
WATCH_REQUESTS_PER_SECOND = 16
# A watched fleet's sweeps: back every 5.5 s (p95 of a stop seen ~0.95 x that plus a page's
# trip), at up to 10 pages/s on average, half the server's 20 requests/s.
WATCH_SWEEP_REVISIT = 5.5
WATCH_SWEEP_PAGES_PER_SECOND = 10.0
# When no scheduler is available, poll each unfinished job this often (the docs' minimum).
FALLBACK_POLL_SECONDS = 3.0


def _seconds(minimum: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not value >= minimum or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be at least {minimum:g} seconds")
        return value

    return parse


def register_watch(actions: Any) -> None:
    """`jobs watch`, an action of the `jobs` command (tui/commands/jobs.py)."""
    watch_parser = actions.add_parser(
        "watch",
        help="follow jobs until every one has finished",
        description=(
            "Follow jobs until every one has finished: on a terminal one line per job, "
            "redrawn in place with a progress bar; piped or with --json, one line per change. "
            "At the end every failed file is named with its whole error. With --exit-status "
            "the exit code says how they ended: 0 success, 1 failed, 2 partial, 3 cancelled; "
            "with several jobs the worst wins (failed > cancelled > partial > success)."
        ),
    )
    watch_parser.add_argument("job_ids", nargs="+", metavar="JOB_ID")
    watch_parser.add_argument(
        "--exit-status",
        action="store_true",
        help="exit 0 success, 1 failed, 2 partial, 3 cancelled (worst wins)",
    )
    watch_parser.add_argument(
        "--json",
        action="store_true",
        help="print each change as one line of the API's JSON (JSON Lines)",
    )
    watch_parser.add_argument(
        "--interval",
        type=_seconds(DEFAULT_POLICY.min_interval),
        metavar="SECONDS",
        help="read a running job about this often (default 5, at least 3: the API's floor)",
    )
    watch_parser.add_argument(
        "--timeout",
        type=_seconds(1.0),
        metavar="SECONDS",
        help="stop watching after this long; exit 1 if a job is still unfinished",
    )
    watch_parser.set_defaults(handler=watch_jobs)


async def watch_jobs(args: argparse.Namespace, ctx: CliContext) -> int:
    job_ids = list(dict.fromkeys(job_id_argument(text) for text in args.job_ids))
    board = None if args.json else _watch_board(ctx, job_ids)
    async with ctx.client() as client:
        with ctx.journal() as journal:
            final = await follow_jobs(
                client,
                ctx,
                job_ids,
                json_lines=args.json,
                journal=journal,
                interval=args.interval,
                timeout=args.timeout,
                board=board,
            )
    outcomes = [outcome for _, outcome in final.values()]
    if not args.json:
        _print_watch_summary(ctx, final)
    unfinished = [job_id for job_id, (job, outcome) in final.items() if outcome == UNFINISHED]
    if unfinished:
        ctx.err(
            f"timed out after {format_duration(args.timeout)}: {len(unfinished)} of "
            f"{len(final)} jobs not finished ({', '.join(unfinished[:5])}"
            f"{', ...' if len(unfinished) > 5 else ''})"
        )
        return ExitCode.FAILURE
    return worst_outcome_exit(outcomes) if args.exit_status else ExitCode.OK


def _watch_board(ctx: CliContext, job_ids: Sequence[str]) -> WatchBoard | None:
    """The in-place view when stdout is a terminal; None for a pipe (line-based output)."""
    if terminal_width(ctx) is None:
        return None
    size = shutil.get_terminal_size()
    return WatchBoard(
        ctx.stdout, job_ids, width=size.columns, height=size.lines, ascii_only=plain_ascii(ctx)
    )


def _print_watch_summary(ctx: CliContext, final: dict[str, tuple[Job | None, str]]) -> None:
    """Every failed file with its whole error (wrapped on a terminal), then the counts."""
    width = terminal_width(ctx)
    for job, _ in final.values():
        if job is not None:
            for line in failure_lines(job, width=width, ascii_only=plain_ascii(ctx)):
                ctx.out(line)
    if len(final) < 2:
        return
    counts: dict[str, int] = {}
    for _, outcome in final.values():
        if outcome != UNFINISHED:  # the timeout's own line names those
            counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        ctx.out("finished: " + ", ".join(f"{n} {name}" for name, n in counts.items()))


# The outcome `follow_jobs` reports for a job still unfinished when `--timeout` ran out.
UNFINISHED = "unfinished"


def watch_policy(interval: float | None = None) -> PollPolicy:
    """The scheduler's policy for `jobs watch`, the client's only user.

    Nothing else shares the client: a sweep's pages may burst at the client's own limiter
    (18/s of the server's 20) instead of the dashboard's 8, so a 10-page sweep takes ~0.6 s,
    not ~1.3 s, and a big fleet's sweeps may come back a little sooner than the dashboard's:
    every 5.5 s at up to 10 pages/s holds p95 <= 6 s at 5,000 ids. `interval` (the
    `--interval` flag) sets how soon a running job is read again.
    """
    policy = replace(
        DEFAULT_POLICY,
        max_requests_per_second=WATCH_REQUESTS_PER_SECOND,
        sweep_revisit=WATCH_SWEEP_REVISIT,
        max_sweep_pages_per_second=WATCH_SWEEP_PAGES_PER_SECOND,
    )
    if interval is not None:
        policy = replace(
            policy, first_interval=interval, max_interval=max(interval, policy.max_interval)
        )
    return policy


async def follow_jobs(
    client: DescriptClient,
    ctx: CliContext,
    job_ids: Sequence[str],
    *,
    json_lines: bool = False,
    emit: Callable[[str], None] | None = None,
    journal: CliJournal | None = None,
    interval: float | None = None,
    timeout: float | None = None,
    board: WatchBoard | None = None,
    callbacks: CallbackWatch | None = None,
) -> dict[str, tuple[Job | None, str]]:
    """Print each job's changes until all have finished; returns id -> (last job, outcome).

    The outcome is an `Outcome` value, `gone` for a job that vanished while watched (404:
    expired), or `UNFINISHED` when `timeout` seconds ran out first. The polling scheduler
    finds the jobs by list sweeps and GETs only what a sweep did not return; an id nobody
    knows (404 before it was ever read) raises `NotFoundError`. With a `journal`, each state
    read is journaled and a job gone is marked expired. `board` draws in place instead of
    printing lines (`emit`, else stdout). With `callbacks`, jobs awaiting a callback get
    only safety polls and an accepted callback re-reads its job at once.
    """
    follow = _Follow(ctx, journal, job_ids, json_lines=json_lines, emit=emit, board=board)
    try:
        from tui.api.scheduler import PollingScheduler
    except ImportError:
        await _poll_until_finished(client, follow)
    else:
        policy = watch_policy(interval)
        floor = callbacks.expectations.poll_floor if callbacks is not None else None
        scheduler = PollingScheduler(client, clock=ctx.clock, policy=policy, poll_floor=floor)
        if callbacks is not None:
            callbacks.attach(scheduler.poke)
            follow.observers.append(callbacks.observe)
        await _schedule_until_finished(scheduler, ctx, follow, timeout)
    follow.redraw()
    result: dict[str, tuple[Job | None, str]] = {}
    for job_id in job_ids:
        job = follow.last.get(job_id)
        if job_id in follow.gone or job is None:
            outcome = "gone" if job_id in follow.gone else UNFINISHED
        else:
            outcome = job.outcome.value if job.is_finished else UNFINISHED
        result[job_id] = (job, outcome)
    return result


class _Follow:
    """What `follow_jobs` has seen and how it shows it: lines, JSON Lines, or the board."""

    def __init__(
        self,
        ctx: CliContext,
        journal: CliJournal | None,
        job_ids: Sequence[str],
        *,
        json_lines: bool = False,
        emit: Callable[[str], None] | None = None,
        board: WatchBoard | None = None,
    ) -> None:
        self.ctx = ctx
        self.journal = journal
        self.json_lines = json_lines
        self.write = emit or ctx.out
        # JSON Lines stay pure JSON: notes about the link or a vanished job go to stderr.
        self.note = ctx.err if json_lines else self.write
        self.board = board
        self.ascii_only = plain_ascii(ctx)
        self.waiting = set(job_ids)
        self.last: dict[str, Job] = {}
        self.gone: set[str] = set()
        # Others fed each scheduler batch (the callback expectations).
        self.observers: list[Callable[[list[SchedulerEvent]], None]] = []
        self.link = ""
        self._said_link: tuple[str, datetime | None] | None = None

    def show(self, job: Job) -> None:
        previous = self.last.get(job.job_id)
        self.last[job.job_id] = job
        if job.is_finished:
            self.waiting.discard(job.job_id)
        if self.board is not None:
            self.board.update(job)
        elif previous is None or not _same_view(previous, job):
            if self.json_lines:
                self.write(to_json_line(job.raw))
            else:
                self.write(watch_line(job, self.ctx.clock.now(), ascii_only=self.ascii_only))

    def vanished(self, job_id: str) -> None:
        self.gone.add(job_id)
        self.waiting.discard(job_id)
        text = "gone: the API no longer knows this job (404: expired or wrong id)"
        if self.board is not None:
            self.board.note(job_id, text)
        else:
            self.note(f"{job_id}  {text}")

    def link_state(self, event: ConnectionEvent) -> None:
        """Offline / rate limited, said once per new retry time (heartbeats repeat it)."""
        if event.state not in (LinkState.OFFLINE, LinkState.RATE_LIMITED):
            self.link = ""
            return
        if self._said_link == (event.state, event.retry_at):
            return
        self._said_link = (event.state, event.retry_at)
        until = f", retrying at {event.retry_at:%H:%M:%S} UTC" if event.retry_at else ""
        detail = f": {clean(event.detail, max_width=120)}" if event.detail else ""
        self.link = f"{event.state.replace('_', ' ')}{detail}{until}"
        if self.board is None:
            self.ctx.err(self.link)  # on a terminal the board's status line says it

    def transient(self, text: str) -> None:
        """A failure the scheduler retries: the board's status line, else one note."""
        if self.board is not None:
            self.link = text
        else:
            self.note(text)

    def redraw(self) -> None:
        if self.board is None:
            return
        done = len(self.last) - len([i for i in self.last if i in self.waiting])
        total = len(self.waiting) + done + len(self.gone)
        status = f"{self.ctx.clock.now():%H:%M:%S}  {done + len(self.gone)}/{total} finished"
        self.board.draw(f"{status}  {self.link}" if self.link else status)


def _same_view(before: Job, after: Job) -> bool:
    """Whether a watcher would see no difference (same state, percent, label, files)."""
    return (
        before.outcome == after.outcome
        and before.job_state == after.job_state
        and (before.progress.percent if before.progress else None)
        == (after.progress.percent if after.progress else None)
        and (before.progress.label if before.progress else None)
        == (after.progress.label if after.progress else None)
        and len(before.failed_files) == len(after.failed_files)
    )


def to_json_line(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _poll_until_finished(client: DescriptClient, follow: _Follow) -> None:
    """Without the scheduler: read each job (a wrong id fails here), then every 3 s."""
    from tui.api.errors import NotFoundError

    ctx, journal = follow.ctx, follow.journal
    for job_id in list(follow.waiting):
        follow.show(await read_job(client, ctx, journal, job_id))
    while follow.waiting:
        await ctx.clock.sleep(FALLBACK_POLL_SECONDS)
        for job_id in sorted(follow.waiting):
            try:
                job = await read_job(client, ctx, journal, job_id)
            except NotFoundError:
                follow.vanished(job_id)
                continue
            follow.show(job)


async def _schedule_until_finished(
    scheduler: Any, ctx: CliContext, follow: _Follow, timeout: float | None
) -> None:
    scheduler.watch_many(sorted(follow.waiting))
    deadline = None
    if timeout is not None:

        async def stop_at_deadline() -> None:
            await ctx.clock.sleep(timeout)
            scheduler.stop()

        deadline = asyncio.ensure_future(stop_at_deadline())
    events = scheduler.run()
    try:
        async with closing(events):
            async for batch in events:
                if follow.journal is not None:
                    follow.journal.record_events(batch)  # one transaction; "gone" -> expired
                for observe in follow.observers:
                    observe(batch)
                for event in batch:
                    _handle_event(event, follow)
                follow.redraw()
                if not follow.waiting:
                    break
    finally:
        scheduler.stop()
        if deadline is not None:
            deadline.cancel()


def _handle_event(event: SchedulerEvent, follow: _Follow) -> None:
    """One scheduler event: a job change, a job gone, a job error, or the link's state."""
    from tui.api.errors import ApiError, NotFoundError, UnauthorizedError

    if isinstance(event, WalkEvent):
        return
    if isinstance(event, ConnectionEvent):
        if event.state is LinkState.UNAUTHORIZED:
            # Polling stops until a new token: nothing to wait for here.
            error = event.error
            raise (
                error
                if isinstance(error, UnauthorizedError)
                else UnauthorizedError(
                    401, "unauthorized", "the token was refused while watching", ""
                )
            )
        follow.link_state(event)
        return
    job_id, job = event.job_id, event.job
    if event.kind == "gone":
        if job_id not in follow.waiting:
            return
        if job is None and job_id not in follow.last:
            # Never read: a wrong id (or one expired long ago) fails the watch, as a get would.
            note_if_journaled(follow.ctx, follow.journal, job_id)
            raise event.error if isinstance(event.error, NotFoundError) else NotFoundError(
                404, "not_found", f"job {job_id} not found", ""
            )
        follow.vanished(job_id)
        return
    if event.kind == "error":
        if isinstance(event.error, ApiError) and job_id in follow.waiting:
            # The scheduler stops polling a job after a 4xx: it will not change by waiting.
            raise event.error
        if event.error is not None:
            follow.transient(f"{job_id}: {clean(event.error, max_width=160)} (will try again)")
        return
    if isinstance(job, Job) and job_id in follow.waiting | follow.last.keys():
        follow.show(job)


