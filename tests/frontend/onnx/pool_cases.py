"""The pooling cases: every branch of the pooling rule, each a node of one ONNX model per
family (many nodes side by side on inputs of sizes 7, 8, 9 and 9x8), so one Caffe run
checks them all. Each entry says which Caffe form the rule must take."""
from __future__ import annotations

from typing import Any

from .builder import Builder

INPUTS = {"x7": (1, 2, 7, 7), "x8": (1, 2, 8, 8), "x9": (1, 2, 9, 9), "x98": (1, 2, 9, 8)}

# name: (input, attributes, the Caffe form the rule takes)
MAX_FLOOR: dict[str, tuple[str, dict[str, Any], str]] = {
    "max_k3s2_9": ("x9", dict(kernel_shape=[3, 3], strides=[2, 2]), "CEIL (counts agree)"),
    "max_k3s2_8": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2]), "FLOOR"),
    "max_k3s2p1_8": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
                     "FLOOR pad 1 (torchvision's stem)"),
    "max_end_pad_8": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1]),
                      "CEIL pad 0: its last window overhangs where ONNX pads"),
    "max_begin_pad_8": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 0, 0]),
                        "FLOOR pad 1"),
    "max_rect": ("x98", dict(kernel_shape=[3, 2], strides=[2, 1], pads=[1, 0, 1, 0]),
                 "pad_h 1 pad_w 0, per-axis kernel and stride"),
    "max_auto_same_7": ("x7", dict(kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
                        "auto_pad SAME_UPPER: pads (1, 1), CEIL"),
}
MAX_CEIL: dict[str, tuple[str, dict[str, Any], str]] = {
    "max_ceil_k3s2_8": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
                        "CEIL (SqueezeNet's)"),
    "max_ceil_k3s2p1_8": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                     ceil_mode=1), "CEIL pad 1"),
    "max_ceil_k2s2_7": ("x7", dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
                        "CEIL, a last window of one row"),
    "max_ceil_k1s2_8": ("x8", dict(kernel_shape=[1, 1], strides=[2, 2], ceil_mode=1),
                        ("FLOOR: ONNX drops the window starting at the input's end, "
                         "unpadded Caffe keeps it")),
    "max_ceil_k3s3p1_8": ("x8", dict(kernel_shape=[3, 3], strides=[3, 3], pads=[1, 1, 1, 1],
                                     ceil_mode=1), "CEIL pad 1, both clip the last window"),
    "max_ceil_s1p1_7": ("x7", dict(kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
                                   ceil_mode=1), "CEIL pad 1 (GoogLeNet's branch pool)"),
}
AVE_FLOOR: dict[str, tuple[str, dict[str, Any], str]] = {
    "ave_k3s1p1_incl": ("x8", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1),
                        "CEIL pad 1, Caffe's divisors"),
    "ave_k3s1p1_excl": ("x8", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                        "CEIL pad 1 + divisor Scale (edges count 2 or 4 elements)"),
    "ave_begin_pad_incl": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 0, 0],
                                      count_include_pad=1), "FLOOR pad 1"),
    "ave_end_pad_incl": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1],
                                    count_include_pad=1),
                         "CEIL pad 0 + divisor Scale (ONNX counts the end pad)"),
    "ave_end_pad_excl": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1]),
                         "CEIL pad 0, divisors agree"),
    "ave_big_begin_incl": ("x7", dict(kernel_shape=[3, 3], pads=[2, 2, 0, 0],
                                      count_include_pad=1),
                           "explicit pad (2, 0) + pooling without pad"),
    "ave_big_begin_excl": ("x7", dict(kernel_shape=[3, 3], pads=[2, 2, 0, 0]),
                           "explicit pad + pooling + divisor Scale"),
    "ave_k2s2_7": ("x7", dict(kernel_shape=[2, 2], strides=[2, 2]),
                   "FLOOR (DenseNet's transition)"),
    "ave_full_7": ("x7", dict(kernel_shape=[7, 7]), "one window"),
    "ave_auto_lower_excl": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2],
                                       auto_pad="SAME_LOWER"),
                            "auto_pad SAME_LOWER: pads (1, 0), divisors corrected"),
    "ave_rect_excl": ("x98", dict(kernel_shape=[2, 3], strides=[1, 2], pads=[1, 1, 1, 1]),
                      "per-axis geometry + divisor Scale"),
}
AVE_CEIL: dict[str, tuple[str, dict[str, Any], str]] = {
    "ave_ceil_k3s2_excl": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
                           "CEIL, Caffe's clipped last window = ONNX's count"),
    "ave_ceil_k3s2p1_incl": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                        ceil_mode=1, count_include_pad=1), "CEIL pad 1"),
    "ave_ceil_k3s2p1_excl": ("x8", dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                        ceil_mode=1), "CEIL pad 1 + divisor Scale"),
    "ave_ceil_k3s3p1_incl": ("x8", dict(kernel_shape=[3, 3], strides=[3, 3], pads=[1, 1, 1, 1],
                                        ceil_mode=1, count_include_pad=1),
                             "CEIL pad 1, both clip the last window"),
    "ave_ceil_k2s2_7_excl": ("x7", dict(kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
                             "CEIL, a last window of one row"),
}
# Configurations no Caffe pooling computes: refused, naming the sizes
REFUSED_MAX = {
    "max_big_begin": ("x7", dict(kernel_shape=[3, 3], pads=[2, 2, 0, 0])),
}


def pool_model(b: Builder, configs: dict[str, tuple[str, dict[str, Any], str]],
               op: str) -> None:
    used = sorted({cfg[0] for cfg in configs.values()})
    for name in used:
        b.input(name, INPUTS[name])
    for name, (source, attrs, _) in configs.items():
        b.output(b.node(op, [source], name, **attrs))


def build_pool(family: str, opset: int) -> Any:
    configs, op = {"pool_max_floor": (MAX_FLOOR, "MaxPool"), "pool_max_ceil": (MAX_CEIL, "MaxPool"),
                   "pool_ave_floor": (AVE_FLOOR, "AveragePool"),
                   "pool_ave_ceil": (AVE_CEIL, "AveragePool")}[family]
    b = Builder(family, opset)
    pool_model(b, configs, op)
    return b.model()


def build_pool_pad_node(opset: int) -> Any:
    """ONNX Pad (zeros) before an AveragePool (folded into its pad) and before a MaxPool
    (the explicit pad layer: ONNX pools those zeros too)."""
    b = Builder("pool_pad_node", opset)
    b.input("x8", INPUTS["x8"])
    pads = [0, 0, 1, 1, 0, 0, 1, 1]
    if opset < 11:
        padded = b.node("Pad", ["x8"], "pad", pads=pads)
    else:
        padded = b.node("Pad", ["x8", b.ints("pad_pads", pads)], "pad")
    b.output(b.node("AveragePool", [padded], "ave_after_pad", kernel_shape=[3, 3]))
    b.output(b.node("AveragePool", [padded], "ave_after_pad_incl", kernel_shape=[3, 3],
                    strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1))
    b.output(b.node("MaxPool", [padded], "max_after_pad", kernel_shape=[3, 3],
                    strides=[2, 2]))
    return b.model()


def build_pool_global(opset: int) -> Any:
    b = Builder("pool_global", opset)
    b.input("x98", INPUTS["x98"])
    b.output(b.node("GlobalAveragePool", ["x98"], "gap"))
    b.output(b.node("GlobalMaxPool", ["x98"], "gmp"))
    return b.model()
