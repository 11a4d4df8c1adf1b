"""BatchReindex and Filter as ONNX: items of the batch picked by a blob's values.

BatchReindex  n = Cast(Shape(x)[0], float); valid = index >= 0 and index < n
              top = Gather(x, Cast(Where(valid, index, n), int64), axis 0)
              The Cast truncates toward zero, as Caffe's static_cast<int>; an index value
              Caffe refuses (outside [0, N), or NaN) becomes n, which Gather refuses at run
              time instead of reading a wrong item.
Filter        mask = Not(Equal(Reshape(selector, [-1]), 0))   (NaN selects, as in Caffe)
              each top = Compress(bottom, mask, axis 0): its first dimension is the run-time
              count, named ``selected(LAYER)`` where it is a graph output.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto

from ...ir import Node
from ...ops.gather import BatchReindexParams, FilterParams
from .registry import ONNX, Emitter

__all__ = ["convert_batch_reindex", "convert_filter"]


@ONNX.register("BatchReindex")
def convert_batch_reindex(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: BatchReindexParams = node.params  # noqa: F841 - the layer has no params
    x, index = emit.input(0), emit.input(1)
    size = emit.op("Gather", [emit.op("Shape", [x])[0], emit.const("first", 0)], axis=0)[0]
    items = emit.op("Cast", [size], to=TensorProto.FLOAT)[0]
    low = emit.op("GreaterOrEqual", [index, emit.const("zero", 0.0, np.float32)])[0]
    high = emit.op("Less", [index, items])[0]
    valid = emit.op("And", [low, high])[0]
    picked = emit.op("Where", [valid, index, items])[0]
    rows = emit.op("Cast", [picked], to=TensorProto.INT64)[0]
    emit.op("Gather", [x, rows], [emit.output(0)], axis=0)


@ONNX.register("Filter")
def convert_filter(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: FilterParams = node.params  # noqa: F841 - the count is the data's
    last = len(node.inputs) - 1
    flat = emit.op("Reshape", [emit.input(last), emit.const("shape", [-1])])[0]
    zero = emit.op("Equal", [flat, emit.const("zero", 0.0, np.float32)])[0]
    mask = emit.op("Not", [zero])[0]
    for i in range(last):
        emit.op("Compress", [emit.input(i), mask], [emit.output(i)], axis=0)
