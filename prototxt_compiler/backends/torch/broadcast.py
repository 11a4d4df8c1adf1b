"""Axpy and Broadcastmul as torch modules (``ops.broadcast``).

Axpy:         top = a * x + y, a (N, C, 1...) broadcast over x's axes after the channel
Broadcastmul: top = x * s, s the per-channel bottom (``ops.broadcast.scale_bottom``)
The per-channel bottom is reshaped to x's number of axes where it has fewer ((N, C) for a
4-D x); the batch is read from the tensor, never fixed.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.broadcast import scale_bottom
from .registry import TORCH

__all__ = ["CaffeAxpy", "CaffeBroadcastMul", "convert_axpy", "convert_broadcastmul"]


def _per_channel(s: torch.Tensor, axes: int) -> torch.Tensor:
    """``s`` (N, C, 1...) with ``axes`` axes, to broadcast against the data."""
    if s.dim() == axes:
        return s
    return s.reshape(s.shape[:2] + (1,) * (axes - 2))


class CaffeAxpy(nn.Module):
    """a * x + y."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, axes: int) -> None:
        super().__init__()
        self.axes = axes

    def forward(self, a: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(y, _per_channel(a, self.axes), x)


class CaffeBroadcastMul(nn.Module):
    """x * s, with s bottom ``scale`` (0 or 1) of the two."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, scale: int, axes: int) -> None:
        super().__init__()
        self.scale = scale
        self.axes = axes

    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        x, s = (second, first) if self.scale == 0 else (first, second)
        return x * _per_channel(s, self.axes)


@TORCH.register("Axpy")
def convert_axpy(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeAxpy(len(node.input_shapes()[1]))


@TORCH.register("Broadcastmul", "BroadcastMul")
def convert_broadcastmul(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    shapes = node.input_shapes()
    s = scale_bottom(shapes)
    return CaffeBroadcastMul(s, len(shapes[1 - s]))
