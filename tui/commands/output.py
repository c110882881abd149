"""How the headless CLI prints jobs, errors and progress: plain text that reads without colour.

Everything here is pure (values in, strings out) except `UploadProgress`, which draws on a
stream. Strings that come from the API are passed through `clean()` first, so a label with a
newline or an escape sequence cannot break a table or repaint the user's terminal.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TextIO

from tui.api.models import Job, JobResult, Outcome
from tui.formatting import (
    STATE_LABELS,
    STATE_SYMBOLS,
    files_failed_summary,
    format_duration,
    format_full_timestamp,
    job_percent,
    percent_text,
    progress_bar,
    short_project,
)

# The dashboard's symbols (tui/formatting.py, no Textual in it), so a state reads
# the same in the app and the CLI; these ASCII stand-ins are for output that cannot encode them.
_ASCII_SYMBOLS: dict[Outcome, str] = {
    Outcome.QUEUED: ".",
    Outcome.RUNNING: ">",
    Outcome.SUCCESS: "+",
    Outcome.PARTIAL: "~",
    Outcome.FAILED: "x",
    Outcome.CANCELLED: "-",
    Outcome.FINISHED_UNKNOWN: "?",
}

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def clean(value: object, *, max_width: int | None = None) -> str:
    """An API string made safe for one table cell: no control characters, bounded width."""
    if value is None:
        return ""
    text = _CONTROL.sub(" ", str(value)).strip()
    if max_width is not None and len(text) > max_width:
        text = text[: max(0, max_width - 1)] + "…"
    return text


def can_encode(stream: TextIO, sample: str = "▶✓✗◐⊘…█") -> bool:
    """Whether `stream` can print our symbols (a C-locale pipe cannot)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        sample.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def state_symbol(outcome: Outcome, *, ascii_only: bool = False) -> str:
    return _ASCII_SYMBOLS[outcome] if ascii_only else STATE_SYMBOLS[outcome]


def state_cell(job: Job, *, ascii_only: bool = False) -> str:
    """`▶ running`, `◐ partial`, ...: symbol and word, as the dashboard shows them."""
    outcome = job.outcome
    return f"{state_symbol(outcome, ascii_only=ascii_only)} {STATE_LABELS[outcome]}"


def age_cell(job: Job, now: datetime) -> str:
    """A running job's age, or a finished job's run time (marked `took`)."""
    if job.created_at is None:
        return ""
    if job.is_finished:
        duration = job.duration_seconds(now)
        return f"took {format_duration(duration)}" if duration is not None else ""
    return format_duration((now - job.created_at).total_seconds())


def percent_cell(job: Job) -> str:
    if job.outcome is Outcome.SUCCESS:
        return "100%"
    percent = job.progress.percent if job.progress else None
    return f"{percent:.0f}%" if percent is not None else ""


def files_cell(job: Job) -> str:
    """`ok/failed` for an import with per-file status; empty for everything else."""
    if job.result is None or not job.result.media_status:
        return ""
    return f"{len(job.succeeded_files)}/{len(job.failed_files)}"


def label_cell(job: Job) -> str:
    """The progress label while it runs; the error (or agent answer) once it stops."""
    if job.progress and job.progress.label and not job.is_finished:
        return job.progress.label
    if job.error_message:
        return job.error_message
    if job.failed_files:
        return job.failed_files[0].error_message or "some files failed"
    if job.result and job.result.agent_response:
        return job.result.agent_response
    if job.progress and job.progress.label:
        return job.progress.label
    return ""


def render_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    right_aligned: Iterable[int] = (),
) -> list[str]:
    """Columns padded to their widest cell; two spaces between; no trailing blanks."""
    materialised = [list(headers), *[list(row) for row in rows]]
    widths = [max(len(row[i]) for row in materialised) for i in range(len(headers))]
    right = set(right_aligned)
    lines = []
    for row in materialised:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


JOB_TABLE_HEADERS = (
    "JOB ID",
    "TYPE",
    "STATE",
    "PROG",
    "LABEL",
    "PROJECT",
    "CREATED UTC",
    "AGE",
    "OK/FAIL",
)
_LABEL_COLUMN = 4
# The label column gives way first when the terminal is narrow, but never below this.
MIN_LABEL_WIDTH = 16
DEFAULT_LABEL_WIDTH = 40
PROJECT_WIDTH = 22


def job_row(
    job: Job,
    now: datetime,
    *,
    ascii_only: bool = False,
    label_width: int = DEFAULT_LABEL_WIDTH,
    project_name: str | None = None,
) -> list[str]:
    return [
        clean(job.job_id),
        clean(job.kind),
        state_cell(job, ascii_only=ascii_only),
        percent_cell(job),
        clean(label_cell(job), max_width=label_width),
        clean(project_name, max_width=PROJECT_WIDTH)
        if project_name
        else short_project(job.project_id),
        job.created_at.strftime("%m-%d %H:%M") if job.created_at else "",
        age_cell(job, now),
        files_cell(job),
    ]


def job_table(
    jobs: Sequence[Job],
    now: datetime,
    *,
    ascii_only: bool = False,
    project_names: Mapping[str, str] | None = None,
    max_width: int | None = None,
) -> list[str]:
    """The `jobs list` table; `project_names` maps project ids to names where known.

    With `max_width` (a terminal's width) the label column shrinks so rows fit on one line.
    """
    names = project_names or {}
    rows = [
        job_row(
            job,
            now,
            ascii_only=ascii_only,
            label_width=DEFAULT_LABEL_WIDTH,
            project_name=names.get(job.project_id or ""),
        )
        for job in jobs
    ]
    if max_width is not None and rows:
        others = sum(
            max(len(row[i]) for row in [list(JOB_TABLE_HEADERS), *rows])
            for i in range(len(JOB_TABLE_HEADERS))
            if i != _LABEL_COLUMN
        )
        gaps = 2 * (len(JOB_TABLE_HEADERS) - 1)
        width = max(MIN_LABEL_WIDTH, min(DEFAULT_LABEL_WIDTH, max_width - others - gaps))
        for row, job in zip(rows, jobs, strict=True):
            row[_LABEL_COLUMN] = clean(label_cell(job), max_width=width)
    return render_table(JOB_TABLE_HEADERS, rows, right_aligned=(3,))


def job_detail(job: Job, now: datetime, *, ascii_only: bool = False) -> list[str]:
    """Every field of one job, then its files (failed first), answer, credits and error."""
    fields = _job_fields(job, now, ascii_only=ascii_only)
    if job.result is not None:
        fields.extend(_result_fields(job.result))
    width = max(len(name) for name, _ in fields)
    lines = [f"{name.ljust(width)}  {value}" for name, value in fields]
    if job.result is not None and job.result.media_status:
        lines.extend(_file_lines(job, ascii_only=ascii_only))
    return lines


def _job_fields(job: Job, now: datetime, *, ascii_only: bool) -> list[tuple[str, str]]:
    if job.is_finished:
        elapsed = job.duration_seconds(now)
    else:
        elapsed = (now - job.created_at).total_seconds() if job.created_at else None
    fields: list[tuple[str, str]] = [
        ("job_id", clean(job.job_id)),
        ("job_type", clean(job.job_type or "-")),
        ("job_state", clean(job.job_state or "-")),
        ("outcome", state_cell(job, ascii_only=ascii_only)),
        ("created_at", format_full_timestamp(job.created_at)),
        ("stopped_at", format_full_timestamp(job.stopped_at)),
        ("duration" if job.is_finished else "age", format_duration(elapsed) or "-"),
        ("drive_id", clean(job.drive_id or "-")),
        ("project_id", clean(job.project_id or "-")),
        ("project_url", clean(job.project_url or "-")),
    ]
    if job.progress is not None:
        fields.append(("progress", clean(job.progress.label or "-")))
        if job.progress.percent is not None:
            fields.append(("percent", f"{job.progress.percent:.0f}%"))
        fields.append(("last_update_at", format_full_timestamp(job.progress.last_update_at)))
    return fields


def _result_fields(result: JobResult) -> list[tuple[str, str]]:
    fields = [("result.status", clean(result.status or "-"))]
    if result.error_message or result.error_code:
        fields.append(("error_message", clean(result.error_message or "-")))
        fields.append(("error_code", clean(result.error_code or "-")))
    if result.agent_response is not None:
        fields.append(("agent_response", clean(result.agent_response)))
    if result.project_changed is not None:
        fields.append(("project_changed", "yes" if result.project_changed else "no"))
    if result.media_seconds_used is not None:
        fields.append(("media_seconds_used", f"{result.media_seconds_used:g}"))
    if result.ai_credits_used is not None:
        fields.append(("ai_credits_used", f"{result.ai_credits_used:g}"))
    for key in ("composition_id", "share_url", "download_url"):
        if value := getattr(result, key):
            fields.append((key, clean(value)))
    if result.download_url_expires_at:
        expires = format_full_timestamp(result.download_url_expires_at)
        fields.append(("download_url_expires_at", expires))
    for composition in result.created_compositions:
        fields.append(
            ("created_composition", clean(f"{composition.name or '-'} ({composition.id})"))
        )
    return fields


def _file_lines(job: Job, *, ascii_only: bool) -> list[str]:
    assert job.result is not None
    files = sorted(job.result.media_status, key=lambda f: not f.failed)  # failed first
    rows = (
        [
            clean(f.name),
            _file_status(f.failed, f.status, ascii_only=ascii_only),
            format_duration(f.duration_seconds),
            clean(f.error_message or ""),
        ]
        for f in files
    )
    table = render_table(("NAME", "STATUS", "LENGTH", "ERROR"), rows)
    summary = f"files: {len(job.succeeded_files)} ok, {len(job.failed_files)} failed"
    return ["", summary, *("  " + line for line in table)]


def _file_status(failed: bool, status: str | None, *, ascii_only: bool) -> str:
    symbol = state_symbol(Outcome.FAILED if failed else Outcome.SUCCESS, ascii_only=ascii_only)
    return f"{symbol} {clean(status or '-')}"


def watch_line(job: Job, now: datetime, *, ascii_only: bool = False) -> str:
    """One line of `jobs watch`: time, id, state, percent, label (or how it ended, whole)."""
    parts = [
        now.strftime("%H:%M:%S"),
        clean(job.job_id),
        clean(job.kind),
        state_cell(job, ascii_only=ascii_only),
    ]
    if percent := percent_cell(job):
        parts.append(percent)
    if files := files_cell(job):
        parts.append(f"files ok/failed {files}")
    # A running job's label is cut; how a job ended never is (the user acts on it).
    label = outcome_note(job) if job.is_finished else clean(label_cell(job), max_width=80)
    if label:
        parts.append(label)
    return "  ".join(parts)


def outcome_note(job: Job) -> str:
    """How a finished job ended, whole: its error, or which files failed and why."""
    failed = job.failed_files
    if not failed:
        return clean(label_cell(job))
    files = "; ".join(f"{clean(f.name)}: {clean(f.error_message or 'failed')}" for f in failed)
    return f"{files_failed_summary(job) or f'{len(failed)} files failed'}: {files}"


def failure_lines(job: Job, *, width: int | None = None, ascii_only: bool = False) -> list[str]:
    """Every failed file of a job (and the job's own error), in full: wrapped, never cut.

    Empty for a job that did not fail. `width` (a terminal's) wraps long errors onto
    indented lines; without it each file is one line.
    """
    if job.outcome not in (Outcome.FAILED, Outcome.PARTIAL, Outcome.FINISHED_UNKNOWN):
        return []
    cross = state_symbol(Outcome.FAILED, ascii_only=ascii_only)
    head = f"{state_cell(job, ascii_only=ascii_only)} {clean(job.job_id)}"
    if job.error_message:
        head += f": {clean(job.error_message)}"
    if job.error_code:
        head += f" ({clean(job.error_code)})"
    lines = _wrapped(head, width, "    ")
    for failed in job.failed_files:
        text = f"  {cross} {clean(failed.name)}: {clean(failed.error_message or 'failed')}"
        lines.extend(_wrapped(text, width, "      "))
    return lines


def _wrapped(text: str, width: int | None, indent: str) -> list[str]:
    if width is None or len(text) <= width:
        return [text]
    return textwrap.wrap(
        text,
        width=max(20, width),
        subsequent_indent=indent,
        break_long_words=True,
        break_on_hyphens=False,
    )


def bar_cell(job: Job, *, width: int = 20, ascii_only: bool = False) -> str:
    """`█████▍░░░░  42%`: the dashboard's bar; `#`/`-` where the stream cannot print blocks."""
    percent = job_percent(job)
    bar = progress_bar(percent, width)
    if ascii_only:
        bar = "".join("-" if ch == "░" else "#" for ch in bar)
    return f"{bar} {percent_text(percent)}"


class WatchBoard:
    """`jobs watch` on a terminal: one line per job, redrawn in place with plain ANSI.

    Like `gh run watch`: a status line, then each job's state, bar and label cut to the
    terminal's width. With more jobs than the screen holds, unfinished jobs come first and
    one line counts the rest. `close()` leaves the last frame on screen.
    """

    def __init__(
        self,
        stream: TextIO,
        job_ids: Sequence[str],
        *,
        width: int,
        height: int,
        ascii_only: bool = False,
    ) -> None:
        self._stream = stream
        self._order = {job_id: index for index, job_id in enumerate(job_ids)}
        self._jobs: dict[str, Job | None] = dict.fromkeys(job_ids)
        self._notes: dict[str, str] = {}
        self._width = max(20, width)
        self._rows = max(3, height - 1)
        self._ascii = ascii_only
        self._drawn = 0

    def update(self, job: Job) -> None:
        if job.job_id in self._jobs:
            self._jobs[job.job_id] = job

    def note(self, job_id: str, text: str) -> None:
        """A line for a job the board cannot show as a job (gone, refused)."""
        self._notes[job_id] = text

    def frame(self, status: str) -> list[str]:
        """The lines of one frame: the status line, then one line per job that fits."""
        unfinished = [i for i, j in self._jobs.items() if j is None or not j.is_finished]
        shown = sorted(
            self._jobs, key=lambda i: (i not in unfinished, i in self._notes, self._order[i])
        )
        room = self._rows - 1
        hidden = 0
        if len(shown) > room:
            hidden = len(shown) - (room - 1)
            shown = shown[: room - 1]
        lines = [clean(status, max_width=self._width)]
        lines.extend(clean(self._line(job_id), max_width=self._width) for job_id in shown)
        if hidden:
            lines.append(f"... and {hidden} more")
        return lines

    def draw(self, status: str) -> None:
        lines = self.frame(status)
        out = [f"\x1b[{self._drawn}F"] if self._drawn else []
        out.extend(f"\x1b[2K{line}\n" for line in lines)
        # A frame shorter than the last one: clear the lines left below it.
        out.extend("\x1b[2K\n" for _ in range(self._drawn - len(lines)))
        self._stream.write("".join(out))
        self._stream.flush()
        self._drawn = max(self._drawn, len(lines))

    def _line(self, job_id: str) -> str:
        if job_id in self._notes:
            return f"{state_symbol(Outcome.FAILED, ascii_only=self._ascii)} {job_id}  " + (
                self._notes[job_id]
            )
        job = self._jobs[job_id]
        if job is None:
            return f"{'…' if not self._ascii else '.'} {job_id}  waiting for the first answer"
        state = state_cell(job, ascii_only=self._ascii).ljust(12)
        bar = bar_cell(job, ascii_only=self._ascii)
        label = label_cell(job)
        return f"{state} {clean(job.job_id)}  {clean(job.kind).ljust(7)} {bar}  {clean(label)}"


def to_json(value: Any) -> str:
    """The API's JSON, pretty-printed; non-ASCII kept as typed."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def describe_error(err: BaseException) -> list[str]:
    """An API error as the user needs it: status and server message, then the remedy."""
    status = getattr(err, "status", None)
    code = getattr(err, "error", None)
    message = getattr(err, "message", None)
    # An API error answer (ApiError): status, the server's `error` and `message`.
    if status is not None and hasattr(err, "message"):
        head = f"the server answered {status}"
        if code:
            head += f" {clean(code)}"
        if message:
            head += f": {clean(message)}"
    else:
        head = clean(str(err)) or type(err).__name__
    lines = [head]
    retry_after = getattr(err, "retry_after", None)
    if retry_after is not None and retry_after.usable:
        lines.append(f"retry after: {format_duration(retry_after.seconds)}")
    remedy = getattr(err, "remedy", None)
    if remedy:
        lines.append(f"what to do: {clean(remedy)}")
    return lines


class UploadProgress:
    """A progress bar per uploaded file, drawn on stderr (redrawn in place on a terminal)."""

    def __init__(self, stream: TextIO, *, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._tty = bool(getattr(stream, "isatty", lambda: False)())
        self._ascii = not can_encode(stream)
        self._last: dict[str, int] = {}

    def __call__(self, name: str, sent: int, total: int | None) -> None:
        total = total or 0
        percent = 100 if total <= 0 else min(100, int(sent * 100 / total))
        # Off a terminal, print each file at 0/25/50/75/100 % only, so logs stay short.
        step = percent if self._tty else percent - percent % 25
        if self._last.get(name) == step:
            return
        self._last[name] = step
        filled = self._width * percent // 100
        full, empty = ("#", "-") if self._ascii else ("█", "░")
        bar = full * filled + empty * (self._width - filled)
        sizes = f"{_size(sent)}/{_size(total)}"
        line = f"uploading {clean(name, max_width=40)} [{bar}] {percent:3d}% {sizes}"
        if self._tty:
            end = "\n" if percent >= 100 else ""
            self._stream.write(f"\r{line}{end}")
        else:
            self._stream.write(line + "\n")
        self._stream.flush()


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return f"{value:.1f}GB"
