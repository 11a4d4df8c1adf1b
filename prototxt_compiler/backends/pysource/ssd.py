"""SSD's Permute and Normalize in the generated file, written out.

Permute    ``x.permute(axes)`` (``ops.ssd`` completes the order), made contiguous as Caffe
           copies the data.
Normalize  y = x / sqrt(sum x^2 + eps) * scale, the sum over axis 1, or over every axis
           but the batch (across_spatial, multiplied by the reciprocal as Caffe's
           caffe_cpu_scale does); the scale one value (channel_shared) or one per channel.
"""
from __future__ import annotations

import numpy as np

from ...ir import Node
from ...ops.ssd import NormalizeParams, PermuteParams
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_permute", "convert_normalize"]

HELPERS.define("Permute", '''
class Permute(nn.Module):
    """SSD's Permute: the axes in the order ``axes``, copied."""

    def __init__(self, *axes: int) -> None:
        super().__init__()
        self.axes = axes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(self.axes).contiguous()
''')

HELPERS.define("Normalize", '''
class Normalize(nn.Module):
    """SSD's Normalize: x / sqrt(sum of squares + eps) * weight, the sum over the
    channels, or over every axis but the batch (``across_spatial``); ``weight`` one
    value (shape ()) or one per channel."""

    def __init__(self, channels: int | None, across_spatial: bool = True,
                 eps: float = 1e-10) -> None:
        super().__init__()
        size = () if channels is None else (channels,)
        self.weight = nn.Parameter(torch.ones(size))
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
''')


@PYSOURCE.register("Permute")
def convert_permute(node: Node) -> Module:
    p: PermuteParams = node.params
    return Module(call("Permute", *p.axes), (), ("Permute",))


@PYSOURCE.register("Normalize")
def convert_normalize(node: Node) -> Module:
    p: NormalizeParams = node.params
    weight = np.array(node.blobs[0] if node.blobs else (), np.float32)
    weight = weight.reshape(()) if p.channel_shared else weight.reshape(-1)
    channels = None if p.channel_shared else int(weight.size)
    return Module(call("Normalize", channels, across_spatial=p.across_spatial, eps=p.eps),
                  (("weight", weight),), ("Normalize",))
