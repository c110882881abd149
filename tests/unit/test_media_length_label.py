"""Item 13.1: a file's `duration_seconds` is the media's length, not time taken; the
dashboard's file table and the CLI's `jobs show` call it the same word."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console
from rich.style import Style

from tui.api.models import Job
from tui.commands.output import job_detail
from tui.widgets.detail_pane import files_table

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)

PARTIAL = Job.from_json(
    {
        "job_id": "6dc3f30a-58c2-4174-96a6-dc18cf3c7776",
        "job_type": "import/project_media",
        "created_at": "2026-11-25T11:50:00Z",
        "stopped_at": "2026-11-25T11:51:37Z",
        "job_state": "stopped",
        "result": {
            "status": "partial",
            "media_status": {
                "clip.mp4": {"status": "success", "duration_seconds": 276},
                "gone.mp4": {"status": "failed", "error_message": "URL is not accessible"},
            },
        },
    }
)


def test_the_dashboard_and_the_cli_both_call_the_media_duration_length() -> None:
    assert PARTIAL.result is not None
    console = Console(width=80, record=True, file=io.StringIO())
    console.print(files_table(list(PARTIAL.result.media_status), Style(), Style()))
    pane = console.export_text()
    pane_header = pane.splitlines()[0].split()
    cli_lines = job_detail(PARTIAL, NOW)
    cli_header = cli_lines[cli_lines.index("files: 1 ok, 1 failed") + 1].split()
    assert pane_header == ["File", "Status", "Length"]
    assert cli_header == ["NAME", "STATUS", "LENGTH", "ERROR"]
    # The 4m36s clip of a job that ran 1m37s: the column shows the clip's length.
    assert "4m36s" in pane.splitlines()[1]
