"""The ONNX test models built with onnx.helper, one per op family, each at every opset from
its first to its last (by default the newest the installed onnx knows): the Caffe files
converted from them must not depend on the opset (the test checks they are byte for byte
the ones real Caffe ran). ``make_onnx_fixtures.py`` runs them in Caffe at their first opset.

Every builder takes the opset and writes the op in that opset's form (attributes before
they became inputs, and so on)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .builder import Builder
from .pool_cases import build_pool, build_pool_global, build_pool_pad_node


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[int], Any]
    first: int
    last: int | None = None  # None: the newest opset the installed onnx knows

    @property
    def opsets(self) -> tuple[int, ...]:
        import onnx

        return tuple(range(self.first, (self.last or onnx.defs.onnx_opset_version()) + 1))


def _conv(opset: int) -> Any:
    b = Builder("conv", opset)
    x = b.input("data", (1, 4, 8, 8))
    y = b.input("odd", (1, 4, 9, 9))
    b.output(b.node("Conv", [x, b.weight("w1", (6, 4, 3, 3)), b.normal("b1", (6,), 0.1)],
                    "conv_k3p1", pads=[1, 1, 1, 1]))
    b.output(b.node("Conv", [x, b.weight("w2", (6, 2, 3, 2))], "conv_group_dilation",
                    group=2, strides=[2, 1], dilations=[2, 1], pads=[1, 0, 1, 0]))
    b.output(b.node("Conv", [y, b.weight("w3", (4, 4, 3, 3))], "conv_end_pad_unneeded",
                    strides=[2, 2], pads=[0, 0, 1, 1]))
    b.output(b.node("Conv", [x, b.weight("w4", (4, 4, 3, 3))], "conv_same_upper",
                    strides=[2, 2], auto_pad="SAME_UPPER"))
    b.output(b.node("Conv", [x, b.weight("w5", (4, 4, 3, 3)), b.normal("b5", (4,), 0.1)],
                    "conv_same_lower", strides=[2, 2], auto_pad="SAME_LOWER"))
    b.output(b.node("Conv", [x, b.weight("w6", (4, 1, 3, 3))], "conv_depthwise_mixed_pads",
                    group=4, pads=[2, 1, 1, 1]))
    b.output(b.node("Conv", [x, b.weight("w7", (5, 4, 1, 1))], "conv_1x1_valid",
                    auto_pad="VALID"))
    return b.model()


def _deconv(opset: int) -> Any:
    b = Builder("deconv", opset)
    x = b.input("data", (1, 4, 5, 5))
    b.output(b.node("ConvTranspose", [x, b.weight("w1", (4, 3, 3, 3)),
                                      b.normal("b1", (3,), 0.1)],
                    "deconv_k3s2p1", strides=[2, 2], pads=[1, 1, 1, 1]))
    b.output(b.node("ConvTranspose", [x, b.weight("w2", (4, 3, 3, 3)),
                                      b.normal("b2", (3,), 0.1)],
                    "deconv_output_padding", strides=[2, 2], pads=[1, 1, 1, 1],
                    output_padding=[1, 1]))
    b.output(b.node("ConvTranspose", [x, b.weight("w3", (4, 2, 3, 2))], "deconv_asym_group",
                    group=2, strides=[2, 1], pads=[0, 1, 1, 0]))
    b.output(b.node("ConvTranspose", [x, b.weight("w4", (4, 2, 4, 4))], "deconv_output_shape",
                    strides=[2, 2], output_shape=[9, 10]))
    b.output(b.node("ConvTranspose", [x, b.weight("w5", (4, 2, 3, 3))], "deconv_dilated",
                    dilations=[2, 2], pads=[1, 1, 1, 1]))
    return b.model()


def _dense(opset: int) -> Any:
    b = Builder("dense", opset)
    x = b.input("data", (2, 3, 2, 2))
    v = b.input("vec", (2, 5))
    t = b.input("tokens", (2, 3, 5))
    flat = b.node("Flatten", [x], "flat", axis=1)
    b.output(b.node("Gemm", [flat, b.weight("w1", (4, 12)), b.normal("b1", (4,), 0.1)],
                    "gemm_transb", transB=1))
    b.output(b.node("Gemm", [v, b.weight("w2", (5, 3)), b.normal("b2", (1, 3), 0.1)],
                    "gemm_alpha_beta", alpha=0.5, beta=2.0))
    b.output(b.node("Gemm", [v, b.weight("w3", (5, 2)), b.const("b3", [0.25])], "gemm_scalar_c"))
    mm = b.node("MatMul", [v, b.weight("w4", (5, 3))], "matmul")
    b.output(b.node("Add", [mm, b.normal("b4", (3,), 0.1)], "matmul_bias"))
    b.output(b.node("MatMul", [t, b.weight("w5", (5, 4))], "matmul_3d"))
    # a reshape merging the trailing axes read by MatMul (+ Add), as tf2onnx writes a
    # flatten before a dense layer and a transformer merges its heads before the projection:
    # the InnerProduct flattens from its axis itself, no Flatten written
    keras = b.node("Reshape", [x, b.ints("keras_shape", [-1, 12])], "keras_flatten")
    b.output(b.node("Add", [b.node("MatMul", [keras, b.weight("w6", (12, 3))], "keras_dense"),
                            b.normal("b6", (3,), 0.1)], "keras_dense_bias"))
    merged = b.node("Reshape", [x, b.ints("merge_shape", [0, 0, 4])], "merge_heads")
    b.output(b.node("MatMul", [merged, b.weight("w7", (4, 2))], "projection"))
    return b.model()


def _norm(opset: int) -> Any:
    b = Builder("norm", opset)
    x = b.input("data", (2, 3, 4, 4))
    v = b.input("vec", (4, 3))
    stats = lambda p: [b.uniform(f"{p}_scale", (3,), 0.5, 1.5), b.normal(f"{p}_bias", (3,), 0.1),  # noqa: E731
                       b.normal(f"{p}_mean", (3,), 0.5), b.uniform(f"{p}_var", (3,), 0.5, 2.0)]
    b.output(b.node("BatchNormalization", [x] + stats("bn"), "bn", epsilon=1e-3))
    plain = [b.const("one", np.ones(3)), b.const("zero", np.zeros(3)),
             b.normal("m2", (3,), 0.5), b.uniform("v2", (3,), 0.5, 2.0)]
    b.output(b.node("BatchNormalization", [x] + plain, "bn_no_affine"))
    b.output(b.node("BatchNormalization", [v] + stats("bn2d"), "bn_2d"))
    b.output(b.node("LRN", [x], "lrn5", size=5, alpha=1e-2, beta=0.75, bias=2.0))
    b.output(b.node("LRN", [x], "lrn3", size=3))
    return b.model()


def _clip(b: Builder, x: str, name: str, low: float | None, high: float | None) -> str:
    if b.opset < 11:
        attrs = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        return b.node("Clip", [x], name, **attrs)
    inputs = [x, b.const(f"{name}_min", low) if low is not None else ""]
    if high is not None:
        inputs.append(b.const(f"{name}_max", high))
    return b.node("Clip", inputs, name)


def _activation(opset: int) -> Any:
    b = Builder("activation", opset)
    x = b.input("data", (2, 3, 4, 4))
    for op in ("Relu", "Sigmoid", "Tanh", "Softplus", "Exp", "Abs", "Neg"):
        b.output(b.node(op, [x], op.lower()))
    b.output(b.node("LeakyRelu", [x], "leaky", alpha=0.2))
    b.output(b.node("Elu", [x], "elu", alpha=0.5))
    b.output(b.node("PRelu", [x, b.uniform("slope", (3, 1, 1), 0.0, 0.5)], "prelu"))
    b.output(b.node("PRelu", [x, b.const("shared", [0.25])], "prelu_shared"))
    positive = b.node("Softplus", [x], "positive")
    b.output(b.node("Log", [positive], "log"))
    b.output(b.node("Sqrt", [positive], "sqrt"))
    b.output(b.node("Reciprocal", [positive], "reciprocal"))
    b.output(b.node("Pow", [x, b.const("two", 2.0)], "pow2"))
    b.output(_clip(b, x, "relu6", 0.0, 6.0))
    b.output(_clip(b, x, "clip", -0.5, 0.75))
    b.output(_clip(b, x, "clip_low_zero", 0.0, None))
    b.output(_clip(b, x, "clip_high", None, 0.5))
    return b.model()


def _eltwise(opset: int) -> Any:
    b = Builder("eltwise", opset)
    x = b.input("data", (2, 3, 4, 4))
    y = b.input("other", (2, 3, 4, 4))
    for op in ("Add", "Sub", "Mul"):
        b.output(b.node(op, [x, y], f"{op.lower()}_blobs"))
    b.output(b.node("Max", [x, y, b.node("Relu", [y], "relu_y")], "max3"))
    b.output(b.node("Sum", [x, y, x], "sum3"))
    per_channel = b.normal("per_channel", (3, 1, 1))
    b.output(b.node("Add", [x, per_channel], "add_channel"))
    b.output(b.node("Mul", [per_channel, x], "mul_channel"))
    b.output(b.node("Sub", [x, per_channel], "sub_channel"))
    b.output(b.node("Sub", [per_channel, x], "channel_sub"))
    b.output(b.node("Div", [x, b.uniform("divisor", (1, 3, 1, 1), 0.5, 2.0)], "div_channel"))
    b.output(b.node("Mul", [x, b.normal("hw", (4, 4))], "mul_hw"))
    b.output(b.node("Add", [x, b.normal("strided", (3, 1, 4))], "add_full"))
    for op in ("Add", "Sub", "Mul", "Div"):
        b.output(b.node(op, [x, b.const(f"{op.lower()}_k", 1.5)], f"{op.lower()}_scalar"))
    b.output(b.node("Sub", [b.const("k", 0.5), x], "scalar_sub"))
    b.output(b.node("Max", [x, b.const("floor_k", -0.25)], "max_scalar"))
    b.output(b.node("Min", [x, b.const("ceil_k", 0.25)], "min_scalar"))
    gate = b.node("Sigmoid", [b.node("GlobalAveragePool", [x], "squeeze")], "gate")
    b.output(b.node("Mul", [x, gate], "excite"))
    b.output(b.node("Add", [gate, x], "add_broadcast"))
    b.output(b.node("Sub", [x, gate], "sub_broadcast"))
    b.output(b.node("Sub", [gate, x], "broadcast_sub"))
    conv = b.node("Conv", [x, b.weight("w", (4, 3, 1, 1))], "conv_no_bias")
    b.output(b.node("Add", [conv, b.normal("conv_bias", (1, 4, 1, 1), 0.1)], "conv_plus_bias"))
    return b.model()


def _split_sizes(b: Builder, x: str, name: str, sizes: list[int], axis: int) -> list[str]:
    if b.opset < 13:
        return b.node("Split", [x], name, outputs=len(sizes), axis=axis, split=sizes)
    return b.node("Split", [x, b.ints(f"{name}_sizes", sizes)], name, outputs=len(sizes),
                  axis=axis)


def _slice(b: Builder, x: str, name: str, starts: list[int], ends: list[int],
           axes: list[int]) -> str:
    if b.opset < 10:
        return b.node("Slice", [x], name, starts=starts, ends=ends, axes=axes)
    return b.node("Slice", [x, b.ints(f"{name}_s", starts), b.ints(f"{name}_e", ends),
                            b.ints(f"{name}_a", axes)], name)


def _concat(opset: int) -> Any:
    b = Builder("concat", opset)
    x = b.input("data", (2, 6, 4, 5))
    y = b.input("other", (2, 2, 4, 5))
    b.output(b.node("Concat", [x, y, x], "concat_c", axis=1))
    b.output(b.node("Concat", [x, x], "concat_last", axis=-1))
    b.output(*b.node("Split", [x], "split_equal", outputs=3, axis=1,
                     **({"num_outputs": 3} if opset >= 18 else {})))
    b.output(*_split_sizes(b, x, "split_sizes", [1, 3], axis=2))
    b.output(_slice(b, x, "slice_c", [2], [5], [1]))
    b.output(_slice(b, x, "slice_hw", [1, 1], [-1, 100], [2, 3]))
    b.output(_slice(b, x, "slice_head", [0], [3], [-1]))
    return b.model()


def _reshape(opset: int) -> Any:
    b = Builder("reshape", opset)
    x = b.input("data", (2, 3, 4, 4))
    b.output(b.node("Relu", [b.node("Flatten", [x], "flatten1", axis=1)], "flat_relu"))
    b.output(b.node("Flatten", [x], "flatten2", axis=2))
    shape = b.node("Shape", [x], "shape")
    batch = b.node("Gather", [shape, b.const("zero", 0, np.int64)], "batch", axis=0)
    dims = b.node("Unsqueeze", [batch] if opset < 13 else [batch, b.ints("ax0", [0])],
                  "batch_dim", **({"axes": [0]} if opset < 13 else {}))
    target = b.node("Concat", [dims, b.ints("rest", [-1, 4])], "target", axis=0)
    b.output(b.node("Reshape", [x, target], "reshape_chain"))
    b.output(b.node("Reshape", [x, b.ints("zero_minus", [0, 0, -1])], "reshape_0"))
    squeezed = b.node("GlobalAveragePool", [x], "pooled")
    axes = {"axes": [2, 3]} if opset < 13 else {}
    sq_in = [squeezed] if opset < 13 else [squeezed, b.ints("sq_axes", [2, 3])]
    b.output(b.node("Squeeze", sq_in, "squeeze", **axes))
    un_in = [x] if opset < 13 else [x, b.ints("un_axes", [1])]
    b.output(b.node("Sigmoid", [b.node("Unsqueeze", un_in, "unsqueeze",
                                       **({"axes": [1]} if opset < 13 else {}))],
                    "unsqueezed"))
    b.output(b.node("Transpose", [squeezed], "transpose_noop", perm=[0, 2, 1, 3]))
    b.output(b.node("Tile", [x, b.ints("repeats", [1, 2, 1, 3])], "tile"))
    b.output(b.node("Dropout", [b.node("Identity", [b.node("Tanh", [x], "tanh")], "identity")],
                    "dropout"))
    return b.model()


def _softmax(opset: int, name: str) -> Any:
    b = Builder(name, opset)
    x = b.input("data", (2, 3, 2, 2))
    v = b.input("vec", (2, 5))
    b.output(b.node("Softmax", [v], "softmax_2d", axis=1))
    b.output(b.node("Softmax", [x], "softmax_4d", axis=1))
    return b.model()


def _reduction(b: Builder, op: str, x: str, name: str, axes: list[int], keepdims: int) -> str:
    """A reduction node in its opset's form: axes an input from opset 18 (ReduceSum from 13),
    an attribute before."""
    if b.opset >= 18 or (op == "ReduceSum" and b.opset >= 13):
        return b.node(op, [x, b.ints(f"{name}_axes", axes)], name, keepdims=keepdims)
    return b.node(op, [x], name, axes=axes, keepdims=keepdims)


def _reduce(opset: int) -> Any:
    b = Builder("reduce", opset)
    x = b.input("data", (2, 3, 4, 5))

    def reduce(op: str, name: str, axes: list[int], keepdims: int) -> str:
        return _reduction(b, op, x, name, axes, keepdims)

    b.output(reduce("ReduceMean", "mean_hw", [2, 3], 1))
    b.output(reduce("ReduceMean", "mean_hw_flat", [-2, -1], 0))
    b.output(reduce("ReduceMax", "max_hw", [2, 3], 0))
    b.output(reduce("ReduceSum", "sum_chw", [1, 2, 3], 0))
    b.output(reduce("ReduceMean", "mean_w", [3], 1))
    b.output(reduce("ReduceSumSquare", "sumsq_hw", [2, 3], 0))
    b.output(reduce("ReduceL1", "l1_chw", [1, 2, 3], 1))
    return b.model()


def _resize(opset: int) -> Any:
    b = Builder("resize", opset)
    x = b.input("data", (1, 3, 3, 4))
    scales = [1.0, 1.0, 2.0, 2.0]
    if opset < 10:
        b.output(b.node("Upsample", [x, b.const("scales", scales)], "up2", mode="nearest"))
        b.output(b.node("Upsample", [x, b.const("scales3", [1, 1, 3, 2])], "up3x2",
                        mode="nearest"))
        return b.model()
    if opset == 10:
        b.output(b.node("Resize", [x, b.const("scales", scales)], "up2", mode="nearest"))
        b.output(b.node("Resize", [x, b.const("scales3", [1, 1, 3, 2])], "up3x2",
                        mode="nearest"))
        return b.model()
    roi = b.const("roi", np.zeros(0))
    b.output(b.node("Resize", [x, roi, b.const("scales", scales)], "up2", mode="nearest",
                    coordinate_transformation_mode="asymmetric", nearest_mode="floor"))
    no_scales = "" if opset >= 13 else b.const("no_scales", np.zeros(0))
    b.output(b.node("Resize", [x, roi, no_scales, b.ints("sizes", [1, 3, 9, 8])], "up3x2",
                    mode="nearest"))
    return b.model()


def _resize_linear(opset: int) -> Any:
    """Linear resizes with half-pixel coordinates (torch's align_corners=False) by integer
    factors: 2 on both axes (ONNX's default transform), 3 x 2 by sizes with
    pytorch_half_pixel, and 1 x 4; the 1 x 2 input makes the edge padding copy one element.
    With corners aligned, 3 x 4 to 5 x 7: (5 - 1) / (3 - 1) = (7 - 1) / (4 - 1) = 2."""
    b = Builder("resize_linear", opset)
    x = b.input("data", (1, 3, 3, 4))
    row = b.input("row", (1, 2, 1, 2))
    roi = b.const("roi", np.zeros(0))
    no_scales = "" if opset >= 13 else b.const("no_scales", np.zeros(0))
    b.output(b.node("Resize", [x, roi, b.const("scales", [1.0, 1.0, 2.0, 2.0])], "up2",
                    mode="linear"))
    b.output(b.node("Resize", [x, roi, no_scales, b.ints("sizes", [1, 3, 9, 8])], "up3x2",
                    mode="linear", coordinate_transformation_mode="pytorch_half_pixel"))
    b.output(b.node("Resize", [x, roi, b.const("scales_w", [1.0, 1.0, 1.0, 4.0])], "up1x4",
                    mode="linear"))
    b.output(b.node("Resize", [row, roi, b.const("scales_row", [1.0, 1.0, 3.0, 2.0])],
                    "row_up", mode="linear"))
    b.output(b.node("Resize", [x, roi, no_scales, b.ints("sizes_c", [1, 3, 5, 7])],
                    "corners", mode="linear", coordinate_transformation_mode="align_corners"))
    return b.model()


def _hard_activations(opset: int) -> Any:
    """HardSigmoid at ONNX's defaults (alpha 0.2, beta 0.5) and at torch's (1/6, 0.5),
    HardSwish; inputs past both knees (|x| > 3)."""
    b = Builder("hard_activations", opset)
    x = b.input("data", (1, 3, 4, 5))
    b.output(b.node("HardSigmoid", [x], "hsig"))
    b.output(b.node("HardSigmoid", [x], "hsig_torch", alpha=1 / 6, beta=0.5))
    b.output(b.node("HardSwish", [x], "hswish"))
    return b.model()


def _exponential_units(opset: int) -> Any:
    """Selu at ONNX's defaults and at other alpha and gamma, Celu at alpha 1 and 0.5."""
    b = Builder("exponential_units", opset)
    x = b.input("data", (1, 3, 4, 5))
    b.output(b.node("Selu", [x], "selu"))
    b.output(b.node("Selu", [x], "selu_other", alpha=0.5, gamma=2.0))
    b.output(b.node("Celu", [x], "celu"))
    b.output(b.node("Celu", [x], "celu_half", alpha=0.5))
    return b.model()


def _instance_norm(opset: int) -> Any:
    """InstanceNormalization with a per-channel affine (epsilon 1e-3), with the identity
    affine at the default epsilon, and on a 3-D (N, G, L) input (torch's GroupNorm export);
    inputs with a channel of small spread, where eps matters."""
    b = Builder("instance_norm", opset)
    x = b.input("data", (2, 3, 4, 5))
    t = b.input("groups", (2, 4, 6))
    b.output(b.node("InstanceNormalization", [x, b.uniform("g1", (3,), 0.5, 1.5),
                                              b.normal("b1", (3,), 0.5)], "in_affine",
                    epsilon=1e-3))
    b.output(b.node("InstanceNormalization", [x, b.const("g2", np.ones(3)),
                                              b.const("b2", np.zeros(3))], "in_plain"))
    small = b.node("Mul", [t, b.const("tiny", 0.01)], "small")
    b.output(b.node("InstanceNormalization", [small, b.uniform("g3", (4,), 0.5, 1.5),
                                              b.normal("b3", (4,), 0.5)], "in_3d"))
    return b.model()


def _divide(opset: int) -> Any:
    """Division of two blobs (times the reciprocal): of one shape, a blob by a gate
    broadcast per channel and the gate by the blob; ReduceL2 (kept and dropped axes);
    Expand, to more axes too; and F.normalize's export: x over its L2 norm over channels,
    clamped below, expanded to x's shape."""
    b = Builder("divide", opset)
    x = b.input("data", (2, 3, 4, 5))
    y = b.input("other", (2, 3, 4, 5))
    v = b.input("vec", (2, 8))

    def l2(source: str, name: str, axes: list[int], keepdims: int) -> str:
        return _reduction(b, "ReduceL2", source, name, axes, keepdims)

    b.output(b.node("Div", [x, y], "div_blobs"))
    gate = b.node("Sigmoid", [b.node("GlobalAveragePool", [x], "pooled")], "gate")
    b.output(b.node("Div", [x, gate], "div_broadcast"))
    b.output(b.node("Div", [gate, x], "broadcast_div"))
    keep = l2(x, "l2_hw", [2, 3], 1)
    b.output(keep)
    b.output(l2(x, "l2_chw", [1, 2, 3], 0))
    b.output(b.node("Expand", [keep, b.ints("full", [2, 3, 4, 5])], "expand_hw"))
    b.output(b.node("Expand", [l2(x, "l2_w", [3], 1), b.ints("wider", [1, 1, 1, 5])],
                    "expand_w"))
    norm = l2(v, "norm", [1], 1)
    clamped = b.node("Max", [norm, b.const("eps", 1e-12)], "clamped")
    b.output(b.node("Div", [v, b.node("Expand", [clamped, b.ints("vec_shape", [2, 8])],
                                      "expanded")], "normalized"))
    return b.model()


def _layer_norm(opset: int) -> Any:
    """LayerNormalization over the last axis (Scale and B), over the last two (Scale only,
    epsilon 1e-3), of token features (N, T, D)."""
    b = Builder("layer_norm", opset)
    t = b.input("tokens", (2, 3, 8))
    b.output(b.node("LayerNormalization", [t, b.uniform("g1", (8,), 0.5, 1.5),
                                           b.normal("b1", (8,), 0.5)], "ln_last"))
    b.output(b.node("LayerNormalization", [t, b.uniform("g2", (3, 8), 0.5, 1.5)], "ln_two",
                    axis=-2, epsilon=1e-3))
    return b.model()


def _gather(opset: int) -> Any:
    """Gather by constant indices: a channel reorder (RGB to BGR), a scalar index (the axis
    dropped), a negative one, indices of two axes, and repeats out of order along H."""
    b = Builder("gather", opset)
    x = b.input("data", (2, 3, 4, 5))
    b.output(b.node("Gather", [x, b.ints("bgr_idx", [2, 1, 0])], "bgr", axis=1))
    b.output(b.node("Gather", [x, b.const("first_idx", 0, np.int64)], "first", axis=1))
    b.output(b.node("Gather", [x, b.const("last_idx", -1, np.int64)], "last", axis=3))
    b.output(b.node("Gather", [x, b.const("grid_idx", [[0, 4], [2, 3]], np.int64)], "grid",
                    axis=3))
    b.output(b.node("Gather", [x, b.ints("rows_idx", [3, 0, 0, 1, 2])], "rows", axis=2))
    return b.model()


def _slice_steps(opset: int) -> Any:
    """Slices with steps: by 2 on H from row 1 and by 3 on W (1 x 1 Convolutions of stride
    2 and 3 on the cut ranges), YOLOv5's Focus (four strided slices, concatenated), by 2
    on the channels, and flips (step -1 over the whole of C, and -2 over part of W)."""
    b = Builder("slice_steps", opset)
    x = b.input("data", (2, 4, 6, 8))

    def stepped(name: str, starts: list[int], ends: list[int], axes: list[int],
                steps: list[int]) -> str:
        return b.node("Slice", [x, b.ints(f"{name}_s", starts), b.ints(f"{name}_e", ends),
                                b.ints(f"{name}_a", axes), b.ints(f"{name}_t", steps)], name)

    big = 2 ** 62
    b.output(stepped("rows_by2", [1], [big], [2], [2]))
    b.output(stepped("cols_by3", [0], [6], [3], [3]))
    quarters = [stepped(f"focus{i}", [i % 2, i // 2], [big, big], [2, 3], [2, 2])
                for i in range(4)]
    b.output(b.node("Concat", quarters, "focus", axis=1))
    b.output(stepped("channels_by2", [0], [big], [1], [2]))
    b.output(stepped("flip_c", [-1], [-big], [1], [-1]))
    b.output(stepped("flip_w", [5], [0], [3], [-2]))
    return b.model()


def _reduce_runs(opset: int) -> Any:
    """Means and maxima over runs of axes that are not trailing: over the channels, kept
    (CBAM's spatial attention inputs), over C and H, dropped; a max over the last axis; a
    sum over the channels (a Convolution of ones)."""
    b = Builder("reduce_runs", opset)
    x = b.input("data", (2, 3, 4, 5))

    def reduce(op: str, name: str, axes: list[int], keepdims: int) -> str:
        return _reduction(b, op, x, name, axes, keepdims)

    b.output(reduce("ReduceMean", "mean_c", [1], 1))
    b.output(reduce("ReduceMax", "max_c", [1], 1))
    b.output(reduce("ReduceMean", "mean_ch", [1, 2], 0))
    b.output(reduce("ReduceMax", "max_w", [-1], 0))
    b.output(reduce("ReduceSum", "sum_c", [1], 1))
    return b.model()


def _log_softmax(opset: int, name: str) -> Any:
    """LogSoftmax of a classifier's logits (large, so that log(Softmax) would reach -inf)
    and, from opset 13, over the channels of (N, C, H, W); before 13 the flattened form
    over (C, L) of (N, C, L)."""
    b = Builder(name, opset)
    logits = b.input("logits", (2, 10))
    b.output(b.node("LogSoftmax", [b.node("Mul", [logits, b.const("k", 40.0)], "sharp")],
                    "log_probs", axis=-1 if opset >= 13 else 1))
    if opset >= 13:
        x = b.input("data", (2, 5, 3, 4))
        b.output(b.node("LogSoftmax", [x], "log_probs_c", axis=1))
    else:
        t = b.input("tokens", (2, 5, 3))
        b.output(b.node("LogSoftmax", [t], "log_probs_flat", axis=1))
    return b.model()


def _broadcast(opset: int) -> Any:
    """Broadcasts Caffe's Scale and Bias cannot take, as Tiles and an Eltwise: a spatial
    map (N, 1, H, W) times (N, C, H, W) at batch 2, a blob plus a run-time number (a mean
    of everything), two operands both widened ((2, 1, 5) - (3, 1)); Min of blobs (-max of
    the negations), of one shape and broadcast, a broadcast Max, a Mean of three."""
    b = Builder("broadcast", opset)
    x = b.input("data", (2, 3, 4, 5))
    m = b.input("map", (2, 1, 4, 5))
    p, q = b.input("rows", (2, 1, 5)), b.input("cols", (3, 1))
    b.output(b.node("Mul", [x, m], "attend"))
    total = (b.node("ReduceMean", [x], "total", keepdims=0) if opset < 18 else
             b.node("ReduceMean", [x], "total", keepdims=0, noop_with_empty_axes=0))
    b.output(b.node("Add", [x, total], "plus_total"))
    b.output(b.node("Sub", [p, q], "outer_sub"))
    y = b.input("other", (2, 3, 4, 5))
    b.output(b.node("Min", [x, y], "min_blobs"))
    b.output(b.node("Min", [x, y, m], "min_broadcast"))
    b.output(b.node("Max", [x, m], "max_broadcast"))
    b.output(b.node("Mean", [x, y, m], "mean3"))
    return b.model()


def _transpose(opset: int) -> Any:
    """Transposes as BVLC Slice, Reshape and Concat: NCHW to NHWC (the 3 channels moved
    past the 4 x 5 spatial axes, fewer pieces than moving those), the reversed axes of a
    3-D blob (perm left out; the batch axis moves too), a channel shuffle of groups 3, and
    a 5-D permutation of several moves."""
    b = Builder("transpose", opset)
    x = b.input("data", (2, 3, 4, 5))
    t = b.input("tokens", (2, 3, 4))
    b.output(b.node("Transpose", [x], "nhwc", perm=[0, 2, 3, 1]))
    b.output(b.node("Transpose", [t], "reversed"))
    w = b.input("wide", (2, 6, 2, 3))
    grouped = b.node("Reshape", [w, b.ints("groups_shape", [2, 3, 2, 2, 3])], "grouped")
    shuffled = b.node("Transpose", [grouped], "shuffled", perm=[0, 2, 1, 3, 4])
    b.output(b.node("Reshape", [shuffled, b.ints("back_shape", [2, 6, 2, 3])], "shuffle"))
    five = b.node("Reshape", [x, b.ints("five_shape", [2, 3, 2, 2, 5])], "five")
    b.output(b.node("Transpose", [five], "five_moves", perm=[0, 4, 3, 1, 2]))
    return b.model()


def _depth_space(opset: int) -> Any:
    """DepthToSpace by 2 in both modes (DCR, ONNX's default; CRD, torch's pixel_shuffle)
    and by 3, SpaceToDepth by 2: ONNX's reshape-transpose-reshape as BVLC copies."""
    b = Builder("depth_space", opset)
    x = b.input("data", (2, 8, 3, 2))
    y = b.input("image", (2, 2, 4, 6))
    z = b.input("nine", (1, 18, 2, 3))
    b.output(b.node("DepthToSpace", [x], "d2s_dcr", blocksize=2))
    b.output(b.node("DepthToSpace", [x], "d2s_crd", blocksize=2, mode="CRD"))
    b.output(b.node("DepthToSpace", [z], "d2s_by3", blocksize=3, mode="CRD"))
    b.output(b.node("SpaceToDepth", [y], "s2d", blocksize=2))
    return b.model()


def _pad_copies(opset: int) -> Any:
    """Pads that copy elements: reflect by 2 on H and (1, 3) on W of a 4 x 5 input (at most
    n - 1), edge by (3, 0) and (0, 2), reflect by 1 of a 2 x 2 input."""
    b = Builder("pad_copies", opset)
    x = b.input("data", (1, 2, 4, 5))
    small = b.input("small", (1, 1, 2, 2))

    def pad(source: str, pads: list[int], mode: str, name: str) -> str:
        if opset < 11:
            return b.node("Pad", [source], name, pads=pads, mode=mode)
        return b.node("Pad", [source, b.ints(f"{name}_pads", pads)], name, mode=mode)

    b.output(pad(x, [0, 0, 2, 1, 0, 0, 2, 3], "reflect", "reflect"))
    b.output(pad(x, [0, 0, 3, 0, 0, 0, 0, 2], "edge", "edge"))
    b.output(pad(small, [0, 0, 1, 1, 0, 0, 1, 1], "reflect", "reflect_small"))
    return b.model()


def _pad(opset: int) -> Any:
    b = Builder("pad", opset)
    x = b.input("data", (1, 2, 4, 5))
    pads = [0, 0, 1, 2, 0, 0, 2, 0]
    if opset < 11:
        padded = b.node("Pad", [x], "pad", pads=pads)
    elif opset < 18:
        padded = b.node("Pad", [x, b.ints("pads", pads), b.const("value", 0.0)], "pad")
    else:
        padded = b.node("Pad", [x, b.ints("pads", [1, 2, 2, 0]), "", b.ints("axes", [2, 3])],
                        "pad")
    b.output(b.node("Relu", [padded], "padded_relu"))
    return b.model()


def _erf(opset: int) -> Any:
    """Erf of x and of 3x (out to where erf is +-1 in float32), as a chain of BVLC layers."""
    b = Builder("erf", opset)
    x = b.input("data", (1, 3, 4, 5))
    b.output(b.node("Erf", [x], "erf"))
    b.output(b.node("Erf", [b.node("Mul", [x, b.const("three", 3.0)], "wide")], "erf_wide"))
    return b.model()


def _gelu(opset: int) -> Any:
    """Gelu (opset 20) exact and with the tanh approximation, of 2x."""
    b = Builder("gelu", opset)
    x = b.node("Mul", [b.input("data", (1, 3, 4, 5)), b.const("two", 2.0)], "wide")
    b.output(b.node("Gelu", [x], "gelu"))
    b.output(b.node("Gelu", [x], "gelu_tanh", approximate="tanh"))
    return b.model()


def _matmul_values(opset: int) -> Any:
    """MatMul of two run-time values (every product, laid out as views of both, summed
    over the inner axis): batched, a matrix over a batch of them, a vector on either side,
    a constant matrix on the left and a batch of constant matrices on the right; q k^T
    with k transposed (its transpose read as it is held: a sum over the last axis, no
    transpose written); a left operand transposed, its product in its own order; and one
    whose result is left transposed, read so by a Relu and transposed back (no transpose
    written), and read so by a graph output (written)."""
    b = Builder("matmul_values", opset)
    x, y = b.input("x", (2, 3, 4)), b.input("y", (2, 4, 5))
    b.output(b.node("MatMul", [x, y], "batched"))
    b.output(b.node("MatMul", [b.input("m", (3, 4)), b.input("many", (2, 2, 4, 5))],
                    "broadcast"))
    b.output(b.node("MatMul", [b.input("vec", (4,)), y], "vector_left"))
    b.output(b.node("MatMul", [x, b.input("col", (4,))], "vector_right"))
    b.output(b.node("MatMul", [b.normal("left", (3, 2)), b.input("z", (2, 2, 6))],
                    "constant_left"))
    b.output(b.node("MatMul", [x, b.normal("kernels", (2, 4, 3))], "constant_batch"))
    k = b.node("Transpose", [b.input("k", (2, 6, 4))], "k_t", perm=[0, 2, 1])
    b.output(b.node("MatMul", [x, k], "q_kt"))
    xt = b.node("Transpose", [b.input("x_t", (2, 4, 3))], "x_tt", perm=[0, 2, 1])
    b.output(b.node("MatMul", [xt, y], "transposed_left"))
    heads = b.node("Transpose", [b.input("heads", (3, 2, 4))], "heads_t", perm=[1, 0, 2])
    heads_y = b.node("MatMul", [heads, y], "heads_y")
    b.output(b.node("Transpose", [b.node("Relu", [heads_y], "heads_relu")], "heads_back",
                    perm=[1, 0, 2]))
    b.output(b.node("MatMul", [heads, b.input("w", (2, 4, 2))], "heads_w"))
    reversed_a = b.node("Transpose", [b.input("a_kmb", (4, 3, 2))], "a_bmk", perm=[2, 1, 0])
    rolled_b = b.node("Transpose", [b.input("b_nbk", (5, 2, 4))], "b_bkn", perm=[1, 2, 0])
    b.output(b.node("MatMul", [reversed_a, rolled_b], "no_common_order"))
    b.output(b.node("MatMul", [b.input("u", (4,)), b.node("Relu", [b.input("v", (4,))],
                                                           "v_relu")], "dot"))
    return b.model()


def _channels_last(opset: int) -> Any:
    """Ops between a transpose to channels-last and the transpose back, computed on the
    value before it (none of the transposes is written): an elementwise chain with
    constants per channel and per (W, C), a mean over channels subtracted at batch 2, a
    softmax over channels, a Linear over channels (MatMul + Add: a 1x1 Convolution with
    bias), a max over H and W; a Linear over the last axis of a (0, 2, 1, 3) transpose (an
    InnerProduct); a 1-D Linear and Tanh between (0, 2, 1) transposes; and a channels-last
    value that is a graph output (written as moves)."""
    b = Builder("channels_last", opset)
    x = b.input("data", (2, 6, 3, 4))
    t = b.node("Transpose", [x], "nhwc", perm=[0, 2, 3, 1])
    shifted = b.node("Relu", [b.node("Add", [t, b.normal("shift", (6,), 0.5)], "add_c")],
                     "relu")
    scaled = b.node("Mul", [shifted, b.uniform("per_wc", (4, 6), 0.5, 1.5)], "mul_wc")
    mean = _reduction(b, "ReduceMean", scaled, "mean_c", [-1], 1)
    centred = b.node("Sub", [scaled, mean], "centred")
    soft = b.node("Softmax", [centred], "softmax_c", axis=-1)
    linear = b.node("Add", [b.node("MatMul", [soft, b.weight("w_c", (6, 5))], "linear_c"),
                            b.normal("b_c", (5,), 0.1)], "linear_c_bias")
    b.output(b.node("Transpose", [linear], "back", perm=[0, 3, 1, 2]))
    peak = _reduction(b, "ReduceMax", t, "max_hw", [1, 2], 1)
    b.output(b.node("Transpose", [peak], "peak", perm=[0, 3, 1, 2]))
    swapped = b.node("Transpose", [x], "swapped", perm=[0, 2, 1, 3])
    last = b.node("MatMul", [swapped, b.weight("w_w", (4, 3))], "linear_w")
    b.output(b.node("Transpose", [last], "swapped_back", perm=[0, 2, 1, 3]))
    seq = b.node("Transpose", [b.input("seq", (2, 5, 7))], "seq_last", perm=[0, 2, 1])
    hidden = b.node("Tanh", [b.node("MatMul", [seq, b.weight("w_seq", (5, 4))], "linear_seq")],
                    "tanh_seq")
    b.output(b.node("Transpose", [hidden], "seq_back", perm=[0, 2, 1]))
    b.output(b.node("Sigmoid", [t], "nhwc_out"))
    return b.model()


def _channels_last_norm(opset: int) -> Any:
    """LayerNormalization between transposes: over channels of a channels-last (N, H, W, C)
    (ConvNeXt's LayerNorm2d, written step by step on (N, C, H, W)) with and without its
    bias, and over an axis that is the last of the value before the transpose too."""
    b = Builder("channels_last_norm", opset)
    x = b.input("data", (2, 6, 3, 4))
    t = b.node("Transpose", [x], "nhwc", perm=[0, 2, 3, 1])
    norm = b.node("LayerNormalization", [t, b.uniform("g", (6,), 0.5, 1.5),
                                         b.normal("beta", (6,), 0.5)], "ln_c", epsilon=1e-6)
    b.output(b.node("Transpose", [norm], "ln_c_back", perm=[0, 3, 1, 2]))
    bare = b.node("LayerNormalization", [t, b.uniform("g2", (6,), 0.5, 1.5)], "ln_c_bare")
    b.output(b.node("Transpose", [bare], "ln_c_bare_back", perm=[0, 3, 1, 2]))
    swapped = b.node("Transpose", [x], "swapped", perm=[0, 2, 1, 3])
    last = b.node("LayerNormalization", [swapped, b.uniform("g3", (4,), 0.5, 1.5),
                                         b.normal("beta3", (4,), 0.5)], "ln_w")
    b.output(b.node("Transpose", [last], "ln_w_back", perm=[0, 2, 1, 3]))
    return b.model()


def _nhwc_graph(opset: int) -> Any:
    """A graph in TensorFlow's layout, as tf2onnx writes one: a channels-last input, each
    convolution between a transpose to channels-first and one back, and between them a
    Keras PReLU (slope (1, 1, C)), a Concat of channels, a Split of them, a Slice of W, a
    zero Pad of H and W (folded into the convolution after it) and a nearest upsampling by
    2 (scales (1, 2, 2, 1)), all computed on the
    channels-first values (only the input's transpose and a channels-last graph output are
    written as moves)."""
    b = Builder("nhwc_graph", opset)
    x = b.input("image", (2, 6, 8, 3))
    first = b.node("Transpose", [x], "to_nchw", perm=[0, 3, 1, 2])
    wide = b.node("Transpose", [b.node("Conv", [first, b.weight("w1", (4, 3, 3, 3))], "conv1",
                                       pads=[1, 1, 1, 1])], "conv1_nhwc", perm=[0, 2, 3, 1])
    narrow = b.node("Transpose", [b.node("Conv", [first, b.weight("w2", (2, 3, 1, 1))],
                                         "conv2")], "conv2_nhwc", perm=[0, 2, 3, 1])
    joined = b.node("Concat", [b.node("PRelu", [wide, b.uniform("keras_slope", (1, 1, 4),
                                                           0.1, 0.3)], "prelu1"), narrow],
                    "joined", axis=3)
    if opset < 13:
        pieces = b.node("Split", [joined], "pieces", outputs=2, axis=-1, split=[2, 4])
    else:
        pieces = b.node("Split", [joined, b.ints("pieces_sizes", [2, 4])], "pieces",
                        outputs=2, axis=-1)
    if opset < 10:
        cropped = b.node("Slice", [pieces[1]], "cropped", starts=[1], ends=[5], axes=[2])
    else:
        cropped = b.node("Slice", [pieces[1], b.ints("crop_starts", [1]),
                                   b.ints("crop_ends", [5]), b.ints("crop_axes", [2])],
                         "cropped")
    head = b.node("Transpose", [cropped], "cropped_nchw", perm=[0, 3, 1, 2])
    b.output(b.node("Conv", [head, b.weight("w3", (5, 4, 1, 1))], "head"))
    b.output(b.node("Transpose", [pieces[0]], "first_piece", perm=[0, 3, 1, 2]))
    b.output(b.node("Sigmoid", [joined], "joined_nhwc"))
    hw_pads = [0, 1, 1, 0, 0, 1, 1, 0]  # N, H, W, C: one on H and W (TF's SAME by hand)
    if opset < 11:
        padded = b.node("Pad", [narrow], "padded", pads=hw_pads)
    else:
        padded = b.node("Pad", [narrow, b.ints("hw_pads", hw_pads)], "padded")
    padded = b.node("Transpose", [padded], "padded_nchw", perm=[0, 3, 1, 2])
    b.output(b.node("Conv", [padded, b.weight("w4", (3, 2, 3, 3))], "padded_conv"))
    up_scales = b.const("up_scales", [1.0, 2.0, 2.0, 1.0])  # N, H, W, C
    if opset < 10:
        up = b.node("Upsample", [narrow, up_scales], "upsampled", mode="nearest")
    elif opset == 10:
        up = b.node("Resize", [narrow, up_scales], "upsampled", mode="nearest")
    else:
        up = b.node("Resize", [narrow, b.const("up_roi", np.zeros(0)), up_scales],
                    "upsampled", mode="nearest")
    b.output(b.node("Transpose", [up], "upsampled_nchw", perm=[0, 3, 1, 2]))
    return b.model()


def _channels_last_dense(opset: int) -> Any:
    """Dense layers on a flattened channels-last map, the transpose never written (the
    weight's rows reordered): Keras's Reshape of (N, H, W, C) then MatMul + Add (as tf2onnx
    writes it), torch's permute(0, 2, 3, 1).flatten(1) into a Linear (Gemm, transB 1) and
    into a Gemm of transB 0 with alpha and beta, a (0, 2, 1) transpose of a sequence
    flattened into a MatMul, and a flattened transpose read by a MatMul and by a Sigmoid
    that is a graph output (the transpose and the reshape written for it)."""
    b = Builder("channels_last_dense", opset)
    x = b.input("data", (2, 3, 4, 5))
    t = b.node("Transpose", [b.node("Relu", [x], "relu")], "nhwc", perm=[0, 2, 3, 1])
    keras = b.node("Reshape", [t, b.ints("keras_shape", [-1, 60])], "keras_flatten")
    b.output(b.node("Add", [b.node("MatMul", [keras, b.weight("w_keras", (60, 7))], "dense"),
                            b.normal("b_keras", (7,), 0.1)], "dense_bias"))
    flat = b.node("Flatten", [b.node("Transpose", [x], "nhwc2", perm=[0, 2, 3, 1])],
                  "torch_flatten", axis=1)
    b.output(b.node("Gemm", [flat, b.weight("w_linear", (6, 60)), b.normal("b_linear", (6,))],
                    "linear", transB=1))
    b.output(b.node("Gemm", [flat, b.weight("w_gemm", (60, 4)), b.normal("c_gemm", (4,))],
                    "gemm", alpha=0.5, beta=2.0))
    seq = b.node("Transpose", [b.input("seq", (2, 5, 3))], "seq_last", perm=[0, 2, 1])
    seq_flat = b.node("Flatten", [seq], "seq_flatten", axis=1)
    b.output(b.node("MatMul", [seq_flat, b.weight("w_seq", (15, 3))], "seq_dense"))
    b.output(b.node("Sigmoid", [seq_flat], "seq_flat_out"))
    return b.model()


CASES: tuple[Case, ...] = (
    Case("conv", _conv, 9),
    Case("deconv", _deconv, 9),
    Case("dense", _dense, 9),
    Case("norm", _norm, 9),
    Case("activation", _activation, 9),
    Case("eltwise", _eltwise, 9),
    Case("concat", _concat, 9),
    Case("reshape", _reshape, 9),
    Case("softmax_v13", partial(_softmax, name="softmax_v13"), 13),
    Case("softmax_v11", partial(_softmax, name="softmax_v11"), 9, 12),
    Case("reduce", _reduce, 9),
    Case("resize", _resize, 9),
    Case("resize_linear", _resize_linear, 11),
    Case("hard_activations", _hard_activations, 14),
    Case("exponential_units", _exponential_units, 12),
    Case("pad", _pad, 9),
    Case("transpose", _transpose, 9),
    Case("reduce_runs", _reduce_runs, 9),
    Case("log_softmax_v13", partial(_log_softmax, name="log_softmax_v13"), 13),
    Case("log_softmax_v11", partial(_log_softmax, name="log_softmax_v11"), 9, 12),
    Case("broadcast", _broadcast, 9),
    Case("gather", _gather, 9),
    Case("slice_steps", _slice_steps, 10),
    Case("instance_norm", _instance_norm, 9),
    Case("divide", _divide, 9),
    Case("layer_norm", _layer_norm, 17),
    Case("depth_space", _depth_space, 11),
    Case("pad_copies", _pad_copies, 9),
    Case("erf", _erf, 9),
    Case("gelu", _gelu, 20),
    Case("channels_last", _channels_last, 13),
    Case("matmul_values", _matmul_values, 9),
    Case("channels_last_norm", _channels_last_norm, 17),
    Case("nhwc_graph", _nhwc_graph, 9),
    Case("channels_last_dense", _channels_last_dense, 9),
    Case("pool_max_floor", partial(build_pool, "pool_max_floor"), 9),
    Case("pool_max_ceil", partial(build_pool, "pool_max_ceil"), 10),
    Case("pool_ave_floor", partial(build_pool, "pool_ave_floor"), 9),
    Case("pool_ave_ceil", partial(build_pool, "pool_ave_ceil"), 10),
    Case("pool_pad_node", build_pool_pad_node, 9),
    Case("pool_global", build_pool_global, 9),
)
