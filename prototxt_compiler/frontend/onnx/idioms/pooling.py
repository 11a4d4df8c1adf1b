"""Idioms of Pooling and SPP (``backends.onnx.pooling``): the forms the node by node import
(``frontend.onnx.pooling``) gives back as other layers, or refuses.

    MAX        [Slice] MaxPool(pads = before, after) [Pad(-FLT_MAX)]: the Slice crops rows no
               window reaches, the Pad appends empty windows past the input
    MAX, mask  as MAX, then on MaxPool's Indices Mod(H*W) [Div, Mul, Add] Cast [Pad(-1)]:
               the top and the mask
    AVE        [Slice] AveragePool(pads, count_include_pad 1) where every divisor is the
               kernel area; else [Slice] Pad, AveragePool, Mul(area), Div(divisor map)
    SPP        per level (level 0 a global pooling) the pooling, Flatten(axis 1); Concat
The pad proposed is the begin pads (the pooling's own, or the Pad's); stride and kernel are
the pool's. Both round modes are proposed, CEIL (Caffe's default) first: where they give
the same windows, the backend writes them alike and the default comes back. A global
pooling (GlobalMaxPool, GlobalAveragePool) is left to the node by node import, and so is an
SPP of pyramid_height 1, which the backend writes as the one global pooling it computes.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ....ops.pooling import PoolingParams, SPPParams
from ..context import Context
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_pooling", "match_spp"]

ROUND_MODES = ("CEIL", "FLOOR")
POOLS = {"MaxPool": "MAX", "AveragePool": "AVE"}


def _pair(values: Sequence[int] | None, default: int) -> tuple[int, int] | None:
    read = [int(v) for v in values] if values is not None else [default] * 2
    return (read[0], read[1]) if len(read) == 2 else None


def _pool_node(group: Group) -> int | None:
    """Index of the group's one MaxPool or AveragePool."""
    found = [i for i, n in enumerate(group.nodes) if n.op_type in POOLS]
    return found[0] if len(found) == 1 else None


def _pad_before(ctx: Context, group: Group, at: int) -> tuple[int, int] | None:
    """The begin pads of the pool at ``at``: its own, or those of the Pad right before it
    (AVE with a divisor map pads explicitly)."""
    node = group.nodes[at]
    if at > 0 and group.nodes[at - 1].op_type == "Pad":
        pads = ctx.const(group.nodes[at - 1].input(1))
        if pads is None or pads.size != 8:
            return None
        flat = [int(v) for v in np.asarray(pads).reshape(-1)]
        return flat[2], flat[3]
    pads = node.attr("pads")
    if pads is None:
        return 0, 0
    if len(pads) != 4:
        return None
    return int(pads[0]), int(pads[1])


def _tops(group: Group, at: int) -> tuple[str, ...]:
    """The pooled top (after the pool, the Pad of empty windows or the Div) and, where the
    Indices go on to a Cast, the mask: the last node's output."""
    nodes = group.nodes
    top = nodes[at].outputs[0]
    for node in nodes[at + 1:]:
        if node.op_type in ("Pad", "Mul", "Div") and node.inputs[0] == top:
            top = node.outputs[0]
    if any(n.op_type == "Cast" for n in nodes[at + 1:]):
        return top, nodes[-1].outputs[0]
    return (top,)


def pooling_params(ctx: Context, group: Group) -> list[PoolingParams]:
    """The poolings (one per round mode) that the group's one pool node could be."""
    at = _pool_node(group)
    if at is None:
        return []
    node = group.nodes[at]
    kernel = _pair(node.attr("kernel_shape"), 0)
    stride = _pair(node.attr("strides"), 1)
    pad = _pad_before(ctx, group, at)
    if kernel is None or stride is None or pad is None:
        return []
    return [PoolingParams(pool=POOLS[node.op_type], kernel=kernel, stride=stride, pad=pad,
                          round_mode=mode) for mode in ROUND_MODES]


@IDIOMS.register("Slice", "MaxPool", "AveragePool", "Pad", layer="Pooling")
def match_pooling(ctx: Context, group: Group) -> Iterator[Proposal]:
    at = _pool_node(group)
    if at is None or any(n.op_type in ("Flatten", "Concat") for n in group.nodes):
        return
    tops = _tops(group, at)
    for params in pooling_params(ctx, group):
        if len(tops) == 2 and params.pool != "MAX":
            return
        yield Proposal("Pooling", params, bottoms=(group.nodes[0].inputs[0],), tops=tops)


@IDIOMS.register("GlobalMaxPool", "GlobalAveragePool", layer="SPP")
def match_spp(ctx: Context, group: Group) -> Iterator[Proposal]:
    ops = group.ops()
    levels = ops.count("Flatten")
    if levels < 2 or ops[-1] != "Concat" or ops[1] != "Flatten":
        return
    pool = "MAX" if ops[0] == "GlobalMaxPool" else "AVE"
    x = group.nodes[0].inputs[0]
    if any(n.op_type in POOLS and n.op_type != ops[0].removeprefix("Global")
           for n in group.nodes):
        return
    yield Proposal("SPP", SPPParams(pyramid_height=levels, pool=pool), bottoms=(x,),
                   tops=(group.nodes[-1].outputs[0],))
