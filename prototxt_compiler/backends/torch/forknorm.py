"""The forks' BN as a torch module (``ops.forknorm``).

Stored statistics (PSPNet's in TEST or frozen): y = slope (x - mean) / sqrt(variance + eps)
+ bias, one fused ``F.batch_norm`` with the blobs as buffers and parameters; SegNet's
INFERENCE: y = scale x + shift. Batch statistics over N and the axes after the channel:
PSPNet's m = E[x], v = E[(x - m)^2]; SegNet's LEARN v = E[x^2] - m^2 and eps 1e-9; then
y = slope (x - m) / sqrt(v + eps) + bias. The blobs keep the fork's (1, C, 1, 1) shape
(``slope``/``bias`` or ``scale``/``shift`` parameters, ``mean``/``variance`` buffers).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...ir import Node
from ...ops.forknorm import BNParams
from .registry import TORCH

__all__ = ["CaffeBN", "convert_bn"]


def _tensor(blob: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(blob, dtype=np.float32, copy=True))


class CaffeBN(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, p: BNParams, blobs: Sequence[np.ndarray]) -> None:
        super().__init__()
        self.segnet = p.form == "segnet"
        self.global_stats = p.global_stats
        self.eps = p.eps if self.global_stats else p.batch_eps
        names = ("scale", "shift") if self.segnet else ("slope", "bias")
        for name, blob in zip(names, blobs[:2]):
            self.register_parameter(name, nn.Parameter(_tensor(blob)))
        if not self.segnet:
            self.register_buffer("mean", _tensor(blobs[2]))
            self.register_buffer("variance", _tensor(blobs[3]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        names = ("scale", "shift") if self.segnet else ("slope", "bias")
        gain, offset = (getattr(self, name).reshape(-1) for name in names)
        if self.global_stats and self.segnet:
            return F.batch_norm(x, torch.zeros_like(gain), torch.ones_like(gain), gain, offset,
                                eps=0.0)
        if self.global_stats:
            mean, variance = (getattr(self, name).reshape(-1) for name in ("mean", "variance"))
            return F.batch_norm(x, mean, variance, gain, offset, eps=self.eps)
        axes = (0,) + tuple(range(2, x.dim()))
        mean = x.mean(dim=axes, keepdim=True)
        if self.segnet:
            variance = x.square().mean(dim=axes, keepdim=True) - mean.square()
        else:
            variance = (x - mean).square().mean(dim=axes, keepdim=True)
        shape = (1, -1) + (1,) * (x.dim() - 2)
        normal = (x - mean) / torch.sqrt(variance + self.eps)
        return normal * gain.reshape(shape) + offset.reshape(shape)

    def extra_repr(self) -> str:
        form = "segnet" if self.segnet else "pspnet"
        return f"{form}, eps={self.eps:g}, global_stats={self.global_stats}"


@TORCH.register("BN")
def convert_bn(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeBN(node.params, blobs)
