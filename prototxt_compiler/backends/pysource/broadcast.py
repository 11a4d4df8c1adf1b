"""Axpy and BroadcastMul in the generated file, written out (``ops.broadcast``).

    Axpy          top = a * x + y, a (N, C, 1...) broadcast over x's axes after the channel
    BroadcastMul  top = x * s, s the per-channel bottom (``ops.broadcast.scale_bottom``)

The per-channel bottom is reshaped to x's number of axes where it has fewer ((N, C) for a
4-D x); the batch is the tensor's own.
"""
from __future__ import annotations

from ...ir import Node
from ...ops.broadcast import scale_bottom
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_axpy", "convert_broadcastmul"]

HELPERS.define("per_channel", '''
def per_channel(s: torch.Tensor, axes: int) -> torch.Tensor:
    """``s`` (N, C, 1...) with ``axes`` axes, to broadcast against the data."""
    return s if s.dim() == axes else s.reshape(s.shape[:2] + (1,) * (axes - 2))
''')

HELPERS.define("Axpy", '''
class Axpy(nn.Module):
    """The SENet ports' Axpy: a * x + y, a (N, C) or (N, C, 1, ...) per channel."""

    def forward(self, a: torch.Tensor, x: torch.Tensor,
                y: torch.Tensor) -> torch.Tensor:
        return torch.addcmul(y, per_channel(a, x.dim()), x)
''', needs=("per_channel",))

HELPERS.define("BroadcastMul", '''
class BroadcastMul(nn.Module):
    """The forks' BroadcastMul: x * s, s (bottom ``scale``, 0 or 1) one value per
    channel."""

    def __init__(self, scale: int = 1) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
        x, s = (second, first) if self.scale == 0 else (first, second)
        return x * per_channel(s, x.dim())
''', needs=("per_channel",))


@PYSOURCE.register("Axpy")
def convert_axpy(node: Node) -> Module:
    return Module("Axpy()", (), ("Axpy",))


@PYSOURCE.register("Broadcastmul", "BroadcastMul")
def convert_broadcastmul(node: Node) -> Module:
    s = scale_bottom(node.input_shapes())
    return Module(call("BroadcastMul", s) if s != 1 else "BroadcastMul()", (),
                  ("BroadcastMul",))
