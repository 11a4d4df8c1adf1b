"""InnerProduct and Embed as torch modules.

InnerProduct: the bottom's axes [axis, end) flatten into K, then
    top = bottom_flat @ weight.T + bias,   weight (N, K)
Caffe stores the weight as (N, K), or as (K, N) when ``transpose``; the module's parameter
``weight`` is always (N, K), transposed at conversion time, ready for ``F.linear``, so the
state_dict reads ``LAYER.weight`` and ``LAYER.bias`` (absent without bias_term). The leading
axes (the batch among them) pass through, so any batch size works.

Embed: every bottom element is an index, cast to an integer as Caffe's static_cast<int> does
(truncation toward zero), looked up in ``weight`` (input_dim, num_output):
    top[..., :] = weight[int(bottom[...])] + bias
Caffe checks the index range only in debug builds; torch raises on an index outside
[0, input_dim).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...ir import Node
from ...ops.dense import EmbedParams, InnerProductParams
from .registry import TORCH

__all__ = ["CaffeInnerProduct", "CaffeEmbed", "convert_inner_product", "convert_embed"]


def _parameter(blob: np.ndarray) -> nn.Parameter:
    return nn.Parameter(torch.from_numpy(np.array(blob, dtype=np.float32, copy=True)))


class CaffeInnerProduct(nn.Module):
    """``F.linear`` on the bottom flattened from ``axis``; ``weight`` (N, K), ``bias`` (N,)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, weight: np.ndarray, bias: np.ndarray | None, axis: int) -> None:
        super().__init__()
        self.axis = axis
        self.weight = _parameter(weight)
        self.bias = _parameter(bias) if bias is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x.flatten(self.axis), self.weight, self.bias)


@TORCH.register("InnerProduct")
def convert_inner_product(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: InnerProductParams = node.params
    weight = blobs[0].T if p.transpose else blobs[0]
    return CaffeInnerProduct(weight, blobs[1] if p.bias_term else None, p.axis)


class CaffeEmbed(nn.Module):
    """A table lookup of the bottom's values truncated to integers; ``weight``
    (input_dim, num_output), ``bias`` (num_output,)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, weight: np.ndarray, bias: np.ndarray | None) -> None:
        super().__init__()
        self.weight = _parameter(weight)
        self.bias = _parameter(bias) if bias is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top = F.embedding(x.to(torch.int64), self.weight)
        return top if self.bias is None else top + self.bias


@TORCH.register("Embed")
def convert_embed(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: EmbedParams = node.params
    return CaffeEmbed(blobs[0], blobs[1] if p.bias_term else None)
