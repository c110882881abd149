"""`tui.triage` is the Textual-free core the CLI and the screens share: importing all of it in
a fresh interpreter loads no Textual and none of the UI packages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import tui

TRIAGE = Path(tui.__file__).resolve().parent / "triage"
UI = ("textual", "tui.app", "tui.screens", "tui.messages")


def test_importing_the_triage_core_loads_no_textual() -> None:
    modules = sorted(f"tui.triage.{p.stem}" for p in TRIAGE.glob("*.py") if p.stem != "__init__")
    assert "tui.triage.ids" in modules and len(modules) >= 7
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = json.loads(result.stdout)
    assert [m for m in loaded if any(m == u or m.startswith(u + ".") for u in UI)] == []
