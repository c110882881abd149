"""The agent screen: a prompt for Underlord on a picked project (or a new one), and submit.

The same shape as the import form: every edit rebuilds an `AgentRequest` and runs its
`validate()` (an empty prompt, both a picked project and a new name, a composition without an
existing project), each problem beside its field, nothing sent until it is valid.
Dismisses with the `JobCreated`, or None.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static, TextArea

from tui.api.limits import RequestKind
from tui.api.models import JobCreated
from tui.api.requests import AgentRequest, Problem
from tui.screens.submit_form import SubmitFormScreen
from tui.widgets.project_picker import ProjectPicker

# Top to bottom, as they show (the summary names problems in this order too).
_FIELD_PROBLEMS = ("project", "composition_id", "model", "prompt", "team_access")


def prompt_count(prompt: str) -> str:
    """`42 characters`: what the prompt sends (it is sent stripped)."""
    count = len(prompt.strip())
    return f"{count} character" + ("" if count == 1 else "s")


class AgentScreen(SubmitFormScreen):
    """`POST /jobs/agent` as a form; dismisses with `JobCreated | None`."""

    JUMP_KEYS: ClassVar[dict[str, str]] = {
        "project-picker": "e",
        "project-name": "n",
        "composition-id": "c",
        "model": "m",
        "prompt": "p",
    }
    FIELD_ORDER = _FIELD_PROBLEMS
    REQUEST_KIND = RequestKind.AGENT
    KIND_LABEL = "agent edit"
    SUBMIT_LABEL = "Run agent"

    def compose(self) -> ComposeResult:
        yield Static(Text("Agent edit"), classes="form-title")
        with VerticalScroll(id="form-fields"):
            yield self.labelled("Existing project", ProjectPicker(id="project-picker"))
            yield self.labelled(
                "…or new project",
                Input(placeholder="name for a new project", id="project-name", compact=True),
            )
            yield Static(id="problem-project", classes="field-problem")
            yield self.labelled(
                "Composition id",
                Input(
                    placeholder="optional: UUID, 5-character short id or Descript URL",
                    id="composition-id",
                    compact=True,
                ),
            )
            yield Static(id="problem-composition_id", classes="field-problem")
            yield self.labelled(
                "Model", Input(placeholder="optional: the API's default", id="model", compact=True)
            )
            yield Static(id="problem-model", classes="field-problem")
            yield self.labelled(
                "Prompt",
                TextArea(id="prompt", soft_wrap=True, show_line_numbers=False, compact=True),
            )
            yield Static(id="prompt-count", classes="field-count")
            yield Static(id="problem-prompt", classes="field-problem")
            yield Static(id="problem-team_access", classes="field-problem")
        yield from self.compose_submit_area()
        yield Footer()

    def on_mount(self) -> None:
        # The base class's own on_mount (validation, slot notice) runs too: Textual calls
        # the handler of every class in the MRO.
        self.query_one("#project-search", Input).focus()

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def build_request(self) -> tuple[AgentRequest, list[Problem]]:
        picked = self.query_one(ProjectPicker).selected
        prompt = self.query_one("#prompt", TextArea).text
        self.query_one("#prompt-count", Static).update(Text(prompt_count(prompt)))
        # Not stripped here: a composition id of only spaces is refused, not dropped.
        composition_id = self.query_one("#composition-id", Input).value
        request = AgentRequest(
            prompt=prompt,
            project_id=picked.id if picked else None,
            project_name=self._value("#project-name") or None,
            composition_id=composition_id or None,
            model=self._value("#model") or None,
        )
        return request, request.validate()

    def problem_field(self, problem: Problem) -> str:
        return problem.field if problem.field in _FIELD_PROBLEMS else "prompt"

    def show_problems(self, problems: Sequence[Problem]) -> None:
        by_field: dict[str, list[str]] = defaultdict(list)
        for problem in problems:
            by_field[self.problem_field(problem)].append(problem.message)
        for field in _FIELD_PROBLEMS:
            messages = by_field.get(field, [])
            widget = self.query_one(f"#problem-{field}", Static)
            widget.update(Text("\n".join(messages)))
            widget.set_class(bool(messages), "-shown")

    async def send(self, request: AgentRequest) -> JobCreated:
        return await self.client.agent_edit(request)

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(ProjectPicker.Picked)
    def _fields_changed(self) -> None:
        if self.is_mounted:
            self.revalidate()
