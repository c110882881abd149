"""`tui.triage` is the Textual-free core the CLI and the screens share: no module of it imports
Textual or a UI package (screens, app, messages), even inside a function. The one widgets
module it uses, `tui.widgets.formatting`, is the plain-Python formatting the CLI uses too."""

from __future__ import annotations

import ast
from pathlib import Path

import tui

TRIAGE = Path(tui.__file__).resolve().parent / "triage"
UI = ("textual", "tui.app", "tui.screens", "tui.messages")
ALLOWED_WIDGETS = {"tui.widgets.formatting"}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_triage_module_imports_textual_or_the_ui() -> None:
    paths = sorted(TRIAGE.glob("*.py"))
    assert len(paths) >= 8
    found = {
        f"{path.name}: {name}"
        for path in paths
        for name in imports_of(path)
        if any(name == ui or name.startswith(ui + ".") for ui in UI)
        or (name.startswith("tui.widgets") and name not in ALLOWED_WIDGETS)
    }
    assert found == set()
    assert not any(
        name.startswith("textual") for name in imports_of(TRIAGE.parent / "widgets/formatting.py")
    )
