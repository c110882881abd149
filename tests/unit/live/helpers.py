"""Jobs for the live-model tests, made from API-shaped JSON (no simulator, no Textual)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tui.api.models import Job, format_timestamp
from tui.api.scheduler import JobEvent

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def job(
    job_id: str,
    state: str = "running",
    *,
    minute: float = 0,
    project_id: str | None = "p1",
    percent: float | None = None,
    job_type: str = "import/project_media",
    **extra: Any,
) -> Job:
    """A job created `minute` minutes after T0."""
    raw: dict[str, Any] = {
        "job_id": job_id,
        "job_type": job_type,
        "job_state": state,
        "created_at": format_timestamp(T0 + timedelta(minutes=minute)),
        "project_id": project_id,
        **extra,
    }
    if percent is not None:
        raw["progress"] = {"percent": percent}
    if state == "stopped":
        raw.setdefault("stopped_at", format_timestamp(T0 + timedelta(minutes=minute + 1)))
        raw.setdefault("result", {"status": "success"})
    return Job.from_json(raw)


def added(*jobs: Job) -> list[JobEvent]:
    return [JobEvent("added", j.job_id, j) for j in jobs]


def changed(*jobs: Job) -> list[JobEvent]:
    return [JobEvent("changed", j.job_id, j) for j in jobs]
