"""Shared cell formatting: the state symbol and colour class, progress bars, times and ages.

Every table and pane that shows a job formats it here, so a state reads the same (and reads
without colour, through its symbol) wherever it appears. Colours are not chosen here: each
state maps to a component class whose colour comes from the theme in TCSS.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tui.api.models import Job, Outcome

# A symbol per outcome so the state reads on a monochrome terminal or to a colour-blind eye.
STATE_SYMBOLS: dict[Outcome, str] = {
    Outcome.QUEUED: "◌",
    Outcome.RUNNING: "▶",
    Outcome.SUCCESS: "✔",
    Outcome.PARTIAL: "◐",
    Outcome.FAILED: "✖",
    Outcome.CANCELLED: "⊘",
    Outcome.FINISHED_UNKNOWN: "?",
}

STATE_LABELS: dict[Outcome, str] = {
    Outcome.QUEUED: "queued",
    Outcome.RUNNING: "running",
    Outcome.SUCCESS: "success",
    Outcome.PARTIAL: "partial",
    Outcome.FAILED: "failed",
    Outcome.CANCELLED: "cancelled",
    Outcome.FINISHED_UNKNOWN: "stopped?",
}


def state_class(outcome: Outcome) -> str:
    """The component/CSS class that colours this outcome (`state--failed`, ...)."""
    return f"state--{outcome.value.replace('_', '-')}"


# A job the API answers 404 for now (past the 30-day retention); the journal remembers it.
EXPIRED_WORDS = "⌛ expired"
RETENTION_NOTE = "Jobs are kept 30 days; this is the last state seen."


def state_text(outcome: Outcome) -> str:
    """`✖ failed`: symbol and word."""
    return f"{STATE_SYMBOLS[outcome]} {STATE_LABELS[outcome]}"


_BAR_EIGHTHS = " ▏▎▍▌▋▊▉"


def progress_bar(percent: float | None, width: int = 10) -> str:
    """A fixed-width bar in eighth-blocks; blank track when the API gave no percent."""
    if percent is None:
        return "░" * width
    filled = max(0.0, min(100.0, percent)) / 100.0 * width
    full = int(filled)
    partial = int((filled - full) * 8)
    bar = "█" * full
    if full < width:
        bar += _BAR_EIGHTHS[partial] if partial else ""
    return (bar + "░" * width)[:width]


def percent_text(percent: float | None) -> str:
    return "  -" if percent is None else f"{percent:3.0f}%"


def job_percent(job: Job) -> float | None:
    """Progress percent, with finished jobs shown full (the API drops progress once stopped)."""
    if job.outcome in (Outcome.SUCCESS, Outcome.PARTIAL):
        return 100.0
    return job.progress.percent if job.progress else None


def progress_text(job: Job, width: int = 10) -> str:
    percent = job_percent(job)
    return f"{progress_bar(percent, width)} {percent_text(percent)}"


def format_duration(seconds: float | None) -> str:
    """Compact human span: `42s`, `3m05s`, `2h14m`, `3d04h`."""
    if seconds is None:
        return "-"
    whole = int(max(0.0, seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def format_age(seconds: float | None) -> str:
    """A coarse age that changes at most once a minute after the first minute (cheap repaints)."""
    if seconds is None:
        return "-"
    whole = int(max(0.0, seconds))
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m"
    if whole < 86400:
        return f"{whole // 3600}h{(whole % 3600) // 60:02d}m"
    return f"{whole // 86400}d{(whole % 86400) // 3600:02d}h"


def format_span(seconds: float) -> str:
    """A spoken span for the header: `3 s`, `4 min`, `2 h` (whole units, never negative)."""
    whole = int(max(0.0, seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min"
    return f"{whole // 3600} h"


def job_age_text(job: Job, now: datetime) -> str:
    """The Elapsed column: created to stopped for a stopped job, created to now for a live one.

    A live job's time is coarse (minutes after the first minute) so it repaints rarely.
    """
    if job.is_finished:
        return format_duration(job.duration_seconds(now))
    if job.created_at is None:
        return "-"
    return format_age((now - job.created_at).total_seconds())


def format_created(value: datetime | None, now: datetime) -> str:
    """`14:02:33` for today (UTC), `11-24 14:02` otherwise."""
    if value is None:
        return "-"
    value = value.astimezone(UTC)
    if value.date() == now.astimezone(UTC).date():
        return value.strftime("%H:%M:%S")
    return value.strftime("%m-%d %H:%M")


def format_clock(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(UTC).strftime("%H:%M:%S")


def format_full_timestamp(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def files_text(job: Job) -> str:
    """`3✔ 1✖` for an import that has a per-file result; blank otherwise."""
    if job.kind != "import" or job.result is None or not job.result.media_status:
        return ""
    ok = len(job.succeeded_files)
    failed = len(job.failed_files)
    return f"{ok}✔ {failed}✖" if failed else f"{ok}✔"


def short_project(project_id: str | None) -> str:
    if not project_id:
        return "-"
    return project_id[:8]


def files_failed_summary(job: Job) -> str:
    """`2 of 4 files failed` for an import with failed files; blank otherwise."""
    if job.kind != "import" or not job.failed_files or job.result is None:
        return ""
    return f"{len(job.failed_files)} of {len(job.result.media_status)} files failed"


def job_label(job: Job) -> str:
    """What the Label column says: the live progress label, else why a stopped job ended.

    The API drops `progress` once a job stops, so a stopped job shows its failure (the job's
    error, else how many files failed and the first file's error) or an agent's answer.
    """
    if job.progress is not None and job.progress.label:
        return job.progress.label
    if not job.is_finished:
        return ""
    failed_files = files_failed_summary(job)
    first_error = next((f.error_message for f in job.failed_files if f.error_message), None)
    # An import's file errors say more than its job-level "Failed to import media".
    if failed_files:
        return f"{failed_files}: {first_error}" if first_error else failed_files
    if job.error_message:
        return job.error_message
    response = job.result.agent_response if job.result else None
    if response and job.outcome is Outcome.SUCCESS:
        return response.strip().splitlines()[0] if response.strip() else ""
    return ""
