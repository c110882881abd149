"""The jobs screen: the live table, its filters and sort, the detail pane and the header.

It holds a `Board` (tui/live/board.py) and renders what each board call says changed,
through one `TableRenderer` (render.py). Data comes down as the `Session` it is built on
and up as messages from its workers (feed.py): `JournalRestored` first, then `LiveBatch`es
from the list walk and the poller. The link state comes only from the scheduler's
`ConnectionEvent`s, through the `LinkView`; the one-second timer only re-words the header.
"""

from __future__ import annotations

import gc
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Static

from tui.api.link import JobEvent, WalkEvent
from tui.api.models import JOB_TYPE_AGENT, Job, JobCreated, Outcome
from tui.formatting import STATE_LABELS, STATE_SYMBOLS
from tui.live.board import Changes
from tui.live.link import OFFLINE, UNAUTHORIZED
from tui.live.rows import RowStatus
from tui.messages import JournalRestored, LiveBatch, ProjectsListed, ReconciliationsFound
from tui.screens.jobs.actions import NO_TOKEN_HELP
from tui.screens.jobs.render import TableRenderer
from tui.screens.jobs.triage import JobTriage
from tui.session import Session
from tui.widgets.detail_pane import PANE_WIDTHS, DetailPane, pane_width_after
from tui.widgets.job_table import JobTable
from tui.widgets.jobs_footer import JobsFooter
from tui.widgets.status_bar import StatusBar

# The UI state key (journal) of the detail pane's width beside the table.
PANE_WIDTH_STATE = "jobs.detail_width"
STATE_GROUP = Binding.Group("all/running/failed/partial", compact=True)
# Narrower than this, the detail pane goes under the table instead of beside it.
STACKED_BELOW = 115
SEVERITY: dict[Outcome, str] = {
    Outcome.SUCCESS: "information",
    Outcome.PARTIAL: "warning",
    Outcome.CANCELLED: "warning",
}


class JobsScreen(JobTriage):
    """The dashboard's main screen, for one session."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "toggle_detail", "Detail"),
        Binding("r", "raw_json", "Raw JSON", show=False),
        Binding("less_than_sign", "pane_width(-1)", "Narrower pane", key_display="<", show=False),
        Binding("greater_than_sign", "pane_width(1)", "Wider pane", key_display=">", show=False),
        Binding("Y", "copy_job_id", "Copy job id", show=False),
        Binding("slash", "text_filter", "Find", key_display="/"),
        Binding("1", "filter_state('all')", "All", group=STATE_GROUP),
        Binding("2", "filter_state('running')", "Running", group=STATE_GROUP),
        Binding("3", "filter_state('failed')", "Failed", group=STATE_GROUP),
        Binding("4", "filter_state('partial')", "Partial", group=STATE_GROUP),
        Binding("5", "filter_state('stalled')", "Stalled", show=False),
        Binding("t", "cycle_type", "Type", show=False),
        Binding("p", "filter_project", "Project", show=False),
        Binding("0", "clear_filters", "Clear filters", show=False),
        Binding("s", "cycle_sort", "Sort", show=False),
        Binding("S", "reverse_sort", "Reverse sort", show=False),
        Binding("w", "toggle_watch", "Watch"),
        Binding("c", "cancel_job", "Cancel"),
        Binding("c", "app.refuse('cancel')", "Cancel (read-only: refused)", show=False),
        Binding("o", "open_project", "Open project", show=False),
        Binding("y", "copy_url", "Copy URL", show=False),
        Binding("escape", "escape", "Back", show=False),
        # Triage (issue 11, screens/jobs/triage.py).
        Binding("colon", "goto", "Go to job", key_display=":", show=False),
        Binding("F", "failures", "Failures", show=False),
        Binding("space", "toggle_mark", "Mark", show=False),
        Binding("asterisk", "mark_shown", "Mark all shown", key_display="*", show=False),
        Binding("u", "clear_marks", "Unmark all", show=False),
        Binding("exclamation_mark", "incident_report", "Report", key_display="!", show=False),
        Binding("ctrl+r", "retry_failed", "Retry failed files", show=False),
        # The app's keys live here, not on the App, so they never fire while a form or a
        # modal is on top (a `q` typed with a Button focused must not quit the app).
        Binding("i", "app.import_media", "Import"),
        Binding("i", "app.refuse('import')", "Import (read-only: refused)", show=False),
        Binding("a", "app.agent_edit", "Agent"),
        Binding("a", "app.refuse('start an agent edit')", "Agent (read-only: refused)", show=False),
        Binding("l", "app.activity", "Activity"),
        Binding("question_mark", "app.help", "Keys", key_display="?"),
        Binding("q", "app.quit", "Quit"),
        Binding("T", "app.next_theme", "Theme", show=False),
        Binding("R", "reconcile", "Reconcile", show=False),
        Binding("comma", "app.settings", "Settings", key_display=",", show=False),
        Binding("P", "app.profiles", "Profiles", show=False),
    ]

    def __init__(self, session: Session, *, refresh_interval: float = 0.1) -> None:
        super().__init__(session, refresh_interval=refresh_interval)
        self.renderer = TableRenderer(self.board, session.clock.now)
        self._filter_words = ""
        self._heap_frozen = False
        self._drive_shown: str | None = None

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status-bar")
        yield Static(id="filter-bar")
        yield Static(id="banner", classes="-hidden")
        with Horizontal(id="jobs-body"):
            yield self.renderer.make_table(id="job-table")
            yield DetailPane(id="detail", classes="-hidden")
        yield Input(
            placeholder="text filter over id, project and label (enter keeps, esc clears)",
            id="text-filter",
            classes="-hidden",
        )
        yield JobsFooter()  # fewer, shorter hints when narrow: none is cut

    @property
    def table(self) -> JobTable:
        return self.query_one(JobTable)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        session = self.session
        self._fit_layout(self.app.size.width)
        self.status_bar.show_drive(None, session.read_only)
        self.status_bar.show_read_only(self.app_read_only())
        self._update_filter_bar()
        self.table.focus()
        # Wall-clock ticks only re-word the header (from the link model) and ages: cheap.
        self.set_interval(1.0, self.refresh_status)
        self.set_interval(5.0, self.renderer.refresh_ages)
        self.set_interval(5.0, self.triage_tick)
        if session.client is None:
            self._show_banner(UNAUTHORIZED, NO_TOKEN_HELP)
            self.status_bar.show_connection(UNAUTHORIZED)
        if session.journal is not None:
            self.restore_journal()  # its handler starts the list walk and the poller
        else:
            self._ui_restored = True
            self._start_live()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_layout(event.size.width)
        self._update_filter_bar()

    def _fit_layout(self, width: int) -> None:
        """Below STACKED_BELOW columns the detail pane sits under the table (see jobs.tcss)."""
        self.query_one("#jobs-body").set_class(width < STACKED_BELOW, "-stacked")

    @property
    def stacked(self) -> bool:
        """True while the detail pane goes under the table (a narrow terminal)."""
        return self.query_one("#jobs-body").has_class("-stacked")

    def _start_live(self) -> None:
        if self.session.client is None or self.session.scheduler is None:
            return
        self.poll_jobs()

    def on_unmount(self) -> None:
        if self._heap_frozen:
            gc.unfreeze()  # hand the jobs back to the collector (several apps in one process)

    def on_screen_resume(self) -> None:
        # Back from a form, the activity log or a modal; the terminal may have been resized.
        self._fit_layout(self.app.size.width)
        self.remember_ui(screen="jobs")

    # -- rendering -----------------------------------------------------------------------

    def show_changes(self, changes: Changes) -> None:
        """Render one board call's changes: rows, the filter bar, the detail pane, notices."""
        if not changes and not changes.watch_ended:
            return
        if changes.removed:
            self._marked_count = None  # a marked row may have gone: count again
        self.renderer.apply(changes)
        self._update_filter_bar()
        shown = self.detail.job
        if shown is not None and changes.touches(shown.job_id):
            self.show_detail_job()
        for job_id in changes.watch_ended:
            self._say_watch_ended(job_id)
        if changes.added:
            self.want_project_names(self.board.row(i).job for i in changes.added)
            self._say_drive()

    def show_order(self) -> None:
        """The filter or sort changed: the table shows the board's new order."""
        self.renderer.reset()
        self._update_filter_bar()
        self.show_detail_job()

    def _say_watch_ended(self, job_id: str) -> None:
        row = self.board.row(job_id)
        job = row.job
        if row.status is RowStatus.EXPIRED:
            self.notify(
                f"{job.short_id} is gone (404: expired or deleted).",
                severity="warning",
                markup=False,
            )
            return
        outcome = job.outcome
        detail = ""
        if outcome is Outcome.PARTIAL and job.result is not None:
            detail = f": {len(job.failed_files)} of {len(job.result.media_status)} files failed"
        elif job.error_message:
            detail = f": {job.error_message}"
        self.notify(
            f"{STATE_SYMBOLS[outcome]} {job.kind} {job.short_id} {STATE_LABELS[outcome]}{detail}",
            title="Job finished",
            severity=SEVERITY.get(outcome, "error"),  # type: ignore[arg-type]
            markup=False,
            timeout=8,
        )

    @property
    def drive_id(self) -> str | None:
        """The Drive the token belongs to, once a job has named it."""
        return self.board.drive_id

    def _say_drive(self) -> None:
        drive = self.board.drive_id
        if drive is not None and drive != self._drive_shown:
            self._drive_shown = drive
            self.status_bar.show_drive(drive, self.app_read_only())

    def _show_banner(self, state: str, detail: str) -> None:
        message = ""
        if state == UNAUTHORIZED:
            message = NO_TOKEN_HELP if detail == NO_TOKEN_HELP else f"{detail}\n{NO_TOKEN_HELP}"
        elif state == OFFLINE:
            message = f"Offline ({detail}). Retrying politely; rows show the last known state."
        elif state == "error":
            message = detail
        banner = self.query_one("#banner", Static)
        banner.update(Text(message.strip()))
        banner.set_classes(f"-{state.replace('_', '-')}" if message else "-hidden")

    def refresh_status(self) -> None:
        """Re-word the header from the link model and the budgets (the one-second tick)."""
        link, now = self.link, self.session.clock.now()
        retry_in = None
        if link.state == OFFLINE and link.retry_at is not None:
            retry_in = max(0, round((link.retry_at - now).total_seconds()))
        # The detail goes to the banner; the header keeps to the state and a countdown.
        self.status_bar.show_connection(link.state, retry_in=retry_in)
        self.status_bar.show_heard(link.header_text(now), stale=link.is_stale(now))
        client = self.session.client
        self.status_bar.show_budgets(client.limits.snapshot() if client else None, now)
        self.status_bar.show_callbacks(self.session.callbacks_text())  # issue 12

    def filter_description(self, *, compact: bool = False) -> str:
        """`Filter: state all · …   Sort: created ↓   34 of 34 jobs`; `compact` drops the
        words a narrow terminal has no room for (the filter itself always stays)."""
        board = self.board
        f, sort = board.job_filter, board.sort
        project = "all"
        if f.project_id:
            project = board.project_names.get(f.project_id) or f.project_id[:8]
        parts = [f"state {f.state}", f"type {f.kind}", f"project {project}"]
        if f.text:
            parts.append(f"text “{f.text}”")
        shown, total = len(board), board.total
        loading = "" if self.listing_complete or not total else " (loading…)"
        marked = f" · ● {self.marked_count:,} marked" if self.marked_count else ""
        if compact:
            return f"{' · '.join(parts)}  {sort.describe()}  {shown:,}/{total:,}{loading}{marked}"
        return (
            f"Filter: {' · '.join(parts)}   Sort: {sort.describe()}   "
            f"{shown:,} of {total:,} jobs{loading}{marked}"
        )

    def _update_filter_bar(self) -> None:
        bar = self.query_one("#filter-bar", Static)
        words = self.filter_description()
        if len(words) + 2 > self.app.size.width:  # the bar spans the terminal, padded 1 + 1
            words = self.filter_description(compact=True)
        if words != self._filter_words:
            self._filter_words = words
            bar.update(Text(words), layout=False)
        bar.set_class(not self.board.job_filter.is_default, "-active")

    def selected_job(self) -> Job | None:
        job_id = self.renderer.current_job_id()
        row = self.board.get(job_id) if job_id else None
        return row.job if row is not None else None

    def show_detail_job(self) -> None:
        detail = self.detail
        if detail.has_class("-hidden"):
            return
        job = self.selected_job()
        row = self.board.get(job.job_id) if job is not None else None
        name = row.project_name if row is not None else None
        expired = row is not None and row.status is RowStatus.EXPIRED
        links = self.links_of(job.job_id) if job is not None else None
        detail.show(job, self.session.clock.now(), name, expired=expired, links=links)

    # -- the detail pane's width (`<`/`>`) and the whole job id (`Y`) ------------------------

    def action_pane_width(self, step: int) -> None:
        """`<`/`>`: the detail pane narrower or wider beside the table; remembered."""
        detail = self.detail
        if detail.has_class("-hidden"):
            self.action_toggle_detail()
        wanted = pane_width_after(detail.width_percent, step)
        if self.stacked or wanted == detail.width_percent:
            where = "under the table it takes the full width" if self.stacked else "no further"
            self.notify(f"Detail pane: {where}.", markup=False, timeout=3)
            return
        # The user's choice wins over the table's width: a wide pane at 120 columns leaves the
        # table narrower than its key columns, and it then scrolls sideways.
        detail.set_width(wanted)
        self.remember_ui(**{PANE_WIDTH_STATE: wanted})

    def action_copy_job_id(self) -> None:
        """The whole job id to the clipboard (the pane cuts long ids in the middle)."""
        job = self.selected_job()
        if job is None:
            self.notify("Select a job first.", severity="warning")
            return
        self.app.copy_to_clipboard(job.job_id)
        self.notify(f"Copied {job.job_id}", markup=False)

    # -- messages ------------------------------------------------------------------------

    def on_live_batch(self, message: LiveBatch) -> None:
        """The one path of a job update: scheduler batch -> board -> table."""
        self.applied_refreshes += 1
        link_changed = False
        jobs: list[JobEvent] = []
        now = self.session.clock.now()
        for event in message.events:
            # The scheduler's three kinds of event (contract 3): a job, the walk's progress,
            # the link (a ConnectionEvent, on every state change and after every request).
            if isinstance(event, JobEvent):
                jobs.append(event)
            elif isinstance(event, WalkEvent):
                self._walk_progress(event.complete, event.error)
            else:
                link_changed = self.link.observe(event, now) or link_changed
        if link_changed:
            self._show_banner(self.link.state, self.link.detail)
        self.show_changes(self.board.apply(jobs))
        self.check_stalls([event.job for event in jobs if event.job is not None])
        self._update_filter_bar()
        self.refresh_status()
        self._freeze_heap()

    def _walk_progress(self, complete: bool, error: object) -> None:
        """The start's list walk read a page: after the last (or a refusal), names next."""
        if self.listing_complete or not (complete or error is not None):
            return
        self.listing_complete = True
        self.fetch_project_names()
        if error is not None:  # the API refused the list for good (a 4xx): say what it means
            remedy = getattr(error, "remedy", "")
            self._show_banner("error", f"{error} — {remedy}" if remedy else str(error))

    def on_journal_restored(self, message: JournalRestored) -> None:
        """Show everything the journal remembers at once, then go live."""
        session = self.session
        self.restore_ui_state(message.ui_state)
        width = message.ui_state.get(PANE_WIDTH_STATE)
        if width in PANE_WIDTHS:
            self.detail.set_width(width)
        restored = self.board.restore(message.rows, session.clock.now())
        self.journal_rows.extend(row for row in message.rows if row.extra)  # retry links
        self.restored_rows = len(message.rows)
        self.show_order()
        self.want_project_names(row.job for row in self.board.rows())
        self._say_drive()
        if restored.newly_expired:
            # Past retention whatever it last said: no GET could find it any more.
            self.mark_expired(list(restored.newly_expired))
        if session.scheduler is not None and message.unfinished:
            # Unfinished ones past retention are polled once too: the 404 says "gone".
            session.scheduler.watch_many(message.unfinished)
        self._say_pending(len(self.board.pending))
        self._suggest_last_profile(message.ui_state.get("profile"))
        self._ui_restored = True
        self._start_live()
        if message.ui_state.get("screen") == "activity" and session.client is not None:
            self.call_later(self.app.run_action, "app.activity")

    def _suggest_last_profile(self, last: object) -> None:
        current = self.session.profile_name
        # A profile chosen just now, in the app, needs no suggestion.
        differs = isinstance(last, str) and current is not None and last != current
        if differs and not self.session.demo and not self.session.switched:
            words = f"Last time you were on profile {last!r}; P switches profile."
            self.notify(words, markup=False)

    def _say_pending(self, count: int) -> None:
        if not count:
            return
        noun = "submission's answer was" if count == 1 else "submissions' answers were"
        self.notify(
            f"{count} {noun} lost: the job may or may not exist. Select a row marked "
            "⚠ reconcile and press R to look for it before submitting again.",
            title="Needs reconciliation",
            severity="warning",
            markup=False,
            timeout=12,
        )

    def on_reconciliations_found(self, message: ReconciliationsFound) -> None:
        changes = self.board.add_pending(message.pending)
        if changes:
            self.show_changes(changes)
            self._say_pending(len(self.board.pending))

    def on_projects_listed(self, message: ProjectsListed) -> None:
        self.learn_project_names(message.names)

    def learn_project_names(self, names: dict[str, str]) -> None:
        """Project names learned (the list, or a submit's own `project_name`): rows show them."""
        self._projects_wanted.difference_update(names)
        self.show_changes(self.board.learn_project_names(names))

    # -- the table's events -----------------------------------------------------------------

    def _freeze_heap(self) -> None:
        """Once the big initial load is in, take it out of the cyclic GC's sweeps.

        Thousands of long-lived jobs make every full collection scan them all (150-350 ms
        pauses with 10,000 jobs). Frozen objects are still freed by reference counting.
        """
        if self._heap_frozen or not self.listing_complete:
            return
        self._heap_frozen = True
        gc.freeze()

    def triage_tick(self) -> None:
        """A stall is time passing (no event says it); an agent's settle note times out."""
        self.check_stalls()
        shown = self.detail.job
        if shown is not None and shown.job_type == JOB_TYPE_AGENT and shown.is_finished:
            self.show_detail_job()

    def on_job_table_highlighted(self) -> None:
        self.show_detail_job()

    def on_job_table_selected(self) -> None:
        self.action_toggle_detail()

    def on_job_table_header_clicked(self, event: JobTable.HeaderClicked) -> None:
        self.set_sort(self.board.sort.by(event.column_key))

    # -- jobs made here ----------------------------------------------------------------------

    def track_job(self, job: Job, project_name: str | None = None) -> None:
        """A job submitted (or found by reconciling) here: shown now, selected, watched."""
        self.board.submitted_ids.add(job.job_id)
        self.focus_job(job, project_name)

    def focus_job(self, job: Job, project_name: str | None = None) -> None:
        """Show `job` (added if missing), select it, and watch it until it finishes.

        A filter that would hide it is cleared, so the user sees the job they asked for.
        """
        job_id = job.job_id
        if project_name and project_name.strip() and job.project_id:
            self.learn_project_names({job.project_id: project_name.strip()})
        row = self.board.get(job_id)
        stalled = row is not None and row.stalled_since is not None
        if not self.board.passes(job, stalled=stalled):
            self.action_clear_filters()
            self.notify("Filters cleared to show the job.", markup=False, timeout=4)
        self.show_changes(self.board.upsert([job]))
        if not job.is_finished:
            self.show_changes(self.board.set_watched(job_id, True))
        self._update_filter_bar()
        # After the insert's own scroll fix-up (queued the same way), so this one wins.
        self.table.call_after_refresh(self.renderer.select_job, job_id)
        scheduler = self.session.scheduler
        if scheduler is not None and not job.is_finished:
            scheduler.watch(job_id)
            scheduler.poke(job_id)

    def track_created(
        self, created: JobCreated, *, job_type: str | None, project_name: str | None
    ) -> None:
        """A form's 201: a queued placeholder row until the first poll brings the real job."""
        raw = {
            **created.raw,
            "job_type": job_type,
            "job_state": "queued",
            "created_at": self.session.clock.now().isoformat(),
        }
        self.track_job(Job.from_json(raw), project_name)
