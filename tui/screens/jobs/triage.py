"""The jobs screen's triage keys (issue 11): go to any job, copy its id, stalls, failures
across jobs, marks and bulk cancel, the incident report, and asking before opening a project
whose job still runs.

The work itself is in `tui.triage` (Textual-free, shared with the CLI) and the modal screens
(goto, failures, bulk_cancel, confirm_open); this mixin only wires them to the board.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from textual import work

from tui.api.models import JOB_TYPE_IMPORT, Job, JobCreated
from tui.live.board import Changes
from tui.live.rows import RowStatus
from tui.screens.jobs.actions import JobActions
from tui.triage.cancel import CancelAnswer, cancellable, summary
from tui.triage.failures import group_failures
from tui.triage.ids import resolve_job_id
from tui.triage.report import incident_report, report_path
from tui.triage.retry_failed import RetryError, RetryLinks, plan_retry, retry_links
from tui.triage.stalls import StallThresholds, StallTracker

if TYPE_CHECKING:
    from tui.screens.failures import FailureChoice

# `F` lists the failures of this window (as `jobs failures` does by default).
FAILURES_WINDOW = timedelta(days=7)
# The go-to prompt's look at the API's list: enough pages for a fragment typed from a ticket.
GOTO_LIST_LIMIT = 500
# More new stalls than this at once are said in one notification (a restart after a night).
STALL_NOTICES = 3


class JobTriage(JobActions):
    """Triage actions of the jobs screen; the screen renders (`show_changes`)."""

    def focus_job(self, job: Job, project_name: str | None = None) -> None:
        raise NotImplementedError  # the screen shows, selects and watches it

    def track_created(
        self, created: JobCreated, *, job_type: str | None, project_name: str | None
    ) -> None:
        raise NotImplementedError  # the screen shows it

    @property
    def journal_rows(self) -> list[Any]:
        """The journal's rows as of the start, plus retries submitted since (retry links)."""
        rows: list[Any] | None = getattr(self, "_journal_rows", None)
        if rows is None:
            rows = self._journal_rows = []
        return rows

    def links_of(self, job_id: str) -> RetryLinks:
        return retry_links(job_id, self.journal_rows)

    @property
    def stall_tracker(self) -> StallTracker:
        tracker: StallTracker | None = getattr(self, "_stall_tracker", None)
        if tracker is None:
            tracker = StallTracker(StallThresholds.from_settings(self.session.profile))
            self._stall_tracker = tracker
        return tracker

    # -- stalls ------------------------------------------------------------------------------

    def check_stalls(self, jobs: Iterable[Job] | None = None) -> None:
        """Run the stall tracker over `jobs` (default: the rows time alone may have changed,
        `_stall_suspects`) and mark rows.

        Called where events are applied and on the clock's tick (a stall is time passing
        with nothing new, so no event announces it). One notification per new stall.
        """
        board, now = self.board, self.session.clock.now()
        ids = (job.job_id for job in jobs) if jobs is not None else self._stall_suspects(now)
        rows = (board.get(job_id) for job_id in ids)
        verdicts: dict[str, datetime | None] = {}
        newly: list[str] = []
        for row in rows:
            if row is None or (row.job.is_finished and row.stalled_since is None):
                continue  # nothing to judge and nothing to clear
            job = row.job
            if row.status is not RowStatus.LIVE:  # expired or a placeholder: not judged
                if row.stalled_since is not None:
                    verdicts[job.job_id] = None
                continue
            stall, new = self.stall_tracker.observe(job, now)
            verdicts[job.job_id] = stall.since if stall is not None else None
            if stall is not None and new:
                newly.append(f"{job.kind} {job.short_id}: {stall.reason}")
        self.show_changes(board.set_stalled(verdicts))
        if not newly:
            return
        if len(newly) > STALL_NOTICES:
            message = f"{len(newly)} jobs stalled (press 5 to show them)."
        else:
            message = "\n".join(newly)
        self.notify(message, title="⏸ Stalled", severity="warning", markup=False, timeout=8)

    def _stall_suspects(self, now: datetime) -> set[str]:
        """The rows time alone may have changed: past their deadline, never judged yet, or
        shown stalled (to clear one that expired). O(due), not O(rows): set operations in C
        over the board's live ids."""
        tracker, board = self.stall_tracker, self.board
        suspects = board.judged_ids().difference(tracker.observed())
        suspects.update(tracker.due(now))
        suspects.update(board.stalled_ids())
        return suspects

    # -- go to a job -------------------------------------------------------------------------

    def action_goto(self) -> None:
        """`:` a full id, the table's short id or a Descript URL: fetched, shown, watched."""
        from tui.screens.goto import GotoScreen

        self.app.push_screen(GotoScreen(self._resolve), self._went_to)

    async def _resolve(self, text: str) -> str:
        known = [row.job for row in self.board.rows()]
        client = self.session.client

        async def list_jobs() -> list[Job]:
            if client is None:
                return []
            return [job async for job in client.iter_jobs(max_items=GOTO_LIST_LIMIT)]

        return await resolve_job_id(text, known, list_jobs, pass_through=client is not None)

    def _went_to(self, job_id: str | None) -> None:
        if job_id is not None:
            self.fetch_and_focus(job_id)

    @work(group="goto", exclusive=True, exit_on_error=False)
    async def fetch_and_focus(self, job_id: str) -> None:
        """The board's row if there is one; else one GET. Then selected and watched."""
        row = self.board.get(job_id)
        if row is not None:
            self.focus_job(row.job)
            return
        client = self.session.client
        if client is None:
            self.notify(f"{job_id} is not on the board.", severity="warning", markup=False)
            return
        try:
            job = await client.get_job(job_id)
        except Exception as error:  # a 404 or a refusal: say it, the board stays as it was
            self.notify(str(error), title=f"Cannot open {job_id}", severity="error", markup=False)
            return
        self.focus_job(job)

    # -- failures across jobs ----------------------------------------------------------------

    def action_failures(self) -> None:
        """`F`: every failure of the last 7 days on the board, grouped by message."""
        from tui.screens.failures import FailuresScreen

        since = self.session.clock.now() - FAILURES_WINDOW
        groups = group_failures((row.job for row in self.board.rows()), since=since)
        self.app.push_screen(FailuresScreen(groups), self._failure_chosen)

    def _failure_chosen(self, choice: FailureChoice | None) -> None:
        """Enter: the job selected on the board; `ctrl+r`: its failed files in the form."""
        row = self.board.get(choice.job_id) if choice is not None else None
        if row is None:
            return
        self.focus_job(row.job)
        if choice is not None and choice.retry and self.can_change("import"):
            self.open_retry(row.job)

    # -- marks and bulk cancel ---------------------------------------------------------------

    @property
    def marked_count(self) -> int:
        """How many rows are marked; counted again only after marks change (not per poll)."""
        count: int | None = getattr(self, "_marked_count", None)
        if count is None:
            count = self._marked_count = sum(row.marked for row in self.board.rows())
        return count

    def show_marks(self, changes: Changes) -> None:
        """Render a change of marks; the filter bar's count follows."""
        self._marked_count = None
        self.show_changes(changes)

    def action_toggle_mark(self) -> None:
        """Space: mark or unmark the selected row for a bulk cancel (`c`)."""
        job = self.selected_job()
        if job is None:
            return
        marked = not self.board.row(job.job_id).marked
        self.show_marks(self.board.set_marked([job.job_id], marked))
        count = self.marked_count
        self.notify(
            f"{count} marked: c cancels them." if count else "No job marked.",
            markup=False,
            timeout=3,
        )

    def action_mark_shown(self) -> None:
        """`*`: mark every row the filter shows (one pass over the board's order)."""
        board = self.board
        shown = board.shown_ids()
        if not shown:
            self.notify("No job shown to mark.", severity="warning")
            return
        self.show_marks(board.set_marked(shown, True))
        stopped = sum(not cancellable(board.row(job_id)) for job_id in shown)
        live = len(shown) - stopped
        skipped = f"; {stopped:,} already stopped, c skips them" if stopped else ""
        self.notify(
            f"Marked {len(shown):,} shown: {live:,} can be cancelled{skipped}. u unmarks.",
            markup=False,
            timeout=5,
        )

    def action_clear_marks(self) -> None:
        """`u`: unmark every row, shown or not."""
        marked = self.board.marked_ids()
        if not marked:
            self.notify("No job marked.", markup=False, timeout=3)
            return
        self.show_marks(self.board.set_marked(marked, False))
        self.notify(f"Unmarked {len(marked):,}.", markup=False, timeout=3)

    def action_cancel_job(self) -> None:
        """`c`: the marked jobs at once (BulkCancelScreen), else the selected one."""
        marked = self.board.marked_ids()
        if not marked:
            super().action_cancel_job()
            return
        client = self.session.client
        if client is None or not self.can_change("cancel"):
            return
        from tui.screens.bulk_cancel import BulkCancelScreen

        rows = [self.board.row(job_id) for job_id in marked]
        live = [row.job for row in rows if cancellable(row)]
        skipped = [row.job for row in rows if not cancellable(row)]
        modal = BulkCancelScreen(live, client.cancel_job, skipped=skipped)
        self.app.push_screen(modal, self._bulk_cancelled)

    def _bulk_cancelled(self, answers: list[CancelAnswer] | None) -> None:
        marked = self.board.marked_ids()
        if answers is None:
            return  # declined: the marks stay for another try
        self.show_marks(self.board.set_marked(marked, False))
        self.notify(f"Bulk cancel: {summary(answers)}.", markup=False)
        scheduler = self.session.scheduler
        for answer in answers if scheduler is not None else ():
            if answer.ok:
                scheduler.poke(answer.job_id)  # type: ignore[union-attr]

    # -- the incident report -----------------------------------------------------------------

    def action_incident_report(self) -> None:
        """`!`: a Markdown report on the selected job, written to a file and copied."""
        job = self.selected_job()
        if job is None:
            self.notify("Select a job first.", severity="warning")
            return
        self.write_incident_report(job)

    @work(group="report", exit_on_error=False)
    async def write_incident_report(self, job: Job) -> None:
        session = self.session
        journal, client, now = session.journal, session.client, session.clock.now()
        journaled, history, calls = None, [], []
        if journal is not None:
            journaled = await self.journal_write(journal.get_job, job.job_id)
            history = await self.journal_write(journal.state_history, job.job_id) or []
            calls = await self.journal_write(journal.job_calls, job.job_id) or []
        text = incident_report(
            job,
            journaled=journaled,
            history=history,
            entries=client.activity.entries() if client is not None else (),
            calls=calls,
            base_url=client.base_url if client is not None else "",
            now=now,
        )
        path = report_path(self.report_folder(), job.job_id, now)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            self.notify(f"Cannot write {path}: {error}", severity="error", markup=False)
            return
        self.app.copy_to_clipboard(text)
        self.notify(f"Incident report written to {path} and copied.", markup=False, timeout=8)

    def report_folder(self) -> Path:
        """Beside the journal (the data dir), else the working directory."""
        journal = self.session.journal
        if journal is not None and not journal.in_memory:
            return journal.path.parent
        return Path.cwd()

    # -- resubmit only what failed ----------------------------------------------------------

    def action_retry_failed(self) -> None:
        """`ctrl+r`: the import form with just the failed files of this import, same project."""
        job = self.selected_job()
        if job is None:
            self.notify("Select a partial or failed import first.", severity="warning")
            return
        if self.can_change("import"):
            self.open_retry(job)

    @work(group="retry", exit_on_error=False)
    async def open_retry(self, job: Job) -> None:
        journal = self.session.journal
        rows = (await self.journal_write(journal.load_jobs) or []) if journal is not None else []
        row = next((r for r in rows if r.job_id == job.job_id), None)
        try:
            plan = plan_retry(job, row.request if row else None, row.extra if row else None)
        except RetryError as error:
            self.notify(str(error), title="Cannot retry", severity="warning", markup=False)
            return
        from tui.screens.import_form import ImportScreen

        name = self.board.row(job.job_id).project_name if job.job_id in self.board else None
        form = ImportScreen(retry=plan, project_name=name)

        def sent(created: JobCreated | None) -> None:
            if created is None:
                return
            extra = form.journal_extra(form.sent_request)
            self.journal_rows.append(SimpleNamespace(job_id=created.job_id, extra=extra))
            self.track_created(created, job_type=JOB_TYPE_IMPORT, project_name=name)

        self.app.push_screen(form, sent)

    # -- opening a project -------------------------------------------------------------------

    def action_open_project(self) -> None:
        """`o`: the project in the browser; a running job's project asks first."""
        job = self.selected_job()
        if job is None or not job.project_url:
            self.notify("This job has no project URL.", severity="warning")
            return
        from tui.screens.confirm_open import ConfirmOpenScreen, needs_confirmation

        if not needs_confirmation(job):
            self.open_or_copy(job.project_url)
            return
        url = job.project_url
        name = self.board.row(job.job_id).project_name
        modal = ConfirmOpenScreen(job, project_name=name)
        self.app.push_screen(modal, lambda yes: self.open_or_copy(url) if yes else None)

    def open_or_copy(self, url: str) -> None:
        """Open `url`; with no browser to open it (no display), copy it and say so."""
        if not has_display():
            self.app.copy_to_clipboard(url)
            self.notify(
                f"No browser here to open it: copied {url}", severity="warning", markup=False
            )
            return
        try:
            self.app.open_url(url)
        except Exception as error:  # the driver could not start a browser
            self.app.copy_to_clipboard(url)
            self.notify(
                f"Could not open a browser ({error}): copied {url}",
                severity="warning",
                markup=False,
            )


def has_display(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether a browser can show up: macOS and Windows always, X11/Wayland with a display,
    or a `BROWSER` command the user named."""
    if sys.platform in ("darwin", "win32") or environ.get("BROWSER"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
