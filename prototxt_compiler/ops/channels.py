"""Layers that only move elements between channels and positions: ShuffleChannel and Reorg.

``ShuffleChannel`` (farmingyard/ShuffleNet, shuffle_channel_layer.cpp,
``shuffle_channel_param { group }``, default 1): the C channels, read as ``group`` rows of
C / group, are transposed: output channel ``j * group + i`` is input channel
``i * (C / group) + j`` (its ``Resize_cpu``), the spatial planes untouched; top = bottom's
shape. The fork checks group > 0 when set up and C % group == 0 in its forward; both are
refused here when the net is loaded. It copies plane by plane from bottom to top, so in place
it would overwrite channels it has yet to read: refused too.

``Reorg`` (YOLOv2's passthrough layer; quhezheng/caffe_yolo_v2, reorg_layer.cpp and
``reorg_cpu`` in math_functions.cpp, ``reorg_param { stride reverse }``; darknet's reorg),
with s = stride (required) on a 4-D bottom (N, C, H, W):
  - reverse false (what YOLOv2 nets use): top (N, C s^2, H / s, W / s). The fork's forward
    calls ``reorg_cpu(..., forward = false)``, which reads the bottom's memory as if it were
    (N, C / s^2, H s, W s) and moves it space-to-depth into a tensor of the bottom's shape,
    then the top reinterprets that memory. As array operations:
        x.reshape(N, C / s^2, H, s, W, s).transpose(0, 3, 5, 1, 2, 4).reshape(top)
    so top channel (dy s + dx) (C / s^2) + c' at (h, w) of that (N, C, H, W) view holds the
    bottom's memory at (c', h s + dy, w s + dx) of the (N, C / s^2, H s, W s) view; this is
    darknet's own element order, not a plain space-to-depth of the bottom.
  - reverse true: top (N, C / s^2, H s, W s), top(c', h s + dy, w s + dx) =
    bottom((dy s + dx) (C / s^2) + c', h, w): ONNX's DepthToSpace in DCR mode;
        x.reshape(N, s, s, C / s^2, H, W).transpose(0, 3, 4, 1, 5, 2).reshape(top)
  The fork divides sizes by s without checking: where C is not a multiple of s^2, or (reverse
  false) H or W not a multiple of s, it reads or writes past its blobs; refused here, as are
  stride 0 (a division by zero there) and in place (which it refuses itself).

MACs: none (only copies).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import OpError
from ..ir import Shape
from .base import OPS, known_nonzero, refuse_in_place

__all__ = ["ShuffleChannelParams", "ReorgParams", "reorg_plan", "ReorgPlan"]


@dataclass(frozen=True)
class ShuffleChannelParams:
    group: int = 1


@dataclass(frozen=True)
class ReorgParams:
    stride: int = 0
    reverse: bool = False


def read_shuffle_channel(layer: Any) -> ShuffleChannelParams:
    group = layer.shuffle_channel_param.group
    if group < 1:
        raise OpError(f"group is {group}, expected > 0", field="shuffle_channel_param.group")
    refuse_in_place(layer)
    return ShuffleChannelParams(group=group)


def infer_shuffle_channel(p: ShuffleChannelParams, bottoms: Sequence[Shape],
                          num_tops: int) -> list[Shape]:
    shape = tuple(bottoms[0])
    if len(shape) < 2:
        raise OpError(f"ShuffleChannel needs a channel axis (axis 1), got {list(shape)}")
    if known_nonzero(shape[1] % p.group):
        raise OpError(f"{shape[1]} channels are not divisible by group {p.group}",
                      field="shuffle_channel_param.group")
    return [shape]


def read_reorg(layer: Any) -> ReorgParams:
    p = layer.reorg_param
    if not p.HasField("stride"):
        raise OpError("stride is required", field="reorg_param.stride")
    if p.stride < 1:
        raise OpError(f"stride is {p.stride}, expected > 0", field="reorg_param.stride")
    refuse_in_place(layer)
    return ReorgParams(stride=p.stride, reverse=p.reverse)


@dataclass(frozen=True)
class ReorgPlan:
    """The array operations of one Reorg: reshape the bottom to ``view``, transpose by
    ``perm``, reshape to the top's shape (batch axis first in all three)."""

    view: tuple[Any, ...]
    perm: tuple[int, ...]
    top: tuple[Any, ...]


def reorg_plan(p: ReorgParams, bottom: Shape) -> ReorgPlan:
    n, c, h, w = bottom
    s = p.stride
    if p.reverse:
        return ReorgPlan((n, s, s, c // (s * s), h, w), (0, 3, 4, 1, 5, 2),
                         (n, c // (s * s), h * s, w * s))
    return ReorgPlan((n, c // (s * s), h, s, w, s), (0, 3, 5, 1, 2, 4),
                     (n, c * s * s, h // s, w // s))


def infer_reorg(p: ReorgParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    shape = tuple(bottoms[0])
    if len(shape) != 4:
        raise OpError(f"Reorg takes a 4-D bottom (N, C, H, W), got {list(shape)}")
    s = p.stride
    _, c, h, w = shape
    if known_nonzero(c % (s * s)):
        raise OpError(f"{c} channels are not divisible by stride^2 = {s * s} (the fork "
                      "would read past its bottom)", field="reorg_param.stride")
    if not p.reverse:
        for axis, size in (("height", h), ("width", w)):
            if known_nonzero(size % s):
                raise OpError(f"{axis} {size} is not divisible by stride {s} (the fork would "
                              "write past its top)", field="reorg_param.stride")
    return [tuple(reorg_plan(p, shape).top)]


OPS.define("ShuffleChannel", family="channels", read=read_shuffle_channel,
           infer=infer_shuffle_channel, param="shuffle_channel_param")
OPS.define("Reorg", family="channels", read=read_reorg, infer=infer_reorg,
           param="reorg_param")
