"""What the import and agent forms share: validate as the user types, then one careful submit.

A form builds its request from its fields on every change and runs the request's own
`validate()` (the one validation the CLI uses too); the Submit button stays disabled while
any problem remains, so nothing is sent. Submitting runs in a worker of its own group (it
never cancels the poller): it first waits, cancellably, for a free slot of the minute's
budget, then sends once, journaled: the whole request is on disk before the POST goes
(`submit_journaled`), so a lost answer is remembered and reconciled, never resent. A failed
send is shown in the shared `ErrorPanel`; an unknown outcome blocks a second submit, since
the job may already exist, and its row shows on the jobs screen as needing reconciliation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static, TextArea

from tui.api.errors import OutcomeUnknownError, UploadError
from tui.api.limits import RequestKind
from tui.api.models import JobCreated
from tui.api.requests import Problem
from tui.paths import style_paths
from tui.screens.help import HelpScreen
from tui.screens.jump import JumpScreen
from tui.submissions import submit_journaled
from tui.widgets.error_panel import ErrorPanel
from tui.widgets.project_picker import ProjectPicker


def slot_notice(kind_label: str, next_slot_at: datetime, wait_seconds: float) -> str:
    """`next import slot at 14:32:05, in 23 s`."""
    return f"next {kind_label} slot at {next_slot_at:%H:%M:%S}, in {wait_seconds:.0f} s"


#: Said when Ctrl+S meets an invalid form; cleared as soon as the form is valid again.
NOT_SENT = "Not sent: fix the problems shown beside the fields."


def field_row(label: str, field: Widget, jump: str | None = None) -> Horizontal:
    """A label, the field's jump key (`alt+n`) if it has one, then the field.

    Problems go on the line below. The key column is there even without a key, so every
    field starts in the same column.
    """
    return Horizontal(
        Label(label, classes="field-label"),
        Label(f"alt+{jump}" if jump else "", classes="field-jump"),
        field,
        classes="field-row",
    )


def problems_summary(problems: Sequence[Problem]) -> str:
    """`2 problems to fix before submitting (first: …)`, or "" when there are none."""
    if not problems:
        return ""
    noun = "problem" if len(problems) == 1 else "problems"
    first = problems[0].message
    return f"{len(problems)} {noun} to fix before submitting (first: {first})"


class SubmitFormScreen(Screen[JobCreated | None]):
    """Base of the import and agent screens: the submit row, the slot notice, the error panel.

    Subclasses compose their fields, then `yield from self.compose_submit_area()`, and
    implement `build_request()`, `show_problems()` and `send()`.
    """

    CSS_PATH: ClassVar[Any] = style_paths("forms.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Submit", priority=True),
        # Posting's jump mode: Ctrl+O, then a field's letter (where Alt does not reach us).
        Binding("ctrl+o", "jump_mode", "Jump"),
        Binding("escape", "close", "Close"),
        # `?` types into the fields, so the keys list also answers to F1 here.
        Binding("f1", "show_keys", "Keys"),
    ]

    #: Jump keys, posting-style: field id -> the letter of its `alt+` key, shown beside the
    #: label by `labelled()` and bound by `__init_subclass__`; one table says both.
    JUMP_KEYS: ClassVar[dict[str, str]] = {}
    #: The form's fields top to bottom (problem fields): the summary names problems in the
    #: order the user sees them beside the fields.
    FIELD_ORDER: ClassVar[tuple[str, ...]] = ()

    #: Which minute budget a submit spends, and how the notice names it.
    REQUEST_KIND: ClassVar[RequestKind] = RequestKind.IMPORT
    KIND_LABEL: ClassVar[str] = "import"
    SUBMIT_LABEL: ClassVar[str] = "Submit"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Add the jump bindings before Textual merges the class's bindings.
        jumps = cls.__dict__.get("JUMP_KEYS", {})
        if jumps:
            cls.BINDINGS = [
                *cls.__dict__.get("BINDINGS", []),
                *(
                    Binding(
                        f"alt+{letter}",
                        f"jump('{field_id}')",
                        f"Jump to {field_id.replace('-', ' ')}",
                        show=False,
                        # Before the focused Input: a terminal's alt+c carries the character
                        # "c", which the Input would type instead of jumping.
                        priority=True,
                    )
                    for field_id, letter in jumps.items()
                ),
            ]
        super().__init_subclass__(**kwargs)

    def __init__(self) -> None:
        super().__init__()
        #: "editing", "waiting" (for a budget slot; cancellable), "sending" (not cancellable),
        #: "blocked" (the outcome of the last send is unknown).
        self.phase = "editing"
        self.problems: list[Problem] = []
        #: A job that exists although the submit failed afterwards (an upload error).
        self.created_anyway: JobCreated | None = None
        #: The request of the last send (the app reads a new project's name from it).
        self.sent_request: Any = None
        #: Escape was pressed once on a form with input: the next one discards it.
        self._discard_armed = False
        #: What the status line says now.
        self._status_text = ""
        #: Each jump letter's field label, in form order (filled as the fields compose).
        self._jump_labels: dict[str, str] = {}

    # -- to implement -------------------------------------------------------------------

    def build_request(self) -> tuple[Any, list[Problem]]:
        """The request the fields describe, and its `validate()` problems."""
        raise NotImplementedError

    def problem_field(self, problem: Problem) -> str:
        """Which of `FIELD_ORDER` shows `problem` (the request's field name by default)."""
        return problem.field

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Put each problem beside its field (and clear the others)."""
        raise NotImplementedError

    async def send(self, request: Any) -> JobCreated:
        raise NotImplementedError

    # -- shared layout ------------------------------------------------------------------

    def labelled(self, label: str, field: Widget) -> Horizontal:
        """`field_row` with the field's jump key from `JUMP_KEYS`."""
        letter = self.JUMP_KEYS.get(field.id or "")
        if letter is not None:
            self._jump_labels[letter] = label
        return field_row(label, field, letter)

    def action_jump_mode(self) -> None:
        by_letter = {letter: field_id for field_id, letter in self.JUMP_KEYS.items()}

        def jump(letter: str | None) -> None:
            if letter is not None and letter in by_letter:
                self.action_jump(by_letter[letter])

        self.app.push_screen(JumpScreen(list(self._jump_labels.items())), jump)

    def action_jump(self, field_id: str) -> None:
        """Focus a field (a compound one: its first focusable part); Textual scrolls to it."""
        field = self.query_one(f"#{field_id}")
        target = field if field.focusable else next(
            (child for child in field.query("*") if child.focusable), None
        )
        if target is not None:
            target.focus()

    def compose_submit_area(self) -> ComposeResult:
        yield Static(id="slot-notice", classes="slot-notice")
        yield Static(id="form-summary", classes="form-summary")
        yield Static(id="submit-status", classes="submit-status")
        yield ErrorPanel(id="submit-error")
        with Horizontal(id="form-buttons"):
            # Compact: one line each, so the fields keep the room at 80x24.
            yield Button(
                self.SUBMIT_LABEL, id="submit", variant="primary", disabled=True, compact=True
            )
            yield Button("Close", id="close", variant="default", compact=True)

    def on_mount(self) -> None:
        self.revalidate()
        self.update_slot_notice()
        # The notice counts down; a timer on real time only repaints, it never decides.
        self.set_interval(1.0, self.update_slot_notice)

    @property
    def client(self) -> Any:
        return self.app.client  # type: ignore[attr-defined]

    # -- validation ---------------------------------------------------------------------

    def revalidate(self) -> list[Problem]:
        """Rebuild the request from the fields, show its problems, gate the Submit button."""
        self._discard_armed = False
        _, problems = self.build_request()
        order = {field: rank for rank, field in enumerate(self.FIELD_ORDER)}
        problems.sort(key=lambda problem: order.get(self.problem_field(problem), len(order)))
        self.problems = problems
        if not problems and self._status_text == NOT_SENT:
            self.set_status("")
        self.show_problems(problems)
        summary = self.query_one("#form-summary", Static)
        summary.update(Text(problems_summary(problems)))
        summary.set_class(bool(problems), "-shown")
        self._update_submit_button()
        return problems

    def _update_submit_button(self) -> None:
        button = self.query_one("#submit", Button)
        button.disabled = bool(self.problems) or self.phase != "editing"

    # -- the minute budget --------------------------------------------------------------

    def slot_wait(self) -> float:
        """Seconds until this kind of submit may be sent (0: now)."""
        return float(self.client.limits.would_wait(self.REQUEST_KIND))

    def update_slot_notice(self) -> None:
        notice = self.query_one("#slot-notice", Static)
        wait = self.slot_wait()
        if wait <= 0:
            notice.update("")
            notice.remove_class("-shown")
            return
        limits = self.client.limits
        next_at = limits.next_slot_at(self.REQUEST_KIND)
        gate = limits.snapshot().gate_reason
        # The shared Retry-After gate and the minute window both delay a submit; say which.
        cause = (
            f"The API asked every request to wait ({gate})"
            if gate and limits.gate.wait(limits.clock.monotonic()) >= wait
            else f"The {self.KIND_LABEL} slots for this minute are used up"
        )
        text = f"{cause}: {slot_notice(self.KIND_LABEL, next_at, wait)}."
        if self.phase == "waiting":
            text += " Waiting for it; Escape stops waiting (nothing is sent)."
        else:
            text += " Submit waits for it; Escape cancels."
        notice.update(Text(text))
        notice.add_class("-shown")

    # -- submitting ---------------------------------------------------------------------

    def set_status(self, message: str) -> None:
        self._status_text = message
        status = self.query_one("#submit-status", Static)
        status.update(Text(message))
        # An empty status takes no line: at 80x24 every line is a field's.
        status.set_class(bool(message), "-shown")

    def set_phase(self, phase: str) -> None:
        self.phase = phase
        self.query_one("#form-fields").disabled = phase in ("waiting", "sending")
        self._update_submit_button()
        self.update_slot_notice()

    def action_submit(self) -> None:
        if self.phase != "editing":
            return
        request, problems = self.build_request()
        if problems:
            # Never sent: the button was disabled anyway; a key press lands here.
            self.revalidate()
            self.set_status(NOT_SENT)
            return
        self.query_one("#submit-error", ErrorPanel).clear()
        self.submit_request(request)

    @work(exclusive=True, group="submit", exit_on_error=False)
    async def submit_request(self, request: Any) -> None:
        """Wait for a budget slot (cancellable), send once, dismiss with the new job."""
        clock = self.client.clock
        self.set_phase("waiting")
        while (wait := self.slot_wait()) > 0:
            self.set_status(f"Waiting {wait:.0f} s for a free {self.KIND_LABEL} slot…")
            await clock.sleep(min(wait, 1.0))
        self.set_phase("sending")
        self.set_status(f"Sending the {self.KIND_LABEL}…")
        # A running callback receiver (the session's): its secret URL, journaled cut.
        callbacks = getattr(getattr(self.app, "session", None), "callbacks", None)
        request = callbacks.with_url(request) if callbacks is not None else request
        request_json, extra = request.to_json(), self.journal_extra(request)
        if callbacks is not None:
            request_json, extra = callbacks.journaled(request_json, extra)
        self.sent_request = request
        try:
            created = await submit_journaled(
                getattr(self.app, "journal", None),
                self.REQUEST_KIND.value,
                request_json,
                lambda: self.send(request),
                extra=extra,
            )
        except OutcomeUnknownError as error:
            if callbacks is not None:  # the panel shows what was sent: with the secret cut
                error.request_json = request_json
            self.set_phase("blocked")
            self.set_status(
                "Not resubmitting: the job may already exist. It is journaled; on the jobs "
                "screen its row (⚠ reconcile) looks for it with R."
            )
            self._show_error(error)
            outcome_unknown = getattr(self.app, "submission_outcome_unknown", None)
            if outcome_unknown is not None:
                outcome_unknown()
            return
        except UploadError as error:
            self.created_anyway = error.created
            self.set_phase("blocked")
            job = error.created.job_id if error.created else "the job"
            self.set_status(f"{job} was created but an upload failed; Close keeps it watched.")
            self._show_error(error)
            return
        except Exception as error:  # every API failure is shown, the form stays usable
            self.set_phase("editing")
            self.set_status("Not created.")
            self._show_error(error)
            return
        if extra is not None and callbacks is not None:
            callbacks.expect(created.job_id)
        self.set_status(f"Created {created.job_id}.")
        self.dismiss(created)

    def journal_extra(self, request: Any) -> dict[str, Any] | None:
        """What the journal keeps beside the request (an import's retry link); None here."""
        return None

    def _show_error(self, error: BaseException) -> None:
        panel = self.query_one("#submit-error", ErrorPanel)
        panel.show_error(error)
        panel.focus()

    def action_close(self) -> None:
        if self.phase == "sending":
            self.notify(
                f"The {self.KIND_LABEL} is on its way; closing now would lose its answer.",
                severity="warning",
            )
            return
        if self.phase == "waiting":
            self.workers.cancel_group(self, "submit")
            self.set_phase("editing")
            self.set_status("Stopped waiting; nothing was sent.")
            return
        if self.phase == "editing" and self.has_unsent_input() and not self._discard_armed:
            # One stray Escape (leaving the prompt box, say) must not throw a form away.
            self._discard_armed = True
            self.set_status("Unsent input: press Escape again to discard it, or Ctrl+S to submit.")
            return
        self.dismiss(self.created_anyway)

    def action_show_keys(self) -> None:
        self.app.push_screen(HelpScreen(self))

    def has_unsent_input(self) -> bool:
        """Anything typed or picked that closing would throw away."""
        fields = self.query_one("#form-fields")
        typed = any(field.value.strip() for field in fields.query(Input))
        prompt = any(area.text.strip() for area in fields.query(TextArea))
        picked = any(picker.selected is not None for picker in fields.query(ProjectPicker))
        return typed or prompt or picked

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            event.stop()
            self.action_submit()
        elif event.button.id == "close":
            event.stop()
            self.action_close()
