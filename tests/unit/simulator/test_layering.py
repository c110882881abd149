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


def simulator_imports() -> dict[str, set[str]]:
    """Module -> the tui.simulator modules it imports, function-level imports included."""
    import ast

    root = REPO / "tui" / "simulator"
    trees = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        trees[name] = ast.parse(path.read_text(encoding="utf-8"))
    graph: dict[str, set[str]] = {}
    for name, tree in trees.items():
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in trees:
                # `from package import module` imports that module; any other name, the
                # module it is named from (a package's __init__ counts as the package).
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    found.add(sub if sub in trees else node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in trees)
        graph[name] = found - {name}
    return graph


def test_no_import_circle_in_the_simulator():
    graph = simulator_imports()
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for dep in sorted(graph[module]):
            assert state.get(dep) != 1, " -> ".join([*path, module, dep])
            if dep not in state:
                visit(dep, [*path, module])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    # The demo sits above the world: it builds a World; the world never imports the demo.
    assert "tui.simulator.world.registry" in graph["tui.simulator.demo"]
    assert "tui.simulator.demo" not in graph["tui.simulator.world.registry"]
