"""An incident report for one job, in Markdown: what to paste into a ticket.

The job (every field the API gave), its state history from the journal (a table, oldest
first, with how long each state lasted), what else the journal knows (submission, first
seen, expiry), every API call about it (status, latency, the request-id headers, error
bodies; the rate-limit headers too for this process's calls): those the journal kept from
every process, merged with this process's activity log, a run of identical polls folded
into one line; and an equivalent `curl` that reads the token from `$DESCRIPT_API_TOKEN`.
The token itself never appears: the activity log never holds request headers and scrubs
error bodies, the journal keeps no other header, and the curl line names only the variable.
"""

from __future__ import annotations

import json
import shlex
import statistics
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.api.activity import ActivityEntry
from tui.api.models import Job, Outcome, format_timestamp
from tui.formatting import format_duration, percent_text
from tui.journal import CALLS_CAP, CALLS_FIRST, StateChange

TOKEN_VARIABLE = "DESCRIPT_API_TOKEN"
HISTORY_COLUMNS = ("Observed (UTC)", "State", "Result", "Outcome", "Progress", "Seen by", "Lasted")
# Outcomes after which a job never changes again: its last row "lasted" for good.
_FINAL = frozenset(outcome.value for outcome in Outcome if outcome.is_terminal)


def curl_command(base_url: str, job_id: str) -> str:
    """`curl` for `GET /jobs/{id}`, the token read from the environment when it runs."""
    url = f"{base_url.rstrip('/')}/jobs/{job_id}"
    # Double quotes so the shell expands the variable; the URL is quoted on its own.
    return (
        f'curl -sS -H "Authorization: Bearer ${TOKEN_VARIABLE}" '
        f"-H 'Accept: application/json' {shlex.quote(url)}"
    )


def _call_key(entry: ActivityEntry) -> tuple[object, ...]:
    """What tells one call from another: the journal keeps a call's time to the microsecond."""
    ids = tuple(sorted(entry.request_ids.items()))
    return (entry.at, entry.method, entry.path, entry.status, ids)


def calls_about(
    job_id: str, entries: Iterable[ActivityEntry], journaled: Iterable[ActivityEntry] = ()
) -> list[ActivityEntry]:
    """The calls about the job (its submit, GETs, DELETE), oldest first: this process's
    `entries` and the `journaled` ones (`Journal.job_calls`), each call once; this process's
    copy wins (it has the rate-limit headers the journal does not keep)."""
    merged: dict[tuple[object, ...], ActivityEntry] = {}
    for entry in (*journaled, *entries):
        if entry.is_about(job_id):
            merged[_call_key(entry)] = entry
    return sorted(merged.values(), key=lambda e: e.at)


def _foldable(entry: ActivityEntry) -> bool:
    """An answered call with nothing to say beyond its status: a routine poll."""
    return not entry.is_error and not entry.note and not entry.error_body


def fold_calls(calls: Sequence[ActivityEntry]) -> list[list[ActivityEntry]]:
    """`calls` in runs: consecutive routine calls with the same method, path and status
    share a run; an error or a call with a note is always a run of its own."""
    runs: list[list[ActivityEntry]] = []
    for entry in calls:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and _foldable(entry)
            and _foldable(last)
            and (entry.method, entry.path, entry.status) == (last.method, last.path, last.status)
        ):
            runs[-1].append(entry)
        else:
            runs.append([entry])
    return runs


def _when(value: datetime | None) -> str:
    return format_timestamp(value) if value else "-"


def _fence(text: str, language: str = "") -> list[str]:
    # A body holding ``` must not end the block early: use a longer fence.
    fence = "````" if "```" in text else "```"
    return [f"{fence}{language}", text, fence]


def _cell(text: str | None) -> str:
    """An API string as one Markdown table cell: its pipes escaped, on one line."""
    if not text:
        return "-"
    return " ".join(text.split()).replace("|", "\\|")


def _lasted(changes: Sequence[StateChange], index: int, now: datetime) -> str:
    """How long the state of row `index` held: until the next change, or until now."""
    change = changes[index]
    if index + 1 < len(changes):
        following = changes[index + 1].observed_at
        return format_duration((following - change.observed_at).total_seconds())
    if change.outcome in _FINAL:
        return "final"
    return f"{format_duration((now - change.observed_at).total_seconds())} so far"


def state_history_table(changes: Sequence[StateChange], now: datetime) -> list[str]:
    """The journal's rows for the job as a Markdown table, oldest first."""
    if not changes:
        return ["The journal recorded no state for this job."]
    lines = [
        "| " + " | ".join(HISTORY_COLUMNS) + " |",
        "|" + "---|" * len(HISTORY_COLUMNS),
    ]
    for index, change in enumerate(changes):
        progress = _cell(change.progress_label)
        if change.progress_percent is not None:
            progress += f" {percent_text(change.progress_percent).strip()}"
        cells = (
            change.observed_at.strftime("%Y-%m-%d %H:%M:%S"),
            _cell(change.job_state),
            _cell(change.result_status),
            change.outcome,
            progress,
            change.source,
            _lasted(changes, index, now),
        )
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _history(journaled: Any) -> list[str]:
    """The journal's record: submission, first seen, last change, expiry."""
    if journaled is None:
        return ["The journal has no record of this job (it was never seen by this tool)."]
    lines = []
    if journaled.submitted_at is not None:
        status = journaled.submission_status or "-"
        lines.append(f"- {_when(journaled.submitted_at)} submitted from this tool ({status})")
    if journaled.first_seen_at is not None:
        lines.append(f"- {_when(journaled.first_seen_at)} first seen ({journaled.source})")
    if journaled.updated_at is not None:
        state = journaled.job.outcome.value if journaled.job else "unknown"
        lines.append(f"- {_when(journaled.updated_at)} last change journaled: {state}")
    if journaled.expired_at is not None:
        lines.append(f"- {_when(journaled.expired_at)} expired (the API answered 404)")
    if journaled.error:
        lines.append(f"- submission error: {journaled.error}")
    for key, value in sorted((journaled.extra or {}).items()):
        if key != "local_files":
            lines.append(f"- {key}: {value}")
    return lines or ["The journal holds the job but no dates."]


def _call_lines(entry: ActivityEntry) -> list[str]:
    status = str(entry.status) if entry.status is not None else "no answer"
    latency = f"{entry.latency_ms:.0f} ms" if entry.latency_ms is not None else "-"
    line = f"- {_when(entry.at)} `{entry.method} {entry.path}` → {status}, {latency}"
    headers = {**entry.rate_limit, **entry.request_ids}
    if headers:
        line += " · " + ", ".join(f"{k}: {v}" for k, v in headers.items())
    if entry.note:
        line += f" · {entry.note}"
    lines = [line]
    if entry.error_body:
        lines.extend(["", *(f"  {part}" for part in _fence(entry.error_body)), ""])
    return lines


def _folded_line(run: Sequence[ActivityEntry]) -> str:
    """`- <first>–12:05:00 `GET /jobs/ID` → 200 × 57, latency p50 40 ms / max 300 ms, request
    ids first…last`: time first, like the line of a single call, so the list reads in order."""
    first, last = run[0], run[-1]
    until = f"{last.at:%H:%M:%S}" if last.at.date() == first.at.date() else _when(last.at)
    line = (
        f"- {_when(first.at)}–{until} `{first.method} {first.path}` → {first.status}"
        f" × {len(run)}"
    )
    latencies = [e.latency_ms for e in run if e.latency_ms is not None]
    if latencies:
        line += (
            f", latency p50 {statistics.median(latencies):.0f} ms / max {max(latencies):.0f} ms"
        )
    ids = [e.request_id for e in run if e.request_id]
    if ids:
        line += f", request ids {ids[0]}…{ids[-1]}" if len(ids) > 1 else f", request id {ids[0]}"
    return line


def _calls_section(calls: Sequence[ActivityEntry]) -> list[str]:
    lines: list[str] = []
    for run in fold_calls(calls):
        lines.extend(_call_lines(run[0]) if len(run) == 1 else [_folded_line(run)])
    return lines or ["None recorded (the journal and this session's log hold none)."]


def _summary(job: Job) -> list[str]:
    rows = [
        ("job_id", job.job_id),
        ("job_type", job.job_type),
        ("job_state", job.job_state),
        ("outcome", job.outcome.value),
        ("created_at", _when(job.created_at)),
        ("stopped_at", _when(job.stopped_at)),
        ("project_id", job.project_id),
        ("project_url", job.project_url),
        ("error_code", job.error_code),
        ("error_message", job.error_message),
    ]
    lines = [f"- **{name}**: {value}" for name, value in rows if value]
    for media in job.failed_files:
        lines.append(f"- failed file **{media.name}**: {media.error_message or '-'}")
    return lines


def incident_report(
    job: Job,
    *,
    journaled: Any = None,
    history: Sequence[StateChange] = (),
    entries: Iterable[ActivityEntry] = (),
    calls: Iterable[ActivityEntry] = (),
    base_url: str,
    now: datetime,
) -> str:
    """The Markdown report for `job` (`journaled`: its `JournaledJob`, if any; `history`:
    `Journal.state_history(job_id)`; `entries`: this process's activity log; `calls`:
    `Journal.job_calls(job_id)`, the calls every process journaled)."""
    about = calls_about(job.job_id, entries, calls)
    lines = [
        f"# Incident report: job {job.job_id}",
        "",
        f"Written {_when(now)} by descript-tui against {base_url}.",
        "",
        "## Job",
        "",
        *_summary(job),
        "",
        "## State history",
        "",
        *state_history_table(history, now),
        "",
        "## Journal",
        "",
        *_history(journaled),
        "",
        "## API calls about this job",
        "",
        "From the journal (every descript-tui process that used it; per job the first "
        f"{CALLS_FIRST} and the newest, {CALLS_CAP} at most, for 30 days) and this session's "
        "activity log. A run of identical polls is one line; an error is never folded.",
        "",
        *_calls_section(about),
        "",
        "## Reproduce",
        "",
        *_fence(curl_command(base_url, job.job_id), "sh"),
        "",
        "## The job as the API returned it",
        "",
        *_fence(json.dumps(job.raw, indent=2, sort_keys=True, ensure_ascii=False), "json"),
        "",
    ]
    return "\n".join(lines)


def report_path(folder: Path, job_id: str, now: datetime) -> Path:
    """`incident-<job id>-<UTC time>.md` in `folder`."""
    return folder / f"incident-{job_id}-{now.strftime('%Y%m%dT%H%M%SZ')}.md"
