"""Idioms of the layers that move data without computing (``backends.onnx.shape``,
``backends.onnx.inputs``): Parameter, Crop, Flatten and Reshape.

    Parameter  Identity(LAYER.weight)
    Crop       Slice(x, offsets, offsets + sizes, axes from ``axis``); cropping the batch:
               Shape(ref), Add(offsets), Slice. Bottom 1 (only its shape is read) is the
               first value here whose shape gives those sizes
    Flatten    Reshape to the top (the batch copied as 0, or -1 where it is merged)
    Reshape    Reshape to ``ops.shape.reshape_target``: leading 0s copy the axes before
               ``axis``; the bottom's trailing axes follow the new dims
Flatten and Reshape are often written alike (a Reshape that merges axes reads as either):
Flatten is proposed first, then the Reshape as prototxts most often write one (the whole
target as its dims, Caffe's default axis 0 and num_axes -1: ``shape { dim: 0 dim: 7 dim: 1
dim: 1 }``), then the other Reshapes, fewest new dims first.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from math import prod

import numpy as np

from ....ops.inputs import ParameterParams
from ....ops.shape import CropParams, FlattenParams, ReshapeParams
from ..context import Context
from .reading import ops_are
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_parameter", "match_crop", "match_view"]


@IDIOMS.register("Identity")
def match_parameter(ctx: Context, group: Group) -> Iterator[Proposal]:
    if ops_are(group, ("Identity",)):
        blob = ctx.const(group.nodes[0].inputs[0])
        if blob is not None and blob.dtype.kind == "f":
            shape = tuple(int(d) for d in blob.shape)
            yield Proposal("Parameter", ParameterParams(shape=shape), bottoms=(),
                           tops=(group.nodes[0].outputs[0],), blobs=(blob,))


def _ints(ctx: Context, name: str) -> list[int] | None:
    array = ctx.const(name)
    return None if array is None else [int(v) for v in np.asarray(array).reshape(-1)]


@IDIOMS.register("Slice", "Shape")
def match_crop(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    if ops_are(group, ("Shape", "Add", "Slice")):
        x, ref = nodes[2].inputs[0], nodes[0].inputs[0]
        starts, axes = _ints(ctx, nodes[2].input(1)), _ints(ctx, nodes[2].input(3))
        if starts is not None and axes and axes[0] == 0:
            yield Proposal("Crop", CropParams(axis=0, offset=tuple(starts)), bottoms=(x, ref),
                           tops=(nodes[2].outputs[0],))
        return
    if not ops_are(group, ("Slice",)) or len(nodes[0].inputs) != 4:
        return
    x = nodes[0].inputs[0]
    starts, ends, axes = (_ints(ctx, nodes[0].inputs[i]) for i in (1, 2, 3))
    if not starts or ends is None or axes is None:
        return
    shape = ctx.shape(x)
    sizes = [e - s for s, e in zip(starts, ends)]
    axis = axes[0]
    for ref in _shaped(ctx, len(shape), axis, sizes):
        yield Proposal("Crop", CropParams(axis=axis, offset=tuple(starts)), bottoms=(x, ref),
                       tops=(nodes[0].outputs[0],))


def _shaped(ctx: Context, rank: int, axis: int, sizes: Sequence[int]) -> Iterator[str]:
    """Values here of ``rank`` axes whose axes from ``axis`` on have ``sizes``."""
    for name, value in list(ctx.values.items()):
        shape = tuple(value.shape or ())
        if len(shape) == rank and list(shape[axis:]) == list(sizes):
            yield name


def _onnx_shape(target: Sequence[int], shape: Sequence[int]) -> tuple[int, ...] | None:
    dims = [shape[i] if d == 0 and i < len(shape) else d for i, d in enumerate(target)]
    if dims.count(-1) == 1:
        known = prod(d for d in dims if d != -1)
        if known == 0 or prod(shape) % known:
            return None
        dims[dims.index(-1)] = prod(shape) // known
    return tuple(dims) if all(d > 0 for d in dims) else None


def _flattens(shape: Sequence[int], out: Sequence[int]) -> Iterator[FlattenParams]:
    rank = len(shape)
    for axis in range(rank):
        for end in range(axis - 1, rank):
            merged = tuple(shape[:axis]) + (prod(shape[axis:end + 1]),) + tuple(shape[end + 1:])
            if merged == tuple(out):
                yield FlattenParams(axis=axis, end_axis=end)


def _reshapes(target: Sequence[int], shape: Sequence[int]) -> Iterator[ReshapeParams]:
    """Reshape params whose ``reshape_target`` on ``shape`` is ``target`` (the three forms
    of ``ops.shape.reshape_target``): first the whole target with Caffe's default axis 0
    and num_axes -1, then the others, fewest dims first."""
    rank, target = len(shape), tuple(target)
    found: list[tuple[int, int, tuple[int, ...]]] = []
    zeros = next((i for i, d in enumerate(target) if d != 0), len(target))
    for axis in range(1, min(zeros, rank) + 1):
        rest = target[axis:]
        for tail in range(min(len(rest), rank - axis), -1, -1):
            if rest[len(rest) - tail:] == tuple(shape[rank - tail:]) and all(
                    d > 0 for d in rest[:len(rest) - tail]):
                found.append((axis, rank - axis - tail, rest[:len(rest) - tail]))
    if -1 in target:
        k = target.index(-1)
        if target[k + 1:] == tuple(shape[1:]) and all(d > 0 for d in target[:k]):
            found.append((0, 0, target[:k]))
    for tail in range(min(len(target), rank), -1, -1):
        if target[len(target) - tail:] == tuple(shape[rank - tail:]):
            found.append((0, rank - tail, target[:len(target) - tail]))
    def order(form: tuple[int, int, tuple[int, ...]]) -> tuple[bool, int]:
        return (form[0], form[1]) != (0, rank), len(form[2])

    for axis, num_axes, dims in sorted(dict.fromkeys(found), key=order):
        whole = (axis, num_axes) == (0, rank)  # Caffe's defaults: axis 0, num_axes -1
        yield ReshapeParams(shape=dims, axis=axis, num_axes=-1 if whole else num_axes,
                            written=dims)


@IDIOMS.register("Reshape", layer="Flatten/Reshape")
def match_view(ctx: Context, group: Group) -> Iterator[Proposal]:
    if not ops_are(group, ("Reshape",)):
        return
    x, top = group.nodes[0].inputs[0], group.nodes[0].outputs[0]
    target = _ints(ctx, group.nodes[0].input(1))
    shape = tuple(ctx.shape(x))
    if target is None:
        return
    out = _onnx_shape(target, shape)
    if out is None:
        return
    for flatten in _flattens(shape, out):
        yield Proposal("Flatten", flatten, bottoms=(x,), tops=(top,))
    for reshape in _reshapes(target, shape):
        yield Proposal("Reshape", reshape, bottoms=(x,), tops=(top,))
