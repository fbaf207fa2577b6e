"""models/ is pure PyTorch + numpy + scikit-learn + stdlib, in short files without import cycles:
parse every module and check its imports and its length.

Catches imports anywhere in a file (inside functions and `if TYPE_CHECKING:` too), so a notebook can
use models/ without the web stack, the server's concerns (fastapi, pydantic, asyncio, server) never
leak into the math, and no two modules need each other (that is one design problem, not two files).
"""

import ast
import sys
from pathlib import Path

import pytest

from tests.structure import find_cycle, import_graph

MODELS = Path(__file__).resolve().parents[2] / "models"
# safetensors: the pickle-free checkpoint format the issue names for models/engine/checkpoint.py.
ALLOWED = {"torch", "numpy", "sklearn", "models", "safetensors"}
FORBIDDEN_STDLIB = {"asyncio"}  # the training engine is synchronous; the server owns the event loop


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every absolute import in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def allowed(name: str) -> bool:
    if name in FORBIDDEN_STDLIB:
        return False
    return name in ALLOWED or name in sys.stdlib_module_names or name == "__future__"


def test_the_checker_can_fail(tmp_path):
    source = tmp_path / "bad.py"
    source.write_text("import os\ndef f():\n    from fastapi import FastAPI\n    import asyncio\n"
                      "from . import sibling\nimport torch.nn as nn\n")
    names = imported_modules(source)
    assert names == {"os", "fastapi", "asyncio", "torch"}
    assert [name for name in sorted(names) if not allowed(name)] == ["asyncio", "fastapi"]


MODULES = sorted(MODELS.rglob("*.py"))


def test_models_package_has_modules():
    assert {path.name for path in MODULES} >= {"__init__.py", "datasets.py", "analysis.py"}


@pytest.mark.parametrize("path", MODULES, ids=[str(path.relative_to(MODELS)) for path in MODULES])
def test_module_imports_only_the_math_stack(path):
    bad = sorted(name for name in imported_modules(path) if not allowed(name))
    assert not bad, (f"models/{path.relative_to(MODELS)} imports {bad}; models/ may use only "
                     f"{sorted(ALLOWED)} and the standard library")


MAX_LINES = 300  # STYLE.md: Python files under ~300 lines; split before a god module grows


@pytest.mark.parametrize("path", MODULES, ids=[str(path.relative_to(MODELS)) for path in MODULES])
def test_module_is_short(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"models/{path.relative_to(MODELS)} has {lines} lines; split it"


def test_the_cycle_finder_can_fail(tmp_path):
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "sub" / "__init__.py").write_text("from pkg.sub.b import B\n")
    (root / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                               "    from pkg.sub.b import B\n")
    (root / "sub" / "b.py").write_text("def f():\n    from pkg import a\n")
    (root / "c.py").write_text("from pkg import a\n")
    graph = import_graph(root)
    assert graph["pkg.a"] == {"pkg.sub.b", "pkg.sub"} and graph["pkg.c"] == {"pkg.a"}
    assert find_cycle(graph) in (["pkg.a", "pkg.sub", "pkg.sub.b", "pkg.a"],
                                 ["pkg.a", "pkg.sub.b", "pkg.a"])
    (root / "sub" / "b.py").write_text("B = 1\n")
    assert find_cycle(import_graph(root)) is None


def test_models_has_no_import_cycle():
    graph = import_graph(MODELS)
    assert {"models.loop", "models.engine", "models.engine.group"} <= set(graph)
    assert "models.engine.sampling" in graph["models.loop"]  # the loop uses the batch order
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"
