"""Division of two blobs, Expand, ReduceL2, InstanceNormalization and LayerNormalization
from ONNX, beyond what the real-Caffe fixtures (``divide``, ``instance_norm``,
``layer_norm``, ``normalized_generator``, ``embedding_head``) hold: the zeros and
infinities of a divisor, the layers each becomes, what is refused, and that a net converted
at batch 1 runs at another."""
from __future__ import annotations

import numpy as np
import pytest

from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.against_ort import both_outputs
from tests.frontend.onnx.builder import Builder

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


def test_a_divisor_of_zeros_and_infinities_gives_onnxs_infinities_and_nan() -> None:
    b = Builder("div", 13)
    x, y = b.input("x", (1, 8)), b.input("y", (1, 8))
    b.output(b.node("Div", [x, y], "q"))
    model = b.model()
    graph = from_onnx(model)
    assert [n.type for n in graph.nodes if n.type not in ("Input",)] == ["Power", "Eltwise"]
    reciprocal = next(n for n in graph.nodes if n.type == "Power")
    assert reciprocal.params.power == -1.0 and reciprocal.inputs[0].blob == "y"
    feeds = {"x": np.array([[1, -2, 0, 3, np.inf, 0, 1.5, -np.inf]], np.float32),
             "y": np.array([[0, 0, 0, np.inf, np.inf, -0.0, -np.inf, 2]], np.float32)}
    (got,), (want,) = both_outputs(model, from_onnx(model), feeds)
    np.testing.assert_array_equal(got, want)  # inf, -inf, nan, 0, nan, nan, -0, -inf


def test_expand_is_tiles_and_copies_every_value() -> None:
    b = Builder("expand", 13)
    x = b.input("x", (2, 1, 3))
    b.output(b.node("Expand", [x, b.ints("to", [4, 2, 5, 3])], "wide"))
    model = b.model()
    graph = from_onnx(model)
    tiles = [(n.params.axis, n.params.tiles) for n in graph.nodes if n.type == "Tile"]
    assert tiles == [(0, 4), (2, 5)]
    x_value = np.array([[[np.inf, np.nan, 1.0]], [[-2.0, 0.5, -np.inf]]], np.float32)
    (got,), (want,) = both_outputs(model, from_onnx(model), {"x": x_value})
    np.testing.assert_array_equal(got, want)


def test_instance_norm_is_its_definition_in_inference_layers() -> None:
    b = Builder("instance", 13)
    x = b.input("x", (2, 3, 4, 4))
    b.output(b.node("InstanceNormalization", [x, b.uniform("g", (3,), 0.5, 1.5),
                                              b.normal("b", (3,))], "y", epsilon=1e-2))
    model = b.model()
    graph = from_onnx(model)
    # no BatchNorm of the batch's statistics: the negated mean and the variance of each
    # (n, c) (of shape (N, C): no layer holds a shape), added and divided by along the axes
    # before H x W, then the affine, named after the node
    assert [(n.type, n.name) for n in graph.nodes if n.type != "Input"] == [
        ("Reduction", "y/mean"), ("Bias", "y/centred"), ("Power", "y/square"),
        ("Reduction", "y/variance"), ("Power", "y/rsqrt"), ("Scale", "y/normalized"),
        ("Scale", "y")]
    assert next(n for n in graph.nodes if n.name == "y/mean").params.coeff == -1.0
    rsqrt = next(n for n in graph.nodes if n.name == "y/rsqrt")
    assert (rsqrt.params.power, rsqrt.params.shift) == (-0.5, pytest.approx(1e-2))
    assert all(n.params.axis == 0 and n.params.num_axes == 2 for n in graph.nodes
               if n.type in ("Bias", "Scale") and len(n.inputs) == 2)
    feeds = {"x": np.random.default_rng(2).standard_normal((2, 3, 4, 4)).astype(np.float32)}
    (got,), (want,) = both_outputs(model, from_onnx(model), feeds)
    np.testing.assert_allclose(got, want, atol=1e-5)


def refusal(model) -> str:  # noqa: ANN001
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model)
    [(_, _, why)] = caught.value.nodes
    return why


def test_what_has_no_caffe_form_is_refused_with_the_reason() -> None:
    b = Builder("bad_expand", 13)
    x = b.input("x", (2, 3))
    b.output(b.node("Expand", [x, b.ints("to", [2, 4])], "y"))
    assert "do not broadcast" in refusal(b.model())
    b = Builder("flat_instance", 13)
    x = b.input("x", (2, 3))
    b.output(b.node("InstanceNormalization", [x, b.const("g", np.ones(3)),
                                              b.const("b", np.zeros(3))], "y"))
    assert "at least one axis after C" in refusal(b.model())
    b = Builder("ln_stats", 17)
    x = b.input("x", (2, 4))
    y, mean = b.node("LayerNormalization", [x, b.const("g", np.ones(4))], "y",
                     outputs=["y", "mean"])
    b.output(y, mean)
    assert "statistics output 'mean' is read" in refusal(b.model())


def test_gathers_and_stepped_slices_copy_inf_and_nan() -> None:
    b = Builder("taken", 13)
    x = b.input("x", (1, 3, 4, 6))
    b.output(b.node("Gather", [x, b.ints("bgr_idx", [2, 1, 0])], "bgr", axis=1))
    b.output(b.node("Slice", [x, b.ints("s", [1, 0]), b.ints("e", [4, 6]), b.ints("a", [2, 3]),
                              b.ints("t", [2, 3])], "strided"))
    b.output(b.node("Slice", [x, b.ints("fs", [-1]), b.ints("fe", [-100]), b.ints("fa", [3]),
                              b.ints("ft", [-1])], "flipped"))
    model = b.model()
    types = [n.type for n in from_onnx(model).nodes]
    assert types.count("Convolution") == 2  # the strides on H and W: a 1 x 1 kernel each
    x_value = np.random.default_rng(1).standard_normal((1, 3, 4, 6)).astype(np.float32)
    x_value[0, 0, 1, 0], x_value[0, 1, 3, 3], x_value[0, 2, 1, 3] = np.inf, np.nan, -np.inf
    got, want = both_outputs(model, from_onnx(model), {"x": x_value})
    for ours, theirs in zip(got, want):
        np.testing.assert_array_equal(ours, theirs)


def test_indices_out_of_range_and_too_many_runs_are_refused() -> None:
    from prototxt_compiler.frontend.onnx.concat import MAX_TAKEN_RUNS

    b = Builder("out_of_range", 13)
    x = b.input("x", (1, 3, 4, 4))
    b.output(b.node("Gather", [x, b.ints("idx", [0, 3])], "y", axis=1))
    assert "not within axis 1 of 3" in refusal(b.model())
    width = 2 * MAX_TAKEN_RUNS
    b = Builder("mirror", 13)
    x = b.input("x", (1, 1, 2, width))
    b.output(b.node("Slice", [x, b.ints("s", [-1]), b.ints("e", [-width - 1]),
                              b.ints("a", [3]), b.ints("t", [-1])], "y"))
    why = refusal(b.model())
    assert f"takes {width} separate runs of axis 3" in why and "MAX_TAKEN_RUNS" in why


@pytest.mark.parametrize("op", ["InstanceNormalization", "LayerNormalization", "gate",
                                "constant"])
def test_a_net_converted_at_batch_1_runs_at_another(op: str, tmp_path) -> None:
    """A normalization, a squeeze-excite gate (1, C, 1, 1) over (1, C, H, W) and a constant
    varying along axes apart: no layer holds the batch of 1 (the gate is read as (N, C)
    along axes 0-1, the constant held over axes 1-3)."""
    from prototxt_compiler.api import load_torch
    from prototxt_compiler.to_caffe import save_caffe

    b = Builder("any_batch", 17)
    x = b.input("x", ("N", 3, 4, 5))
    if op == "constant":
        b.output(b.node("Add", [x, b.normal("apart", (3, 1, 5))], "y"))
    elif op == "gate":
        pooled = b.node("GlobalAveragePool", [x], "pooled")
        b.output(b.node("Mul", [x, b.node("Sigmoid", [pooled], "gate")], "y"))
    else:
        per = (3,) if op == "InstanceNormalization" else (5,)
        inputs = [x, b.uniform("g", per, 0.5, 1.5), b.normal("b", per)]
        b.output(b.node(op, inputs, "y"))
    model = b.model()
    graph = from_onnx(model, input_shapes={"x": (1, 3, 4, 5)})
    save_caffe(graph, tmp_path / "net.prototxt", tmp_path / "net.caffemodel")
    module = load_torch(tmp_path / "net.prototxt", tmp_path / "net.caffemodel",
                        {"x": (3, 3, 4, 5)})
    x_value = np.random.default_rng(4).standard_normal((3, 3, 4, 5)).astype(np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (want,) = session.run(None, {"x": x_value})
    with torch.inference_mode():
        got = module(torch.from_numpy(x_value)).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)
