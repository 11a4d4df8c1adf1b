"""Im2col as a torch module: data moved, never computed on (exact for any value, NaN too).

The bottom is zero-padded on its spatial axes (the trailing ones): ``pad`` before, and after
enough to hold every window Caffe counts (a last window may run past the padded input, its
taps reading 0). Each kernel tap k is one strided slice of the padded input,
    [k_i*dilation_i : k_i*dilation_i + (out_i - 1)*stride_i + 1 : stride_i]  on axis i,
and the taps, stacked right after the channel axis (C, K, out...), flatten to channel
c*K + k, Caffe's order (``ops.im2col``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...ir import Node
from ...ops.im2col import Im2colParams, Window, im2col_plan
from .registry import TORCH

__all__ = ["CaffeIm2col", "convert_im2col"]

class CaffeIm2col(nn.Module):
    """forward(x) -> x[:axis] + (C * K,) + out sizes."""

    def __init__(self, axis: int, pads: Sequence[tuple[int, int]], taps: Sequence[Window]) -> None:
        super().__init__()
        self.axis = axis
        self.pad = tuple(v for before, after in reversed(pads) for v in (before, after))
        self.taps = [(slice(None),) * (axis + 1) + tuple(slice(*w) for w in tap)
                     for tap in taps]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if any(self.pad):
            x = F.pad(x, self.pad)
        taps = torch.stack([x[tap] for tap in self.taps], dim=self.axis + 1)
        return taps.flatten(self.axis, self.axis + 1)

    def extra_repr(self) -> str:
        return f"axis={self.axis}, taps={len(self.taps)}, pad={list(self.pad)}"


@TORCH.register("Im2col")
def convert_im2col(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: Im2colParams = node.params
    pads, taps = im2col_plan(p, tuple(node.input_shapes()[0] or ()))
    return CaffeIm2col(p.axis, pads, taps)
