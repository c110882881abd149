"""The detail pane: every field of the selected job, its files or agent result, or its raw JSON.

Everything the API sent goes in as `rich.text.Text` (a label like `Podcast [rough]` shows as
typed). The per-file table lists failed files first: they are what the user came to see.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.json import JSON
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import DataTable, Static

from tui.api.models import Job, MediaFile
from tui.widgets.formatting import (
    STATE_SYMBOLS,
    format_duration,
    format_full_timestamp,
    job_percent,
    percent_text,
    progress_bar,
    state_class,
    state_text,
)


def files_failed_first(job: Job) -> list[MediaFile]:
    """The import's files with failures first, then the rest, each group in API order."""
    if job.result is None:
        return []
    return [*job.failed_files, *job.succeeded_files]


def _fields_table(rows: list[tuple[str, Text | str]]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, value if isinstance(value, Text) else Text(value))
    return table


def job_fields(job: Job, now: datetime, project_name: str | None = None) -> list[tuple[str, Any]]:
    """(field, value) rows for the fields grid; values are Text or plain str (never markup)."""
    progress = job.progress
    percent = job_percent(job)
    rows: list[tuple[str, Any]] = [
        ("Job", job.job_id),
        ("Type", job.job_type or "-"),
        ("State", f"{state_text(job.outcome)}  (job_state: {job.job_state or '-'})"),
        ("Progress", f"{progress_bar(percent, 20)} {percent_text(percent).strip()}"),
        ("Label", (progress.label if progress and progress.label else "-")),
        ("Updated", format_full_timestamp(progress.last_update_at if progress else None)),
        ("Created", format_full_timestamp(job.created_at)),
        ("Stopped", format_full_timestamp(job.stopped_at)),
        ("Duration", format_duration(job.duration_seconds(now))),
        ("Drive", job.drive_id or "-"),
        (
            "Project",
            f"{project_name}  ({job.project_id})" if project_name else job.project_id or "-",
        ),
        ("URL", job.project_url or "-"),
    ]
    result = job.result
    if result is not None:
        rows.append(("Result", result.status or "-"))
        if result.error_message or result.error_code:
            rows.append(("Error", result.error_message or "-"))
            rows.append(("Error code", result.error_code or "-"))
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


class DetailPane(VerticalScroll):
    """Shows one job; `raw` switches to its JSON as the API sent it."""

    raw: reactive[bool] = reactive(False)

    DEFAULT_CSS = """
    DetailPane #detail-files { height: auto; max-height: 14; }
    DetailPane .-hidden { display: none; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job: Job | None = None
        self.project_name: str | None = None
        self._now: datetime | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="detail-title")
        yield Static(id="detail-fields")
        yield Static(id="detail-error", classes="-hidden")
        yield Static("Files (failed first)", id="detail-files-title", classes="-hidden")
        yield DataTable(id="detail-files", cursor_type="row", classes="-hidden")
        yield Static(id="detail-agent", classes="-hidden")
        yield Static(id="detail-raw", classes="-hidden")
        yield Static(
            Text("o open project · y copy URL · r raw JSON · enter hide"),
            id="detail-hint",
        )

    def on_mount(self) -> None:
        files = self.query_one("#detail-files", DataTable)
        files.add_column("File", key="name", width=18)
        files.add_column("Status", key="status", width=7)
        files.add_column("Took", key="duration", width=6)
        files.add_column("Error", key="error", width=60)
        self.can_focus = False

    def show(self, job: Job | None, now: datetime, project_name: str | None = None) -> None:
        """Render `job` (or the empty state); cheap to call again with the same job."""
        self.job, self._now, self.project_name = job, now, project_name
        self._render_job()

    def watch_raw(self) -> None:
        self._render_job()

    def _render_job(self) -> None:
        if not self.is_mounted:
            return
        job = self.job
        title = self.query_one("#detail-title", Static)
        if job is None:
            title.update(Text("No job selected"))
            for widget_id in ("fields", "error", "files-title", "files", "agent", "raw"):
                self.query_one(f"#detail-{widget_id}").set_class(True, "-hidden")
            return
        symbol = STATE_SYMBOLS[job.outcome]
        title.update(Text(f"{symbol} {job.kind} {job.short_id}"))
        title.set_classes(["-title", state_class(job.outcome)])
        raw = self.raw
        self.query_one("#detail-raw", Static).set_class(not raw, "-hidden")
        self.query_one("#detail-fields", Static).set_class(raw, "-hidden")
        if raw:
            for widget_id in ("error", "files-title", "files", "agent"):
                self.query_one(f"#detail-{widget_id}").set_class(True, "-hidden")
            self.query_one("#detail-raw", Static).update(JSON(json.dumps(job.raw)))
            return
        now = self._now or datetime.now().astimezone()
        fields = job_fields(job, now, self.project_name)
        self.query_one("#detail-fields", Static).update(_fields_table(fields))
        self._render_error(job)
        self._render_files(job)
        self._render_agent(job)

    def _render_error(self, job: Job) -> None:
        error = self.query_one("#detail-error", Static)
        message = job.error_message
        error.set_class(not message, "-hidden")
        if message:
            code = f" [{job.error_code}]" if job.error_code else ""
            error.update(Text(f"✖ {message}{code}"))

    def _render_files(self, job: Job) -> None:
        files = files_failed_first(job)
        table = self.query_one("#detail-files", DataTable)
        self.query_one("#detail-files-title").set_class(not files, "-hidden")
        table.set_class(not files, "-hidden")
        table.clear()  # a handful of files for one job: a rebuild is the simple, right thing
        for media in files:
            status = Text(media.status or ("failed" if media.failed else "-"))
            if media.failed:
                status.stylize("bold")
            table.add_row(
                Text(media.name),
                status,
                Text(format_duration(media.duration_seconds)),
                Text(media.error_message or ""),
                key=media.name,
            )

    def _render_agent(self, job: Job) -> None:
        agent = self.query_one("#detail-agent", Static)
        response = job.result.agent_response if job.result else None
        agent.set_class(not response, "-hidden")
        if response:
            agent.update(Text(f"Agent response:\n{response}"))
