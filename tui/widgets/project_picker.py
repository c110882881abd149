"""Pick an existing project from `GET /projects`, narrowing the list as the user types.

The projects are read once (a bounded number of pages, in a worker of their own) and then
filtered locally over name and id, so typing costs no requests. Picking one posts `Picked`;
the form decides what a picked project means (an import into it, an agent edit of it).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.api.models import Project

#: Enough for a picker; a Drive with more is searched by typing a longer part of the name.
MAX_PROJECTS = 500


def project_label(project: Project) -> Text:
    """`Podcast [rough]  · 1a2b3c4d`: the name as typed, then enough id to tell twins apart.

    Eight characters of the id keep an option on one line even at 80 columns; typing more
    of the id still narrows the list (the search reads the whole id).
    """
    label = Text(project.name or "(unnamed)")
    label.append(f"  · {project.id[:8]}", style="dim")
    return label


def project_matches(project: Project, query: str) -> bool:
    """Case-insensitive match of every word of `query` against the name or the id."""
    haystack = f"{project.name or ''} {project.id}".lower()
    return all(word in haystack for word in query.lower().split())


class ProjectPicker(Vertical):
    """A search box, the matching projects, and the one picked (if any)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+l", "clear_pick", "Unpick project"),
    ]

    class Picked(Message):
        """The picked project changed (None: no existing project is picked)."""

        def __init__(self, picker: ProjectPicker, project: Project | None) -> None:
            super().__init__()
            self.picker = picker
            self.project = project

        @property
        def control(self) -> ProjectPicker:
            return self.picker

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.projects: list[Project] = []
        self.selected: Project | None = None
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="type to search projects by name or id; Enter picks the first",
            id="project-search",
            compact=True,
        )
        yield OptionList(id="project-options")
        with Horizontal(id="project-picked-row"):
            yield Static(id="project-picked")
            yield Static(id="project-status", classes="field-hint")
            yield Button("Unpick (ctrl+l)", id="project-unpick", compact=True)

    def on_mount(self) -> None:
        self._show_pick()
        self._set_status("Loading projects…")
        self.load_projects()

    @work(exclusive=True, group="projects", exit_on_error=False)
    async def load_projects(self) -> None:
        """Read the Drive's projects (a few pages at most) and show them."""
        client: Any = self.app.client  # type: ignore[attr-defined]
        projects: list[Project] = []
        try:
            # Full pages, most recently updated first: the likely picks lead the list.
            pages = client.iter_projects(sort="updated_at", limit=100, max_items=MAX_PROJECTS)
            async for project in pages:
                projects.append(project)
        except Exception as error:  # any API failure: say it, keep the form usable
            remedy = getattr(error, "remedy", "")
            self._set_status(f"Could not list projects: {error}. {remedy}".strip(), error=True)
            return
        self.projects = projects
        self.loaded = True
        self._refill(self.query_one("#project-search", Input).value)

    def pick(self, project: Project | None) -> None:
        """Pick `project` (or none) and tell the form."""
        self.selected = project
        self._show_pick()
        self.post_message(self.Picked(self, project))

    def action_clear_pick(self) -> None:
        self.pick(None)

    def _refill(self, query: str) -> None:
        options = self.query_one("#project-options", OptionList)
        options.clear_options()
        matches = [p for p in self.projects if project_matches(p, query)]
        options.add_options(Option(project_label(p), id=p.id) for p in matches)
        if self.loaded and not matches:
            self._set_status(f"No project matches {query!r}")
        elif self.loaded:
            capped = f" (the first {MAX_PROJECTS})" if len(self.projects) >= MAX_PROJECTS else ""
            self._set_status(f"{len(matches)} of {len(self.projects)} projects{capped}")

    def _show_pick(self) -> None:
        picked = self.query_one("#project-picked", Static)
        if self.selected is None:
            picked.update(Text("No project picked"))
        else:
            label = Text("Picked: ")
            label.append_text(project_label(self.selected))
            picked.update(label)
        self.set_class(self.selected is not None, "-picked")
        self.query_one("#project-unpick", Button).disabled = self.selected is None

    def _set_status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#project-status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")

    @on(Input.Changed, "#project-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._refill(event.value)

    @on(Input.Submitted, "#project-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        """Enter in the search box picks the first match."""
        event.stop()
        options = self.query_one("#project-options", OptionList)
        if options.option_count:
            self._pick_option_id(options.get_option_at_index(0).id)

    @on(OptionList.OptionSelected, "#project-options")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick_option_id(event.option.id)

    @on(Button.Pressed, "#project-unpick")
    def _unpick_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.pick(None)

    def _pick_option_id(self, project_id: str | None) -> None:
        for project in self.projects:
            if project.id == project_id:
                self.pick(project)
                return
