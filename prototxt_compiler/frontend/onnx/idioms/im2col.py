"""Idioms of Im2col (``backends.onnx.im2col``), which has no node by node form (a strided
Slice per kernel tap is no Caffe layer):

    [Pad(x, (0,) * (axis + 1) + before + (0,) * (axis + 1) + after)]
    per tap: Slice(starts, ends, spatial axes, steps), Unsqueeze(axis + 1)
    Concat(axis + 1), Reshape

Read back: axis from the Slices' spatial axes, pad from the Pad's begin widths (0 without
one), stride from the steps. The taps give only the kernel's size, ``prod(kernel)``: each
split of it over the spatial axes is proposed, the most even first, with the dilation that
the tap one step along each axis starts at (1 on an axis of kernel 1, where it is not
read). A dilation of 0 puts every tap in one place; then every split is written alike, and
the most even comes back.

The ONNX holds less than the layer in two ways, which come back as their likeliest form:
``force_nd_im2col`` (Caffe's N-d code for 2-D, the same data) comes back false, and a 2-D
layer is taken as written with ``*_h``/``*_w`` for each of kernel, stride and pad whose two
values differ (as prototxts write them), not as one repeated value per axis.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from math import prod

import numpy as np

from ....ops.im2col import MAX_TAPS, Im2colParams
from ..context import Context
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_im2col"]


def _ints(ctx: Context, name: str) -> list[int] | None:
    array = ctx.const(name)
    return None if array is None else [int(v) for v in np.asarray(array).reshape(-1)]


def splits(taps: int, axes: int) -> list[tuple[int, ...]]:
    """Every kernel of ``axes`` positive sizes whose product is ``taps``, the most even
    first (then in order)."""
    if axes == 1:
        return [(taps,)]
    found = [(k,) + rest for k in range(1, taps + 1) if taps % k == 0
             for rest in splits(taps // k, axes - 1)]
    return sorted(found, key=lambda k: (max(k) - min(k), k))


def _dilation(kernel: Sequence[int], starts: Sequence[Sequence[int]]) -> tuple[int, ...]:
    """Per axis, where the tap one step along it starts (1 where the kernel is 1)."""
    out = []
    for i, k in enumerate(kernel):
        out.append(starts[prod(kernel[i + 1:])][i] if k > 1 else 1)
    return tuple(out)


def _hw(kernel: Sequence[int], stride: Sequence[int], pad: Sequence[int]) -> tuple[str, ...]:
    if len(kernel) != 2:
        return ()
    return tuple(name for name, pair in (("kernel", kernel), ("stride", stride), ("pad", pad))
                 if pair[0] != pair[1])


@IDIOMS.register("Pad", "Slice", layer="Im2col")
def match_im2col(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    body = nodes[1:] if nodes[0].op_type == "Pad" else nodes
    ops = tuple(n.op_type for n in body)
    taps = (len(ops) - 2) // 2
    if taps < 1 or taps > MAX_TAPS or ops != ("Slice", "Unsqueeze") * taps + \
            ("Concat", "Reshape"):
        return
    slices = body[0:2 * taps:2]
    spatial = _ints(ctx, slices[0].input(3))
    if not spatial or any(s.input(3) != slices[0].input(3) for s in slices):
        return
    axis = spatial[0] - 1
    if spatial != list(range(axis + 1, axis + 1 + len(spatial))):
        return
    read = [_ints(ctx, s.input(1)) for s in slices]
    starts = [s for s in read if s is not None and len(s) == len(spatial)]
    steps = _ints(ctx, slices[0].input(4))
    if steps is None or len(starts) != taps:
        return
    pad = [0] * len(spatial)
    if nodes[0].op_type == "Pad":
        widths = _ints(ctx, nodes[0].input(1))
        if widths is None or len(widths) != 2 * (axis + 1 + len(spatial)):
            return
        pad = widths[axis + 1:axis + 1 + len(spatial)]
    for kernel in splits(taps, len(spatial)):
        dilation = _dilation(kernel, starts)
        params = Im2colParams(kernel=kernel, stride=tuple(steps), pad=tuple(pad),
                              dilation=dilation, axis=axis,
                              hw=_hw(kernel, steps, pad))
        yield Proposal("Im2col", params, bottoms=(nodes[0].inputs[0],),
                       tops=(nodes[-1].outputs[0],))
