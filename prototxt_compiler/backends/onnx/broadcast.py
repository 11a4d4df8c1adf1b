"""Axpy and Broadcastmul as ONNX nodes (``ops.broadcast``).

Axpy:         Add(Mul(a', x), y)
Broadcastmul: Mul(x, s')
where a' (s') is the per-channel bottom, Reshape-d to x's number of axes with ``[0, 0, 1,
...]`` where it has fewer (0 copies the batch and the channels: the batch is never baked
in), and used as it is otherwise.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.broadcast import scale_bottom
from .registry import ONNX, Emitter

__all__ = ["convert_axpy", "convert_broadcastmul"]


def _per_channel(emit: Emitter, i: int, axes: int) -> str:
    if len(emit.input_shape(i)) == axes:
        return emit.input(i)
    shape = emit.const("per_channel", [0, 0] + [1] * (axes - 2))
    return emit.op("Reshape", [emit.input(i), shape])[0]


@ONNX.register("Axpy")
def convert_axpy(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    a = _per_channel(emit, 0, len(emit.input_shape(1)))
    scaled = emit.op("Mul", [a, emit.input(1)])[0]
    emit.op("Add", [scaled, emit.input(2)], [emit.output(0)])


@ONNX.register("Broadcastmul", "BroadcastMul")
def convert_broadcastmul(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    s = scale_bottom(node.input_shapes())
    scale = _per_channel(emit, s, len(emit.input_shape(1 - s)))
    emit.op("Mul", [emit.input(1 - s), scale], [emit.output(0)])
