"""Per-channel broadcast layers of squeeze-and-excitation ports: Axpy and Broadcastmul.

``Axpy`` (hujie-frank/SENet, axpy_layer.cpp): three bottoms a, x, y; for every sample n and
channel c, over the spatial elements s of x (``x.count(2)`` of them),
    top[n, c, s] = a[n, c] * x[n, c, s] + y[n, c, s]
(Forward_cpu copies y into the top and runs ``caffe_axpy`` per channel). Its Reshape asks
a.shape(0) == x.shape(0), a.shape(1) == x.shape(1), a 4-D a of shape (N, C, 1, 1), and
y.shape == x.shape; top = x's shape. The SE block's "scale the residual branch and add the
shortcut" in one layer, which SENet's nets use as the unit's sum.

``Broadcastmul`` (the mxnet2caffe ports' name for MXNet's ``broadcast_mul``) and
``BroadcastMul`` (jolibrain/caffe, broadcast_mul_layer.cpp): two bottoms, the data x and the
per-channel scale s, in either order (the bottom with the larger count is the data, as
BroadcastMul's Reshape picks it: ties keep bottom 0 as the data);
    top[n, c, s] = x[n, c, s] * s[n, c]
with s of shape (N, C) followed only by 1s; top = x's shape. Here the scale is told by its
trailing 1s, so that a fragment's symbolic sizes need no count comparison.

Shapes other than these (an a or s with more than one element per channel, which the forks
would read past or index wrongly) are refused. MACs: none, as for BVLC's Scale and Eltwise
(``info``'s counting rule).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import OpError
from ..ir import Shape
from .base import OPS, unify_dims

__all__ = ["AxpyParams", "BroadcastParams", "scale_bottom"]


@dataclass(frozen=True)
class AxpyParams:
    """Axpy has no params."""


@dataclass(frozen=True)
class BroadcastParams:
    """Broadcastmul has no params."""


def _per_channel(scale: Shape, data: Shape, what: str) -> None:
    """``scale`` must be (N, C) of ``data``, then only 1s."""
    if len(scale) < 2 or len(data) < 2:
        raise OpError(f"{what} {list(scale)} and the data {list(data)} need a batch and a "
                      "channel axis each")
    unify_dims(tuple(scale[:2]), tuple(data[:2]), f"{what} is per sample and channel")
    if tuple(scale[:2]) != tuple(data[:2]) or any(d != 1 for d in scale[2:]):
        expected = [*data[:2]] + [1] * (len(scale) - 2)
        raise OpError(f"{what} has shape {list(scale)}; expected {expected}: one value per "
                      f"sample and channel of the data {list(data)}")


def infer_axpy(p: AxpyParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    a, x, y = (tuple(b) for b in bottoms)
    _per_channel(a, x, "bottom 0 (the scale a)")
    unify_dims(x, y, "bottoms 1 (x) and 2 (y) must have one shape")
    if x != y:
        raise OpError(f"bottom 1 (x) is {list(x)} and bottom 2 (y) is {list(y)}; Axpy adds "
                      "a * x to y, which must have x's shape")
    return [x]


def scale_bottom(bottoms: Sequence[Shape]) -> int:
    """Which of Broadcastmul's two bottoms is the per-channel scale (the other is the
    data): the one whose axes after the channel are all 1; bottom 1 when both are."""
    ones = [all(d == 1 for d in b[2:]) for b in bottoms]
    return 0 if ones[0] and not ones[1] else 1


def infer_broadcastmul(p: BroadcastParams, bottoms: Sequence[Shape],
                       num_tops: int) -> list[Shape]:
    s = scale_bottom(bottoms)
    data, scale = tuple(bottoms[1 - s]), tuple(bottoms[s])
    _per_channel(scale, data, f"the scale (bottom {s})")
    return [data]


def _read_axpy(layer: Any) -> AxpyParams:
    return AxpyParams()


def _read_broadcast(layer: Any) -> BroadcastParams:
    return BroadcastParams()


OPS.define("Axpy", family="broadcast", read=_read_axpy, infer=infer_axpy, bottoms=(3, 3))
for _type in ("Broadcastmul", "BroadcastMul"):
    OPS.define(_type, family="broadcast", read=_read_broadcast, infer=infer_broadcastmul,
               bottoms=(2, 2))
