"""BatchReindex and Filter as torch modules: items of the batch picked by a blob's values.

BatchReindex  top = x.index_select(0, int(index)), the cast truncating toward zero, as
              Caffe's static_cast<int>. An index value outside [0, N) (or NaN), which Caffe
              refuses on every forward, is sent to index N, so ``index_select`` raises
              instead of reading a wrong item (-0.5 would otherwise truncate to 0).
Filter        mask = selector.flatten() != 0 (NaN selects, as in Caffe's ``if (value)``);
              each top = its bottom[mask]: as many items as the data select, in order.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.gather import BatchReindexParams, FilterParams
from .registry import TORCH

__all__ = ["CaffeBatchReindex", "CaffeFilter", "convert_batch_reindex", "convert_filter"]


class CaffeBatchReindex(nn.Module):
    """forward(x (N, ...), index (K,)) -> (K, ...)."""

    def forward(self, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        items = x.shape[0]
        valid = (index >= 0) & (index < items)
        picked = torch.where(valid, index, torch.full_like(index, items))
        return x.index_select(0, picked.to(torch.int64))


class CaffeFilter(nn.Module):
    """forward(b_0, ..., b_{k-1}, selector) -> the selected items of each b_i."""

    def forward(self, *bottoms: torch.Tensor):
        mask = bottoms[-1].flatten() != 0
        tops = tuple(b[mask] for b in bottoms[:-1])
        return tops[0] if len(tops) == 1 else tops


@TORCH.register("BatchReindex")
def convert_batch_reindex(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: BatchReindexParams = node.params  # noqa: F841 - the layer has no params
    return CaffeBatchReindex()


@TORCH.register("Filter")
def convert_filter(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: FilterParams = node.params  # noqa: F841 - the count is the data's
    return CaffeFilter()
