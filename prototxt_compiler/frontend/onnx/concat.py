"""Concat, Split and Slice: Caffe's Concat and Slice.

    Concat(axis)          Concat(axis), the axis made non-negative
    Split(axis, split)    Slice(axis, slice_point = the running sums of the sizes); without
                          sizes, equal parts (from opset 18 with num_outputs, the last one
                          smaller when the axis does not divide)
    Slice(starts, ends, axes, steps 1)
                          per cut axis, one Caffe Slice at the range's bounds; its pieces
                          before and after the range are tops nothing reads (Caffe lists
                          them among the net's outputs; they are named BLOB/before and
                          BLOB/after)
Bounds are clamped as ONNX does (negatives count from the end). Steps other than 1 and
empty ranges have no Caffe form.
"""
from __future__ import annotations

import numpy as np

from ...ir import Value
from ...ops.concat import ConcatParams, SliceParams
from .context import Context
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_concat", "convert_split", "convert_slice"]


@IMPORTERS.register("Concat")
def convert_concat(ctx: Context, node: OnnxNode) -> None:
    names = [n for n in node.inputs if n]
    rank = len(ctx.shape(names[0]))
    axis = int(node.attr("axis", 1))
    axis = axis + rank if axis < 0 else axis
    names = [n for n in names if ctx.shape(n)[axis] != 0]
    if len(names) == 1:
        ctx.alias(node.outputs[0], ctx.peek(names[0]))
        return
    ctx.layer(node, "Concat", ConcatParams(axis=axis), [ctx.value(n) for n in names])


@IMPORTERS.register("Split")
def convert_split(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    axis = int(node.attr("axis", 0))
    axis = axis + len(shape) if axis < 0 else axis
    size = shape[axis]
    parts = len(node.outputs)
    if ctx.opset < 13:
        sizes = node.attr("split")
    else:
        sizes = ctx.constant(node, 1, "split") if node.input(1) else None
    if sizes is not None:
        sizes = [int(s) for s in np.asarray(sizes).reshape(-1)]
    elif node.attr("num_outputs") is not None and size % parts:
        chunk = -(-size // parts)
        sizes = [chunk] * (parts - 1) + [size - chunk * (parts - 1)]
    else:
        if size % parts:
            raise Refused(f"it splits an axis of {size} into {parts} equal parts")
        sizes = [size // parts] * parts
    if len(sizes) != parts or sum(sizes) != size or min(sizes) < 1:
        raise Refused(f"its sizes {sizes} do not cut the axis of {size} into {parts} "
                      "non-empty parts")
    if parts == 1:
        ctx.alias(node.outputs[0], ctx.peek(node.inputs[0]))
        return
    points = tuple(int(p) for p in np.cumsum(sizes)[:-1])
    ctx.layer(node, "Slice", SliceParams(axis=axis, slice_point=points, num_tops=parts),
              [ctx.value(node.inputs[0])], node.outputs)


def _ranges(ctx: Context, node: OnnxNode, shape: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    rank = len(shape)
    if ctx.opset < 10:
        starts, ends = node.attr("starts"), node.attr("ends")
        axes = node.attr("axes") or list(range(len(starts)))
        steps = [1] * len(starts)
    else:
        starts, ends = (np.asarray(ctx.constant(node, i, what)).reshape(-1)
                        for i, what in ((1, "starts"), (2, "ends")))
        axes = (np.asarray(ctx.constant(node, 3, "axes")).reshape(-1).tolist()
                if node.input(3) else list(range(len(starts))))
        steps = (np.asarray(ctx.constant(node, 4, "steps")).reshape(-1).tolist()
                 if node.input(4) else [1] * len(starts))
    ranges = {}
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis = int(axis) % rank
        dim = shape[axis]
        start, end = (min(max(int(v) + dim if int(v) < 0 else int(v), 0), dim)
                      for v in (start, end))
        if end <= start:
            raise Refused(f"it takes an empty range on axis {axis}")
        if int(step) != 1 and not (start == 0 and end == dim and dim == 1):
            raise Refused(f"it steps by {int(step)} on axis {axis}; Caffe's Slice takes "
                          "contiguous ranges")
        if (start, end) != (0, dim):
            ranges[axis] = (start, end)
    return ranges


@IMPORTERS.register("Slice")
def convert_slice(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    ranges = _ranges(ctx, node, shape)
    if not ranges:
        ctx.alias(node.outputs[0], ctx.peek(node.inputs[0]))
        return
    x: Value = ctx.value(node.inputs[0])
    out = node.outputs[0]
    for i, (axis, (start, end)) in enumerate(sorted(ranges.items())):
        last = i == len(ranges) - 1
        selected = ctx.blob(out, node) if last else ctx.names.blob(f"{out}/axis{axis}")
        tops, points = [], []
        if start > 0:
            tops.append(ctx.names.blob(f"{selected}/before"))
            points.append(start)
        tops.append(selected)
        if end < shape[axis]:
            tops.append(ctx.names.blob(f"{selected}/after"))
            points.append(end)
        keep = tops.index(selected)
        layer = ctx.layer(node, "Slice", SliceParams(axis=axis, slice_point=tuple(points),
                                                     num_tops=len(tops)),
                          [x], tops=tops, suffix="" if last else f"/axis{axis}")
        x = layer.outputs[keep]
    ctx.alias(out, x)
