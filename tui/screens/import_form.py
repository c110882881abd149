"""The import screen: a new (or existing) project, its media by URL or local file, and submit.

Every edit rebuilds an `ImportRequest` and runs its `validate()`; each problem is shown beside
the field it is about (a malformed URL or a missing file beside its row, a duplicate name
beside both rows, "add at least one media" under the list). Local files are uploaded after
the POST, each row showing its progress. Dismisses with the `JobCreated`, or None.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Input, Select, Static

from tui.api.base_url import is_loopback_host
from tui.api.limits import RequestKind
from tui.api.models import JobCreated, Project
from tui.api.requests import (
    TEAM_ACCESS_LEVELS,
    CompositionSpec,
    ImportRequest,
    MediaItem,
    Problem,
    UrlMedia,
    language_problem,
)
from tui.paths import style_paths
from tui.screens.submit_form import SubmitFormScreen
from tui.triage.preflight import UrlCheck, preflight_media
from tui.triage.retry_failed import NO_URLS_FROM_API, RetryPlan
from tui.widgets.media_rows import MediaEntries, MediaEntry, MediaRows
from tui.widgets.project_picker import ProjectPicker

TEAM_ACCESS_HELP = {
    "edit": "edit: Drive members can edit",
    "comment": "comment: members can view and comment",
    "view": "view: members can only view",
    "none": "none: private to you (the API's default)",
}

#: Checks each media URL before an import is sent: media name -> its check (issue 11).
Preflight = Callable[[Mapping[str, MediaItem]], Awaitable[Mapping[str, UrlCheck]]]

# Fields outside the media rows, each with a place for its problems.
_FIELD_PROBLEMS = ("project_name", "project", "team_access", "language", "media", "composition")


def retry_note(plan: RetryPlan) -> str:
    """What the form says when some failed files have no known source."""
    names = ", ".join(plan.unknown)
    return (
        f"{NO_URLS_FROM_API} (this import was not sent from here): paste the URL of "
        f"{names} in its row below (or a local file path). Rows left empty are not sent."
    )


class ImportScreen(SubmitFormScreen):
    """`POST /jobs/import/project_media` as a form; dismisses with `JobCreated | None`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "add_media", "Add media"),
        # Off the footer (each row has its ✕ button; F1 lists the key), so 80 columns hold it.
        Binding("ctrl+r", "remove_media", "Remove row", show=False),
    ]

    JUMP_KEYS: ClassVar[dict[str, str]] = {
        "project-name": "n",
        "project-picker": "e",
        "folder": "f",
        "team-access": "t",
        "language": "l",
        "media": "m",
        "composition": "c",
    }
    FIELD_ORDER = _FIELD_PROBLEMS
    # triage.tcss: the note of a retry whose URLs the API did not return.
    CSS_PATH: ClassVar[Any] = style_paths("forms.tcss", "triage.tcss")
    REQUEST_KIND = RequestKind.IMPORT
    KIND_LABEL = "import"
    SUBMIT_LABEL = "Import"

    class UploadProgressed(Message):
        """A chunk of a local file went out (posted from the upload callback)."""

        def __init__(self, media_name: str, sent: int, total: int) -> None:
            super().__init__()
            self.media_name = media_name
            self.sent = sent
            self.total = total

    def __init__(
        self,
        *,
        preflight: Preflight | None = None,
        retry: RetryPlan | None = None,
        project_name: str | None = None,
    ) -> None:
        super().__init__()
        #: Resubmitting only the failed files of a job: the form starts filled with them.
        self.retry = retry
        self.retry_project_name = project_name
        #: The rows of the request being sent, by media name (for upload progress).
        self._sending_rows: dict[str, str] = {}
        #: The URL check before sending; None: `preflight_media`, except against the
        #: simulator (on loopback or in-process), whose media URLs are not real.
        self.preflight = preflight
        #: Preflight warnings by media name, for the URLs they were found for.
        self.preflight_warnings: dict[str, str] = {}
        self._preflighted: tuple[tuple[str, str], ...] | None = None
        #: A retry's extra rows are mounting: validation waits for them (their fields do
        #: not exist until they are mounted).
        self._rows_arriving = False

    def compose(self) -> ComposeResult:
        yield Static(Text("Import media"), classes="form-title")
        with VerticalScroll(id="form-fields"):
            if self.retry is not None and self.retry.unknown:
                yield Static(Text(retry_note(self.retry)), id="retry-note")
            yield self.labelled(
                "New project name",
                Input(placeholder="e.g. Podcast episode 12", id="project-name", compact=True),
            )
            yield Static(id="problem-project_name", classes="field-problem")
            yield self.labelled("…or existing project", ProjectPicker(id="project-picker"))
            yield Static(id="problem-project", classes="field-problem")
            yield self.labelled(
                "Folder",
                Input(placeholder="new project only, e.g. Clients/Acme", id="folder", compact=True),
            )
            yield self.labelled(
                "Team access",
                Select(
                    [(TEAM_ACCESS_HELP[level], level) for level in TEAM_ACCESS_LEVELS],
                    prompt="default: none (new project only)",
                    id="team-access",
                    compact=True,
                ),
            )
            yield Static(id="problem-team_access", classes="field-problem")
            yield self.labelled(
                "Language",
                Input(placeholder="ISO 639-1 like en; blank: detect", id="language", compact=True),
            )
            yield Static(id="problem-language", classes="field-problem")
            yield self.labelled("Media (URL or file)", MediaRows(id="media"))
            yield Static(id="problem-media", classes="field-problem")
            yield self.labelled(
                "Composition name",
                Input(
                    placeholder="optional: one composition of all the media",
                    id="composition",
                    compact=True,
                ),
            )
            yield Static(id="problem-composition", classes="field-problem")
        yield from self.compose_submit_area()
        yield Footer()

    def on_mount(self) -> None:
        # The base class's own on_mount (validation, slot notice) runs too: Textual calls
        # the handler of every class in the MRO.
        self.query_one("#project-name", Input).focus()
        if self.retry is not None:
            self._prefill_retry(self.retry)

    def _prefill_retry(self, plan: RetryPlan) -> None:
        """The original job's project, and one row per failed file (its URL or path)."""
        project_id = plan.request.project_id or ""
        name = self.retry_project_name or project_id
        self.query_one(ProjectPicker).pick(
            Project(id=project_id, name=name, created_at=None, updated_at=None, raw={})
        )
        rows = self.query_one(MediaRows)
        known = plan.request.add_media
        cursor_placed = False
        for index, media_name in enumerate(plan.files):
            item = known.get(media_name)
            source = item.url if isinstance(item, UrlMedia) else str(getattr(item, "path", ""))
            # A file whose URL the API did not return: its name kept, its URL to be pasted;
            # the first such row takes the cursor.
            focus = item is None and not cursor_placed
            cursor_placed = cursor_placed or focus
            if index == 0 and rows.rows:
                row = rows.rows[0]
                row.query_one(".media-source", Input).value = source
                row.query_one(".media-name", Input).value = media_name
                if focus:
                    row.query_one(".media-source", Input).focus()
            else:
                self._rows_arriving = True
                rows.add_row(source, media_name, focus=focus)
        if self._rows_arriving:
            self.call_after_refresh(self._rows_arrived)
        count = len(plan.files)
        files = f"{count} failed file{'s' if count != 1 else ''}"
        self.query_one(".form-title", Static).update(
            Text(f"Retry {files} of job {plan.original_job_id}")
        )

    def _rows_arrived(self) -> None:
        self._rows_arriving = False
        self.revalidate()

    def revalidate(self) -> list[Problem]:
        if self._rows_arriving:
            return []  # judged once every row of the retry is there (`_rows_arrived`)
        return super().revalidate()

    def journal_extra(self, request: ImportRequest) -> dict[str, Any] | None:
        """A retry links the new job to the original (`retry_of`, `retried_files`), as long
        as it still sends only files the original failed on."""
        plan = self.retry
        names = tuple(request.add_media)
        if plan is None or not names or not set(names) <= set(plan.files):
            return None
        return replace(plan, files=names).extra

    # -- the request the fields describe ------------------------------------------------

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def media_entries(self) -> list[MediaEntry]:
        return self.query_one(MediaRows).entries(self._value("#language") or None)

    def build_request(self) -> tuple[ImportRequest, list[Problem]]:
        entries = self.media_entries()
        picked = self.query_one(ProjectPicker).selected
        team_access = self.query_one("#team-access", Select).value
        composition = self._value("#composition")
        request = ImportRequest(
            add_media=MediaEntries([(entry.name, entry.item) for entry in entries]),
            project_name=self._value("#project-name") or None,
            project_id=picked.id if picked else None,
            folder_name=self._value("#folder") or None,
            team_access=team_access if isinstance(team_access, str) else None,
            add_compositions=(
                (CompositionSpec(name=composition, clips=tuple(e.name for e in entries)),)
                if composition
                else ()
            ),
        )
        problems = request.validate()
        # The language goes into each media entry, so the request only judges it when there
        # are rows: judge the field on its own too (once: the rows' copies say the same).
        language = self._value("#language")
        message = language_problem(language) if language else None
        if message and not any(problem.message == message for problem in problems):
            problems.insert(0, Problem("language", message))
        return request, problems

    @staticmethod
    def _media_row_name(problem: Problem) -> str | None:
        """The media name of a row's problem (`media[intro.mp4]`), or None."""
        if problem.field.startswith("media[") and problem.field.endswith("]"):
            return problem.field[len("media[") : -1]
        return None

    def problem_field(self, problem: Problem) -> str:
        if self._media_row_name(problem) is not None:
            # A language problem is the form's one language field, not the row's.
            return "language" if problem.message.startswith("language ") else "media"
        return problem.field if problem.field in _FIELD_PROBLEMS else "media"

    def show_problems(self, problems: Sequence[Problem]) -> None:
        by_field: dict[str, list[str]] = defaultdict(list)
        by_media: dict[str, list[str]] = defaultdict(list)
        for problem in problems:
            field = self.problem_field(problem)
            name = self._media_row_name(problem)
            if name is not None and field == "media":
                by_media[name.strip().lower()].append(problem.message)
            elif field == "media" and problem.field != "media":
                by_field["media"].append(str(problem))
            else:
                by_field[field].append(problem.message)
        for field in _FIELD_PROBLEMS:
            messages = list(dict.fromkeys(by_field.get(field, [])))
            widget = self.query_one(f"#problem-{field}", Static)
            widget.update(Text("\n".join(messages)))
            widget.set_class(bool(messages), "-shown")
        if self._preflighted == self._url_key():
            for name, warning in self.preflight_warnings.items():
                by_media[name.strip().lower()].append(f"⚠ {warning}")
        rows = self.query_one(MediaRows)
        names = {entry.row_id: entry.name for entry in self.media_entries()}
        for row in rows.rows:
            name = names.get(row.id or "")
            messages = by_media.get(name.strip().lower(), []) if name is not None else []
            row.show_problems(list(dict.fromkeys(messages)))

    # -- the URL preflight (issue 11) ------------------------------------------------------

    def _url_key(self) -> tuple[tuple[str, str], ...]:
        return tuple((e.name, repr(e.item)) for e in self.media_entries())

    def _checker(self) -> Preflight | None:
        if self.preflight is not None:
            return self.preflight
        host = urlsplit(str(getattr(self.client, "base_url", ""))).hostname or ""
        if is_loopback_host(host) or host.endswith(".local"):
            return None  # the simulator fetches nothing: its media URLs are not real
        return preflight_media

    def action_submit(self) -> None:
        """Check the URLs first; with warnings shown, a second Import sends anyway."""
        if self.phase != "editing" or self.problems:
            super().action_submit()
            return
        checker = self._checker()
        if checker is None or self._preflighted == self._url_key():
            super().action_submit()  # checked already (and warned): send anyway
            return
        request, _ = self.build_request()
        self.run_preflight(checker, request)

    @work(exclusive=True, group="preflight", exit_on_error=False)
    async def run_preflight(self, checker: Preflight, request: ImportRequest) -> None:
        self.set_status("Checking the media URLs (one ranged GET each)…")
        key = self._url_key()
        checks = await checker(dict(request.add_media.items()))
        self.preflight_warnings = {n: c.warning for n, c in checks.items() if not c.ok}
        self._preflighted = key
        if not self.preflight_warnings:
            super().action_submit()
            return
        self.revalidate()  # shows the warnings beside their rows
        count = len(self.preflight_warnings)
        self.set_status(
            f"{count} URL{'s' if count != 1 else ''} may fail to import (imports need URLs "
            "that support Range requests): press Import again to send anyway."
        )

    async def send(self, request: ImportRequest) -> JobCreated:
        self._sending_rows = {entry.name: entry.row_id for entry in self.media_entries()}
        # Send a plain dict: the form's duplicate-keeping mapping is only for validation.
        plain = replace(request, add_media=dict(request.add_media.items()))
        if plain.uploads:
            self.set_status("Sending the import, then uploading the local files…")
        return await self.client.import_media(plain, upload_progress=self._upload_progress)

    def _upload_progress(self, media_name: str, sent: int, total: int) -> None:
        self.post_message(self.UploadProgressed(media_name, sent, total))

    def on_import_screen_upload_progressed(self, event: ImportScreen.UploadProgressed) -> None:
        row = self.query_one(MediaRows).row_by_id(self._sending_rows.get(event.media_name, ""))
        if row is not None:
            row.show_upload(event.sent, event.total)
        if event.total and event.sent >= event.total:
            self.set_status(f"Uploaded {event.media_name} ({event.total} bytes).")
        else:
            self.set_status(f"Uploading {event.media_name}: {event.sent} of {event.total} bytes")

    # -- reacting to edits --------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    @on(MediaRows.Changed)
    @on(ProjectPicker.Picked)
    def _fields_changed(self) -> None:
        if self.is_mounted:
            self.revalidate()

    def action_add_media(self) -> None:
        self.query_one(MediaRows).add_row(focus=True)

    async def action_remove_media(self) -> None:
        rows = self.query_one(MediaRows)
        row = rows.row_of(self.focused)
        if row is not None:
            await rows.remove_row(row)
