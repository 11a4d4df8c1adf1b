"""Upsample (both kinds) and Interp as torch modules (``ops.resample``).

Nearest Upsample by s: ``repeat_interleave`` by s on H and W, so top[h][w] = x[h / s][w / s]
exactly. SegNet's max-unpooling: per (n, c) plane, position i of the data is written at
int(mask[i]) of a zeroed (upsample_h * upsample_w) plane, a later i winning a position
written twice: the winner of every position (the largest i, by ``scatter_reduce`` amax) is
gathered, so the result does not depend on the order a scatter runs in. Interp: the crop by
pad_beg/pad_end, then ``F.interpolate(..., mode="bilinear", align_corners=True)``, whose
source index r * dst (r = (in - 1) / (out - 1), 0 for one output row), floor and weights are
the fork's ``caffe_cpu_interp2``; equal sizes are the crop alone, as there.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...ir import Node
from ...ops.resample import InterpParams, UpsampleParams, interp_geometry
from .registry import TORCH

__all__ = ["CaffeNearestUpsample", "CaffeUnpool", "CaffeInterp", "convert_upsample",
           "convert_interp"]


class CaffeNearestUpsample(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.repeat_interleave(self.scale, dim=2).repeat_interleave(self.scale, dim=3)


class CaffeUnpool(nn.Module):
    """SegNet's Upsample: (data, mask) -> (N, C, height, width)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, height: int, width: int) -> None:
        super().__init__()
        self.height = height
        self.width = width

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        source = x.flatten(2)
        index = mask.flatten(2).to(torch.int64)  # static_cast<int>: toward zero
        order = torch.arange(source.shape[2], device=x.device).expand_as(index)
        plane = self.height * self.width
        winner = index.new_full((source.shape[0], source.shape[1], plane), -1)
        winner = winner.scatter_reduce(2, index, order, reduce="amax")
        top = torch.where(winner >= 0, source.gather(2, winner.clamp(min=0)),
                          torch.zeros((), dtype=x.dtype, device=x.device))
        return top.reshape(top.shape[:2] + (self.height, self.width))


class CaffeInterp(nn.Module):
    def __init__(self, start: int, crop: tuple[int, int], out: tuple[int, int]) -> None:
        super().__init__()
        self.start = start
        self.crop = crop
        self.out = out
        self.fresh_output = crop != out  # a plain crop is a view of the input

    def forward(self, x: torch.Tensor, *size_of: torch.Tensor) -> torch.Tensor:
        """``size_of``: a second bottom, whose size ``use_blob_size`` took (its values are
        not read)."""
        if self.start or self.crop != tuple(x.shape[2:]):
            x = x[:, :, self.start:self.start + self.crop[0],
                  self.start:self.start + self.crop[1]]
        if self.crop == self.out:
            return x
        return F.interpolate(x, size=self.out, mode="bilinear", align_corners=True)


@TORCH.register("Upsample")
def convert_upsample(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: UpsampleParams = node.params
    if p.mode == "nearest":
        return CaffeNearestUpsample(int(p.scale or 1))
    height, width = node.output_shapes()[0][2:]
    return CaffeUnpool(int(height), int(width))


@TORCH.register("Interp")
def convert_interp(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: InterpParams = node.params
    g = interp_geometry(p, node.input_shapes())
    return CaffeInterp(int(g.start), (int(g.crop[0]), int(g.crop[1])),
                       (int(g.out[0]), int(g.out[1])))
