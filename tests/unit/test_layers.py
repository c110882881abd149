"""The layers hold: `tui.api` and `tui.simulator` never import Textual or the UI.

Two independent proofs: a fresh interpreter imports every module of both packages and
finds no `textual` in `sys.modules`; and a static scan of their source finds no import
of Textual or of the UI packages (even one inside a function, which the first would miss).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tui

ROOT = Path(tui.__file__).resolve().parent
LAYERS = ("api", "simulator")
FORBIDDEN = ("textual", "tui.app", "tui.screens", "tui.widgets", "tui.messages")


def modules_of(layer: str) -> list[str]:
    base = ROOT / layer
    names = []
    for path in sorted(base.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def is_forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


@pytest.mark.parametrize("layer", LAYERS)
def test_importing_the_layer_loads_no_textual(layer: str) -> None:
    modules = modules_of(layer)
    assert modules, f"no modules found in tui/{layer}"
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert [m for m in loaded if is_forbidden(m)] == []
    assert modules[0] in loaded  # the check really imported the layer


def imports_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append(str(node.args[0].value))
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_no_source_file_in_the_layer_imports_the_ui(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT.parent)): bad
        for path in sorted((ROOT / layer).rglob("*.py"))
        if (bad := [m for m in imports_in(path) if is_forbidden(m)])
    }
    assert offenders == {}


def test_the_scanner_would_notice(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text(
        "import os\n"
        "def f():\n"
        "    from textual.app import App\n"
        "    import importlib; importlib.import_module('tui.widgets.table')\n",
        encoding="utf-8",
    )
    assert [m for m in imports_in(sample) if is_forbidden(m)] == [
        "textual.app",
        "textual.app.App",
        "tui.widgets.table",
    ]


def test_the_import_contracts_hold() -> None:
    """`lint-imports` checks every contract in pyproject's [tool.importlinter] (the layers,
    the headless CLI's one exception, no circles) and fails naming the import that broke one."""
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT.parent,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


# The dashboard's layers keep to the size rules (issue 8): a module over 800 lines or a
# function over 60 is a part that wants splitting. The jobs screen itself stays under 600.
SIZED = ("live", "screens", "widgets", "session.py", "app.py", "formatting.py", "messages.py")


def sized_files() -> list[Path]:
    found: list[Path] = []
    for name in SIZED:
        path = ROOT / name
        found += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return found


def test_no_module_or_function_of_the_dashboard_is_too_long() -> None:
    too_long: dict[str, int] = {}
    for path in sized_files():
        source = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT.parent))
        if source.count("\n") > 800:
            too_long[where] = source.count("\n")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 60:
                    too_long[f"{where}:{node.name}"] = length
    assert too_long == {}
    screen = (ROOT / "screens" / "jobs" / "screen.py").read_text(encoding="utf-8")
    assert screen.count("\n") < 600
