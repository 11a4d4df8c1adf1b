"""Pad: zeros around H and W of (N, C, H, W), kept pending (``context.Padded``) so that a
Convolution or an AVE pooling reading it folds it into its own padding; anything else reads
it through the explicit pad layer (``Context.zero_pad``), exact for any consumer, a MAX
pooling included (ONNX pads those zeros before pooling, too).

Modes ``reflect`` (``nn.ReflectionPad2d``: x[b], ..., x[1] before, x[n-2], ..., x[n-1-e]
after) and ``edge`` (``nn.ReplicationPad2d``: copies of x[0] and x[n-1]) copy elements, so
they are a Slice of the axis into pieces, each element the padding copies a piece of its own,
and a Concat of the pieces in the padded order (``copy_padded``), W then H; up to
``MAX_COPY_PAD`` a side. A constant other than 0 (``F.pad(x, p, value=v)``, -inf before a
max pooling in TensorFlow-born models) is the explicit pad layer with its Power writing v
instead of 0, never folded. ``wrap``, padding of N or C, and negative pads (crops) have no
Caffe form here.
"""
from __future__ import annotations

import numpy as np

from ...ir import Value
from ...ops.concat import ConcatParams, SliceParams
from .context import Context, Padded
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_pad", "copy_padded", "MAX_COPY_PAD"]

#: Most elements a reflect or edge pad adds on a side of an axis (each is a Concat bottom).
MAX_COPY_PAD = 64


def copy_padded(ctx: Context, node: OnnxNode, x: Value, axis: int, begin: int, end: int,
                mode: str, name: str, final: bool = False) -> Value:
    """``x`` padded on ``axis`` by ``begin`` and ``end`` elements copied from it (``mode``
    "reflect" or "edge"): a Slice cutting out each copied element, a Concat in padded order,
    named ``name`` after the node, or the node's own layer and output where ``final``."""
    n = int(x.shape[axis])  # type: ignore[index]
    if mode == "reflect":
        front = list(range(begin, 0, -1))
        back = list(range(n - 2, n - 2 - end, -1))
    else:
        front, back = [0] * begin, [n - 1] * end
    copied = sorted(set(front + back))
    cuts = sorted({c for i in copied for c in (i, i + 1)} - {0, n})
    starts = [0, *cuts]
    out = node.outputs[0]
    if cuts:
        tops = [ctx.blob(f"{out}/{name}_{start}", node) for start in starts]
        pieces = list(ctx.layer(node, "Slice", SliceParams(axis=axis, slice_point=tuple(cuts),
                                                           num_tops=len(tops)),
                                [x], tops=tops, suffix=f"/{name}_slice").outputs)
    else:
        pieces = [x]
    piece_of = {start: piece for start, piece in zip(starts, pieces)}
    parts = [piece_of[i] for i in front] + pieces + [piece_of[i] for i in back]
    if final:
        return ctx.layer(node, "Concat", ConcatParams(axis=axis), parts).outputs[0]
    return ctx.layer(node, "Concat", ConcatParams(axis=axis), parts,
                     tops=[ctx.blob(f"{out}/{name}", node)], suffix=f"/{name}").outputs[0]


@IMPORTERS.register("Pad")
def convert_pad(ctx: Context, node: OnnxNode) -> None:
    mode = node.attr("mode", "constant")
    if mode not in ("constant", "reflect", "edge"):
        raise Refused(f"its mode is {mode!r}; imported are zeros, reflect and edge")
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
    if mode != "constant":
        _copy_pad(ctx, node, mode, b, e)
        return
    if value != 0.0:  # never folded into a layer's own zero padding
        ctx.zero_pad(node, ctx.value(node.inputs[0]), b, e, outputs=node.outputs[:1],
                     value=float(np.float32(value)))
        return
    meaning = ctx.peek(node.inputs[0])
    if isinstance(meaning, Padded):
        b = (b[0] + meaning.begin[0], b[1] + meaning.begin[1])
        e = (e[0] + meaning.end[0], e[1] + meaning.end[1])
        base = meaning.base
    else:
        base = ctx.value(node.inputs[0])
    ctx.alias(node.outputs[0], Padded(base, b, e, node))


def _copy_pad(ctx: Context, node: OnnxNode, mode: str, b: tuple[int, int],
              e: tuple[int, int]) -> None:
    x = ctx.value(node.inputs[0])
    for axis, name in ((3, "pad_w"), (2, "pad_h")):
        n = int(x.shape[axis])  # type: ignore[index]
        before, after = b[axis - 2], e[axis - 2]
        if max(before, after) > MAX_COPY_PAD:
            raise Refused(f"it pads {before} and {after} by {mode}; imported are up to "
                          f"{MAX_COPY_PAD} a side")
        if mode == "reflect" and max(before, after) > n - 1:
            raise Refused(f"it reflects {before} and {after} elements of an axis of {n}; "
                          "ONNX reflects at most n - 1")
        if before or after:
            final = axis == 2 or not (b[0] or e[0])
            x = copy_padded(ctx, node, x, axis, before, after, mode, name, final)
