"""Reduction, ArgMax and Softmax as ONNX nodes.

The mapping (``ops.reduce`` binds the axes; the rules are those of ``backends.torch.reduce``):
    Reduction  the axes [axis, end) reduced with keepdims 0 (axis 0: a 0-axis top) by SUM
               ``ReduceSum``, ASUM ``ReduceL1``, SUMSQ ``ReduceSumSquare``, MEAN
               ``ReduceMean`` (the run-time count); then ``Mul`` by ``coeff`` unless 1. The
               axes are an input of ReduceSum from opset 13 and of the others from 18, an
               attribute before.
    ArgMax     Caffe ranks equal values by descending index; ``TopK`` ranks them by ascending
               index, so the axis is reversed first (``Slice`` with step -1) and the index
               read back as size - 1 - index (the run-time size on the batch axis), then
               ``Cast`` to float like the values. With ``axis``: the indices (or values when
               out_max_val) along it. Without: each item flattened (``Flatten``), and the
               (N, top_k) rows reshaped to (N, 1, top_k), or the indices and values
               concatenated and reshaped to (N, 2, top_k) when out_max_val, padded with
               trailing 1s to the bound top's number of axes.
    Softmax    ``Softmax(axis)``: one axis from opset 13, as in Caffe (x - max, exp, / sum).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto

from ...errors import OpError
from ...ir import Node
from ...ops.reduce import ArgMaxParams, ReductionParams, SoftmaxParams
from .registry import ONNX, Emitter

__all__ = ["convert_reduction", "convert_argmax", "convert_softmax"]

_REDUCERS = {"SUM": "ReduceSum", "ASUM": "ReduceL1", "SUMSQ": "ReduceSumSquare",
             "MEAN": "ReduceMean"}
INT64_MIN = np.iinfo(np.int64).min


def _reduce(emit: Emitter, op_type: str, x: str, axes: Sequence[int],
            outputs: Sequence[str] | None = None) -> list[str]:
    """``op_type`` over ``axes`` with keepdims 0: axes as an input where the opset wants it."""
    if op_type == "ReduceSum" or emit.opset >= 18:
        return emit.op(op_type, [x, emit.const("axes", list(axes))], outputs, keepdims=0)
    return emit.op(op_type, [x], outputs, axes=list(axes), keepdims=0)


@ONNX.register("Reduction")
def convert_reduction(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ReductionParams = node.params
    if p.operation not in _REDUCERS:
        raise OpError(f"operation {p.operation} (expected one of {', '.join(_REDUCERS)})",
                      field="reduction_param.operation")
    axes = list(range(p.axis, len(emit.input_shape(0))))
    if p.coeff == 1.0:
        _reduce(emit, _REDUCERS[p.operation], emit.input(0), axes, [emit.output(0)])
        return
    reduced = _reduce(emit, _REDUCERS[p.operation], emit.input(0), axes)[0]
    coeff = emit.const("coeff", p.coeff, np.float32)
    emit.op("Mul", [reduced, coeff], [emit.output(0)])


def _top_k(emit: Emitter, x: str, axis: int, k: int,
           values_out: str | None = None) -> tuple[str, str]:
    """``TopK`` of ``x`` reversed along ``axis``: the ``k`` largest values, and their
    indices in the reversed axis, equal values ranked by descending original index."""
    flipped = emit.op("Slice", [x, emit.const("flip_starts", [-1]),
                                emit.const("flip_ends", [INT64_MIN]),
                                emit.const("flip_axes", [axis]),
                                emit.const("flip_steps", [-1])])[0]
    values, reversed_index = emit.op("TopK", [flipped, emit.const("k", [k])],
                                     [values_out or emit.temp("values"),
                                      emit.temp("reversed_index")],
                                     axis=axis, largest=1, sorted=1)
    return values, reversed_index


def _float_index(emit: Emitter, reversed_index: str, last: str,
                 index_out: str | None = None) -> str:
    """size - 1 - ``reversed_index`` (``last`` holding size - 1), cast to float."""
    index = emit.op("Sub", [last, reversed_index])[0]
    outputs = [index_out] if index_out else None
    return emit.op("Cast", [index], outputs, to=TensorProto.FLOAT)[0]


@ONNX.register("ArgMax")
def convert_argmax(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ArgMaxParams = node.params
    shape = emit.input_shape(0)
    x = emit.input(0)
    if p.axis is not None and p.out_max_val:
        _top_k(emit, x, p.axis, p.top_k, emit.output(0))
        return
    if p.axis is not None:
        _, reversed_index = _top_k(emit, x, p.axis, p.top_k)
        if p.axis == 0:  # the batch: its size is known at run time only
            batch = emit.op("Gather", [emit.op("Shape", [x])[0], emit.const("axis", [0])])[0]
            last = emit.op("Sub", [batch, emit.const("one", [1])])[0]
        else:
            last = emit.const("last", [shape[p.axis] - 1])
        _float_index(emit, reversed_index, last, emit.output(0))
        return
    flat = emit.op("Flatten", [emit.input(0)], axis=1)[0]
    values, reversed_index = _top_k(emit, flat, 1, p.top_k)
    size = int(np.prod(shape[1:], dtype=np.int64))
    index = _float_index(emit, reversed_index, emit.const("last", [size - 1]))
    rows = 1
    if p.out_max_val:
        index = emit.op("Concat", [index, values], axis=1)[0]
        rows = 2
    ones = [1] * (len(emit.output_shape(0)) - 3)
    emit.op("Reshape", [index, emit.const("shape", [0, rows, p.top_k] + ones)],
            [emit.output(0)])


@ONNX.register("Softmax")
def convert_softmax(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: SoftmaxParams = node.params
    emit.op("Softmax", [emit.input(0)], [emit.output(0)], axis=p.axis)
