"""The forks' BN layer in the generated file, written out (``ops.forknorm``).

Stored statistics (PSPNet's in TEST or frozen): y = slope (x - mean) / sqrt(variance + eps)
+ bias; SegNet's INFERENCE: y = scale x + shift. Batch statistics over N and the axes after
the channel: PSPNet's m = E[x], v = E[(x - m)^2]; SegNet's LEARN v = E[x^2] - m^2; then
y = slope (x - m) / sqrt(v + eps) + bias. The blobs keep the fork's (1, C, 1, 1) shape and
names (``slope``/``bias`` or ``scale``/``shift``, ``mean``/``variance``).
"""
from __future__ import annotations

import numpy as np

from ...ir import Node
from ...ops.forknorm import BNParams
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_bn"]

HELPERS.define("ForkBN", '''
class ForkBN(nn.Module):
    """A Caffe fork's BN layer (PSPNet's or SegNet's), its blobs shaped ``shape``
    (1, C, 1, 1); ``global_stats``: the stored statistics (SegNet's: scale and shift
    alone), else the batch's."""

    def __init__(self, shape: tuple[int, ...], eps: float, global_stats: bool,
                 segnet: bool = False) -> None:
        super().__init__()
        self.segnet = segnet
        self.global_stats = global_stats
        self.eps = eps
        self.gain = nn.Parameter(torch.ones(shape))
        self.offset = nn.Parameter(torch.zeros(shape))
        if not segnet:
            self.register_buffer("mean", torch.zeros(shape))
            self.register_buffer("variance", torch.ones(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1) + (1,) * (x.dim() - 2)
        gain, offset = self.gain.reshape(shape), self.offset.reshape(shape)
        if self.global_stats and self.segnet:
            return x * gain + offset
        if self.global_stats:
            mean, variance = self.mean.reshape(shape), self.variance.reshape(shape)
        else:
            axes = [0] + list(range(2, x.dim()))
            mean = x.mean(dim=axes, keepdim=True)
            if self.segnet:
                variance = x.square().mean(dim=axes, keepdim=True) - mean.square()
            else:
                variance = (x - mean).square().mean(dim=axes, keepdim=True)
        return (x - mean) / torch.sqrt(variance + self.eps) * gain + offset
''')


@PYSOURCE.register("BN")
def convert_bn(node: Node) -> Module:
    p: BNParams = node.params
    blobs = [np.array(b, np.float32) for b in node.blobs or ()]
    segnet = p.form == "segnet"
    eps = p.eps if p.global_stats else p.batch_eps
    state = [("gain", blobs[0]), ("offset", blobs[1])]
    if not segnet:
        state += [("mean", blobs[2]), ("variance", blobs[3])]
    extra = {"segnet": True} if segnet else {}
    return Module(call("ForkBN", tuple(int(d) for d in blobs[0].shape), eps, p.global_stats,
                       **extra), tuple(state), ("ForkBN",))
