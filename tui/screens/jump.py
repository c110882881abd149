"""Jump mode of the forms, the way posting does it: Ctrl+O, then one letter.

The same letters as the `alt+` keys shown beside each label, for terminals that do not
send Alt (macOS Terminal without "Use Option as Meta"). The modal lists every field with its
letter; a letter dismisses with it, anything else (Escape, Ctrl+O again) with None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.paths import style_paths


def jump_table(targets: Sequence[tuple[str, str]]) -> Table:
    """`n  New project name`, one field a line, in form order."""
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column("Key", no_wrap=True, style="bold")
    table.add_column("Field")
    for letter, label in targets:
        table.add_row(Text(letter), Text(label))
    return table


class JumpScreen(ModalScreen[str | None]):
    """`JumpScreen([(letter, label), ...])`: dismisses with the letter pressed, or None."""

    CSS_PATH: ClassVar[Any] = style_paths("forms.tcss")

    def __init__(self, targets: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.targets = list(targets)

    def compose(self) -> ComposeResult:
        with Vertical(id="jump-dialog"):
            yield Static(Text("Jump to a field: press its letter (Esc stays)"), id="jump-title")
            yield Static(jump_table(self.targets), id="jump-targets")

    def on_key(self, event: events.Key) -> None:
        # Every key is the modal's: a letter picks, any other key closes without moving.
        event.stop()
        event.prevent_default()
        letters = {letter for letter, _ in self.targets}
        self.dismiss(event.character if event.character in letters else None)
