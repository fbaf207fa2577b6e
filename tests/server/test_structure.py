"""server/ is composed one way: no two of its modules import each other (type-only imports
included), nothing in models/ imports it, and no file is over ~300 lines (STYLE.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.structure import find_cycle, import_graph

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server"
MAX_LINES = 300
SOURCES = sorted([*SERVER.rglob("*.py"), *(ROOT / "models").rglob("*.py")])


def test_server_has_no_import_cycle() -> None:
    graph = import_graph(SERVER)
    assert {"server.training", "server.service", "server.frames"} <= set(graph)
    assert "server.service" in graph["server.training"]  # the thread owns the service
    assert "server.training" not in graph["server.service"]  # and never the other way round
    cycle = find_cycle(graph)
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


def test_views_do_not_reach_back_into_the_thread() -> None:
    graph = import_graph(SERVER)
    for view in ("server.frames", "server.bridge", "server.diagram_wire"):
        assert not graph[view] & {"server.training", "server.service", "server.watching",
                                  "server.stepping", "server.publishing"}, view


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(ROOT)) for p in SOURCES])
def test_source_files_are_short(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it"
