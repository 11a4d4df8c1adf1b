"""Idioms of Slice (``backends.onnx.concat``) on the batch axis, where its points do not cut
the batch into equal parts: one ONNX Slice per top, which the node by node import
(``frontend.onnx.concat``) gives back as one Caffe Slice each.

    Slice  Slice(x, starts_i, ends_i, axes [0]) per top, the last to the axis' end: one
           layer, slice_point the starts after the first
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ....ops.concat import SliceParams
from ..context import Context
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_batch_slice"]


@IDIOMS.register("Slice", layer="Slice")
def match_batch_slice(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    if len(nodes) < 2 or any(n.op_type != "Slice" or len(n.inputs) != 4 for n in nodes):
        return
    x, axes = nodes[0].inputs[0], nodes[0].inputs[3]
    if any(n.inputs[0] != x or n.inputs[3] != axes for n in nodes):
        return
    starts = [ctx.const(n.inputs[1]) for n in nodes]
    if any(s is None or s.size != 1 for s in starts):
        return
    points = tuple(int(np.asarray(s).reshape(-1)[0]) for s in starts if s is not None)
    yield Proposal("Slice", SliceParams(axis=0, slice_point=points[1:], num_tops=len(nodes)),
                   bottoms=(x,), tops=tuple(n.outputs[0] for n in nodes))
