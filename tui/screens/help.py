"""`?`: the keys that work right now, grouped by where they are bound.

Read from the live binding chain of the screen underneath (its focused widget, the screen,
the app), so the list stays true as bindings change; nothing here is a hand-kept copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tui.api.models import Outcome
from tui.formatting import state_text
from tui.paths import style_paths

#: What the job table's columns mean, for the screens that show one.
COLUMN_LEGEND: tuple[tuple[str, str], ...] = (
    ("Label", "progress label; once stopped: the failure, or the agent's answer"),
    ("Elapsed", "created until stopped; for a live job, created until now"),
    ("Files", "an import's files: imported ✔ and failed ✖"),
    ("◆", "watched: a notification when the job finishes (w)"),
    ("●", "marked for a bulk cancel (space or * for all shown, then c; u unmarks)"),
    ("⏸ stall", "queued or running without progress past the profile's stall minutes (5)"),
)


def group_title(node: DOMNode) -> str:
    """`App`, `Jobs screen`, `Job table`: where a binding lives, in words."""
    if isinstance(node, App):
        return "Everywhere (app)"
    name = type(node).__name__
    words = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in name).strip()
    words = words[:1].upper() + words[1:]
    return f"This screen ({words})" if isinstance(node, Screen) else words


def _declared_here(node: DOMNode, binding: Binding) -> bool:
    """Whether this project's code (not a stock Textual widget) declared the binding."""
    for cls in type(node).__mro__:
        for declared in cls.__dict__.get("BINDINGS", ()):
            action = declared.action if isinstance(declared, Binding) else declared[1]
            if action == binding.action:
                return cls.__module__.startswith("tui.")
    return False


def _worth_listing(node: DOMNode, binding: Binding) -> bool:
    """Shown keys, our own hidden keys and the app's; not a stock widget's cursor keys."""
    if binding.show:
        return True
    if isinstance(node, App):
        return bool(binding.description)
    return _declared_here(node, binding)


def binding_groups(screen: Screen[Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """[(group, [(keys, description), …]), …] for `screen`'s active bindings, innermost first."""
    app = screen.app
    grouped: dict[int, tuple[DOMNode, dict[str, list[str]]]] = {}
    order: list[int] = []
    for key, active in screen.active_bindings.items():
        binding: Binding = active.binding
        node = active.node
        if not _worth_listing(node, binding):
            continue
        description = binding.description or binding.action.replace("_", " ")
        if id(node) not in grouped:
            grouped[id(node)] = (node, {})
            order.append(id(node))
        shown = app.get_key_display(Binding(key, binding.action, key_display=binding.key_display))
        grouped[id(node)][1].setdefault(description, []).append(shown)
    return [
        (group_title(grouped[i][0]), [(" / ".join(k), d) for d, k in grouped[i][1].items()])
        for i in order
    ]


def legend_table() -> Table:
    """Every state symbol and the columns whose meaning is not obvious."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for name, meaning in COLUMN_LEGEND:
        table.add_row(Text(name), Text(meaning))
    states = "   ".join(state_text(outcome) for outcome in Outcome)
    table.add_row(Text("States"), Text(states))
    return table


#: A group longer than this is laid out in two columns, so the whole list fits a 36-row screen.
TWO_COLUMNS_FROM = 8


def keys_table(rows: Iterable[tuple[str, str]]) -> Table:
    """Keys and what they do; a long group fills two columns, down the left one first."""
    rows = list(rows)
    halves = 2 if len(rows) > TWO_COLUMNS_FROM else 1
    table = Table.grid(padding=(0, 2))
    for _ in range(halves):
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
    height = -(-len(rows) // halves)
    for index in range(height):
        cells: list[Text] = []
        for keys, description in rows[index::height]:
            cells += [Text(keys), Text(description)]
        table.add_row(*cells)
    return table


class HelpScreen(ModalScreen[None]):
    """`HelpScreen()`: the keys of the screen below it and of the app, grouped."""

    CSS_PATH: ClassVar[Any] = style_paths("forms.tcss")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, screen: Screen[Any] | None = None) -> None:
        super().__init__()
        self._target = screen

    def compose(self) -> ComposeResult:
        target = self._target or self._screen_below()
        # One scrolling dialog as tall as its content, up to 90% of the screen.
        with VerticalScroll(id="help-dialog"):
            yield Static(Text("Keys (Esc closes; Ctrl+P lists every command)"), id="help-title")
            for title, rows in binding_groups(target) if target else []:
                yield Static(Text(title), classes="help-group")
                yield Static(keys_table(rows), classes="help-keys")
            if target is not None and target.query("JobTable"):
                yield Static(Text("What the table shows"), classes="help-group")
                yield Static(legend_table(), classes="help-keys", id="help-legend")

    def _screen_below(self) -> Screen[Any] | None:
        stack = [s for s in self.app.screen_stack if s is not self]
        return stack[-1] if stack else None

    def action_close(self) -> None:
        self.dismiss(None)
