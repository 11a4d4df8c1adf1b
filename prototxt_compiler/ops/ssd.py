"""SSD's reshaping and normalising layers (weiliu89/caffe, branch ssd): Permute and Normalize.

Permute (``permute_param { order }``): the given axes first, in their order, then every axis
not named, in its own order (Caffe's PermuteLayer::LayerSetUp); top[i] = bottom[axes[i]].
Each named axis must be < the bottom's axis count and named once. An order that keeps every
axis in place shares the bottom's data; any other cannot run in place (the copy would read
what it has already written).

Normalize (``norm_param { across_spatial, channel_shared, eps, scale_filler }``), for each
item n of a 2- to 4-axis bottom seen as (N, C, H, W) (Caffe's legacy accessors: missing
axes are 1):
    across_spatial:      y = x / sqrt(sum over C, H, W of x^2 + eps)
    not across_spatial:  y[c, h, w] = x[c, h, w] / sqrt(sum over c' of x[c', h, w]^2 + eps)
then y *= scale: one learned value (channel_shared, a 0-axis blob) or one per channel (a (C,)
blob), filled by ``scale_filler`` (constant 1 by default). eps is added to the sum of squares,
inside the square root (NormalizeLayer::Forward_cpu). MACs: one multiply-accumulate per element
for the sum of squares, as MVN counts its sums.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import prod

from ..errors import OpError
from ..ir import Shape
from .base import OPS, LayerView
from .fillers import Filler, read_filler

__all__ = ["PermuteParams", "NormalizeParams", "permute_axes"]


@dataclass(frozen=True)
class PermuteParams:
    """``order`` as written; ``axes`` the full permutation once bound to a bottom."""

    order: tuple[int, ...] = ()
    axes: tuple[int, ...] = field(default=(), compare=False)
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class NormalizeParams:
    across_spatial: bool = True
    channel_shared: bool = True
    eps: float = 1e-10
    scale_filler: Filler = Filler(value=1.0)


def permute_axes(order: Sequence[int], ndim: int) -> tuple[int, ...]:
    """Caffe's completed permutation of ``ndim`` axes from the ``order`` given."""
    axes: list[int] = []
    for axis in order:
        if axis >= ndim:
            raise OpError(f"order names axis {axis} of a {ndim}-axis bottom (expected each "
                          f"axis < {ndim})", field="permute_param.order")
        if axis in axes:
            raise OpError(f"order names axis {axis} twice (expected each axis once)",
                          field="permute_param.order")
        axes.append(axis)
    return tuple(axes) + tuple(i for i in range(ndim) if i not in axes)


def bind_permute(p: PermuteParams, bottoms: Sequence[Shape]) -> PermuteParams:
    if p.bound:
        return p
    return replace(p, axes=permute_axes(p.order, len(bottoms[0])), bound=True)


def infer_permute(p: PermuteParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    axes = bind_permute(p, bottoms).axes
    return [tuple(bottoms[0][a] for a in axes)]


def _refuse_permuting_in_place(layer: LayerView) -> None:
    ordered = list(layer.permute_param.order)
    if layer.top and layer.bottom and layer.top[0] == layer.bottom[0] and \
            ordered != list(range(len(ordered))):
        raise OpError(f"Permute cannot run in place when it moves axes: top '{layer.top[0]}' "
                      "is also its bottom (expected a new top name)", field="permute_param.order")


def read_permute(layer: LayerView) -> PermuteParams:
    _refuse_permuting_in_place(layer)
    return PermuteParams(order=tuple(int(a) for a in layer.permute_param.order))


def read_normalize(layer: LayerView) -> NormalizeParams:
    p = layer.norm_param
    filler = read_filler(p.scale_filler) if p.HasField("scale_filler") else Filler(value=1.0)
    return NormalizeParams(across_spatial=p.across_spatial, channel_shared=p.channel_shared,
                           eps=p.eps, scale_filler=filler)


def _check_axes(shape: Shape) -> None:
    if not 2 <= len(shape) <= 4:
        raise OpError(f"Normalize takes a 2- to 4-axis bottom (N, C, H, W), got {list(shape)}")


def infer_normalize(p: NormalizeParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    _check_axes(bottoms[0])
    return [bottoms[0]]


def blobs_normalize(p: NormalizeParams, bottoms: Sequence[Shape]) -> list[Shape]:
    _check_axes(bottoms[0])
    return [()] if p.channel_shared else [(bottoms[0][1],)]


def fillers_normalize(p: NormalizeParams, bottoms: Sequence[Shape]) -> list[Filler]:
    return [p.scale_filler]


def macs_normalize(p: NormalizeParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    return prod(bottoms[0])


OPS.define("Permute", family="ssd", read=read_permute, bind=bind_permute,
           infer=infer_permute, param="permute_param")
OPS.define("Normalize", family="ssd", read=read_normalize, infer=infer_normalize,
           blobs=blobs_normalize, fillers=fillers_normalize, macs=macs_normalize,
           param="norm_param")
