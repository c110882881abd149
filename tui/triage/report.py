"""An incident report for one job, in Markdown: what to paste into a ticket.

The job (every field the API gave), its state history from the journal (a table, oldest
first, with how long each state lasted), what else the journal knows (submission, first
seen, expiry), every API call about it from the activity log (status, latency, the
rate-limit and request-id headers, error bodies), and an equivalent `curl` that reads the
token from `$DESCRIPT_API_TOKEN`. The token itself never appears: the activity log never
holds request headers and scrubs error bodies, and the curl line names only the variable.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.api.activity import ActivityEntry
from tui.api.models import Job, Outcome, format_timestamp
from tui.formatting import format_duration, percent_text
from tui.journal import StateChange

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


def calls_about(job_id: str, entries: Iterable[ActivityEntry]) -> list[ActivityEntry]:
    """Activity entries about the job (its submit, GETs, DELETE), oldest first."""
    return sorted((e for e in entries if e.is_about(job_id)), key=lambda e: e.at)


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
    base_url: str,
    now: datetime,
) -> str:
    """The Markdown report for `job` (`journaled`: its `JournaledJob`, if any; `history`:
    `Journal.state_history(job_id)`)."""
    calls = calls_about(job.job_id, entries)
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
        "From this session's activity log (calls made before it started are not kept).",
        "",
        *([line for e in calls for line in _call_lines(e)] or ["None in this session's log."]),
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
