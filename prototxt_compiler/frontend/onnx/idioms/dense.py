"""Idioms of InnerProduct and Embed (``backends.onnx.dense``): the forms the node by node
import (``frontend.onnx.dense``) cannot give back as the layer.

    InnerProduct past axis 1  [Reshape to (0,) * axis + (-1,)] MatMul(x, LAYER.weight (K, N))
                              [Add LAYER.bias]: axis the Reshape's leading zeros, or the
                              bottom's last axis without the Reshape
    Embed                     Cast(int64), Gather(LAYER.weight, axis 0) [Add LAYER.bias]
The weight comes back as Caffe's (N, K) with ``transpose: false``: a ``transpose: true``
layer holding the (K, N) weight computes the same and is written alike.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ....ops.dense import EmbedParams, InnerProductParams
from ..context import Context
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_inner_product", "match_embed"]


def _bias(ctx: Context, group: Group, ops: tuple[str, ...]) -> tuple[np.ndarray, ...] | None:
    """The trailing Add's LAYER.bias (a 1-tuple), () without one, None where unreadable."""
    if ops[-1] != "Add":
        return ()
    bias = ctx.const(group.nodes[-1].input(1))
    if bias is None or bias.ndim != 1 or bias.dtype != np.float32:
        return None
    return (bias,)


@IDIOMS.register("Reshape", "MatMul", layer="InnerProduct")
def match_inner_product(ctx: Context, group: Group) -> Iterator[Proposal]:
    ops = group.ops()
    body = ops[1:] if ops[0] == "Reshape" else ops
    if body not in (("MatMul",), ("MatMul", "Add")):
        return
    x = group.nodes[0].inputs[0]
    rank = len(ctx.shape(x))
    if ops[0] == "Reshape":
        target = ctx.const(group.nodes[0].input(1))
        if target is None:
            return
        dims = [int(d) for d in np.asarray(target).reshape(-1)]
        if dims[-1:] != [-1] or any(d != 0 for d in dims[:-1]):
            return
        axis = len(dims) - 1
    else:
        axis = rank - 1
    matmul = group.node("MatMul")
    weight = ctx.const(matmul.input(1)) if matmul is not None else None
    bias = _bias(ctx, group, ops)
    if weight is None or weight.ndim != 2 or weight.dtype != np.float32 or bias is None:
        return
    params = InnerProductParams(num_output=int(weight.shape[1]), bias_term=bool(bias),
                                axis=axis)
    yield Proposal("InnerProduct", params, bottoms=(x,), tops=(group.nodes[-1].outputs[0],),
                   blobs=(weight.T, *bias))


@IDIOMS.register("Cast", layer="Embed")
def match_embed(ctx: Context, group: Group) -> Iterator[Proposal]:
    ops = group.ops()
    if ops not in (("Cast", "Gather"), ("Cast", "Gather", "Add")):
        return
    gather = group.nodes[1]
    weight = ctx.const(gather.input(0))
    bias = _bias(ctx, group, ops)
    if weight is None or weight.ndim != 2 or weight.dtype != np.float32 or bias is None:
        return
    params = EmbedParams(num_output=int(weight.shape[1]), input_dim=int(weight.shape[0]),
                         bias_term=bool(bias))
    yield Proposal("Embed", params, bottoms=(group.nodes[0].inputs[0],),
                   tops=(group.nodes[-1].outputs[0],), blobs=(weight, *bias))
