"""Permute and Normalize as ONNX nodes, computing what SSD's Caffe computes.

Permute    ``Transpose(perm=axes)`` (``ops.ssd`` completes the order).
Normalize  s = ReduceSum(x * x) over axis 1 (not across_spatial) or every axis but the
           batch (across_spatial), keepdims; not across_spatial: y = x / Sqrt(s + eps);
           across_spatial: y = x * Reciprocal(Sqrt(s + eps)), as Caffe scales by 1 / norm;
           then Mul by LAYER.weight: a scalar (channel_shared) or (1, C, 1, ...) per channel.
           ReduceSum takes its axes as an input from opset 13 on, the lowest we export.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.ssd import NormalizeParams, PermuteParams
from .registry import ONNX, Emitter

__all__ = ["convert_permute", "convert_normalize"]


@ONNX.register("Permute")
def convert_permute(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: PermuteParams = node.params
    emit.op("Transpose", [emit.input(0)], [emit.output(0)], perm=list(p.axes))


@ONNX.register("Normalize")
def convert_normalize(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: NormalizeParams = node.params
    x = emit.input(0)
    ndim = len(emit.input_shape(0))
    axes = list(range(1, ndim)) if p.across_spatial else [1]
    squares = emit.op("Mul", [x, x])
    total = emit.op("ReduceSum", squares + [emit.const("axes", axes)], keepdims=1)
    norm = emit.op("Sqrt", emit.op("Add", total + [emit.const("eps", p.eps, np.float32)]))
    if p.across_spatial:
        y = emit.op("Mul", [x] + emit.op("Reciprocal", norm))
    else:
        y = emit.op("Div", [x] + norm)
    scale = np.asarray(blobs[0], dtype=np.float32)
    scale = scale.reshape(()) if p.channel_shared else scale.reshape((1, -1) + (1,) * (ndim - 2))
    emit.op("Mul", y + [emit.weight("weight", scale)], [emit.output(0)])
