"""Ops that commute with a transpose, imported on the value before it
(``frontend.onnx.layout``): a transpose that comes back writes no layer; a reader that does
not commute reads the transpose written out as moves; a transpose that has no BVLC form is
refused under its own name, whichever node reads it. Held to onnxruntime through the
PyTorch backend (itself held to Caffe); tests/fixtures/onnx's ``channels_last``,
``channels_last_norm``, ``convnext_style_*`` and ``channels_last_1d_*`` hold the forms to
real Caffe."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.frontend.onnx.layout import view_through
from prototxt_compiler.frontend.onnx.transpose import MAX_MOVED_AXIS
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.against_ort import equals_onnxruntime, feeds_of
from tests.frontend.onnx.builder import Builder

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

MOVES = {"Slice", "Concat"}


def channels_last_block(opset: int, shape: tuple[int, ...] = (2, 8, 5, 6)) -> Any:
    """ConvNeXt's block body between its two transposes, as torch exports it before opset
    17 (the LayerNorm node by node) and from 17 (LayerNormalization)."""
    b = Builder("block", opset)
    x = b.input("data", shape)
    c = shape[1]
    t = b.node("Transpose", [x], "to_last", perm=[0, 2, 3, 1])
    if opset >= 17:
        y = b.node("LayerNormalization", [t, b.uniform("g", (c,), 0.5, 1.5),
                                          b.normal("beta", (c,), 0.3)], "norm", epsilon=1e-6)
    else:
        mean = b.node("ReduceMean", [t], "mean", axes=[-1])
        d = b.node("Sub", [t, mean], "d")
        var = b.node("ReduceMean", [b.node("Pow", [d, b.const("two", 2.0)], "sq")], "var",
                     axes=[-1])
        root = b.node("Sqrt", [b.node("Add", [var, b.const("eps", 1e-6)], "shifted")], "root")
        y = b.node("Div", [d, root], "normalized")
        y = b.node("Add", [b.node("Mul", [y, b.uniform("g", (c,), 0.5, 1.5)], "scaled"),
                           b.normal("beta", (c,), 0.3)], "biased")
    h = b.node("Add", [b.node("MatMul", [y, b.weight("w1", (c, 4 * c))], "fc1"),
                       b.normal("b1", (4 * c,), 0.1)], "fc1_bias")
    h = b.node("Erf", [b.node("Div", [h, b.const("sqrt2", np.sqrt(2.0))], "scaled_h")], "erf")
    h = b.node("MatMul", [h, b.weight("w2", (4 * c, c))], "fc2")
    b.output(b.node("Transpose", [h], "to_first", perm=[0, 3, 1, 2]))
    return b.model()


@pytest.mark.parametrize("opset", [13, 17])
def test_a_transpose_that_comes_back_writes_no_layer(opset: int) -> None:
    model = channels_last_block(opset)
    graph = from_onnx(model)
    types = [n.type for n in graph.nodes]
    assert not MOVES & set(types), types
    # the Linear layers over channels are 1x1 convolutions, the first with its bias folded
    convs = [n for n in graph.nodes if n.type == "Convolution"]
    assert [c.params.kernel for c in convs] == [(1, 1), (1, 1)]
    assert [c.params.bias_term for c in convs] == [True, False]
    equals_onnxruntime(model, graph, feeds_of(model))


def test_large_axes_need_no_moves_when_the_transpose_comes_back() -> None:
    # every axis past MAX_MOVED_AXIS: written out, this transpose would be refused
    big = MAX_MOVED_AXIS + 2
    model = channels_last_block(17, (1, big, big, big))
    graph = from_onnx(model)
    assert not MOVES & {n.type for n in graph.nodes}
    equals_onnxruntime(model, graph, feeds_of(model))


def reader_model(reader: str) -> Any:
    """A transpose to channels-last read by ``reader``; where the reader's output is still
    channels-last, it is transposed back, so that only the reader can need the moves."""
    b = Builder("reader", 11 if reader == "softmax of the flattened form" else 13)
    x = b.input("data", (2, 3, 4, 5))
    t = b.node("Transpose", [x], "to_last", perm=[0, 2, 3, 1])
    back = True
    if reader == "value in the transposed layout":
        y = b.node("Add", [t, b.input("other", (2, 4, 5, 3))], "add")
    elif reader == "two permutations":  # (2, 4, 5, 3) both, from bases of other shapes
        swapped = b.node("Transpose", [b.input("other", (2, 5, 4, 3))], "swapped",
                         perm=[0, 2, 1, 3])
        y = b.node("Mul", [t, swapped], "mul")
    elif reader == "reshape":
        y, back = b.node("Reshape", [t, b.ints("flat_shape", [2, 20, 3])], "flat"), False
    elif reader == "softmax of the flattened form":
        y = b.node("Softmax", [t], "softmax", axis=2)
    elif reader == "convolution":
        y = b.node("Conv", [t, b.weight("w", (2, 4, 3, 3))], "conv", pads=[1, 1, 1, 1])
    else:
        raise AssertionError(reader)
    b.output(b.node("Transpose", [y], "to_first", perm=[0, 3, 1, 2]) if back else y)
    return b.model()


@pytest.mark.parametrize("reader", ["value in the transposed layout", "two permutations",
                                    "reshape", "convolution", "softmax of the flattened form"])
def test_a_reader_that_does_not_commute_reads_the_moves(reader: str) -> None:
    model = reader_model(reader)
    graph = from_onnx(model)
    assert MOVES <= {n.type for n in graph.nodes}
    equals_onnxruntime(model, graph, feeds_of(model))


@pytest.mark.parametrize("axes, order", [([1, 2], "(N, C): in order"),
                                         ([1], "(N, W, C): still transposed")])
def test_a_reduction_without_keepdims_drops_the_axes_it_reduces(axes: list[int],
                                                                order: str) -> None:
    b = Builder("pooled", 13)
    t = b.node("Transpose", [b.input("data", (2, 3, 4, 5))], "to_last", perm=[0, 2, 3, 1])
    mean = b.node("ReduceMean", [t], "mean", axes=axes, keepdims=0)
    b.output(b.node("Transpose", [mean], "back", perm=[0, 2, 1]) if len(axes) == 1 else mean)
    model = b.model()
    graph = from_onnx(model)
    assert not MOVES & {n.type for n in graph.nodes}, order
    equals_onnxruntime(model, graph, feeds_of(model))


def test_reshapes_of_axes_held_together_and_gathers_stay_transposed() -> None:
    """Attention's heads: channels (of (N, C, L), transposed to (N, L, C)) split into heads
    and the heads moved before the tokens, a gather of one, a ReLU, and back: every
    reshape splits or merges axes the base holds side by side, in order, so no transpose
    is written."""
    b = Builder("heads", 13)
    t = b.node("Transpose", [b.input("data", (2, 12, 5))], "tokens", perm=[0, 2, 1])
    heads = b.node("Reshape", [t, b.ints("split", [2, 5, 2, 2, 3])], "split_heads")
    moved = b.node("Transpose", [heads], "heads_first", perm=[2, 0, 3, 1, 4])  # (2, N, 2, L, 3)
    one = b.node("Gather", [moved, b.const("first", np.array(1, np.int64), np.int64)],
                 "second_half", axis=0)
    back = b.node("Transpose", [b.node("Relu", [one], "relu")], "tokens_again",
                  perm=[0, 2, 1, 3])
    merged = b.node("Reshape", [back, b.ints("merge", [2, 5, 6])], "merge_heads")
    b.output(b.node("Transpose", [merged], "channels", perm=[0, 2, 1]))
    model = b.model()
    graph = from_onnx(model)
    # the gather's Slice (of the base's heads axis) is the only copy
    assert [(n.type, n.name) for n in graph.nodes if n.type in MOVES] == [
        ("Slice", "second_half")]
    equals_onnxruntime(model, graph, feeds_of(model))


@pytest.mark.parametrize("form", ["Keras Reshape, MatMul", "torch Flatten, Linear",
                                  "Gemm of transB 0", "two readers"])
def test_a_dense_layer_of_a_flattened_transpose_reads_no_moves(form: str) -> None:
    """The transpose merged by the reshape has no view of its base (the base holds C, H, W;
    the reshape merges H, W, C), and each axis is past MAX_MOVED_AXIS, so written out it
    would be refused: the InnerProduct reads the base, its weight's rows reordered. A
    second reader (a ReLU) still reads it written out, refused under the transpose's
    name."""
    big = MAX_MOVED_AXIS + 2
    b = Builder("flat", 13)
    t = b.node("Transpose", [b.input("data", (1, big, big, big))], "to_last",
               perm=[0, 2, 3, 1])
    k = big ** 3
    if form == "Keras Reshape, MatMul":
        flat = b.node("Reshape", [t, b.ints("shape", [-1, k])], "flatten")
        b.output(b.node("Add", [b.node("MatMul", [flat, b.weight("w", (k, 5))], "dense"),
                                b.normal("bias", (5,))], "dense_bias"))
    else:
        flat = b.node("Flatten", [t], "flatten", axis=1)
        trans_b = int(form != "Gemm of transB 0")
        w = b.weight("w", (5, k) if trans_b else (k, 5))
        b.output(b.node("Gemm", [flat, w, b.normal("bias", (5,))], "dense", transB=trans_b))
    if form == "two readers":
        b.output(b.node("Relu", [flat], "relu"))
        with pytest.raises(UnsupportedNodesError) as caught:
            from_onnx(b.model())
        [(name, op, why)] = caught.value.nodes
        assert (name, op) == ("to_last", "Transpose")
        assert f"more than {MAX_MOVED_AXIS} elements" in why
        return
    model = b.model()
    graph = from_onnx(model)
    types = [n.type for n in graph.nodes]
    assert not MOVES & set(types), types
    [dense] = [n for n in graph.nodes if n.type == "InnerProduct"]
    assert dense.inputs[0].shape in ((1, big, big, big), (1, k))  # the base, not moved
    equals_onnxruntime(model, graph, feeds_of(model))


@pytest.mark.parametrize("base, perm, target, expected", [
    # (N, L, 3C) read as (L, N, 3C), split to (L, N, 3, C): the base split likewise
    ((1, 197, 2304), (1, 0, 2), (197, 1, 3, 768), ((1, 197, 3, 768), (1, 0, 2, 3))),
    # (N, C, H, W) read as (N, H, W, C), H and W merged: the base merges them too
    ((2, 3, 4, 5), (0, 2, 3, 1), (2, 20, 3), ((2, 3, 20), (0, 2, 1))),
    # W and C merged: the base holds them apart (H between), no such view
    ((2, 3, 4, 5), (0, 2, 3, 1), (2, 4, 15), None),
    # C and W in the base's reverse order: no such view
    ((2, 3, 1, 5), (0, 3, 2, 1), (2, 15), None),
    # an axis of 1 between the merged ones in the base is passed over; the target's axes
    # of 1 go first
    ((2, 1, 3, 4), (0, 2, 3, 1), (1, 2, 12, 1), ((1, 1, 2, 12), (0, 2, 3, 1))),
])
def test_a_view_through_a_transpose(base: tuple[int, ...], perm: tuple[int, ...],
                                    target: tuple[int, ...], expected: Any) -> None:
    moved = view_through(base, perm, target)
    assert moved == expected
    if moved is not None:  # the same elements in the same places as numpy's
        x = np.arange(int(np.prod(base))).reshape(base)
        shape, out_perm = moved
        np.testing.assert_array_equal(x.reshape(shape).transpose(out_perm),
                                      x.transpose(perm).reshape(target))


def test_a_graph_output_keeps_its_layout() -> None:
    b = Builder("out", 13)
    t = b.node("Transpose", [b.input("data", (2, 3, 4, 5))], "to_last", perm=[0, 2, 3, 1])
    b.output(b.node("Relu", [t], "relu"))
    model = b.model()
    graph = from_onnx(model)
    assert [v.blob for v in graph.outputs] == ["relu"]
    assert graph.outputs[0].shape == (2, 4, 5, 3)
    equals_onnxruntime(model, graph, feeds_of(model))


@pytest.mark.parametrize("reader", ["Relu", "Flatten", None, "Relu Flatten"])
def test_a_transpose_with_no_bvlc_form_is_refused_under_its_own_name(reader: str | None
                                                                      ) -> None:
    big = MAX_MOVED_AXIS + 1
    b = Builder("big", 13)
    t = b.node("Transpose", [b.input("data", (1, big, big, big))], "to_last",
               perm=[0, 2, 3, 1])
    for i, op in enumerate((reader or "").split()):  # "Relu Flatten": the ReLU commutes
        t = b.node(op, [t], f"reader{i}")
    b.output(t)
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(b.model())
    [(name, op, why)] = caught.value.nodes
    assert (name, op) == ("to_last", "Transpose")
    assert f"more than {MAX_MOVED_AXIS} elements" in why


@pytest.mark.parametrize("op", ["Pad", "Resize"])
def test_a_pad_or_resize_of_a_channels_last_input_viewed_channels_first(op: str) -> None:
    """tf2onnx's first layers: an (N, H, W, C) input, a Transpose to (N, C, H, W), a Pad or
    an upsampling of H and W: on the input they would fall on its H and C (no Caffe pad or
    resize does that), so they read the moves, as any other reader."""
    b = Builder("nhwc_input", 13)
    t = b.node("Transpose", [b.input("image", (1, 6, 8, 3))], "to_nchw", perm=[0, 3, 1, 2])
    if op == "Pad":
        y = b.node("Pad", [t, b.ints("pads", [0, 0, 1, 1, 0, 0, 1, 1])], "pad")
        b.output(b.node("Conv", [y, b.weight("w", (2, 3, 3, 3))], "conv"))
    else:
        b.output(b.node("Resize", [t, b.const("roi", np.zeros(0)),
                                   b.const("scales", [1.0, 1.0, 2.0, 2.0])], "up",
                        mode="nearest"))
    model = b.model()
    graph = from_onnx(model)
    assert MOVES <= {n.type for n in graph.nodes}
    equals_onnxruntime(model, graph, feeds_of(model))
