"""Reconcile a submission whose answer was lost: find the job it may have made, or say none.

A POST whose body went out and whose answer never came may or may not have created a job;
sending it again could make a duplicate. This modal lists the jobs created around the time
of the submission (`tui.reconcile.find_candidates`: a few GETs, never a POST), each with the
reasons it matches. Picking one links it to the submission in the journal and watches it;
"none of these" records that no job was made, so it is safe to submit again; Escape leaves
the question open for later.

`ReconcileScreen(pending, known_job_ids=...)` dismisses with `Reconciled(local_id, job)`
(job None: no job was created) or None (later).
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from tui.api.client import DescriptClient
from tui.api.errors import DescriptError
from tui.api.models import Job
from tui.formatting import format_clock, state_text
from tui.journal import Journal, PendingSubmission
from tui.paths import style_paths
from tui.reconcile import Candidate, find_candidates


@dataclass(frozen=True)
class Reconciled:
    """What the user decided for submission `local_id`: its job, or None (none was made)."""

    local_id: int
    job: Job | None


def submission_summary(pending: PendingSubmission) -> Text:
    """Kind, time, project and what was asked: enough to recognise one's own submit."""
    request = pending.request
    text = Text()
    text.append(f"{pending.kind} submitted at {format_clock(pending.submitted_at)} UTC", "bold")
    project = request.get("project_name") or request.get("project_id")
    if project:
        text.append(f"  ·  project {project}")
    media = request.get("add_media")
    if isinstance(media, dict) and media:
        text.append(f"\nmedia: {', '.join(map(str, media))}")
    prompt = request.get("prompt")
    if isinstance(prompt, str) and prompt:
        text.append(f"\nprompt: {prompt[:120]}")
    if pending.error:
        text.append(f"\nwhat happened: {pending.error}", "italic")
    return text


class ReconcileScreen(ModalScreen[Reconciled | None]):
    """Candidates for one lost-answer submission; pick one, or none."""

    CSS_PATH: ClassVar[Any] = style_paths("app.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick", "This is it"),
        Binding("n", "none", "None of these"),
        Binding("r", "search", "Search again"),
        Binding("escape", "later", "Later"),
    ]

    def __init__(
        self,
        pending: PendingSubmission,
        *,
        client: DescriptClient,
        journal: Journal,
        known_job_ids: Collection[str] = (),
    ) -> None:
        super().__init__()
        self.pending = pending
        self.client = client
        self.journal = journal
        self.known_job_ids = frozenset(known_job_ids)
        self.candidates: list[Candidate] = []
        #: "searching", "found" (candidates listed, maybe none), "failed", "saving".
        self.phase = "searching"

    def compose(self) -> ComposeResult:
        with Vertical(id="reconcile-dialog"):
            yield Static("Did this submission make a job?", classes="dialog-title")
            yield Static(submission_summary(self.pending), id="reconcile-submission")
            yield Static(id="reconcile-status")
            table: DataTable[Text] = DataTable(id="reconcile-candidates", cursor_type="row")
            yield table
            with Horizontal(classes="dialog-buttons"):
                yield Button("This is it (enter)", id="reconcile-pick", variant="primary")
                yield Button("None of these (n)", id="reconcile-none", variant="warning")
                yield Button("Later (esc)", id="reconcile-later")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, header in (
            ("job", "Job"),
            ("created", "Created"),
            ("state", "State"),
            ("project", "Project"),
            ("why", "Why it may be yours"),
        ):
            table.add_column(header, key=key)
        self.action_search()

    def _status(self, message: str) -> None:
        self.query_one("#reconcile-status", Static).update(Text(message))

    def action_search(self) -> None:
        if self.phase == "saving":
            return
        self.phase = "searching"
        self._status("Looking for jobs created around the submission (GET /jobs, no POST)…")
        self.query_one("#reconcile-pick", Button).disabled = True
        self.search()

    @work(exclusive=True, group="reconcile", exit_on_error=False)
    async def search(self) -> None:
        client = self.client
        try:
            found = await find_candidates(client, self.pending, known_job_ids=self.known_job_ids)
        except DescriptError as error:
            self.phase = "failed"
            self._status(f"Could not list the jobs: {error}. r tries again.")
            return
        self.show_candidates(found)

    def show_candidates(self, found: list[Candidate]) -> None:
        self.candidates = found
        self.phase = "found"
        table = self.query_one(DataTable)
        table.clear()
        for candidate in found:
            job = candidate.job
            table.add_row(
                Text(job.job_id),
                Text(format_clock(job.created_at)),
                Text(state_text(job.outcome)),
                Text(job.project_id or "-"),
                Text("; ".join(candidate.reasons)),
                key=job.job_id,
            )
        if found:
            noun = "job matches" if len(found) == 1 else "jobs match, best first"
            self._status(f"{len(found)} {noun}. Enter picks it; n if none of these is yours.")
            table.focus()
        else:
            self._status(
                "No job matches: most likely none was created. n records that, and it is "
                "then safe to submit again; Escape decides later."
            )
        self.query_one("#reconcile-pick", Button).disabled = not found

    def selected(self) -> Job | None:
        table = self.query_one(DataTable)
        if not self.candidates or table.row_count == 0:
            return None
        return self.candidates[min(table.cursor_row, len(self.candidates) - 1)].job

    def action_pick(self) -> None:
        job = self.selected()
        if job is None or self.phase != "found":
            return
        self.resolve(job)

    def action_none(self) -> None:
        if self.phase == "saving":
            return
        self.resolve(None)

    def action_later(self) -> None:
        if self.phase != "saving":
            self.dismiss(None)

    @work(exclusive=True, group="reconcile-save", exit_on_error=False)
    async def resolve(self, job: Job | None) -> None:
        journal = self.journal
        self.phase = "saving"
        job_id = job.job_id if job is not None else None

        def record() -> None:
            if job is not None:
                journal.upsert_job(job)  # the row must exist for the link to land on it
            journal.resolve_reconciliation(self.pending.local_id, job_id)

        try:
            await asyncio.to_thread(record)
        except Exception as error:  # a journal that fails must not lose the user's answer
            self.phase = "found" if self.candidates else "failed"
            self._status(f"Could not record it in the journal: {error}")
            return
        self.dismiss(Reconciled(self.pending.local_id, job))

    @on(DataTable.RowSelected, "#reconcile-candidates")
    def _row_selected(self) -> None:
        self.action_pick()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "reconcile-pick":
            self.action_pick()
        elif event.button.id == "reconcile-none":
            self.action_none()
        else:
            self.action_later()
