"""Bad or unconvertible ONNX input: one clear error, naming the file, the nodes (with op type
and why) or the input, never a traceback or a partial result."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

from prototxt_compiler.errors import GraphError, MissingInputShapeError, ParseError, UsageError
from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.builder import Builder


def unconvertible() -> onnx.ModelProto:
    b = Builder("bad", 13)
    x = b.input("data", (1, 3, 8, 8))
    b.output(b.node("Floor", [b.node("Relu", [x], "positive")], "rounded"))
    b.output(b.node("Resize", [x, "", b.const("scales", [1, 1, 2, 2])], "bicubic",
                    mode="cubic"))
    b.output(b.node("MaxPool", [x], "odd_pool", kernel_shape=[3, 3], pads=[2, 2, 0, 0]))
    indices = b.node("Cast", [b.node("Flatten", [x], "flat_indices")], "indices", to=7)
    b.output(b.node("Relu", [b.node("Gather", [x, indices], "gather", axis=1)],
                    "after_gather"))
    b.output(b.node("Conv", [x, x], "runtime_weight"))
    return b.model()


def test_every_unconvertible_node_is_listed_once_with_why() -> None:
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(unconvertible())
    nodes = {name: (op, why) for name, op, why in caught.value.nodes}
    # the Gather and the Relu after it only read the refused Cast's output
    assert set(nodes) == {"rounded", "bicubic", "odd_pool", "indices", "runtime_weight"}
    assert "rounding layer" in nodes["rounded"][1]
    assert "cubic interpolation" in nodes["bicubic"][1]
    assert "ONNX pools a 8x8 input to 8x8" in nodes["odd_pool"][1]
    assert "casts to element type 7" in nodes["indices"][1]
    assert "computed at run time" in nodes["runtime_weight"][1]
    text = str(caught.value)
    assert text.startswith("<ModelProto>: 5 ONNX node(s) have no exact BVLC Caffe form:")
    assert "node 'gather'" not in text and "node 'after_gather'" not in text
    assert caught.value.exit_code == 2


def test_an_unknown_op_and_a_custom_domain_are_refused() -> None:
    b = Builder("custom", 13)
    x = b.input("data", (1, 2, 3, 3))
    b.output(b.node("Relu", [b.node("Floor", [x], "floor")], "relu"))
    b.nodes.append(onnx.helper.make_node("MyOp", ["data"], ["mine"], name="mine",
                                         domain="com.example"))
    b.output("mine")
    model = b.model()
    model.opset_import.append(onnx.helper.make_opsetid("com.example", 1))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model)
    nodes = {name: why for name, _, why in caught.value.nodes}
    assert "rounding layer" in nodes["floor"] and "com.example" in nodes["mine"]


@pytest.mark.parametrize("content,what", [(b"", "empty"), (b"\xff\xff\xff\xff", "truncated or corrupt"),
                                          (b"plain text, not a model\n", "ONNX"),
                                          (None, "truncated")])
def test_a_file_that_is_no_model_names_itself(tmp_path: pathlib.Path, content, what) -> None:
    path = tmp_path / "model.onnx"
    if content is None:
        b = Builder("m", 13)
        b.output(b.node("Relu", [b.input("data", (1, 2))], "r"))
        content = b.model().SerializeToString()[:-7]
    path.write_bytes(content)
    with pytest.raises(ParseError) as caught:
        from_onnx(path)
    assert str(caught.value).startswith(str(path)) and what in str(caught.value)


def test_a_missing_file_is_a_parse_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ParseError, match="cannot read the file"):
        from_onnx(tmp_path / "absent.onnx")


@pytest.mark.parametrize("opset", [7, 8])
def test_old_opsets_are_refused(opset: int) -> None:
    b = Builder("old", opset)
    b.output(b.node("Relu", [b.input("data", (1, 2))], "r"))
    with pytest.raises(ParseError, match=f"opset {opset} is not supported: expected 9 to"):
        from_onnx(b.model())


def symbolic() -> onnx.ModelProto:
    b = Builder("sym", 13)
    b.output(b.node("Relu", [b.input("data", ("batch", 3, "height", 4))], "r"))
    return b.model()


def test_unknown_dims_must_be_given_and_the_batch_defaults_to_one() -> None:
    with pytest.raises(MissingInputShapeError) as caught:
        from_onnx(symbolic())
    assert "'data'" in str(caught.value) and "batch, 3, height, 4" in str(caught.value)
    graph = from_onnx(symbolic(), input_shapes={"data": (2, 3, 5, 4)})
    assert graph.inputs[0].shape == (2, 3, 5, 4)
    b = Builder("batch", 13)
    b.output(b.node("Relu", [b.input("data", ("N", 3))], "r"))
    graph = from_onnx(b.model())
    assert graph.inputs[0].shape == (1, 3)
    assert any("batch dimension N is taken as 1" in note for note in graph.notes)


def test_input_shapes_must_name_inputs() -> None:
    with pytest.raises(UsageError, match="'nope', which is not a graph input"):
        from_onnx(symbolic(), input_shapes={"nope": (1, 3, 4, 4)})


def test_an_integer_input_is_refused() -> None:
    b = Builder("ints", 13)
    b.inputs.append(onnx.helper.make_tensor_value_info("ids", onnx.TensorProto.INT64, [1, 4]))
    b.output(b.node("Relu", [b.input("data", (1, 4))], "r"))
    with pytest.raises(UnsupportedNodesError, match="graph input.*not floating point"):
        from_onnx(b.model())


def test_a_node_reading_nothing_is_a_graph_error() -> None:
    b = Builder("dangling", 13)
    b.input("data", (1, 2))
    b.output(b.node("Relu", ["ghost"], "r"))
    with pytest.raises(GraphError, match="node 'r' \\(Relu\\) reads 'ghost'"):
        from_onnx(b.model())


def test_nodes_out_of_order_are_sorted() -> None:
    b = Builder("order", 13)
    x = b.input("data", (1, 2))
    b.node("Relu", ["s"], "r")
    b.node("Sigmoid", [x], "s")
    b.output("r")
    graph = from_onnx(b.model())
    assert [n.type for n in graph.nodes] == ["Sigmoid", "ReLU"]


def test_constant_chains_fold_before_use() -> None:
    b = Builder("fold", 13)
    x = b.input("data", (2, 3, 4, 4))
    shape = b.node("Shape", [x], "shape")
    two = b.node("Mul", [b.node("Gather", [shape, b.const("i", 1, np.int64)], "c"),
                         b.const("k", 16, np.int64)], "prod")
    dims = b.node("Concat", [b.ints("lead", [2]), b.node("Unsqueeze", [two, b.ints("a", [0])],
                                                           "u")], "dims", axis=0)
    b.output(b.node("Reshape", [x, dims], "flat"))
    graph = from_onnx(b.model())
    assert [(n.type, n.outputs[0].shape) for n in graph.nodes] == [("Flatten", (2, 48))]


def test_a_constant_too_large_to_make_is_refused_before_it_is_made() -> None:
    b = Builder("huge", 13)
    x = b.input("data", (1, 4))
    big = b.node("ConstantOfShape", [b.ints("shape", [1 << 20, 1 << 20])], "zeros")
    b.output(b.node("Add", [x, b.node("ReduceSum", [big, b.ints("axes", [0])], "s",
                                      keepdims=0)], "sum"))
    with pytest.raises(UnsupportedNodesError, match="a constant of 1,099,511,627,776 values"):
        from_onnx(b.model())


def test_a_weight_the_import_would_make_past_the_budget_is_refused_before_it_is_made() -> None:
    # a nearest resize by 16,384 is a grouped Deconvolution with a unit kernel of
    # 3 x 1 x 16384 x 16384 float32 = 3,221,225,472 bytes: refused, not allocated
    b = Builder("huge", 13)
    x = b.input("data", (1, 3, 4, 4))
    b.output(b.node("Resize", [x, "", "", b.ints("sizes", [1, 3, 65536, 65536])], "up",
                    mode="nearest", coordinate_transformation_mode="asymmetric",
                    nearest_mode="floor"))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(b.model())
    [(name, op, why)] = caught.value.nodes
    assert (name, op) == ("up", "Resize")
    assert "needs a weight of [3, 1, 16384, 16384] (3,221,225,472 bytes), past the " \
           "budget of 2,147,483,648 bytes" in why


@pytest.mark.parametrize("mode", ["nearest", "linear"])
def test_a_resize_past_the_axis_limit_is_refused_before_it_is_checked(mode: str) -> None:
    # checking the Caffe form takes time in the output's size: 65,537 on an axis is refused
    b = Builder("long", 13)
    x = b.input("data", (1, 1, 1, 1))
    b.output(b.node("Resize", [x, "", "", b.ints("sizes", [1, 1, 65537, 1])], "up",
                    mode=mode))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(b.model())
    [(_, _, why)] = caught.value.nodes
    assert "past 65,536 elements on an axis (limits.MAX_RESIZE_AXIS)" in why


@pytest.mark.parametrize("scales, attrs, why", [
    # 4 x 2.0001 rounds down to 8, but ONNX's sources drift from the factor-2 positions
    ([1, 1, 2.0001, 2.0001], {}, "from 4 to 8 by 2.0001, not by an integer factor"),
    ([1, 1, 2, 2], {"coordinate_transformation_mode": "asymmetric"},
     "coordinate_transformation_mode 'asymmetric'; imported are half_pixel"),
    ([1, 1, 2, 2], {"antialias": 1}, "antialias"),
    # the triangle kernel of factor 16384 is 3 x 1 x 32768 x 32768 float32: refused unmade
    ([1, 1, 16384, 16384], {}, "needs a weight of [3, 1, 32768, 32768] (12,884,901,888 "
                               "bytes), past the budget"),
])
def test_a_linear_resize_without_an_exact_bvlc_form_is_refused(scales, attrs, why) -> None:  # noqa: ANN001
    b = Builder("linear", 18)
    x = b.input("data", (1, 3, 4, 4))
    b.output(b.node("Resize", [x, "", b.const("scales", scales)], "up", mode="linear",
                    **attrs))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(b.model())
    [(name, op, message)] = caught.value.nodes
    assert (name, op) == ("up", "Resize") and why in message, message


@pytest.mark.parametrize("attrs, why", [
    ({"auto_pad": "SAME_UPPER"}, "it is 1-D with auto_pad SAME_UPPER; imported are explicit"),
    ({"output_shape": [9]}, "its output_shape is given"),
])
def test_a_1d_node_the_lift_does_not_take_is_refused(attrs, why) -> None:  # noqa: ANN001
    b = Builder("one_d", 13)
    x = b.input("data", (1, 2, 8))
    op = "ConvTranspose" if "output_shape" in attrs else "Conv"
    b.output(b.node(op, [x, b.const("w", np.ones((2, 2, 3)))], "conv", **attrs))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(b.model())
    [(name, _, message)] = caught.value.nodes
    assert name == "conv" and why in message, message


@pytest.mark.parametrize("mode, pads, why", [
    ("wrap", [0, 0, 1, 1, 0, 0, 1, 1], "its mode is 'wrap'; imported are zeros, reflect and edge"),
    # ONNX reflects at most n - 1 elements: 4 of an axis of 4 is not a reflection
    ("reflect", [0, 0, 4, 0, 0, 0, 0, 0], "it reflects 4 and 0 elements of an axis of 4"),
    ("edge", [0, 0, 0, 65, 0, 0, 0, 0], "it pads 65 and 0 by edge; imported are up to 64"),
])
def test_a_copying_pad_without_a_caffe_form_is_refused(mode: str, pads: list[int],
                                                       why: str) -> None:
    b = Builder("copies", 19)
    x = b.input("data", (1, 2, 4, 4))
    b.output(b.node("Pad", [x, b.ints("pads", pads)], "pad", mode=mode))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(b.model())
    [(name, _, message)] = caught.value.nodes
    assert name == "pad" and why in message, message


@pytest.mark.parametrize("a, b_shape, why", [
    ((2, 3), (4, 5), "it multiplies [2, 3] by [4, 5]: the inner sizes differ"),
    ((2, 3, 4), (3, 4, 5), "it multiplies [2, 3, 4] by [3, 4, 5], whose batch axes do not "
     "broadcast"),
    # 64 x 2048 x 2048 x 2048 products, before any layer holds them
    ((64, 2048, 2048), (64, 2048, 2048), "its products (64x2048x2048x2048, "
     "549,755,813,888 values) exceed what a Caffe blob holds"),
])
def test_a_product_of_two_values_that_cannot_be_is_refused(a, b_shape, why) -> None:  # noqa: ANN001
    b = Builder("products", 13)
    b.output(b.node("MatMul", [b.input("x", a), b.input("y", b_shape)], "p"))
    with pytest.raises(UnsupportedNodesError) as error:
        from_onnx(b.model())
    assert error.value.nodes == [("p", "MatMul", why)]
