"""The rooms of DESIGN.md import one way: errors <- ir <- ops <- frontend/passes <- backends
<- cli. Backends and passes never reach back into the frontend, passes never into backends."""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "prototxt_compiler"
FORBIDDEN = {
    "ir": {"ops", "frontend", "passes", "backends", "checks", "spec", "cli", "api", "proto"},
    "ops": {"frontend", "passes", "backends", "checks", "spec", "cli", "api"},
    "passes": {"frontend", "backends", "checks", "spec", "cli", "api"},
    "frontend": {"passes", "backends", "checks", "spec", "cli", "api"},
    "backends": {"frontend", "passes", "checks", "spec", "cli", "api"},
}


def rooms_imported(path: pathlib.Path) -> set[str]:
    room_depth = len(path.relative_to(PACKAGE).parts) - 1
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.level > room_depth:  # reaches the package root
                found.add((node.module or "").split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "prototxt_compiler."):
            found.add(node.module.split(".")[1])
    return found


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_flow_one_way(room: str) -> None:
    bad = {}
    for path in sorted((PACKAGE / room).rglob("*.py")):
        hits = rooms_imported(path) & FORBIDDEN[room]
        if hits:
            bad[str(path.relative_to(PACKAGE))] = sorted(hits)
    assert bad == {}
