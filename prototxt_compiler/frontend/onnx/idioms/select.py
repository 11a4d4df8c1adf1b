"""Idioms of the layers that pick elements or items (``backends.onnx.reduce``,
``backends.onnx.gather``): ArgMax and BatchReindex, which have no node by node form (TopK
and Gather by a blob's values are no Caffe layers one by one).

    ArgMax with axis  Slice (the axis reversed), TopK(k, axis): the values when
                      out_max_val; else [Shape, Gather, Sub (the batch)] Sub, Cast: the index
    ArgMax            Flatten(axis 1), Slice, TopK(k, 1), Sub, Cast [Concat(index, values)],
                      Reshape to (N, 1 or 2, k, 1...): out_max_val where there is the Concat
    BatchReindex      Shape, Gather, Cast, GreaterOrEqual, Less, And, Where, Cast, Gather:
                      bottoms the data and the index
Filter (Reshape, Equal, Not, a Compress per top) is not read back: its tops' first axis is
the count the data decide (a symbol), which the import, holding every shape as numbers,
cannot carry yet.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ....ops.gather import BatchReindexParams
from ....ops.reduce import ArgMaxParams
from ..context import Context
from .reading import ops_are
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_argmax", "match_batch_reindex"]


@IDIOMS.register("Slice", "Flatten", layer="ArgMax")
def match_argmax(ctx: Context, group: Group) -> Iterator[Proposal]:
    top_k = group.node("TopK")
    if top_k is None or group.node("TopK", 1) is not None:
        return
    k = ctx.const(top_k.input(1))
    if k is None or k.size != 1:
        return
    ops = group.ops()
    x = group.nodes[0].inputs[0]
    top = (group.nodes[-1].outputs[0],)
    count = int(np.asarray(k).reshape(-1)[0])
    if ops[0] == "Flatten":
        params = ArgMaxParams(out_max_val="Concat" in ops, top_k=count)
    else:
        params = ArgMaxParams(out_max_val="Cast" not in ops, top_k=count,
                              axis=int(top_k.attr("axis", -1)))
        if params.out_max_val:
            top = (top_k.outputs[0],)
    yield Proposal("ArgMax", params, bottoms=(x,), tops=top)


@IDIOMS.register("Shape", layer="BatchReindex")
def match_batch_reindex(ctx: Context, group: Group) -> Iterator[Proposal]:
    if not ops_are(group, ("Shape", "Gather", "Cast", "GreaterOrEqual", "Less", "And",
                           "Where", "Cast", "Gather")):
        return
    x, index = group.nodes[0].inputs[0], group.nodes[3].inputs[0]
    yield Proposal("BatchReindex", BatchReindexParams(), bottoms=(x, index),
                   tops=(group.nodes[-1].outputs[0],))
