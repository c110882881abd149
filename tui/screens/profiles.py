"""Switch profile (one per Drive) inside the app: a picker over the config file's profiles.

Each profile shows its base URL, read-only flag and whether it is the default; the current
one is marked. A broken config is shown with its file and line, never a traceback.
`ProfilesScreen(current)` dismisses with the chosen profile name, or None.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.config import ConfigError, load_config
from tui.paths import style_paths


class ProfilesScreen(ModalScreen[str | None]):
    """Pick a profile from `config.toml`; Enter switches, Escape keeps the current one."""

    CSS_PATH: ClassVar[Any] = style_paths("app.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Keep the current profile"),
    ]

    def __init__(self, current: str | None = None) -> None:
        super().__init__()
        self.current = current
        self.names: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="profiles-dialog"):
            yield Static("Switch profile (one per Drive)", classes="dialog-title")
            yield Static(id="profiles-message")
            yield OptionList(id="profiles-list")
            yield Static(
                "Enter switches: the table, polling and journal move to that Drive. "
                "Add one with `descript-tui profiles add NAME`.",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        message = self.query_one("#profiles-message", Static)
        options = self.query_one(OptionList)
        try:
            config = load_config()
        except ConfigError as error:
            message.update(Text(f"{error}\nFix the file by hand first.", style="bold"))
            return
        message.update(Text(f"Profiles in {config.path}"))
        self.names = config.profile_names()
        for name in self.names:
            profile = config.profile(name)
            line = Text()
            line.append("● " if name == self.current else "  ")
            line.append(name, "bold")
            line.append(f"  {profile.base_url}")
            if profile.read_only:
                line.append("  read-only")
            if name == config.default_profile:
                line.append("  (default)")
            options.add_option(Option(line, id=name))
        if self.current in self.names:
            options.highlighted = self.names.index(self.current)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
