"""The CLI's text: durations, cells that API strings cannot break, the upload bar."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from tui.api.models import Job
from tui.commands.output import (
    UploadProgress,
    clean,
    job_detail,
    job_table,
    render_table,
    watch_line,
)

NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)


def test_clean_removes_escape_sequences_and_newlines() -> None:
    assert clean("Podcast [rough]\n\x1b[31mred\x1b[0m\tdone") == "Podcast [rough] [31mred [0m done"
    assert clean("x" * 50, max_width=10) == "x" * 9 + "…"
    assert clean(None) == ""


def test_render_table_aligns_columns() -> None:
    lines = render_table(("A", "BB"), [["long cell", "1"], ["x", "100"]], right_aligned=(1,))
    assert lines == ["A           BB", "long cell    1", "x          100"]


def job(**fields: object) -> Job:
    base = {
        "job_id": "6dc3f30a-58c2-4174-96a6-dc18cf3c7776",
        "job_type": "import/project_media",
        "created_at": "2026-11-25T11:50:00Z",
        "project_id": "9f36ee32-5a2c-47e7-b1a3-94991d3e3ddb",
    }
    return Job.from_json({**base, **fields})


PARTIAL = job(
    job_state="stopped",
    stopped_at="2026-11-25T11:55:00Z",
    result={
        "status": "partial",
        "media_status": {
            "intro.mp4": {"status": "success", "duration_seconds": 10.5},
            "outro.mp4": {"status": "failed", "error_message": "URL is not accessible"},
            "demo.mp4": {"status": "success", "duration_seconds": 125},
        },
    },
)
RUNNING = job(
    job_state="running",
    progress={"label": "Transcribing\nintro.mp4", "percent": 42.4},
)


def test_job_table_row_of_a_partial_import() -> None:
    header, row = job_table([PARTIAL], NOW, project_names={PARTIAL.project_id: "Podcast [rough]"})
    assert "◐ partial" in row and "2/1" in row and "took 5m00s" in row
    assert "Podcast [rough]" in row and "URL is not accessible" in row
    assert header.index("STATE") == row.index("◐")


def test_job_table_row_of_a_running_job_in_ascii() -> None:
    _, row = job_table([RUNNING], NOW, ascii_only=True)
    assert "> running" in row and "42%" in row and "Transcribing intro.mp4" in row
    assert "10m00s" in row and "9f36ee32" in row


def test_detail_lists_failed_files_first() -> None:
    lines = job_detail(PARTIAL, NOW)
    files = lines[lines.index("files: 2 ok, 1 failed") + 2 :]
    assert files[0].split()[0] == "outro.mp4" and "✖ failed" in files[0]
    assert [f.split()[0] for f in files[1:]] == ["intro.mp4", "demo.mp4"]


def test_watch_line() -> None:
    assert watch_line(RUNNING, NOW).endswith("▶ running  42%  Transcribing intro.mp4")


class Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_upload_progress_off_a_terminal_prints_quarter_steps() -> None:
    stream = Stream(tty=False)
    bar = UploadProgress(stream)
    for sent in range(0, 1001, 10):
        bar("a.wav", sent, 1000)
    lines = stream.getvalue().splitlines()
    assert [line.split("]")[1].split()[0] for line in lines] == ["0%", "25%", "50%", "75%", "100%"]


def test_upload_progress_on_a_terminal_redraws_in_place() -> None:
    stream = Stream(tty=True)
    bar = UploadProgress(stream)
    bar("a.wav", 0, 100)
    bar("a.wav", 50, 100)
    bar("a.wav", 100, 100)
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
