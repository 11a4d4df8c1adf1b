"""Concat, Slice and Split: joining blobs along an axis, cutting one along an axis, copying.

Caffe's shape rules (``axis`` counts from the end when negative, as CanonicalAxisIndex):
    Concat   1+ bottoms with the same number of axes and equal dims except on ``axis``; top
             sums them there. Legacy ``concat_dim`` (>= 0 only) or ``axis``, never both.
    Slice    1 bottom, 1+ tops along ``axis`` (legacy ``slice_dim``, never both). With
             slice_point: exactly tops-1 points, strictly increasing, first > 0, last < the
             axis size (Caffe cannot run an empty top), and tops <= the axis size. Without: the
             axis size must divide by the number of tops. Bound params hold the points.
    Split    1 bottom copied to 1+ tops; never in place.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, canonical_axis, refuse_in_place, unify_dims

__all__ = ["ConcatParams", "SliceParams", "SplitParams", "equal_parts"]


@dataclass(frozen=True)
class ConcatParams:
    axis: int = 1
    legacy_dim: bool = False  # axis came from concat_dim


@dataclass(frozen=True)
class SliceParams:
    axis: int = 1
    slice_point: tuple[int, ...] = ()
    num_tops: int = 1
    legacy_dim: bool = False  # axis came from slice_dim
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class SplitParams:
    pass


def _legacy_axis(p: caffe_pb2.ConcatParameter | caffe_pb2.SliceParameter, legacy: str,
                 field: str) -> tuple[int, bool]:
    """``axis`` or the legacy uint32 ``*_dim`` field, never both."""
    if p.HasField("axis") and p.HasField(legacy):
        raise OpError(f"give either axis or {legacy}, not both", field=f"{field}.{legacy}")
    if p.HasField(legacy):
        return getattr(p, legacy), True
    return p.axis, False


def _axis(axis: int, legacy: bool, ndim: int, field: str, legacy_name: str) -> int:
    if legacy and axis >= ndim:
        raise OpError(f"{legacy_name} {axis} is out of range for a {ndim}-axis blob "
                      f"(expected < {ndim})", field=f"{field}.{legacy_name}")
    return canonical_axis(axis, ndim, f"{field}.axis")


def read_concat(layer: caffe_pb2.LayerParameter) -> ConcatParams:
    axis, legacy = _legacy_axis(layer.concat_param, "concat_dim", "concat_param")
    return ConcatParams(axis=axis, legacy_dim=legacy)


def bind_concat(p: ConcatParams, bottoms: Sequence[Shape]) -> ConcatParams:
    return replace(p, axis=_axis(p.axis, p.legacy_dim, len(bottoms[0]), "concat_param",
                                 "concat_dim"))


def infer_concat(p: ConcatParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    axis = bind_concat(p, bottoms).axis
    top = list(bottoms[0])
    for i, shape in enumerate(bottoms[1:], 1):
        if len(shape) != len(top):
            raise OpError(f"bottom {i} has {len(shape)} axes, bottom 0 has {len(top)} "
                          "(expected the same number)")
        unify_dims([d for j, d in enumerate(bottoms[0]) if j != axis],
                   [d for j, d in enumerate(shape) if j != axis],
                   f"its bottoms 0 and {i} must agree on every axis but {axis}")
        if any(a != b for j, (a, b) in enumerate(zip(shape, bottoms[0])) if j != axis):
            raise OpError(f"bottom {i} is {list(shape)}, bottom 0 is {list(bottoms[0])}: "
                          f"expected equal dims on every axis but {axis}")
        top[axis] += shape[axis]
    return [tuple(top)]


def read_slice(layer: caffe_pb2.LayerParameter) -> SliceParams:
    axis, legacy = _legacy_axis(layer.slice_param, "slice_dim", "slice_param")
    return SliceParams(axis=axis, slice_point=tuple(layer.slice_param.slice_point),
                       num_tops=len(layer.top), legacy_dim=legacy)


def _slice_points(points: tuple[int, ...], tops: int, size: int) -> tuple[int, ...]:
    field = "slice_param.slice_point"
    if not points:
        if size % tops:
            raise OpError(f"axis size {size} does not divide into {tops} equal tops "
                          "(give slice_point)", field=field)
        return _even_points(size, tops)
    if len(points) != tops - 1:
        raise OpError(f"{len(points)} slice points for {tops} tops (expected {tops - 1})",
                      field=field)
    if tops > size:
        raise OpError(f"{tops} tops from an axis of size {size} (expected at most {size})",
                      field=field)
    for prev, point in zip((0,) + points, points):
        if point <= prev:
            raise OpError(f"slice points {list(points)} must be strictly increasing from "
                          f"above 0", field=field)
    if points[-1] >= size:
        raise OpError(f"slice point {points[-1]} leaves an empty or negative last top "
                      f"(expected < the axis size {size})", field=field)
    return points


def equal_parts(points: Sequence[int], size: int) -> bool:
    """Whether ``points`` cut an axis of ``size`` into len(points) + 1 equal parts, as Caffe
    cuts it when no slice_point is given (so a batch axis may be cut by its run-time
    size)."""
    tops = len(points) + 1
    return size % tops == 0 and tuple(points) == _even_points(size, tops)


def _even_points(size: int, tops: int) -> tuple[int, ...]:
    """The slice points that cut ``size`` into ``tops`` equal parts (it divides)."""
    return tuple(size // tops * i for i in range(1, tops))


def bind_slice(p: SliceParams, bottoms: Sequence[Shape]) -> SliceParams:
    if p.bound:
        return p
    shape = bottoms[0]
    axis = _axis(p.axis, p.legacy_dim, len(shape), "slice_param", "slice_dim")
    points = _slice_points(p.slice_point, p.num_tops, shape[axis])
    return replace(p, axis=axis, slice_point=points, bound=True)


def infer_slice(p: SliceParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_slice(replace(p, num_tops=num_tops) if not p.bound else p, bottoms)
    shape = bottoms[0]
    edges = (0,) + p.slice_point + (shape[p.axis],)
    return [tuple(shape[:p.axis]) + (hi - lo,) + tuple(shape[p.axis + 1:])
            for lo, hi in zip(edges, edges[1:])]


def read_split(layer: caffe_pb2.LayerParameter) -> SplitParams:
    refuse_in_place(layer)
    return SplitParams()


def infer_split(p: SplitParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return [tuple(bottoms[0])] * num_tops


def write_concat(p: ConcatParams, q: caffe_pb2.ConcatParameter,
                 bottoms: Sequence[Shape]) -> None:
    """The bound axis is non-negative; one that came from ``concat_dim`` goes back there (the
    params remember it)."""
    if p.legacy_dim:
        q.concat_dim = p.axis
    elif p.axis != 1:
        q.axis = p.axis


def write_slice(p: SliceParams, q: caffe_pb2.SliceParameter, bottoms: Sequence[Shape]) -> None:
    """The bound points are written only where they differ from the equal split Caffe makes
    without them."""
    if p.legacy_dim:
        q.slice_dim = p.axis
    elif p.axis != 1:
        q.axis = p.axis
    shape = bottoms[0] if bottoms else None
    size = shape[p.axis] if shape is not None and p.axis < len(shape) else None
    if size is None or len(p.slice_point) + 1 != p.num_tops or \
            not equal_parts(p.slice_point, size):
        q.slice_point.extend(p.slice_point)


OPS.define("Concat", family="concat", read=read_concat, bind=bind_concat, infer=infer_concat,
           bottoms=(1, None), param="concat_param", write=write_concat)
OPS.define("Slice", family="concat", read=read_slice, bind=bind_slice, infer=infer_slice,
           tops=(1, None), param="slice_param", write=write_slice)
OPS.define("Split", family="concat", read=read_split, infer=infer_split, tops=(1, None))
