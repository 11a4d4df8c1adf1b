"""Permute and Normalize as torch modules, computing what SSD's Caffe computes.

Permute  ``x.permute(axes)`` (``ops.ssd`` completes the order), made contiguous as Caffe
         copies the data.
Normalize, with the sum over axis 1 (not across_spatial) or over every axis but the batch
         (across_spatial), eps inside the square root:
             y = x / sqrt(sum x^2 + eps) * scale
         across_spatial multiplies by the reciprocal, as Caffe's caffe_cpu_scale does; the
         scale is one value (channel_shared) or one per channel, a parameter ``weight``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.ssd import NormalizeParams, PermuteParams
from .registry import TORCH

__all__ = ["CaffePermute", "CaffeNormalize", "convert_permute", "convert_normalize"]


class CaffePermute(nn.Module):
    def __init__(self, axes: Sequence[int]) -> None:
        super().__init__()
        self.axes = tuple(axes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(self.axes).contiguous()

    def extra_repr(self) -> str:
        return f"axes={self.axes}"


@TORCH.register("Permute")
def convert_permute(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: PermuteParams = node.params
    return CaffePermute(p.axes)


class CaffeNormalize(nn.Module):
    def __init__(self, weight: torch.Tensor, *, across_spatial: bool, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)
        self.across_spatial = across_spatial
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        squares = x * x
        if self.across_spatial:
            total = squares.reshape(x.shape[0], -1).sum(1)
            inverse = 1.0 / torch.sqrt(total + self.eps)
            y = x * inverse.reshape((-1,) + (1,) * (x.dim() - 1))
        else:
            y = x / torch.sqrt(squares.sum(1, keepdim=True) + self.eps)
        if self.weight.dim() == 0:
            return y * self.weight
        return y * self.weight.reshape((1, -1) + (1,) * (x.dim() - 2))

    def extra_repr(self) -> str:
        return f"across_spatial={self.across_spatial}, eps={self.eps:g}"


@TORCH.register("Normalize")
def convert_normalize(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: NormalizeParams = node.params
    weight = torch.from_numpy(np.array(blobs[0], dtype=np.float32, copy=True))
    return CaffeNormalize(weight.reshape(()) if p.channel_shared else weight.reshape(-1),
                          across_spatial=p.across_spatial, eps=p.eps)
