"""Reshape, Flatten, Squeeze, Unsqueeze and Tile; Identity, Dropout and Cast (Transpose is
``transpose``).

The reshapes are pending views (``context.View``) with their static target shape: a chain
of them is one Caffe layer, an InnerProduct reads a Flatten without one, and any other
consumer gets a Caffe ``Flatten`` (axis 1) or ``Reshape`` (the batch written as 0, copied).
    Reshape(shape)      ONNX's rule: 0 copies the input's dim (unless allowzero), -1 is
                        inferred
    Flatten(axis)       (prod(dims[:axis]), prod(dims[axis:]))
    Squeeze(axes)       the axes (all of size 1; without axes, every axis of size 1) removed
    Unsqueeze(axes)     axes of size 1 inserted at the output positions ``axes``
Tile(repeats) is one Caffe Tile (axis, tiles) per repeated axis: Caffe copies the blob's
block from ``axis`` on ``tiles`` times, which is numpy's tile along that axis. Expand(shape)
is the same Tiles, each axis of 1 repeated to the broadcast size (after a view adding the
leading axes of 1 where the shape is longer): copies, so exact.
Identity, Dropout (inference; its mask output unread) and Cast to float32 or float64 (of
a float32 Caffe value: no change) add no layer.
"""
from __future__ import annotations

from collections.abc import Callable
from math import prod

import numpy as np

from ...ir import Shape, Value
from ...ops.shape import TileParams
from .context import Context
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["VIEW_TARGETS", "convert_view", "convert_tile", "convert_expand", "broadcast_to",
           "convert_identity", "convert_cast"]


def _axes(ctx: Context, node: OnnxNode, rank: int) -> list[int] | None:
    """Squeeze/Unsqueeze axes: the attribute before opset 13, the input from 13 on."""
    raw = node.attr("axes") if ctx.opset < 13 else (
        ctx.constant(node, 1, "axes") if node.input(1) else None)
    if raw is None:
        return None
    return sorted(int(a) % rank for a in np.asarray(raw).reshape(-1))


def _reshape_target(ctx: Context, node: OnnxNode, shape: Shape) -> list[int]:
    dims = [int(d) for d in np.asarray(ctx.constant(node, 1, "shape")).reshape(-1)]
    allow_zero = int(node.attr("allowzero", 0))
    target = []
    for i, d in enumerate(dims):
        if d == 0 and not allow_zero:
            if i >= len(shape):
                raise Refused(f"its shape {dims} copies dim {i} of a {len(shape)}-D input")
            d = shape[i]
        target.append(d)
    if target.count(-1) > 1 or any(d < -1 or d == 0 for d in target):
        raise Refused(f"its shape {dims} is not one Caffe can hold (zero dims, or several -1)")
    if -1 in target:
        known = prod(d for d in target if d != -1)
        if prod(shape) % known:
            raise Refused(f"its shape {dims} does not divide the input {list(shape)}")
        target[target.index(-1)] = prod(shape) // known
    return target


def _flatten_target(ctx: Context, node: OnnxNode, shape: Shape) -> list[int]:
    axis = int(node.attr("axis", 1))
    axis = axis + len(shape) if axis < 0 else axis
    return [prod(shape[:axis]), prod(shape[axis:])]


def _squeeze_target(ctx: Context, node: OnnxNode, shape: Shape) -> list[int]:
    axes = _axes(ctx, node, len(shape))
    if axes is None:
        axes = [i for i, d in enumerate(shape) if d == 1]
    if any(shape[a] != 1 for a in axes):
        raise Refused(f"it squeezes axes {axes} of {list(shape)}, not all of size 1")
    return [d for i, d in enumerate(shape) if i not in axes]


def _unsqueeze_target(ctx: Context, node: OnnxNode, shape: Shape) -> list[int]:
    raw = node.attr("axes") if ctx.opset < 13 else ctx.constant(node, 1, "axes")
    if raw is None:
        raise Refused("it gives no axes")
    given = [int(a) for a in np.asarray(raw).reshape(-1)]
    target = list(shape)
    rank = len(shape) + len(given)
    for axis in sorted(a % rank for a in given):
        target.insert(axis, 1)
    return target


#: the output shape of each op that only reshapes, from its input's shape
VIEW_TARGETS: dict[str, Callable[[Context, OnnxNode, Shape], list[int]]] = {
    "Reshape": _reshape_target, "Flatten": _flatten_target, "Squeeze": _squeeze_target,
    "Unsqueeze": _unsqueeze_target}


@IMPORTERS.register(*VIEW_TARGETS)
def convert_view(ctx: Context, node: OnnxNode) -> None:
    target = VIEW_TARGETS[node.op_type](ctx, node, ctx.shape(node.inputs[0]))
    ctx.view(node, node.outputs[0], node.inputs[0], target)


@IMPORTERS.register("Tile")
def convert_tile(ctx: Context, node: OnnxNode) -> None:
    repeats = [int(r) for r in np.asarray(ctx.constant(node, 1, "repeats")).reshape(-1)]
    if any(r < 1 for r in repeats):
        raise Refused(f"its repeats {repeats} are not all positive")
    _tile(ctx, node, ctx.value(node.inputs[0]), repeats)


@IMPORTERS.register("Expand")
def convert_expand(ctx: Context, node: OnnxNode) -> None:
    shape = tuple(ctx.shape(node.inputs[0]))
    dims = [int(d) for d in np.asarray(ctx.constant(node, 1, "shape")).reshape(-1)]
    rank = max(len(shape), len(dims))
    have = (1,) * (rank - len(shape)) + shape
    want = (1,) * (rank - len(dims)) + tuple(dims)
    if any(h != w and 1 not in (h, w) for h, w in zip(have, want)) or min(want) < 1:
        raise Refused(f"it expands {list(shape)} to {dims}, which do not broadcast")
    broadcast_to(ctx, node, node.inputs[0], tuple(max(h, w) for h, w in zip(have, want)))


def broadcast_to(ctx: Context, node: OnnxNode, name: str, out: tuple[int, ...],
                 label: str | None = None) -> Value:
    """The value ``name`` broadcast to ``out`` by copies: a view adding leading axes of 1,
    then a Tile along each axis of 1 that ``out`` widens. Without ``label`` the result is
    the node's output; with it, an inner blob ``OUTPUT/LABEL_...`` (an operand of the node)."""
    shape = tuple(ctx.shape(name))
    have = (1,) * (len(out) - len(shape)) + shape
    prefix = f"{node.outputs[0]}/{label}_" if label else f"{node.outputs[0]}/"
    if have != shape:
        ctx.view(node, f"{prefix}ranked", name, have)
        name = f"{prefix}ranked"
    return _tile(ctx, node, ctx.value(name), [o if h == 1 else 1 for h, o in zip(have, out)],
                 label)


def _tile(ctx: Context, node: OnnxNode, x: Value, repeats: list[int],
          label: str | None = None) -> Value:
    """One Caffe Tile per repeated axis (module docstring); the last writes the node's
    output unless ``label`` names an inner blob (``broadcast_to``)."""
    axes = [axis for axis, r in enumerate(repeats) if r != 1]
    if not axes and label is None:
        ctx.alias(node.outputs[0], x)
    inner = f"{label}_tile" if label else "tile"
    for i, axis in enumerate(axes):
        last = i == len(axes) - 1 and label is None
        tops = None if last else [ctx.names.blob(f"{node.outputs[0]}/{inner}{axis}")]
        x = ctx.layer(node, "Tile", TileParams(axis=axis, tiles=repeats[axis]), [x],
                      tops=tops, outputs=None if not last else (node.outputs[0],),
                      suffix="" if last else f"/{inner}{axis}").outputs[0]
    return x


@IMPORTERS.register("Identity", "Dropout")
def convert_identity(ctx: Context, node: OnnxNode) -> None:
    if node.op_type == "Dropout":
        training = node.input(2)
        if training and bool(np.asarray(ctx.constant(node, 2, "training_mode")).reshape(-1)[0]):
            raise Refused("it drops at random (training_mode true)")
        if len(node.outputs) > 1 and node.outputs[1] and ctx.uses.get(node.outputs[1], 0):
            raise Refused("its mask output is read")
    ctx.alias(node.outputs[0], ctx.peek(node.inputs[0]))


@IMPORTERS.register("Cast")
def convert_cast(ctx: Context, node: OnnxNode) -> None:
    if int(node.attr("to", 0)) not in (1, 11):
        raise Refused(f"it casts to element type {node.attr('to')}; Caffe blobs are float32")
    ctx.alias(node.outputs[0], ctx.peek(node.inputs[0]))
