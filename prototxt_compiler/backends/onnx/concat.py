"""Concat, Slice and Split as ONNX nodes.

The mapping (``ops.concat`` binds the axis and the points; the rules are those of
``backends.torch.concat``):
    Concat  ``Concat(axis)`` of the bottoms in bottom order; one bottom: ``Identity``.
    Slice   one top: ``Identity``. Off the batch axis the sizes are static: one ``Split`` with
            the sizes as its second input (an input since opset 13). On the batch axis the
            bound points were computed for the prototxt's batch: points that cut it into
            equal parts become an equal ``Split`` of the run-time batch (no sizes before
            opset 18, ``num_outputs`` from 18); other points become one ``Slice`` per top,
            the last running to the end of the run-time axis.
    Split   ``Identity`` once per top, so that every top keeps its own name.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.concat import ConcatParams, SliceParams, equal_parts
from .registry import ONNX, Emitter

__all__ = ["convert_concat", "convert_slice", "convert_split"]

INT64_MAX = np.iinfo(np.int64).max


@ONNX.register("Concat")
def convert_concat(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ConcatParams = node.params
    bottoms = [emit.input(i) for i in range(len(node.inputs))]
    if len(bottoms) == 1:
        emit.op("Identity", bottoms, [emit.output(0)])
        return
    emit.op("Concat", bottoms, [emit.output(0)], axis=p.axis)


@ONNX.register("Slice")
def convert_slice(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: SliceParams = node.params
    outputs = [emit.output(i) for i in range(len(node.outputs))]
    x = emit.input(0)
    if not p.slice_point:
        emit.op("Identity", [x], outputs)
        return
    size = emit.input_shape(0)[p.axis]
    if p.axis == 0 and equal_parts(p.slice_point, size):
        if emit.opset >= 18:
            emit.op("Split", [x], outputs, axis=0, num_outputs=len(outputs))
        else:
            emit.op("Split", [x], outputs, axis=0)
        return
    starts = (0,) + tuple(p.slice_point)
    if p.axis == 0:
        axes = emit.const("axes", [0])
        ends = tuple(p.slice_point) + (INT64_MAX,)
        for i, (lo, hi) in enumerate(zip(starts, ends)):
            emit.op("Slice", [x, emit.const(f"starts{i}", [lo]), emit.const(f"ends{i}", [hi]),
                              axes], [outputs[i]])
        return
    ends = tuple(p.slice_point) + (size,)
    sizes = emit.const("split", [hi - lo for lo, hi in zip(starts, ends)])
    emit.op("Split", [x, sizes], outputs, axis=p.axis)


@ONNX.register("Split")
def convert_split(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    for i in range(len(node.outputs)):
        emit.op("Identity", [emit.input(0)], [emit.output(i)])
