"""Pad: zeros around H and W of (N, C, H, W), kept pending (``context.Padded``) so that a
Convolution or an AVE pooling reading it folds it into its own padding; anything else reads
it through the explicit pad layer (``Context.zero_pad``), exact for any consumer, a MAX
pooling included (ONNX pads those zeros before pooling, too).

Only ``mode`` constant with value 0 is imported; reflect, edge and wrap, a non-zero value,
padding of N or C, and negative pads (crops) have no Caffe form here.
"""
from __future__ import annotations

import numpy as np

from .context import Context, Padded
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_pad"]


@IMPORTERS.register("Pad")
def convert_pad(ctx: Context, node: OnnxNode) -> None:
    mode = node.attr("mode", "constant")
    if mode != "constant":
        raise Refused(f"its mode is {mode!r}; Caffe pads with zeros only")
    rank = len(ctx.shape(node.inputs[0]))
    if ctx.opset < 11:
        pads = [int(p) for p in node.attr("pads") or ()]
        value = float(node.attr("value", 0.0))
        axes = list(range(rank))
    else:
        pads = [int(p) for p in np.asarray(ctx.constant(node, 1, "pads")).reshape(-1)]
        value = 0.0
        if node.input(2):
            value = float(np.asarray(ctx.constant(node, 2, "constant_value")).reshape(-1)[0])
        axes = list(range(rank))
        if node.input(3):
            axes = [int(a) % rank for a in np.asarray(ctx.constant(node, 3, "axes")).reshape(-1)]
    if value != 0.0:
        raise Refused(f"it pads with {value:g}; Caffe pads with zeros only")
    if len(pads) != 2 * len(axes):
        raise Refused(f"its pads {pads} are not two per padded axis")
    begin = {axis: pads[i] for i, axis in enumerate(axes)}
    end = {axis: pads[i + len(axes)] for i, axis in enumerate(axes)}
    if min(pads, default=0) < 0:
        raise Refused(f"its pads {pads} are negative (a crop); imported are zero pads")
    if rank != 4 or any(begin.get(a, 0) or end.get(a, 0) for a in (0, 1)):
        raise Refused(f"it pads axes other than H and W of (N, C, H, W) (pads {pads}, "
                      f"input rank {rank})")
    b = (begin.get(2, 0), begin.get(3, 0))
    e = (end.get(2, 0), end.get(3, 0))
    if b == (0, 0) and e == (0, 0):
        ctx.alias(node.outputs[0], ctx.peek(node.inputs[0]))
        return
    meaning = ctx.peek(node.inputs[0])
    if isinstance(meaning, Padded):
        b = (b[0] + meaning.begin[0], b[1] + meaning.begin[1])
        e = (e[0] + meaning.end[0], e[1] + meaning.end[1])
        base = meaning.base
    else:
        base = ctx.value(node.inputs[0])
    ctx.alias(node.outputs[0], Padded(base, b, e, node))
