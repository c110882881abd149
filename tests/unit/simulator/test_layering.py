"""The simulator is a plain ASGI app: importing all of it must not pull in Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CODE = """
import importlib, pkgutil, sys
import tui.simulator as simulator
for module in pkgutil.iter_modules(simulator.__path__):
    importlib.import_module(f"tui.simulator.{module.name}")
assert not [n for n in sys.modules if n.split(".")[0] == "textual"], "textual was imported"
"""


def test_simulator_never_imports_textual():
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
