"""`descript-tui reconcile`: submissions whose outcome is unknown, their candidate jobs, and
how they were resolved.

A POST that may have created a job (its answer was lost, its process was killed) is kept in
the journal as unresolved; while it is, the same request is refused (`--force` aside). This
command lists each one with the jobs created around its time that match it
(`tui.reconcile.find_candidates`, the matching the dashboard's R uses: a few GETs, never a
POST), and resolves them:

- `--apply`: each submission with exactly one candidate in the same project is linked to it;
- `--job ID JOB_ID`: link submission ID to that job;
- `--none ID`: no job was made (the request may be sent again).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tui.commands import CliContext, CliJournal, ExitCode, UsageError, add_json_flag
from tui.commands.output import clean, to_json
from tui.journal import OUTCOME_UNKNOWN, Journal, PendingSubmission
from tui.reconcile import DEFAULT_WINDOW, Candidate, find_candidates

# A candidate this strong matched the kind, the project and the time window.
SAME_PROJECT_SCORE = 2.0


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reconcile",
        help="find the jobs that submissions with an unknown outcome may have created",
        description=(
            "List the journal's unresolved submissions (sent, answer lost, or left sending by "
            "a process that is gone) with the jobs that match each, and resolve them."
        ),
    )
    parser.add_argument(
        "--apply",
        action="store_true",
        help="link each submission that has exactly one candidate in the same project to it",
    )
    parser.add_argument(
        "--job",
        nargs=2,
        metavar=("ID", "JOB_ID"),
        help="link submission ID (the # shown) to job JOB_ID",
    )
    parser.add_argument(
        "--none",
        metavar="ID",
        type=int,
        help="record that submission ID created no job (its request may be sent again)",
    )
    parser.add_argument(
        "--window",
        metavar="MINUTES",
        type=float,
        default=DEFAULT_WINDOW.total_seconds() / 60,
        help="how long after a submission a job may have been created and still be its "
        f"candidate (default {DEFAULT_WINDOW.total_seconds() / 60:.0f})",
    )
    add_json_flag(parser)
    parser.set_defaults(handler=reconcile_command)


@dataclass
class Finding:
    pending: PendingSubmission
    candidates: list[Candidate]
    resolved_to: str | None = None
    abandoned: bool = False

    def sole_same_project(self) -> Candidate | None:
        if len(self.candidates) == 1 and self.candidates[0].score >= SAME_PROJECT_SCORE:
            return self.candidates[0]
        return None


async def reconcile_command(args: argparse.Namespace, ctx: CliContext) -> int:
    if args.apply or args.job or args.none is not None:
        ctx.refuse_if_read_only("resolve submissions")
    ctx.require_token()
    async with ctx.client() as client:
        with ctx.journal() as cli_journal:
            journal = _open(cli_journal)
            pending = journal.pending_reconciliations()
            if manual := _manual_decision(args, journal, pending):
                ctx.out(manual)
                return ExitCode.OK
            known = journal.submitted_job_ids()
            findings = []
            for item in pending:
                found = await find_candidates(
                    client, item, known_job_ids=known, window=timedelta(minutes=args.window)
                )
                findings.append(Finding(item, found))
            if args.apply:
                for finding in findings:
                    if (only := finding.sole_same_project()) is not None:
                        journal.resolve_reconciliation(finding.pending.local_id, only.job.job_id)
                        finding.resolved_to = only.job.job_id
    _report(ctx, findings, as_json=args.json)
    left = [f for f in findings if f.resolved_to is None]
    return ExitCode.OK if not left or not args.apply else ExitCode.FAILURE


def _open(cli_journal: CliJournal) -> Journal:
    journal = cli_journal.journal
    if journal is None:
        raise UsageError("the journal cannot be opened: nothing to reconcile")
    return journal


def _manual_decision(
    args: argparse.Namespace, journal: Journal, pending: list[PendingSubmission]
) -> str | None:
    """`--job ID JOB_ID` or `--none ID`: what was recorded, or None when neither was given."""
    if not args.job and args.none is None:
        return None
    if args.job:
        raw_id, job_id = args.job
        try:
            local_id = int(raw_id.lstrip("#"))
        except ValueError:
            raise UsageError(f"--job: {raw_id!r} is not a submission number") from None
    else:
        local_id, job_id = args.none, None
    if local_id not in {p.local_id for p in pending}:
        raise UsageError(f"#{local_id} is not an unresolved submission (see `reconcile`)")
    journal.resolve_reconciliation(local_id, job_id)
    if job_id:
        return f"#{local_id} linked to job {clean(job_id)}"
    return f"#{local_id} recorded as having created no job: its request may be sent again"


def _state_words(pending: PendingSubmission) -> str:
    if pending.status == OUTCOME_UNKNOWN:
        return "outcome unknown"
    return "left sending by a process that is gone" if pending.orphaned else "interrupted"


def _report(ctx: CliContext, findings: list[Finding], *, as_json: bool) -> None:
    if as_json:
        ctx.out(to_json([_as_json(f) for f in findings]))
        return
    if not findings:
        ctx.out("No submission needs reconciling.")
        return
    for finding in findings:
        p = finding.pending
        project = p.request.get("project_name") or p.request.get("project_id") or "?"
        ctx.out(
            f"#{p.local_id} {p.kind} submitted {p.submitted_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"project {clean(project)}: {_state_words(p)}"
        )
        for candidate in finding.candidates:
            job = candidate.job
            ctx.out(
                f"  candidate {clean(job.job_id)} ({clean(job.job_state or '?')}): "
                + ", ".join(candidate.reasons)
            )
        if finding.resolved_to:
            ctx.out(f"  -> linked to job {clean(finding.resolved_to)}")
        elif not finding.candidates:
            ctx.out(
                f"  no matching job: if none was made, `descript-tui reconcile --none "
                f"{p.local_id}` frees the request"
            )
        else:
            ctx.out(f"  link one with: descript-tui reconcile --job {p.local_id} JOB_ID")


def _as_json(finding: Finding) -> dict[str, Any]:
    p = finding.pending
    return {
        "id": p.local_id,
        "kind": p.kind,
        "status": p.status,
        "orphaned": p.orphaned,
        "submitted_at": p.submitted_at.isoformat(),
        "request": p.request,
        "error": p.error,
        "candidates": [
            {"job_id": c.job.job_id, "score": round(c.score, 3), "reasons": list(c.reasons)}
            for c in finding.candidates
        ],
        "resolved_to": finding.resolved_to,
    }
