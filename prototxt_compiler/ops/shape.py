"""Layers that reshape one blob without computing on it: Flatten, Reshape, Crop, Tile.
(Concat, Slice and Split are in ``concat.py``; Reduction, ArgMax and Softmax in ``reduce.py``.)

Caffe's shape rules (``axis`` counts from the end when negative, as CanonicalAxisIndex):
    Flatten  axes [axis, end_axis] (defaults 1, -1) become one of their product; end_axis may
             be axis-1, which inserts a 1 at ``axis``; never in place.
    Reshape  axes [axis, axis+num_axes) (num_axes -1: to the end; a negative axis counts
             from past the last axis, so -1 appends) are replaced by ``shape``, where 0 copies
             the bottom dim at the same position and one -1 takes what the count leaves; the
             count must not change; never in place. Bound params hold the final dims, the
             non-negative axis and the concrete num_axes.
    Crop     2 bottoms with the same number of axes; top = bottom 0 with axes >= axis
             (default 2) taken from bottom 1. offset: none (0), one for every cropped axis,
             or one per cropped axis; bottom0[i] - offset_i >= bottom1[i]. Bound params hold
             one offset per cropped axis.
    Tile     top = bottom with shape[axis] *= tiles (tiles required, > 0).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import prod

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, canonical_axis, count, refuse_in_place

__all__ = ["FlattenParams", "ReshapeParams", "CropParams", "TileParams"]


@dataclass(frozen=True)
class FlattenParams:
    axis: int = 1
    end_axis: int = -1


@dataclass(frozen=True)
class ReshapeParams:
    """``shape``: the new dims (bound: 0 and -1 resolved); ``written``: as the prototxt gives
    them, which is what Caffe applies again when the batch size changes."""

    shape: tuple[int, ...] = ()
    axis: int = 0
    num_axes: int = -1
    written: tuple[int, ...] = ()
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class CropParams:
    axis: int = 2
    offset: tuple[int, ...] = ()
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class TileParams:
    axis: int = 1
    tiles: int = 1


def read_flatten(layer: caffe_pb2.LayerParameter) -> FlattenParams:
    refuse_in_place(layer)
    p = layer.flatten_param
    return FlattenParams(axis=p.axis, end_axis=p.end_axis)


def bind_flatten(p: FlattenParams, bottoms: Sequence[Shape]) -> FlattenParams:
    ndim = len(bottoms[0])
    start = canonical_axis(p.axis, ndim, "flatten_param.axis")
    end = canonical_axis(p.end_axis, ndim, "flatten_param.end_axis")
    if end < start - 1:
        raise OpError(f"end_axis {p.end_axis} (axis {end}) comes before axis {p.axis} "
                      f"(axis {start}); expected end_axis >= axis - 1",
                      field="flatten_param.end_axis")
    return replace(p, axis=start, end_axis=end)


def infer_flatten(p: FlattenParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_flatten(p, bottoms)
    shape = tuple(bottoms[0])
    return [shape[:p.axis] + (count(shape, p.axis, p.end_axis + 1),) + shape[p.end_axis + 1:]]


def read_reshape(layer: caffe_pb2.LayerParameter) -> ReshapeParams:
    refuse_in_place(layer)
    p = layer.reshape_param
    dims = tuple(int(d) for d in p.shape.dim)
    if dims.count(-1) > 1:
        raise OpError(f"shape {list(dims)} has {dims.count(-1)} dims of -1 (expected at most "
                      "one)", field="reshape_param.shape")
    if any(d < -1 for d in dims):
        raise OpError(f"shape {list(dims)} has a dim below -1 (expected -1, 0 or positive)",
                      field="reshape_param.shape")
    if p.num_axes < -1:
        raise OpError(f"num_axes is {p.num_axes} (expected >= 0, or -1 for all)",
                      field="reshape_param.num_axes")
    return ReshapeParams(shape=dims, axis=p.axis, num_axes=p.num_axes, written=dims)


def _reshape_range(p: ReshapeParams, ndim: int) -> tuple[int, int]:
    """[start, end) of the bottom axes the new dims replace."""
    start = p.axis if p.axis >= 0 else ndim + p.axis + 1
    if not 0 <= start <= ndim:
        raise OpError(f"axis {p.axis} is out of range for a {ndim}-axis bottom "
                      f"(expected {-ndim - 1} <= axis <= {ndim})", field="reshape_param.axis")
    end = ndim if p.num_axes == -1 else start + p.num_axes
    if end > ndim:
        raise OpError(f"axis + num_axes = {end} is past the bottom's {ndim} axes",
                      field="reshape_param.num_axes")
    return start, end


def bind_reshape(p: ReshapeParams, bottoms: Sequence[Shape]) -> ReshapeParams:
    if p.bound:
        return p
    shape = tuple(bottoms[0])
    start, end = _reshape_range(p, len(shape))
    dims = list(p.shape)
    for i, dim in enumerate(p.shape):
        if dim == 0:
            if start + i >= len(shape):
                raise OpError(f"shape dim {i} is 0 but the bottom has no axis {start + i} to "
                              "copy", field="reshape_param.shape")
            dims[i] = shape[start + i]
    total = prod(shape)
    if -1 in dims:
        known = prod(d for d in dims if d != -1) * prod(shape[:start]) * prod(shape[end:])
        if known == 0 or total % known:
            raise OpError(f"bottom count {total} is not divisible by the product of the "
                          f"given dims ({known})", field="reshape_param.shape")
        dims[dims.index(-1)] = total // known
    new = prod(shape[:start]) * prod(dims) * prod(shape[end:])
    if new != total:
        raise OpError(f"the new shape holds {new} values, the bottom {list(shape)} holds "
                      f"{total} (expected equal counts)", field="reshape_param.shape")
    return replace(p, shape=tuple(dims), axis=start, num_axes=end - start, bound=True)


def reshape_target(p: ReshapeParams, bottom: Shape) -> tuple[int, ...]:
    """The whole top shape of a bound Reshape for run time, when the batch may differ from
    the prototxt's, in the convention of ONNX's Reshape: 0 copies the run-time input's axis
    of the same index, -1 is inferred. Where the new dims replace axes from the batch on,
    these are the dims as written (Caffe reshapes a new batch by them: its 0 copies the axis
    of the same index, its -1 is inferred); dims inserted before the batch (num_axes 0) keep
    their bound values and the batch follows as -1; past the batch, the leading axes are
    copied and the bound dims are fixed."""
    tail = tuple(bottom[p.axis + p.num_axes:])
    if p.axis > 0:
        return (0,) * p.axis + p.shape + tail
    if p.num_axes == 0:  # before the batch; a 0-axis bottom has none
        return p.shape + ((-1,) + tail[1:] if tail else ())
    return p.written + tail


def infer_reshape(p: ReshapeParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_reshape(p, bottoms)
    shape = tuple(bottoms[0])
    return [shape[:p.axis] + p.shape + shape[p.axis + p.num_axes:]]


def read_crop(layer: caffe_pb2.LayerParameter) -> CropParams:
    p = layer.crop_param
    return CropParams(axis=p.axis, offset=tuple(p.offset))


def bind_crop(p: CropParams, bottoms: Sequence[Shape]) -> CropParams:
    if p.bound:
        return p
    ndim = len(bottoms[0])
    axis = canonical_axis(p.axis, ndim, "crop_param.axis")
    cropped = ndim - axis
    if len(p.offset) > 1 and len(p.offset) != cropped:
        raise OpError(f"{len(p.offset)} offsets for the {cropped} axes from axis {axis} on "
                      f"(expected 0, 1 or {cropped})", field="crop_param.offset")
    offset = p.offset if len(p.offset) > 1 else (p.offset[0] if p.offset else 0,) * cropped
    return replace(p, axis=axis, offset=tuple(offset), bound=True)


def infer_crop(p: CropParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_crop(p, bottoms)
    big, ref = tuple(bottoms[0]), tuple(bottoms[1])
    if len(big) != len(ref):
        raise OpError(f"bottom 0 {list(big)} and bottom 1 {list(ref)} have different numbers "
                      "of axes (expected the same)")
    for i in range(p.axis, len(big)):
        off = p.offset[i - p.axis]
        if big[i] - off < ref[i]:
            raise OpError(f"crop of size {ref[i]} at offset {off} on axis {i} runs past "
                          f"bottom 0's size {big[i]}", field="crop_param.offset")
    return [big[:p.axis] + ref[p.axis:]]


def read_tile(layer: caffe_pb2.LayerParameter) -> TileParams:
    p = layer.tile_param
    if not p.HasField("tiles"):
        raise OpError("tiles is required", field="tile_param.tiles")
    if p.tiles <= 0:
        raise OpError(f"tiles is {p.tiles} (expected > 0)", field="tile_param.tiles")
    return TileParams(axis=p.axis, tiles=p.tiles)


def bind_tile(p: TileParams, bottoms: Sequence[Shape]) -> TileParams:
    return replace(p, axis=canonical_axis(p.axis, len(bottoms[0]), "tile_param.axis"))


def infer_tile(p: TileParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_tile(p, bottoms)
    top = list(bottoms[0])
    top[p.axis] *= p.tiles
    return [tuple(top)]


def _ndim(bottoms: Sequence[Shape]) -> int | None:
    return None if not bottoms or bottoms[0] is None else len(bottoms[0])


def write_flatten(p: FlattenParams, q: caffe_pb2.FlattenParameter,
                  bottoms: Sequence[Shape]) -> None:
    """The params are bound (axes non-negative); ``end_axis`` is left at its default -1
    when it is the last axis."""
    if p.axis != 1:
        q.axis = p.axis
    ndim = _ndim(bottoms)
    if p.end_axis != -1 and (ndim is None or p.end_axis != ndim - 1):
        q.end_axis = p.end_axis


def write_reshape(p: ReshapeParams, q: caffe_pb2.ReshapeParameter,
                  bottoms: Sequence[Shape]) -> None:
    """The dims as written (0 and -1 kept: Caffe applies them again to a new batch; none
    written removes the axes in range); the bound start axis; ``num_axes`` left at -1 when
    the range runs to the last axis."""
    q.shape.dim.extend(p.written)
    if p.axis != 0:
        q.axis = p.axis
    ndim = _ndim(bottoms)
    if p.num_axes != -1 and (ndim is None or p.axis + p.num_axes != ndim):
        q.num_axes = p.num_axes


def write_crop(p: CropParams, q: caffe_pb2.CropParameter, bottoms: Sequence[Shape]) -> None:
    """One offset when every cropped axis has the same (none when that is 0), else one per
    cropped axis."""
    if p.axis != 2:
        q.axis = p.axis
    offsets = tuple(p.offset)
    if len(set(offsets)) > 1:
        q.offset.extend(offsets)
    elif offsets and offsets[0] != 0:
        q.offset.append(offsets[0])


def write_tile(p: TileParams, q: caffe_pb2.TileParameter, bottoms: Sequence[Shape]) -> None:
    """``tiles`` always: Caffe requires it given (its layer checks ``has_tiles``)."""
    if p.axis != 1:
        q.axis = p.axis
    q.tiles = p.tiles


OPS.define("Flatten", family="shape", read=read_flatten, bind=bind_flatten,
           infer=infer_flatten, param="flatten_param", write=write_flatten)
OPS.define("Reshape", family="shape", read=read_reshape, bind=bind_reshape,
           infer=infer_reshape, param="reshape_param", write=write_reshape)
OPS.define("Crop", family="shape", read=read_crop, bind=bind_crop, infer=infer_crop,
           bottoms=(2, 2), param="crop_param", write=write_crop)
OPS.define("Tile", family="shape", read=read_tile, bind=bind_tile, infer=infer_tile,
           param="tile_param", write=write_tile)
