"""Jobs as the API would describe them, for the triage tests (one builder, many shapes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tui.api.models import Job, format_timestamp

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def ago(minutes: float) -> str:
    return format_timestamp(NOW - timedelta(minutes=minutes))


def make_job(job_id: str, state: str = "running", **fields: Any) -> Job:
    data: dict[str, Any] = {
        "job_id": job_id,
        "job_type": "import/project_media",
        "job_state": state,
        "created_at": ago(30),
        "project_id": "proj-1",
    }
    data.update(fields)
    return Job.from_json(data)


def failed_import(job_id: str, files: dict[str, str | None], minutes_ago: float = 5) -> Job:
    """A stopped import whose `files` map name -> error (None: that file succeeded)."""
    media = {
        name: {"status": "failed", "error_message": error} if error else {"status": "success"}
        for name, error in files.items()
    }
    return make_job(
        job_id,
        "stopped",
        created_at=ago(minutes_ago + 1),
        stopped_at=ago(minutes_ago),
        result={"status": "error" if all(files.values()) else "partial", "media_status": media},
    )
