"""Gemm and MatMul by a constant: an InnerProduct reads the blob a reshape of its trailing axes
views (it flattens from its axis itself), and any other reader of the reshape still gets it
written. The ``dense`` fixture holds the layers to real Caffe; this pins what is written."""
from __future__ import annotations

import warnings
from typing import Any

import pytest

from prototxt_compiler import to_torch
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.against_ort import equals_onnxruntime, feeds_of
from tests.frontend.onnx.builder import Builder
from tests.frontend.onnx.cases import CASES


def _layers(graph: Any) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(n.type, n.name, n.inputs[0].shape or ()) for n in graph.nodes]


def test_dense_layers_read_the_blob_a_reshape_merges() -> None:
    [case] = [c for c in CASES if c.name == "dense"]
    model = case.build(case.first)
    layers = {name: (kind, bottom) for kind, name, bottom in _layers(from_onnx(model))}
    assert not {"Flatten", "Reshape"} & {kind for kind, _ in layers.values()}
    assert layers["keras_dense"] == ("InnerProduct", (2, 3, 2, 2))  # (2, 12) viewed
    assert layers["projection"] == ("InnerProduct", (2, 3, 2, 2))  # (2, 3, 4) viewed


@pytest.mark.parametrize("shape, target, written", [
    # merges axes 1-2 of three, not the trailing run: the view is written
    ((2, 3, 4, 5), [2, 12, 5], True),
    # splits the last axis: the view is written
    ((2, 12), [2, 3, 4], True),
    # merges the batch into the rows: the view is written
    ((2, 3, 4), [6, 4], True),
    # merges the trailing run: read as it is
    ((2, 3, 4, 5), [2, 3, 20], False),
])
def test_only_a_merge_of_the_trailing_axes_is_read_unwritten(shape: tuple[int, ...],
                                                            target: list[int],
                                                            written: bool) -> None:
    b = Builder("view_dense", 13)
    view = b.node("Reshape", [b.input("data", shape), b.ints("shape", target)], "view")
    b.output(b.node("MatMul", [view, b.weight("w", (target[-1], 3))], "dense"))
    model = b.model()
    graph = from_onnx(model)
    kinds = [kind for kind, _, _ in _layers(graph)]
    assert kinds == (["Reshape" if len(target) >= len(shape) else "Flatten", "InnerProduct"]
                     if written else ["InnerProduct"])
    equals_onnxruntime(model, graph, feeds_of(model))


def test_a_second_reader_of_the_reshape_reads_it_written() -> None:
    b = Builder("two_readers", 13)
    flat = b.node("Reshape", [b.input("data", (2, 3, 2, 2)), b.ints("shape", [2, 12])],
                  "flat")
    b.output(b.node("MatMul", [flat, b.weight("w", (12, 4))], "dense"))
    b.output(b.node("Relu", [flat], "relu"))
    model = b.model()
    graph = from_onnx(model)
    layers = _layers(graph)
    assert ("Flatten", "flat", (2, 3, 2, 2)) in layers
    assert ("ReLU", "relu", (2, 12)) in layers
    equals_onnxruntime(model, graph, feeds_of(model))


@pytest.mark.parametrize("name", ["conv", "dense"])
def test_the_torch_module_of_a_converted_graph_warns_of_nothing(name: str) -> None:
    """ONNX initializers come as read-only arrays; the backend copies them into its
    parameters rather than handing torch a buffer it may not write (which torch warns of)."""
    [case] = [c for c in CASES if c.name == name]
    graph = from_onnx(case.build(case.first))
    assert any(not blob.flags.writeable for n in graph.nodes for blob in n.blobs or ())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_torch(graph)
