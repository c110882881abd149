"""The detail pane: every field of the selected job, its files or agent result, or its raw JSON.

Everything the API sent goes in as `rich.text.Text` (a label like `Podcast [rough]` shows as
typed). The per-file table lists failed files first, each failed file's error message wrapped
on the lines under its row: they are what the user came to see, so no width cuts them off.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

from rich.json import JSON
from rich.padding import Padding
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from tui.api.models import Job, MediaFile
from tui.formatting import (
    EXPIRED_WORDS,
    RETENTION_NOTE,
    STATE_LABELS,
    STATE_SYMBOLS,
    files_failed_summary,
    format_duration,
    format_full_timestamp,
    job_percent,
    percent_text,
    progress_bar,
    state_class,
    state_text,
)
from tui.triage.retry_failed import RetryLinks
from tui.triage.stalls import agent_settle_note

# The pane's width beside the table, as a share of the screen: `<`/`>` step through these,
# and the journal's UI state keeps the choice (jobs.tcss has a `#detail.-wNN` rule for each
# but the default, which is the base rule).
PANE_WIDTHS: tuple[int, ...] = (30, 35, 45, 55)
DEFAULT_PANE_WIDTH = 35
# Fields whose value is an id: cut in the middle when the pane is narrow (people compare
# both ends of an id), never folded over two lines; `Y` copies the whole job id.
ID_FIELDS = frozenset({"Job", "Drive", "Project id"})


def pane_width_after(current: int, step: int) -> int:
    """The PANE_WIDTHS entry `step` places from `current` (kept within the list)."""
    index = PANE_WIDTHS.index(current if current in PANE_WIDTHS else DEFAULT_PANE_WIDTH)
    return PANE_WIDTHS[max(0, min(len(PANE_WIDTHS) - 1, index + step))]


def middle_cut(value: str, width: int) -> str:
    """`6b3a19be…afbe12`: `value` in `width` cells, its start and end kept (ids are ASCII)."""
    if len(value) <= width or width < 3:
        return value
    keep = width - 1
    return f"{value[: (keep + 1) // 2]}…{value[len(value) - keep // 2 :]}"


def files_failed_first(job: Job) -> list[MediaFile]:
    """The import's files with failures first, then the rest, each group in API order."""
    if job.result is None:
        return []
    return [*job.failed_files, *job.succeeded_files]


def _fields_table(rows: list[tuple[str, Text | str]], width: int | None = None) -> Table:
    """The fields grid; with the pane's `width`, ids are cut in the middle to one line."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    room = None if width is None else width - max(len(name) for name, _ in rows) - 1
    for name, value in rows:
        if room is not None and name in ID_FIELDS and isinstance(value, str):
            value = middle_cut(value, room)
        table.add_row(name, value if isinstance(value, Text) else Text(value))
    return table


def job_fields(
    job: Job, now: datetime, project_name: str | None = None, *, expired: bool = False
) -> list[tuple[str, Any]]:
    """(field, value) rows for the fields grid; values are Text or plain str (never markup).

    The job's error and files are not among them: the pane shows those above the fields.
    """
    progress = job.progress
    percent = job_percent(job)
    state = f"{state_text(job.outcome)}  (job_state: {job.job_state or '-'})"
    if expired:
        state = f"{EXPIRED_WORDS}; last seen {state}"
    rows: list[tuple[str, Any]] = [
        ("Job", job.job_id),
        ("Type", job.job_type or "-"),
        ("State", state),
        ("Progress", f"{progress_bar(percent, 12)} {percent_text(percent).strip()}"),
        ("Label", (progress.label if progress and progress.label else "-")),
        ("Updated", format_full_timestamp(progress.last_update_at if progress else None)),
        ("Created", format_full_timestamp(job.created_at)),
        ("Stopped", format_full_timestamp(job.stopped_at)),
        ("Duration", format_duration(job.duration_seconds(now))),
        ("Drive", job.drive_id or "-"),
        ("Project", project_name or "-"),
        ("Project id", job.project_id or "-"),  # its own row: an id, cut like one
        ("URL", job.project_url or "-"),
    ]
    result = job.result
    if result is not None:
        rows.append(("Result", result.status or "-"))
        if result.media_seconds_used is not None:
            rows.append(("Media seconds", f"{result.media_seconds_used:g}"))
        if result.ai_credits_used is not None:
            rows.append(("AI credits", f"{result.ai_credits_used:g}"))
        if job.kind == "agent":
            changed = result.project_changed
            rows.append(
                ("Project changed", "-" if changed is None else ("yes" if changed else "no"))
            )
        for composition in result.created_compositions:
            rows.append(("Composition", f"{composition.name or '-'}  ({composition.id or '-'})"))
        for name, value in (("Share URL", result.share_url), ("Download", result.download_url)):
            if value:
                rows.append((name, value))
    return rows


def error_text(job: Job) -> Text | None:
    """`✖ Export failed during render  (error_code: render_failed)`, or None without an error."""
    if not job.error_message and not job.error_code:
        return None
    text = Text(f"✖ {job.error_message or 'failed'}")
    if job.error_code:
        text.append(f"  (error_code: {job.error_code})")
    return text


def files_table(files: list[MediaFile], failed_style: Style, ok_style: Style) -> Table:
    """One row per file (name, status, media length); a failed file's error wraps below it.

    The name column takes the spare width and folds, so a long name or error is never cut.
    """
    table = Table(box=None, expand=True, pad_edge=False, padding=(0, 1), show_edge=False)
    table.add_column("File", ratio=1, overflow="fold")
    table.add_column("Status", no_wrap=True)
    table.add_column("Length", justify="right", no_wrap=True)
    for media in files:
        style = failed_style if media.failed else ok_style
        name = Text("✖ " if media.failed else "✔ ", style=style)
        name.append_text(Text(media.name))
        status = Text(media.status or ("failed" if media.failed else "-"), style=style)
        table.add_row(name, status, Text(format_duration(media.duration_seconds)))
        if media.failed and media.error_message:
            message = Text(media.error_message, style=failed_style)
            table.add_row(Padding(message, (0, 0, 0, 2)), "", "")
    return table


class DetailPane(VerticalScroll):
    """Shows one job; `raw` switches to its JSON as the API sent it."""

    raw: reactive[bool] = reactive(False)

    COMPONENT_CLASSES: ClassVar[set[str]] = {"detail-pane--failed", "detail-pane--ok"}

    DEFAULT_CSS = """
    DetailPane .-hidden { display: none; }
    DetailPane #detail-fields { margin-top: 1; }
    DetailPane > .detail-pane--failed { color: $error; }
    DetailPane > .detail-pane--ok { color: $success; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job: Job | None = None
        self.project_name: str | None = None
        #: The shown job is past retention (404): its fields are the last ones seen.
        self.expired = False
        self.links: RetryLinks | None = None
        self._now: datetime | None = None
        #: The files in the per-file table, in the order shown (failed first).
        self.files_shown: list[MediaFile] = []
        #: Share of the screen beside the table (PANE_WIDTHS); under it, the full width.
        self.width_percent = DEFAULT_PANE_WIDTH

    def set_width(self, percent: int) -> None:
        """Beside the table, take `percent` of the screen (a PANE_WIDTHS entry)."""
        self.width_percent = percent if percent in PANE_WIDTHS else DEFAULT_PANE_WIDTH
        for each in PANE_WIDTHS:
            self.set_class(each == self.width_percent, f"-w{each}")

    def on_resize(self) -> None:
        self._render_job()  # ids are cut to the new width

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield Static(Text(RETENTION_NOTE), id="detail-expired", classes="-hidden")
        # What the user came to see comes first: the error, the files, the agent's answer.
        yield Static(id="detail-error", classes="-hidden")
        yield Static(id="detail-files-title", classes="-hidden")
        yield Static(id="detail-files", classes="-hidden")
        yield Static(id="detail-agent", classes="-hidden")
        yield Static(id="detail-fields")
        yield Static(id="detail-raw", classes="-hidden")
        yield Static(
            Text("o open project · y copy URL · Y copy id · r raw JSON · < > width"),
            id="detail-hint",
        )

    def on_mount(self) -> None:
        self.can_focus = False
        # File colours come from the theme: draw them again once a new theme's CSS applies.
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.call_after_refresh(self._render_job)
        )

    def show(
        self,
        job: Job | None,
        now: datetime,
        project_name: str | None = None,
        *,
        expired: bool = False,
        links: RetryLinks | None = None,
    ) -> None:
        """Render `job` (or the empty state); cheap to call again with the same job.

        `expired`: the API no longer knows it (404 past retention); the pane says so.
        `links`: the import it retried, and the imports that retried it (from the journal).
        """
        self.job, self._now, self.project_name = job, now, project_name
        self.links = links
        self.expired = expired and job is not None
        self._render_job()

    def watch_raw(self) -> None:
        self._render_job()

    def _render_job(self) -> None:
        if not self.is_mounted:
            return
        job = self.job
        title = self.query_one("#detail-title", Static)
        self.query_one("#detail-expired").set_class(not self.expired, "-hidden")
        if job is None:
            title.update(Text("No job selected"))
            for widget_id in ("fields", "error", "files-title", "files", "agent", "raw"):
                self.query_one(f"#detail-{widget_id}").set_class(True, "-hidden")
            self.files_shown = []
            return
        symbol = STATE_SYMBOLS[job.outcome]
        last = f"{symbol} {STATE_LABELS[job.outcome]}"
        if self.expired:
            title.update(Text(f"{EXPIRED_WORDS} {job.kind} {job.short_id} (last seen {last})"))
            title.set_classes(["-title", "state--expired"])
        else:
            title.update(Text(f"{last} {job.kind} {job.short_id}"))
            title.set_classes(["-title", state_class(job.outcome)])
        raw = self.raw
        self.query_one("#detail-raw", Static).set_class(not raw, "-hidden")
        self.query_one("#detail-fields", Static).set_class(raw, "-hidden")
        if raw:
            for widget_id in ("error", "files-title", "files", "agent"):
                self.query_one(f"#detail-{widget_id}").set_class(True, "-hidden")
            self.query_one("#detail-raw", Static).update(raw_json(job))
            return
        now = self._now or datetime.now().astimezone()
        fields = job_fields(job, now, self.project_name, expired=self.expired)
        if self.links is not None and self.links.retry_of:
            fields.append(("Retry of", self.links.retry_of))
        if self.links is not None and self.links.retried_by:
            fields.append(("Retried by", ", ".join(self.links.retried_by)))
        width = self.scrollable_content_region.width or None  # 0 before the first layout
        self.query_one("#detail-fields", Static).update(_fields_table(fields, width))
        self._render_error(job)
        self._render_files(job)
        self._render_agent(job)

    def _render_error(self, job: Job) -> None:
        error = self.query_one("#detail-error", Static)
        text = error_text(job)
        error.set_class(text is None, "-hidden")
        if text is not None:
            error.update(text)

    def _render_files(self, job: Job) -> None:
        files = files_failed_first(job)
        self.files_shown = files
        title = self.query_one("#detail-files-title", Static)
        table = self.query_one("#detail-files", Static)
        title.set_class(not files, "-hidden")
        table.set_class(not files, "-hidden")
        if not files:
            return
        summary = files_failed_summary(job)
        count = f"all {len(files)} imported" if not summary else f"{summary}, failed first"
        title.update(Text(f"Files: {count}"))
        failed = self.get_component_rich_style("detail-pane--failed", partial=True)
        ok = self.get_component_rich_style("detail-pane--ok", partial=True)
        table.update(files_table(files, failed, ok))

    def _render_agent(self, job: Job) -> None:
        agent = self.query_one("#detail-agent", Static)
        response = job.result.agent_response if job.result else None
        # Its first minute after success, an agent job's visual updates may still propagate.
        note = agent_settle_note(job, self._now) if self._now is not None else None
        agent.set_class(not (response or note), "-hidden")
        text = Text(f"⏳ {note}\n" if note else "")
        if response:
            text.append(f"Agent response:\n{response}")
        if response or note:
            agent.update(text)


def raw_json(job: Job) -> JSON:
    """The job's JSON, pretty; long values wrap instead of running off the pane."""
    rendered = JSON(json.dumps(job.raw, ensure_ascii=False))
    rendered.text.no_wrap = False
    rendered.text.overflow = "fold"
    return rendered
