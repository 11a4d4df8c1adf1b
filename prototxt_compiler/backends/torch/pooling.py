"""Pooling and SPP as torch modules, exact to Caffe's CPU PoolingLayer.

Caffe's windows, per spatial axis, for output index i of ``out`` (``ops.pooling`` gives out):
    start = i*stride - pad,  end = min(start + kernel, size + pad)
MAX takes the largest element of [max(start, 0), min(end, size)), starting from -FLT_MAX, so
padding never wins and a window with no real element (only possible without padding, when a
kernel smaller than the stride leaves a last window starting at or past the input) gives
-FLT_MAX and mask -1. The mask top is the winner's index h*W + w in the unpadded plane, as a
float; ties go to the first in row-major order, as in torch. AVE sums the real elements and
divides by Caffe's window size counted before clipping to the input:
    divisor = (end_h - start_h) * (end_w - start_w)
which counts padding but not a ceil-mode overhang past it, and is zero or negative for a window
starting at or past the input without padding (0/0 = NaN, 0/negative = -0, as in Caffe).

The torch form: pad the input explicitly to exactly the extent the windows cover (a negative
amount crops rows no window reaches), then pool with ``ceil_mode=False``. MAX pads with -inf
and pools only the windows holding a real element, then appends the empty ones (-FLT_MAX, mask
-1); AVE pads with zeros, sums, and divides by the divisor map, a constant buffer (plain
``avg_pool2d`` when every window's divisor is the kernel area). Spatial sizes are fixed by the
prototxt; the batch size is free.

STOCHASTIC pooling is refused: Caffe's CPU forward aborts with "Not Implemented Yet".

Left as torch does it: a NaN input wins a MAX window (Caffe's ``>`` skips it), and a window of
real -inf values gives -inf with the window's first index (Caffe: -FLT_MAX and -1).

SPP: each pyramid level is the pooling ``ops.pooling`` binds for it; pyramid_height 1 returns
that pooling's 4-D top, otherwise each level's top is flattened to (N, C*h*w) and they are
concatenated in level order.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...ir import Node
from ...ops.base import FLT_MAX
from ...ops.pooling import PoolingParams, SPPParams, pooled_hw, refuse_stochastic, window_plan
from .registry import TORCH

__all__ = ["CaffeMaxPool", "CaffeAvePool", "CaffeSPP", "convert_pooling", "convert_spp"]


def _torch_ceil_size(size: int, kernel: int, stride: int, pad: int) -> int:
    """torch's ceil-mode output size: the last window is dropped when it starts past the
    padded input's start of padding (PyTorch's rule, like Caffe's clip but also at pad 0)."""
    out = -(-(size + 2 * pad - kernel) // stride) + 1
    if (out - 1) * stride >= size + pad:
        out -= 1
    return out


class CaffeMaxPool(nn.Module):
    """Caffe's MAX pooling of (N, C, H, W); with ``mask`` it returns (top, argmax mask)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, p: PoolingParams, height: int, width: int, out: tuple[int, int], *,
                 mask: bool) -> None:
        super().__init__()
        plan = window_plan(p, height, width, out, max_pool=True)
        h, w = plan.h, plan.w
        self.kernel = p.kernel
        self.stride = p.stride
        self.pad = (w.before, w.after, h.before, h.after)  # F.pad order: last axis first
        self.empty = (0, w.out - w.pooled, 0, h.out - h.pooled)
        self.mask = mask
        # When torch's own ceil-mode windows are Caffe's (same count per axis, pad at most
        # half the kernel), torch pools directly, without a padded copy of the input.
        self.native_pad = (h.before, w.before)
        self.native = (not mask and not any(self.empty)
                       and all(pd <= k // 2 for pd, k in zip(self.native_pad, p.kernel))
                       and all(_torch_ceil_size(size, k, s, pd) == n for size, k, s, pd, n in
                               zip((height, width), p.kernel, p.stride, self.native_pad, out)))
        self.width = width
        self.padded_width = width + w.before + w.after
        self.origin = h.before * width + w.before

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        if self.native:
            return F.max_pool2d(x, self.kernel, self.stride, self.native_pad, ceil_mode=True)
        if any(self.pad):
            x = F.pad(x, self.pad, value=float("-inf"))
        if not self.mask:
            top = F.max_pool2d(x, self.kernel, self.stride)
            return F.pad(top, self.empty, value=-FLT_MAX) if any(self.empty) else top
        top, index = F.max_pool2d(x, self.kernel, self.stride, return_indices=True)
        if self.padded_width != self.width:
            index = index - (index // self.padded_width) * (self.padded_width - self.width)
        if self.origin:
            index = index - self.origin
        mask = index.to(top.dtype)
        if any(self.empty):
            top = F.pad(top, self.empty, value=-FLT_MAX)
            mask = F.pad(mask, self.empty, value=-1.0)
        return top, mask


class CaffeAvePool(nn.Module):
    """Caffe's AVE pooling of (N, C, H, W): window sums over the real input divided by
    Caffe's divisor map (buffer ``divisor``, shape (out_h, out_w)) where it is not uniform."""

    divisor: torch.Tensor  # a buffer, where the windows differ

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, p: PoolingParams, height: int, width: int, out: tuple[int, int]) -> None:
        super().__init__()
        plan = window_plan(p, height, width, out, max_pool=False)
        h, w = plan.h, plan.w
        self.kernel = p.kernel
        self.stride = p.stride
        self.pad = (w.before, w.after, h.before, h.after)
        self.uniform = plan.uniform
        if not self.uniform:
            self.register_buffer("divisor", torch.from_numpy(plan.divisor))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if any(self.pad):
            x = F.pad(x, self.pad)
        if self.uniform:
            return F.avg_pool2d(x, self.kernel, self.stride)
        return F.avg_pool2d(x, self.kernel, self.stride, divisor_override=1) / self.divisor


def _pooling(p: PoolingParams, height: int, width: int, out: tuple[int, int], *,
             mask: bool) -> nn.Module:
    refuse_stochastic(p.pool)
    if p.pool == "MAX":
        return CaffeMaxPool(p, height, width, out, mask=mask)
    return CaffeAvePool(p, height, width, out)


@TORCH.register("Pooling")
def convert_pooling(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: PoolingParams = node.params
    height, width = node.input_shapes()[0][2:]
    out = tuple(node.output_shapes()[0][2:])
    return _pooling(p, height, width, (out[0], out[1]), mask=len(node.outputs) == 2)


class CaffeSPP(nn.Module):
    """Spatial pyramid pooling: every level's top flattened to (N, C*h*w), concatenated."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, levels: Sequence[nn.Module]) -> None:
        super().__init__()
        self.levels = nn.ModuleList(levels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([level(x).flatten(1) for level in self.levels], dim=1)


@TORCH.register("SPP")
def convert_spp(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: SPPParams = node.params
    refuse_stochastic(p.pool)
    height, width = node.input_shapes()[0][2:]
    levels = [_pooling(level, height, width, pooled_hw(level, height, width), mask=False)
              for level in p.levels]
    return levels[0] if p.pyramid_height == 1 else CaffeSPP(levels)
