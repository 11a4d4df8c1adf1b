"""Upsample (both kinds) and Interp as ONNX nodes (``ops.resample``).

Nearest Upsample by s: ``Resize`` with scales (1, 1, s, s), mode nearest, asymmetric
coordinates, floor: source index floor(dst / s), the fork's h / s.

SegNet's max-unpooling, per (n, c) plane of P = upsample_h * upsample_w positions, with the
data and mask flattened to (N, C, H W) and the mask Cast to int64 (toward zero, as the
fork's static_cast):
  - where the mask is the second top of a MAX Pooling whose windows do not overlap (stride >=
    kernel on both axes) and none lies past the input, every index of a plane is distinct:
    ``ScatterElements`` (axis 2) of the data into zeros (N, C, P) (``ConstantOfShape`` of the
    run-time batch) is the fork's loop;
  - otherwise a position may be written twice and the fork keeps the last write: the winner
    of every position is ``ScatterElements(-1s, index, 0 .. HW-1, reduction="max")``
    (opset 18 on; earlier opsets are refused, naming it), and the top is
    ``Where(winner >= 0, GatherElements(data, Max(winner, 0)), 0)``.
  A mask from a pooling with windows past the input holds -1 there, which the fork writes
  before its plane: refused.

Interp: a ``Slice`` crops pad_beg/pad_end; then ``Resize`` mode linear with
``align_corners`` coordinates to ``sizes`` = (the run-time N, C) + (out_h, out_w): the
fork's src = dst (in - 1) / (out - 1); equal sizes are the crop alone (``Identity`` without
one).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto, helper

from ...errors import OpError
from ...ir import Node
from ...ops.pooling import window_plan
from ...ops.resample import InterpParams, UpsampleParams, interp_geometry
from .registry import ONNX, Emitter

__all__ = ["convert_upsample", "convert_interp", "distinct_mask"]


def distinct_mask(node: Node) -> bool:
    """Whether the unpooling's mask holds distinct indices in every plane: it is the mask of
    a MAX Pooling whose windows neither overlap nor lie past the input. Raises where that
    pooling has windows past the input (their mask is -1)."""
    pool = node.inputs[1].producer
    if pool is None or pool.type != "Pooling" or len(pool.outputs) != 2 or \
            pool.outputs[1] is not node.inputs[1]:
        return False
    p = pool.params
    height, width = pool.input_shapes()[0][2:]
    out_h, out_w = pool.output_shapes()[0][2:]
    plan = window_plan(p, height, width, (out_h, out_w), max_pool=True)
    if plan.h.out != plan.h.pooled or plan.w.out != plan.w.pooled:
        raise OpError(f"the mask comes from Pooling '{pool.name}', some of whose windows lie "
                      "past its input (their mask is -1, which the fork writes before the "
                      "top's plane); expected a pooling whose every window holds an element")
    return all(s >= k for s, k in zip(p.stride, p.kernel))


def _batch_and_channels(emit: Emitter, x: str) -> str:
    shape = emit.op("Shape", [x])[0]
    return emit.op("Slice", [shape, emit.const("zero", [0]), emit.const("two", [2])])[0]


def _unpool(node: Node, emit: Emitter) -> None:
    height, width = (int(d) for d in emit.output_shape(0)[2:])
    flat = emit.const("flat", [0, 0, -1])
    data = emit.op("Reshape", [emit.input(0), flat])[0]
    mask = emit.op("Reshape", [emit.input(1), flat])[0]
    index = emit.op("Cast", [mask], to=TensorProto.INT64)[0]
    lead = _batch_and_channels(emit, emit.input(0))
    plane = emit.op("Concat", [lead, emit.const("plane", [height * width])], axis=0)[0]
    out_shape = emit.const("top_shape", [0, 0, height, width])
    if distinct_mask(node):
        zeros = emit.op("ConstantOfShape", [plane], value=helper.make_tensor(
            "zero", TensorProto.FLOAT, [1], [0.0]))[0]
        top = emit.op("ScatterElements", [zeros, index, data], axis=2)[0]
        emit.op("Reshape", [top, out_shape], [emit.output(0)])
        return
    if emit.opset < 18:
        raise OpError(f"this mask may name a position twice (its pooling's windows overlap, "
                      f"or it comes from no pooling); keeping the fork's last write needs "
                      f"ScatterElements' max reduction: opset 18 or later, not {emit.opset}")
    count = int(np.prod(emit.input_shape(0)[2:]))
    order = emit.op("Expand", [emit.const("order", np.arange(count).reshape(1, 1, count)),
                               emit.op("Shape", [index])[0]])[0]
    empty = emit.op("ConstantOfShape", [plane], value=helper.make_tensor(
        "none", TensorProto.INT64, [1], [-1]))[0]
    winner = emit.op("ScatterElements", [empty, index, order], axis=2, reduction="max")[0]
    safe = emit.op("Max", [winner, emit.const("first", 0)])[0]
    gathered = emit.op("GatherElements", [data, safe], axis=2)[0]
    written = emit.op("GreaterOrEqual", [winner, emit.const("written", 0)])[0]
    top = emit.op("Where", [written, gathered, emit.const("unwritten", 0.0, np.float32)])[0]
    emit.op("Reshape", [top, out_shape], [emit.output(0)])


@ONNX.register("Upsample")
def convert_upsample(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: UpsampleParams = node.params
    if p.mode == "unpool":
        _unpool(node, emit)
        return
    factor = float(p.scale if p.scale is not None else 1)  # the YOLO ports' default
    scales = emit.const("scales", [1.0, 1.0, factor, factor], np.float32)
    emit.op("Resize", [emit.input(0), "", scales], [emit.output(0)], mode="nearest",
            coordinate_transformation_mode="asymmetric", nearest_mode="floor")


@ONNX.register("Interp")
def convert_interp(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: InterpParams = node.params
    g = interp_geometry(p, node.input_shapes())
    x = emit.input(0)
    size = tuple(int(d) for d in emit.input_shape(0)[2:])
    crop = (int(g.crop[0]), int(g.crop[1]))
    out = (int(g.out[0]), int(g.out[1]))
    cropped = g.start != 0 or crop != size
    if cropped:
        start = int(g.start)
        x = emit.op("Slice", [x, emit.const("starts", [start, start]),
                              emit.const("ends", [start + crop[0], start + crop[1]]),
                              emit.const("axes", [2, 3])],
                    [emit.output(0)] if crop == out else None)[0]
    if crop == out:
        if not cropped:
            emit.op("Identity", [x], [emit.output(0)])
        return
    sizes = emit.op("Concat", [_batch_and_channels(emit, x), emit.const("size", list(out))],
                    axis=0)[0]
    emit.op("Resize", [x, "", "", sizes], [emit.output(0)], mode="linear",
            coordinate_transformation_mode="align_corners")
