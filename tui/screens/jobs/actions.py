"""What the keys of the jobs screen do: filters, sort, the detail pane, watch, cancel,
reconcile, open and copy. Each action changes the board (a value in, `Changes` out) and the
screen renders what changed; actions on a job live here, with the screen that shows it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.text import Text
from textual import on
from textual.widgets import Input

from tui.api.models import Job
from tui.formatting import STATE_LABELS
from tui.live.board import Changes
from tui.live.filters import SORT_KEYS, STATE_FILTERS, JobFilter, JobSort, next_type
from tui.live.rows import RowStatus
from tui.screens.jobs.feed import JobsFeed
from tui.screens.reconcile import Reconciled
from tui.widgets.detail_pane import DetailPane

NO_TOKEN_HELP = (
    "No valid API token. Create one in Descript (Settings → API tokens), then run "
    "`descript-tui auth login` or set DESCRIPT_API_TOKEN, and start again. "
    "`descript-tui --demo` works without one."
)


class JobActions(JobsFeed):
    """The jobs screen's actions; rendering is the screen's (`show_changes`, `show_order`)."""

    def show_changes(self, changes: Changes) -> None:
        raise NotImplementedError  # the screen renders

    def show_order(self) -> None:
        raise NotImplementedError  # the screen renders

    def show_detail_job(self) -> None:
        raise NotImplementedError  # the screen renders

    def selected_job(self) -> Job | None:
        raise NotImplementedError  # the screen knows the cursor

    @property
    def detail_hidden(self) -> bool:
        return self.query_one("#detail").has_class("-hidden")

    # -- filter and sort ---------------------------------------------------------------

    def set_filter(self, new_filter: JobFilter) -> None:
        if self.board.set_filter(new_filter):
            self.show_order()
            self.remember_ui()

    def set_sort(self, sort: JobSort) -> None:
        if self.board.set_sort(sort):
            self.show_order()
            self.remember_ui()

    def action_filter_state(self, state: str) -> None:
        self.set_filter(self.board.job_filter.with_(state=state))

    def action_cycle_type(self) -> None:
        present = {row.job.kind for row in self.board.rows()}  # unknown types are offered too
        current = self.board.job_filter
        self.set_filter(current.with_(kind=next_type(current.kind, present)))

    def action_filter_project(self) -> None:
        """Only the selected job's project; again to show every project."""
        current = self.board.job_filter
        if current.project_id is not None:
            self.set_filter(current.with_(project_id=None))
            return
        job = self.selected_job()
        if job is None or job.project_id is None:
            self.notify("Select a job with a project first.", severity="warning")
            return
        self.set_filter(current.with_(project_id=job.project_id))

    def action_clear_filters(self) -> None:
        field = self.query_one("#text-filter", Input)
        field.value = ""
        if not field.has_focus:
            field.add_class("-hidden")  # nothing left to show in it
        self.set_filter(JobFilter())

    def action_text_filter(self) -> None:
        field = self.query_one("#text-filter", Input)
        field.remove_class("-hidden")
        field.focus()

    @on(Input.Changed, "#text-filter")
    def _text_changed(self, event: Input.Changed) -> None:
        self.set_filter(self.board.job_filter.with_(text=event.value.strip()))

    @on(Input.Submitted, "#text-filter")
    def _text_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#text-filter", Input).add_class("-hidden")
        self.query_one("#job-table").focus()

    def action_cycle_sort(self) -> None:
        self.set_sort(self.board.sort.next_column())

    def action_reverse_sort(self) -> None:
        sort = self.board.sort
        self.set_sort(JobSort(sort.column, not sort.reverse))

    # -- the detail pane -----------------------------------------------------------------

    def action_toggle_detail(self) -> None:
        detail = self.query_one("#detail")
        detail.set_class(not detail.has_class("-hidden"), "-hidden")
        self.show_detail_job()
        self.remember_ui()

    def action_raw_json(self) -> None:
        detail = self.query_one("#detail", DetailPane)
        if detail.has_class("-hidden"):
            detail.remove_class("-hidden")
            detail.raw = True
        else:
            detail.raw = not detail.raw
        self.show_detail_job()

    def action_escape(self) -> None:
        field = self.query_one("#text-filter", Input)
        if field.has_focus:
            field.value = ""
            field.add_class("-hidden")
            self.query_one("#job-table").focus()
        elif not self.detail_hidden:
            self.query_one("#detail").add_class("-hidden")
        elif not self.board.job_filter.is_default:
            self.action_clear_filters()
        elif self.board.marked_ids():
            self.action_clear_marks()

    def action_clear_marks(self) -> None:
        raise NotImplementedError  # triage.py: marks for a bulk cancel

    # -- a job -----------------------------------------------------------------------------

    def action_toggle_watch(self) -> None:
        job = self.selected_job()
        if job is None:
            return
        if self.board.row(job.job_id).watched:
            self.show_changes(self.board.set_watched(job.job_id, False))
            self.notify(f"No longer watching {job.short_id}.", markup=False)
            return
        if job.is_finished:
            label = STATE_LABELS[job.outcome]
            self.notify(f"{job.short_id} has already finished ({label}).", markup=False)
            return
        self.show_changes(self.board.set_watched(job.job_id, True))
        if self.session.scheduler is not None:
            self.session.scheduler.watch(job)
        self.notify(f"Watching {job.short_id}: you will be told when it finishes.", markup=False)

    def can_change(self, what: str) -> bool:
        if self.session.client is None:
            self.notify(NO_TOKEN_HELP, title=f"Cannot {what}", severity="error", markup=False)
            return False
        if self.app_read_only():
            self.notify(f"Read-only profile: {what} is disabled.", severity="warning")
            return False
        return True

    def app_read_only(self) -> bool:
        return self.session.read_only

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Read-only hides cancel; its key then reaches the app's `refuse` binding."""
        if action == "cancel_job":
            return not self.session.read_only
        return True

    def action_cancel_job(self) -> None:
        job = self.selected_job()
        if job is None:
            self.notify("Select a job to cancel.", severity="warning")
            return
        row = self.board.row(job.job_id)
        if row.status is RowStatus.RECONCILE:
            self.notify(
                "This submission has no job id yet (its answer was lost): press R to look for "
                "the job it may have made.",
                severity="warning",
                markup=False,
            )
            return
        if job.is_finished:
            self.notify(
                f"{job.short_id} has already stopped ({STATE_LABELS[job.outcome]}): "
                "only a queued or running job can be cancelled.",
                severity="warning",
                markup=False,
            )
            return
        client = self.session.client
        if client is None or not self.can_change("cancel"):
            return
        from tui.screens.confirm_cancel import ConfirmCancelScreen

        modal = ConfirmCancelScreen(
            job, client=client, clock=self.session.clock, project_name=row.project_name
        )
        self.app.push_screen(modal, self._cancelled)

    def _cancelled(self, job: Job | None) -> None:
        if job is not None:
            self.show_changes(self.board.upsert([job]))

    def action_reconcile(self) -> None:
        job = self.selected_job()
        pending = self.board.pending.get(job.job_id) if job is not None else None
        if job is None or pending is None:
            if self.board.pending:
                self.notify(
                    "Select a row marked ⚠ reconcile first.", severity="warning", markup=False
                )
            else:
                self.notify("No submission needs reconciliation.", markup=False)
            return
        client, journal = self.session.client, self.session.journal
        if client is None or journal is None:
            self.notify(NO_TOKEN_HELP, severity="error", markup=False)
            return
        from tui.screens.reconcile import ReconcileScreen

        known = frozenset(self.board.submitted_ids)
        modal = ReconcileScreen(pending, client=client, journal=journal, known_job_ids=known)
        self.app.push_screen(modal, lambda result: self.reconciled(job.job_id, result))

    def reconciled(self, key: str, result: Reconciled | None) -> None:
        """The reconcile modal's answer (None: "later")."""
        if result is None:
            return  # "later": the row stays
        found: Job | None = result.job
        self.show_changes(self.board.resolve_pending(key, found))
        if found is None:
            self.notify(
                "Marked as never created: it is safe to submit it again.",
                title="Reconciled",
                markup=False,
            )
            return
        self.notify(
            f"It was {found.job_id}: now linked to the submission and watched.",
            title="Reconciled",
            markup=False,
        )
        self.track_job(found)

    def track_job(self, job: Job, project_name: str | None = None) -> None:
        raise NotImplementedError  # the screen shows it

    def action_open_project(self) -> None:
        job = self.selected_job()
        if job is None or not job.project_url:
            self.notify("This job has no project URL.", severity="warning")
            return
        self.app.open_url(job.project_url)

    def action_copy_url(self) -> None:
        job = self.selected_job()
        if job is None or not job.project_url:
            self.notify("This job has no project URL.", severity="warning")
            return
        self.app.copy_to_clipboard(job.project_url)
        self.notify(Text(f"Copied {job.project_url}").plain, markup=False)

    # -- UI state in the journal ---------------------------------------------------------

    def ui_state(self) -> dict[str, Any]:
        """What is remembered of this screen: filter, sort, detail pane."""
        sort = self.board.sort
        return {
            "jobs.filter": asdict(self.board.job_filter),
            "jobs.sort": {"column": sort.column, "reverse": sort.reverse},
            "jobs.detail": not self.detail_hidden,
        }

    def remember_ui(self, **extra: Any) -> None:
        """Write the UI state to the journal, off the UI thread (a few small writes)."""
        if self.session.journal is None or not self._ui_restored:
            return
        self.write_ui_state({**self.ui_state(), **extra})

    def restore_ui_state(self, state: dict[str, Any]) -> None:
        """Filters, sort and the detail pane as they were; anything unknown is ignored."""
        saved = state.get("jobs.filter")
        if isinstance(saved, dict):
            kind = saved.get("kind", "all")
            project = saved.get("project_id")
            text = saved.get("text", "")
            if (
                saved.get("state", "all") in STATE_FILTERS
                and isinstance(kind, str)  # a job type this client does not know is fine
                and (project is None or isinstance(project, str))
                and isinstance(text, str)
            ):
                self.board.set_filter(JobFilter(saved.get("state", "all"), kind, project, text))
                if text:
                    field = self.query_one("#text-filter", Input)
                    with field.prevent(Input.Changed):
                        field.value = text
        sort = state.get("jobs.sort")
        if isinstance(sort, dict) and sort.get("column") in SORT_KEYS:
            self.board.set_sort(JobSort(str(sort["column"]), bool(sort.get("reverse"))))
        if state.get("jobs.detail") is True:
            self.query_one("#detail").remove_class("-hidden")
