"""The graph IR: SSA values, use lists, editing through the API, the text form, lint."""
from __future__ import annotations

import ast
import pathlib

import pytest

from prototxt_compiler.errors import GraphError
from prototxt_compiler.ir import Graph, to_networkx

IR_DIR = pathlib.Path(__file__).resolve().parents[2] / "prototxt_compiler" / "ir"


def small_graph() -> Graph:
    """data -> conv -> relu (in place) -> two readers, as a Caffe net writes it."""
    g = Graph("small")
    data = g.add_input("data", (1, 3, 8, 8), layer="data")
    conv = g.add_node("conv1", "Convolution", None, [data], ["conv1"])
    relu = g.add_node("relu1", "ReLU", None, [conv.outputs[0]], ["conv1"])
    a = g.add_node("a", "Sigmoid", None, [relu.outputs[0]], ["a"])
    b = g.add_node("b", "TanH", None, [relu.outputs[0]], ["b"])
    g.outputs = [a.outputs[0], b.outputs[0]]
    return g


def test_in_place_writes_a_new_version_of_the_blob() -> None:
    g = small_graph()
    conv, relu = g.node("conv1"), g.node("relu1")
    assert conv.outputs[0].name == "conv1"
    assert relu.outputs[0].name == "conv1@1"
    assert relu.outputs[0].blob == "conv1"
    assert relu.in_place and not conv.in_place
    assert [v.name for v in g.values()] == ["data", "conv1", "conv1@1", "a", "b"]


def test_use_lists_follow_inputs() -> None:
    g = small_graph()
    relu_out = g.node("relu1").outputs[0]
    assert [n.name for n in relu_out.uses] == ["a", "b"]
    g.node("b").inputs = (g.node("conv1").outputs[0],)
    assert [n.name for n in relu_out.uses] == ["a"]
    assert [n.name for n in g.node("conv1").outputs[0].uses] == ["relu1", "b"]
    assert g.lint() == []


def test_replace_all_uses_with_and_safe_remove() -> None:
    g = small_graph()
    relu = g.node("relu1")
    with pytest.raises(GraphError, match="relu1"):
        g.remove(relu)
    assert g.replace_all_uses_with(relu.outputs[0], relu.inputs[0]) == 2
    g.remove(relu)
    assert [n.name for n in g.nodes] == ["conv1", "a", "b"]
    assert [n.name for n in g.node("conv1").outputs[0].uses] == ["a", "b"]
    assert g.lint() == []


def test_remove_nodes_removes_a_chain_at_once_or_nothing() -> None:
    g = small_graph()
    conv, relu, a, b = g.nodes
    g.outputs = [conv.outputs[0]]
    with pytest.raises(GraphError, match="'relu1'.* conv1@1"):  # 'b' stays and reads it
        g.remove_nodes([a, relu])
    assert [n.name for n in g.nodes] == ["conv1", "relu1", "a", "b"]  # nothing removed
    assert [n.name for n in relu.outputs[0].uses] == ["a", "b"]
    g.remove_nodes([b, relu, a])  # read only by each other: any order
    assert [n.name for n in g.nodes] == ["conv1"]
    assert conv.outputs[0].uses == () and g.lint() == []
    with pytest.raises(GraphError, match="conv1"):  # a graph output
        g.remove_nodes([conv])


def test_lint_reports_use_before_definition() -> None:
    g = small_graph()
    g.nodes.insert(0, g.nodes.pop(2))  # move 'a' before the relu that feeds it
    assert any("'a' reads 'conv1@1' before it is defined" in p for p in g.lint())


def test_text_form_is_one_line_per_layer_and_deterministic() -> None:
    g = small_graph()
    text = str(g)
    assert text == str(small_graph())
    assert text.splitlines() == [
        'graph "small"',
        "  input %data: 1x3x8x8",
        "  %conv1: ? = Convolution 'conv1'(%data)",
        "  %conv1@1: ? = ReLU 'relu1'(%conv1)",
        "  %a: ? = Sigmoid 'a'(%conv1@1)",
        "  %b: ? = TanH 'b'(%conv1@1)",
        "  return %a, %b",
    ]


def test_networkx_view_is_read_only() -> None:
    view = to_networkx(small_graph())
    assert sorted(view.successors("relu1")) == ["a", "b"]
    assert list(view.predecessors("conv1")) == ["input:data"]
    with pytest.raises(Exception):
        view.add_node("x")


@pytest.mark.parametrize("path", sorted(IR_DIR.glob("*.py")), ids=lambda p: p.name)
def test_ir_imports_nothing_from_the_edges(path: pathlib.Path) -> None:
    banned = {"google", "torch", "onnx", "onnxruntime"}
    if path.name != "analysis.py":
        banned.add("networkx")
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level and node.module:
            assert not node.module.startswith(("proto", "ops", "frontend", "backends"))
    assert imported & banned == set()
