"""BatchReindex and Filter in the generated file, written out: items of the batch picked by
a blob's values.

    BatchReindex  top = x.index_select(0, int(index)), truncating toward zero as Caffe's
                  static_cast<int>; an index outside [0, N) (which Caffe refuses) is sent
                  to N, so ``index_select`` raises instead of reading a wrong item.
    Filter        mask = selector.flatten() != 0 (NaN selects, as Caffe's ``if (value)``);
                  each top is its bottom[mask].
"""
from __future__ import annotations

from ...ir import Node
from .registry import HELPERS, PYSOURCE, Module

__all__ = ["convert_batch_reindex", "convert_filter"]

HELPERS.define("BatchReindex", '''
class BatchReindex(nn.Module):
    """Caffe's BatchReindex: the items of ``x`` that ``index`` names, in its order."""

    def forward(self, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        items = x.shape[0]
        valid = (index >= 0) & (index < items)
        picked = torch.where(valid, index, torch.full_like(index, items))
        return x.index_select(0, picked.to(torch.int64))
''')

HELPERS.define("Filter", '''
class Filter(nn.Module):
    """Caffe's Filter: the items of every bottom but the last, where the last is
    nonzero."""

    def forward(self, *bottoms: torch.Tensor):
        mask = bottoms[-1].flatten() != 0
        tops = tuple(b[mask] for b in bottoms[:-1])
        return tops[0] if len(tops) == 1 else tops
''')


@PYSOURCE.register("BatchReindex")
def convert_batch_reindex(node: Node) -> Module:
    return Module("BatchReindex()", (), ("BatchReindex",))


@PYSOURCE.register("Filter")
def convert_filter(node: Node) -> Module:
    return Module("Filter()", (), ("Filter",))
