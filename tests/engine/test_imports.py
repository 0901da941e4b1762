"""The engine stands alone: it never imports Flask, Socket.IO or the app."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = {"flask", "flask_socketio", "socketio", "engineio", "app"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_no_engine_module_imports_the_web_side():
    for path in sorted(ENGINE.glob("*.py")):
        bad = _imports(path) & FORBIDDEN
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_core_needs_numpy_and_the_standard_library_only():
    stdlib = set(sys.stdlib_module_names)
    core = [
        "activations",
        "losses",
        "initializers",
        "network",
        "programs",
        "optimizers",
        "datasets",
        "features",
        "config",
        "trainer",
        "gradcheck",
    ]
    for name in core:
        outside = _imports(ENGINE / f"{name}.py") - stdlib - {"numpy", "engine"}
        assert not outside, f"{name}.py imports {sorted(outside)}"


def test_importing_the_engine_loads_neither_flask_nor_the_app():
    code = (
        "import sys, engine; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_socketio', "
        "'app')]; print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ENGINE.parent, check=True
    ).stdout.strip()
    assert out == "[]"
