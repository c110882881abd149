"""The settings screen: edits a profile of the same `config.toml` the CLI reads.

Every field shows its one-line help (the field's own docstring, `tui.config.field_help`).
The values are checked as the user types with `validate_profile`, the one validation the
config loader uses too; Save stays disabled while any problem remains, so nothing invalid is
ever written. A config file that is broken is shown with its file and line and is never
overwritten. tomli-w cannot keep comments: a file that has them is rewritten only after the
user agrees in a modal, and the original is first kept as `config.toml.bak`.

`SettingsScreen(profile=None, config_path=None)` dismisses with the saved `Profile` (so the
app can apply its theme and read-only flag at once) or None.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static, Switch

from tui.api.requests import Problem
from tui.config import (
    DEFAULT_PROFILE,
    Config,
    ConfigError,
    Profile,
    field_help,
    load_config,
    profile_fields,
    save_config,
    validate_profile,
)
from tui.config import config_path as config_path_in_use
from tui.paths import style_paths


def _field_kind(f: dataclasses.Field[Any]) -> str:
    """Which widget edits a field: `switch`, `select`, `number` or `text`."""
    if f.metadata.get("choices"):
        return "select"
    if isinstance(f.default, bool):
        return "switch"
    if isinstance(f.default, float):
        return "number"
    return "text"


def _shown(value: Any) -> str:
    """A float as the user would type it: 2 rather than 2.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class ConfirmRewriteScreen(ModalScreen[bool]):
    """Asks before a rewrite drops the file's comments; y / n / escape."""

    CSS_PATH: ClassVar[Any] = style_paths("settings.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Rewrite"),
        Binding("n", "answer(False)", "Keep the file"),
        Binding("escape", "answer(False)", "Keep the file", show=False),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="rewrite-dialog"):
            yield Static("Rewrite the config file?", classes="dialog-title")
            message = Text(str(self.path), style="bold")
            message.append(
                " has comments. The TOML writer cannot keep them: saving rewrites the file "
                "without comments. The original is first copied to "
            )
            message.append(self.path.name + ".bak", style="bold")
            message.append(".")
            yield Static(message, id="rewrite-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Rewrite (y)", id="rewrite-yes", variant="warning")
                yield Button("Keep the file (n)", id="rewrite-no", variant="primary")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "rewrite-yes")


class SettingsScreen(Screen[Profile | None]):
    """Edit one profile of the config file, validated before anything is written."""

    CSS_PATH: ClassVar[Any] = style_paths("settings.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "close", "Close"),
    ]

    def __init__(
        self,
        profile: str | None = None,
        *,
        config_path: Path | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        super().__init__()
        self.path = config_path or config_path_in_use(environ)
        self.wanted_profile = profile
        self.config: Config | None = None
        self.load_error: ConfigError | None = None
        self.problems: list[Problem] = []
        self.profile_name = ""

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Settings: {self.path}"), classes="settings-title")
        yield Static(id="settings-error")
        with VerticalScroll(id="settings-fields"):
            yield Label("Profile")
            # Filled from the file on mount; a Select without blank needs one option now.
            yield Select[str]([(DEFAULT_PROFILE, DEFAULT_PROFILE)], id="profile", allow_blank=False)
            yield Static(
                "One profile per Descript Drive; add one with `descript-tui profiles add NAME`.",
                classes="field-hint",
            )
            for f in profile_fields():
                yield Label(f.name, id=f"label-{f.name}")
                kind = _field_kind(f)
                if kind == "switch":
                    yield Switch(id=f"field-{f.name}")
                elif kind == "select":
                    options = [(choice, choice) for choice in f.metadata["choices"]]
                    yield Select[str](options, id=f"field-{f.name}", allow_blank=False)
                elif f.name == "theme":
                    # The themes this Textual has; a name from the file is added on load.
                    themes = sorted(self.app.available_themes)
                    yield Select[str](
                        [(name, name) for name in themes], id="field-theme", allow_blank=False
                    )
                else:
                    yield Input(id=f"field-{f.name}")
                yield Static(Text(field_help(f.name)), classes="field-hint")
                yield Static(id=f"problem-{f.name}", classes="field-problem")
            yield Label("default profile")
            yield Switch(id="is-default")
            yield Static("Use this profile when --profile is not given.", classes="field-hint")
        yield Static(id="comments-note", classes="field-hint")
        yield Footer()
        yield Static(id="settings-summary")
        with Horizontal(id="settings-buttons"):
            yield Button("Save (ctrl+s)", id="save", variant="primary", disabled=True)
            yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.reload()

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the file again; a broken one is shown, and nothing can be saved over it."""
        error_panel = self.query_one("#settings-error", Static)
        try:
            self.config = load_config(self.path)
            self.load_error = None
        except ConfigError as error:
            self.config = None
            self.load_error = error
            error_panel.update(
                Text(f"{error}\nFix the file by hand; it is never overwritten.", style="bold")
            )
            error_panel.add_class("-shown")
            self.query_one("#settings-fields").disabled = True
            self.query_one("#save", Button).disabled = True
            return
        error_panel.remove_class("-shown")
        self.query_one("#settings-fields").disabled = False
        config = self.config
        names = config.profile_names()
        chosen = self.wanted_profile if self.wanted_profile in names else config.default_profile
        select = self.query_one("#profile", Select)
        with self.prevent(Select.Changed):
            select.set_options([(name, name) for name in names])
            select.value = chosen
        self.show_profile(chosen)
        note = self.query_one("#comments-note", Static)
        if config.has_comments:
            note.update(
                Text(
                    f"{self.path.name} has comments: saving asks first, then rewrites it "
                    f"without them and keeps the original as {self.path.name}.bak."
                )
            )
        else:
            note.update("")

    def show_profile(self, name: str) -> None:
        """Fill the fields from profile `name`."""
        assert self.config is not None
        self.profile_name = name
        profile = self.config.profile(name)
        for f in profile_fields():
            widget = self.query_one(f"#field-{f.name}")
            value = getattr(profile, f.name)
            with self.prevent(Input.Changed, Switch.Changed, Select.Changed):
                if isinstance(widget, Switch):
                    widget.value = bool(value)
                elif isinstance(widget, Select):
                    if f.name == "theme" and value not in self.app.available_themes:
                        # Keep a theme this Textual lacks rather than silently change it.
                        themes = sorted({*self.app.available_themes, value})
                        widget.set_options([(name, name) for name in themes])
                    widget.value = value
                elif isinstance(widget, Input):
                    widget.value = _shown(value)
        with self.prevent(Switch.Changed):
            self.query_one("#is-default", Switch).value = name == self.config.default_profile
        self.revalidate()

    # -- validation ----------------------------------------------------------------------

    def field_values(self) -> tuple[dict[str, Any], list[Problem]]:
        """The values in the form, typed; a number field that is not a number is a problem."""
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for f in profile_fields():
            widget = self.query_one(f"#field-{f.name}")
            if isinstance(widget, Switch | Select):
                values[f.name] = widget.value
            elif isinstance(widget, Input):
                text = widget.value.strip()
                if _field_kind(f) == "number":
                    try:
                        values[f.name] = float(text)
                    except ValueError:
                        problems.append(Problem(f.name, "must be a number"))
                else:
                    values[f.name] = text
        return values, problems

    def build_profile(self) -> tuple[Profile | None, list[Problem]]:
        values, problems = self.field_values()
        if problems:
            return None, problems
        return validate_profile(self.profile_name, values)

    def revalidate(self) -> list[Problem]:
        """Show each field's problem under it, and allow Save only when there are none."""
        _, problems = self.build_profile()
        self.problems = problems
        by_field = {p.field: p.message for p in problems}
        for f in profile_fields():
            panel = self.query_one(f"#problem-{f.name}", Static)
            message = by_field.get(f.name)
            panel.update(Text(message or ""))
            panel.set_class(bool(message), "-shown")
        summary = self.query_one("#settings-summary", Static)
        if problems:
            noun = "problem" if len(problems) == 1 else "problems"
            summary.update(Text(f"{len(problems)} {noun} to fix before saving: {problems[0]}"))
        else:
            summary.update("")
        self.query_one("#save", Button).disabled = bool(problems) or self.config is None
        return problems

    def on_input_changed(self, event: Input.Changed) -> None:
        self.revalidate()

    def on_switch_changed(self, event: Switch.Changed) -> None:
        self.revalidate()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "profile":
            # The Select announces its first option on mount: stale once the file is loaded.
            if self.config is None or event.value != event.select.value:
                return
            if isinstance(event.value, str) and event.value != self.profile_name:
                self.show_profile(event.value)
            return
        self.revalidate()

    # -- saving --------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "close":
            self.action_close()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.config is None or self.revalidate():
            return
        try:
            # The file may have been broken or commented by hand since it was loaded.
            on_disk = load_config(self.path)
        except ConfigError as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            self.reload()
            return
        if on_disk.has_comments:
            self.app.push_screen(ConfirmRewriteScreen(self.path), self._confirmed)
            return
        self._write(allow_dropping_comments=False)

    def _confirmed(self, agreed: bool | None) -> None:
        if agreed:
            self._write(allow_dropping_comments=True)
        else:
            self.notify("Not saved: the file and its comments are unchanged.", markup=False)

    def _write(self, *, allow_dropping_comments: bool) -> None:
        profile, problems = self.build_profile()
        if profile is None or problems:
            return
        # Start from the file as it is now, so edits to other profiles are not undone.
        config = load_config(self.path)
        config.profiles[profile.name] = profile
        if self.query_one("#is-default", Switch).value:
            config.default_profile = profile.name
        try:
            result = save_config(config, allow_dropping_comments=allow_dropping_comments)
        except (ConfigError, OSError) as error:
            self.notify(str(error), title="Not saved", severity="error", markup=False)
            return
        message = f"Saved profile {profile.name!r} to {result.path}."
        if result.backup is not None:
            message += f" The original (with its comments) is {result.backup}."
        self.notify(message, title="Settings", markup=False)
        self.dismiss(profile)
