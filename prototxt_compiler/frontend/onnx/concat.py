"""Concat, Split, Slice and Gather: Caffe's Concat and Slice.

    Concat(axis)          Concat(axis), the axis made non-negative
    Split(axis, split)    Slice(axis, slice_point = the running sums of the sizes); without
                          sizes, equal parts (from opset 18 with num_outputs, the last one
                          smaller when the axis does not divide)
    Slice(starts, ends, axes, steps 1)
                          per cut axis, one Caffe Slice at the range's bounds; its pieces
                          before and after the range are tops nothing reads (Caffe lists
                          them among the net's outputs; they are named BLOB/before and
                          BLOB/after)
    Slice with steps      a step s > 1 on H or W of (N, C, H, W) (``x[..., ::2, ::2]``,
                          YOLOv5's Focus): the range cut as above, then a Convolution with
                          ``group = C``, a 1 x 1 kernel of weight 1 and stride s on that
                          axis (each output one input times 1: a copy); any other step
                          (negative: ``x.flip(1)``, ``x[:, ::-1]``) takes its indices as
                          Gather does
    Gather(axis, constant indices)
                          the indices as runs of consecutive elements: one Slice of the axis
                          at every run's bounds and a Concat of the runs in order (copies;
                          ``x[:, [2, 1, 0]]``, ``x[:, 0]``), then a view to ONNX's shape
                          (a scalar index drops the axis); at most ``MAX_TAKEN_RUNS`` runs
Bounds are clamped as ONNX does (negatives count from the end). Empty ranges, and indices
computed at run time, have no Caffe form.
"""
from __future__ import annotations

import numpy as np

from ...ir import Value
from ...ops.concat import ConcatParams, SliceParams
from ...ops.conv import ConvolutionParams
from ..tokens import clip
from .context import Context, made_blob
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_concat", "convert_split", "convert_slice", "convert_gather", "take",
           "MAX_TAKEN_RUNS"]

#: Most runs of consecutive indices one Gather or stepped Slice takes (each a Concat bottom).
MAX_TAKEN_RUNS = 64


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


def _selections(ctx: Context, node: OnnxNode,
                shape: tuple[int, ...]) -> dict[int, tuple[int, int, int]]:
    """Axis -> (start, end, step) of each axis the Slice changes, clamped as ONNX does."""
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
    picked = {}
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis, step = int(axis) % rank, int(step)
        dim = shape[axis]
        if step == 0:
            raise Refused(f"it steps by 0 on axis {axis}")
        start, end = (int(v) + dim if int(v) < 0 else int(v) for v in (start, end))
        if step > 0:
            start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        else:
            start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
        if not range(start, end, step):
            raise Refused(f"it takes an empty range on axis {axis}")
        if step != 1 and len(range(start, end, step)) == 1:
            start, end, step = start, start + 1, 1  # one element, however it is stepped
        if (start, end, step) != (0, dim, 1):
            picked[axis] = (start, end, step)
    return picked


@IMPORTERS.register("Slice")
def convert_slice(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    picked = _selections(ctx, node, shape)
    if not picked:
        ctx.alias(node.outputs[0], ctx.peek(node.inputs[0]))
        return
    x: Value = ctx.value(node.inputs[0])
    out = node.outputs[0]
    for i, (axis, (start, end, step)) in enumerate(sorted(picked.items())):
        last = i == len(picked) - 1
        top = ctx.blob(out, node) if last else ctx.names.blob(f"{out}/axis{axis}")
        suffix = "" if last else f"/axis{axis}"
        if step == 1:
            x = _cut(ctx, node, x, axis, start, end, top, suffix)
        elif step > 1 and len(shape) == 4 and axis >= 2:
            x = _strided(ctx, node, x, axis, start, end, step, top, suffix)
        else:
            x = take(ctx, node, x, axis, list(range(start, end, step)), top, suffix)
    ctx.alias(out, x)


def _cut(ctx: Context, node: OnnxNode, x: Value, axis: int, start: int, end: int,
         selected: str, suffix: str) -> Value:
    """x[start:end] along ``axis``: one Caffe Slice at the range's bounds (module
    docstring), its selected top the blob ``selected``."""
    tops, points = [], []
    if start > 0:
        tops.append(ctx.names.blob(f"{selected}/before"))
        points.append(start)
    tops.append(selected)
    if end < int(x.shape[axis]):  # type: ignore[index]
        tops.append(ctx.names.blob(f"{selected}/after"))
        points.append(end)
    layer = ctx.layer(node, "Slice", SliceParams(axis=axis, slice_point=tuple(points),
                                                 num_tops=len(tops)),
                      [x], tops=tops, suffix=suffix)
    return layer.outputs[tops.index(selected)]


def _strided(ctx: Context, node: OnnxNode, x: Value, axis: int, start: int, end: int,
             step: int, top: str, suffix: str) -> Value:
    """x[start:end:step] along H or W of (N, C, H, W): the range cut out, then a
    Convolution with ``group = channels``, a 1 x 1 kernel of weight 1 and stride ``step``
    on that axis; each output is one input times 1, so a copy."""
    if (start, end) != (0, int(x.shape[axis])):  # type: ignore[index]
        x = _cut(ctx, node, x, axis, start, end, ctx.names.blob(f"{top}/range"),
                 f"{suffix}/range")
    channels = int(x.shape[1])  # type: ignore[index]
    stride = (step, 1) if axis == 2 else (1, step)
    params = ConvolutionParams(num_output=channels, kernel=(1, 1), stride=stride, pad=(0, 0),
                               dilation=(1, 1), group=channels, bias_term=False)
    return ctx.layer(node, "Convolution", params, [x], tops=[top],
                     suffix=f"{suffix}/step" if suffix else "",
                     blobs=[made_blob((channels, 1, 1, 1), 1.0,
                                      f"its step-{step} slice")]).outputs[0]


def take(ctx: Context, node: OnnxNode, x: Value, axis: int, indices: list[int], top: str,
         suffix: str) -> Value:
    """The elements ``indices`` of ``axis``, in that order: a Slice of the axis at the
    bounds of each run of consecutive indices, and a Concat of the runs (copies). At most
    ``MAX_TAKEN_RUNS`` runs."""
    dim = int(x.shape[axis])  # type: ignore[index]
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    if len(runs) > MAX_TAKEN_RUNS:
        raise Refused(f"it takes {len(runs)} separate runs of axis {axis}; as Slice and Concat "
                      f"that is past {MAX_TAKEN_RUNS} (MAX_TAKEN_RUNS)")
    if runs == [(0, dim)]:
        return x
    if len(runs) == 1:
        return _cut(ctx, node, x, axis, *runs[0], top, suffix)
    points = sorted({b for run in runs for b in run} - {0, dim})
    bounds = [0, *points, dim]
    tops = [ctx.names.blob(f"{top}/piece{lo}") for lo in bounds[:-1]]
    cut = ctx.layer(node, "Slice", SliceParams(axis=axis, slice_point=tuple(points),
                                               num_tops=len(tops)),
                    [x], tops=tops, suffix=f"{suffix}/pieces")
    piece = {lo: value for lo, value in zip(bounds, cut.outputs)}
    parts: list[Value] = []
    for lo, hi in runs:  # a run spans the pieces from its start to its end
        parts += [piece[b] for b in bounds[bounds.index(lo):bounds.index(hi)]]
    return ctx.layer(node, "Concat", ConcatParams(axis=axis), parts, tops=[top],
                     suffix=suffix).outputs[0]


@IMPORTERS.register("Gather")
def convert_gather(ctx: Context, node: OnnxNode) -> None:
    raw = ctx.const(node.inputs[1])
    if raw is None:
        raise Refused("its indices are computed at run time; Caffe cannot index a blob by "
                      "run-time values")
    shape = ctx.shape(node.inputs[0])
    axis = int(node.attr("axis", 0))
    axis = axis + len(shape) if axis < 0 else axis
    dim = shape[axis]
    indices = np.asarray(raw).astype(np.int64)
    if indices.size == 0 or np.any(indices < -dim) or np.any(indices >= dim):
        raise Refused(f"its indices {clip(str(indices.tolist()))} are not within axis "
                      f"{axis} of {dim} (or are none)")
    flat = [int(i) % dim for i in indices.reshape(-1)]
    out = node.outputs[0]
    final = tuple(shape[:axis]) + tuple(indices.shape) + tuple(shape[axis + 1:])
    taken = (len(flat),) == indices.shape  # the output is the taken blob itself
    top = ctx.blob(out, node) if taken else ctx.names.blob(f"{out}/taken")
    value = take(ctx, node, ctx.value(node.inputs[0]), axis, flat, top, "")
    if taken:
        ctx.alias(out, value)
        return
    ctx.values[f"{out}/taken"] = value
    ctx.view(node, out, f"{out}/taken", final)
