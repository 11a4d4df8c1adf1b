"""Eltwise as ONNX nodes: SUM, PROD or MAX over two or more bottoms of one shape.

    SUM   coeff_0 * x_0 + coeff_1 * x_1 + ...: a Mul per coefficient other than 1, Adds in
          bottom order (Caffe accumulates from zero in that order)
    PROD  Mul(Mul(x_0, x_1), x_2) ...
    MAX   y = Where(x_0 > x_1, x_0, x_1), then y = Where(x_i > y, x_i, y) per next bottom:
          Caffe's comparisons, which decide where NaNs go (ONNX's Max would keep every NaN)

In place (the top reuses bottom 0), Caffe's CPU code clears the top before reading the
bottoms: SUM drops bottom 0, and MAX starts from -FLT_MAX instead of x_0; PROD is
unaffected. The output is what Caffe's CPU reference gives.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.base import FLT_MAX
from ...ops.eltwise import EltwiseParams
from .registry import ONNX, Emitter

__all__ = ["convert_eltwise"]



def _chain(emit: Emitter, op_type: str, first: str, rest: Sequence[str]) -> None:
    """first op r_0 op r_1 ..., the last node writing the layer's output."""
    if not rest:
        emit.op("Identity", [first], [emit.output(0)])
        return
    y = first
    for i, x in enumerate(rest):
        final = i == len(rest) - 1
        y = emit.op(op_type, [y, x], [emit.output(0)] if final else None)[0]


def _sum(emit: Emitter, coeff: Sequence[float], start: int) -> None:
    terms = []
    for i in range(start, len(coeff)):
        x = emit.input(i)
        if coeff[i] != 1:
            x = emit.op("Mul", [x, emit.const(f"coeff{i}", coeff[i], np.float32)])[0]
        terms.append(x)
    _chain(emit, "Add", terms[0], terms[1:])


def _max(emit: Emitter, count: int, in_place: bool) -> None:
    y = emit.const("lowest", -FLT_MAX, np.float32) if in_place else emit.input(0)
    for i in range(1, count):
        x = emit.input(i)
        first, second = (y, x) if i == 1 else (x, y)
        above = emit.op("Greater", [first, second])[0]
        final = i == count - 1
        y = emit.op("Where", [above, first, second], [emit.output(0)] if final else None)[0]


@ONNX.register("Eltwise")
def convert_eltwise(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: EltwiseParams = node.params
    count = len(node.inputs)
    in_place = node.outputs[0].blob == node.inputs[0].blob
    if p.operation == "SUM":
        coeff = list(p.coeff) or [1.0] * count
        _sum(emit, coeff, 1 if in_place else 0)
    elif p.operation == "PROD":
        _chain(emit, "Mul", emit.input(0), [emit.input(i) for i in range(1, count)])
    else:
        _max(emit, count, in_place)
