"""The rooms of DESIGN.md import one way (errors <- ir <- ops <- frontend/passes/checks/spec
<- backends <- cli): each room imports only the rooms its row allows, never the package root
(whose API imports everything), and the leaf modules (the version, the limits) from anywhere.
The IR imports nothing from the edges: no protobuf, torch, onnx (networkx only in its
analysis view)."""
from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "prototxt_compiler"
LEAVES = {"version", "limits"}  # root modules that import nothing of the package
ALLOWED = {
    "proto": set(),
    "ir": {"errors"},
    "ops": {"ir", "proto", "errors"},
    "frontend": {"proto", "ops", "ir", "errors"},
    "passes": {"ir", "ops", "errors"},
    "checks": {"ir", "ops", "spec", "errors"},
    "spec": {"ir", "ops", "errors"},
    "backends": {"ir", "ops", "proto", "errors"},
    "draw": {"ir", "ops", "checks", "errors"},
}
ROOMS = set(ALLOWED) | {"cli", "api"}


def rooms_imported(path: pathlib.Path, root: pathlib.Path = PACKAGE) -> set[str]:
    """The package's rooms (and leaves, and ``<root>`` for the package itself) a module
    imports from outside its own room."""
    room_depth = len(path.relative_to(root).parts) - 1
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            if node.level <= room_depth:
                continue
            if node.module:  # from ...ops.base import X
                found.add(node.module.split(".")[0])
            else:  # from ... import X: a root module, or the root's API
                found |= {a.name if a.name in ROOMS | LEAVES else "<root>" for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "prototxt_compiler"):
            parts = node.module.split(".")
            found.add(parts[1] if len(parts) > 1 else "<root>")
    return found


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_room_imports_flow_one_way(room: str) -> None:
    bad = {}
    for path in sorted((PACKAGE / room).rglob("*.py")):
        hits = rooms_imported(path) - ALLOWED[room] - LEAVES - {room}
        if hits:
            bad[str(path.relative_to(PACKAGE))] = sorted(hits)
    assert bad == {}


def test_the_leaves_import_nothing_of_the_package() -> None:
    for leaf in LEAVES:
        path = PACKAGE / f"{leaf}.py"
        if path.exists():
            assert rooms_imported(path) == set(), leaf


def test_the_ir_imports_nothing_from_the_edges() -> None:
    for path in sorted((PACKAGE / "ir").glob("*.py")):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                imported.add((node.module or "").split(".")[0])
        edges = imported & {"google", "torch", "onnx", "onnxruntime", "networkx"}
        assert edges <= ({"networkx"} if path.name == "analysis.py" else set()), path.name


def test_a_root_import_is_caught(tmp_path: pathlib.Path) -> None:
    module = tmp_path / "backends" / "onnx" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ... import __version__\nfrom ...frontend import reader\n"
                      "from ..registry import X\nfrom ... import limits\n")
    assert rooms_imported(module, tmp_path) == {"<root>", "frontend", "limits"}
