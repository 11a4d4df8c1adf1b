"""Transpose, DepthToSpace and SpaceToDepth as BVLC copies: Slice, Reshape and Concat.

BVLC Caffe has no transpose layer, but it moves one axis with three it has. To move axis a
(of n elements) to position b: a Slice of axis a into its n elements, a Reshape of each
piece that takes the axis of 1 out at a and puts it in at b (the elements keep their order,
so it is a view), and a Concat of the n pieces along axis b. Every output element is a copy
of one input element, so the result is exact for every input, inf and NaN included, in
Caffe as in the backends.

A permutation is a few such moves. The axes it keeps in place are a subsequence of the
input's axes that stays in order in the output; every other axis is moved, once, next to the
placed axes it belongs beside. The axes kept are those whose sizes sum to the most (so the
moves slice into the fewest pieces), the batch axis among them where the permutation allows;
axes of 1 are left out first and put back by the final view. No moved axis may have more than
``MAX_MOVED_AXIS`` elements: a Slice into more pieces than that is refused, naming the fork
layer that permutes in one step (``--fork ssd``: SSD's Permute).

    Transpose(perm)          the moves; a view where it moves only axes of 1; with
                             ``--fork shufflenet``, a channel shuffle (Reshape to
                             (N, g, C/g, H, W), Transpose (0, 2, 1, 3, 4)) is ShuffleChannel
                             (group g); with ``--fork ssd``, SSD's Permute
    DepthToSpace(b, mode)    (N, C b^2, H, W) viewed as (N, b, b, C, H, W) (DCR, the default)
                             or (N, C, b, b, H, W) (CRD, torch's ``pixel_shuffle``),
                             transposed to (N, C, H, b, W, b), viewed as (N, C, H b, W b):
                             ONNX's definition, as moves
    SpaceToDepth(b)          (N, C, H, W) viewed as (N, C, H/b, b, W/b, b), transposed to
                             (N, b, b, C, H/b, W/b), viewed as (N, C b^2, H/b, W/b); torch's
                             ``pixel_unshuffle`` exports its CRD form as Reshape, Transpose,
                             Reshape, which the Transpose above reads
With ``--fork ssd`` every permutation is one Permute. With ``--fork yolo`` DepthToSpace DCR
is the YOLO ports' Reorg with ``reverse: true``, and SpaceToDepth their Reorg (which reads
its bottom's memory as (N, C/b^2, H b, W b): here x's memory viewed as (N, C b^2, H/b,
W/b), the top viewed back) where H/b and W/b are multiples of b, as the fork requires.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations
from typing import Any

from ...ir import Value
from ...ops.channels import ReorgParams, ShuffleChannelParams
from ...ops.concat import ConcatParams, SliceParams
from ...ops.ssd import PermuteParams
from .context import Context, Permuted, View
from .fork_layers import fork_allows
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_transpose", "convert_depth_to_space", "convert_space_to_depth",
           "plan_moves", "write_permuted", "MAX_MOVED_AXIS"]

#: Most elements of an axis a transpose moves (each is a Slice top and a Concat bottom).
MAX_MOVED_AXIS = 64
_MAX_AXES = 12  # of more than 1 element: the plan tries every run of them


def plan_moves(shape: Sequence[int], perm: Sequence[int]) -> list[tuple[int, int]] | None:
    """The moves that transpose ``shape`` by ``perm``: (axis, position) pairs in the order
    to make them, each the axis's index in the blob as it is before that move and where it
    goes. None when no plan moves only axes of at most ``MAX_MOVED_AXIS`` elements. Axes of
    1 must be left out by the caller."""
    rank = len(shape)
    target = {axis: i for i, axis in enumerate(perm)}
    best: tuple[int, ...] | None = None
    best_weight = -1
    for size in range(rank, 0, -1):
        for kept in combinations(range(rank), size):
            if any(target[a] > target[b] for a, b in zip(kept, kept[1:])):
                continue
            if any(shape[a] > MAX_MOVED_AXIS for a in range(rank) if a not in kept):
                continue
            # the batch axis weighs more than any other: kept wherever that is possible
            weight = sum(shape[a] for a in kept) + (1 << 62 if 0 in kept else 0)
            if weight > best_weight:
                best, best_weight = kept, weight
    if best is None:
        return None
    order = list(range(rank))
    placed = set(best)
    moves = []
    for axis in sorted(set(range(rank)) - placed, key=target.__getitem__):
        index = order.index(axis)
        order.pop(index)
        before = [a for a in placed if target[a] < target[axis]]
        position = order.index(max(before, key=target.__getitem__)) + 1 if before else 0
        moves.append((index, position))
        order.insert(position, axis)
        placed.add(axis)
    return moves


def _transpose(ctx: Context, node: OnnxNode, source: str, perm: Sequence[int],
               output: str) -> None:
    """``output`` is ``source`` transposed by ``perm``, as moves (module docstring)."""
    shape = tuple(ctx.shape(source))
    out_shape = [shape[p] for p in perm]
    moved = [p for p in perm if shape[p] != 1]
    if moved == sorted(moved):
        ctx.view(node, output, source, out_shape)
        return
    if fork_allows("Permute", ctx.fork):
        ctx.layer(node, "Permute", PermuteParams(order=tuple(perm)), [ctx.value(source)],
                  outputs=(output,))
        return
    axes = [a for a in range(len(shape)) if shape[a] != 1 or a == 0]
    if len(axes) > _MAX_AXES:
        raise Refused(f"it permutes {len(axes)} axes; imported are up to {_MAX_AXES}")
    small = [shape[a] for a in axes]
    small_perm = [axes.index(p) for p in perm if p in axes]
    moves = plan_moves(small, small_perm)
    if moves is None:
        permute = ("; --fork ssd writes it as the fork layer Permute" if ctx.fork is None
                   else "")
        raise Refused(f"it permutes axes {list(perm)} of {list(shape)}: as BVLC copies "
                      f"(Slice, Reshape, Concat) it would slice an axis of more than "
                      f"{MAX_MOVED_AXIS} elements (MAX_MOVED_AXIS){permute}")
    base = node.name or node.outputs[0]
    meaning = ctx.peek(source)
    x = meaning.base if isinstance(meaning, View) else ctx.value(source)
    if tuple(x.shape or ()) != tuple(small):
        x = ctx.reshape(node, x, small, tops=[ctx.names.blob(f"{base}/axes")], suffix="/axes")
    current = list(small)
    for step, (axis, position) in enumerate(moves):
        n = current[axis]
        label = f"{base}/move{step}"
        rest = current[:axis] + current[axis + 1:]
        current = rest[:position] + [n] + rest[position:]
        # the last layer writes the output itself where no view of it is left to make
        last = step == len(moves) - 1 and current == out_shape
        piece_shape = rest[:position] + [1] + rest[position:]
        # named after the node where it writes the node's output, else after the move
        suffix = "" if last and output == node.outputs[0] else f"/move{step}"
        named: dict[str, Any] = {"outputs": (output,), "suffix": suffix} if last else {
            "tops": [ctx.names.blob(label)], "suffix": suffix}
        if n == 1:  # the batch axis of 1, moved: a Reshape alone
            x = ctx.reshape(node, x, piece_shape, **named)
            continue
        cut = ctx.layer(node, "Slice", SliceParams(axis=axis, slice_point=tuple(range(1, n)),
                                                   num_tops=n), [x],
                        tops=[ctx.names.blob(f"{label}_{i}") for i in range(n)],
                        suffix=f"/move{step}_slice")
        views = [ctx.reshape(node, piece, piece_shape,
                             tops=[ctx.names.blob(f"{label}_{i}/moved")],
                             suffix=f"/move{step}_{i}")
                 for i, piece in enumerate(cut.outputs)]
        x = ctx.layer(node, "Concat", ConcatParams(axis=position), views, **named).outputs[0]
    if not last:
        ctx.values[f"{output}/moved"] = x
        ctx.view(node, output, f"{output}/moved", out_shape)


@IMPORTERS.register("Transpose")
def convert_transpose(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    perm = [int(p) for p in node.attr("perm") or reversed(range(len(shape)))]
    if sorted(perm) != list(range(len(shape))):
        raise Refused(f"its perm {perm} is not a permutation of {len(shape)} axes")
    moved = [p for p in perm if shape[p] != 1]
    if len(shape) == 5 and perm == [0, 2, 1, 3, 4] and moved != sorted(moved) and \
            fork_allows("ShuffleChannel", ctx.fork) and _shuffle_channel(ctx, node, shape):
        return
    source = ctx.peek(node.inputs[0])
    if isinstance(source, Permuted):  # a transpose of a transpose: one permutation of the base
        base, perm = source.base, [source.perm[p] for p in perm]
        if perm == sorted(perm):  # they cancel: the base itself (a pad stays foldable)
            ctx.alias(node.outputs[0], base)
            return
    elif isinstance(source, (Value, View)):
        base = source
    else:  # a pad: written now
        _transpose(ctx, node, node.inputs[0], perm, node.outputs[0])
        return
    shape = tuple(base.shape or ())
    moved = [p for p in perm if shape[p] != 1]
    if moved == sorted(moved):  # the base's elements in their order: a view, or the base
        unpermuted = f"{node.outputs[0]}/unpermuted"
        ctx.alias(unpermuted, base)
        ctx.view(node, node.outputs[0], unpermuted, [shape[p] for p in perm])
        return
    ctx.pending[node.outputs[0]] = Permuted(base, tuple(perm), node)


def write_permuted(ctx: Context, name: str, permuted: Permuted) -> Value:
    """The layers of a pending transpose (``Permuted``), when a node reads it that does not
    commute with it: the moves, or the fork layer that permutes."""
    source = f"{name}/unpermuted"
    ctx.alias(source, permuted.base)
    ctx.pending.pop(name, None)
    mover = permuted.node
    if mover.op_type != "Transpose":  # the output of a node computed before the transpose
        mover = replace(mover, name=f"{mover.name or name}/transposed", outputs=(name,))
    try:
        _transpose(ctx, mover, source, permuted.perm, name)
    except Refused as error:
        ctx.pending[name] = permuted
        raise Refused(error.why, node=permuted.transpose) from None
    return ctx.value(name)


def _shuffle_channel(ctx: Context, node: OnnxNode, shape: Sequence[int]) -> bool:
    """A channel shuffle of an (N, C, H, W) blob as the fork layer ShuffleChannel."""
    source = ctx.peek(node.inputs[0])
    n, g, per, h, w = shape
    if not isinstance(source, View) or tuple(source.base.shape or ()) != (n, g * per, h, w):
        return False
    shuffled = f"{node.outputs[0]}/shuffled"  # (N, C, H, W), read as (N, C/g, g, H, W)
    ctx.layer(node, "ShuffleChannel", ShuffleChannelParams(group=g), [source.base],
              outputs=(shuffled,))
    ctx.view(node, node.outputs[0], shuffled, [n, per, g, h, w])
    return True


def _blocksize(node: OnnxNode) -> int:
    size = int(node.attr("blocksize", 0))
    if size < 1:
        raise Refused(f"its blocksize {size} is not positive")
    return size


@IMPORTERS.register("DepthToSpace")
def convert_depth_to_space(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    b = _blocksize(node)
    mode = node.attr("mode", "DCR")
    if len(shape) != 4 or shape[1] % (b * b):
        raise Refused(f"it moves blocks of {b} x {b} out of {list(shape)}; expected an "
                      f"(N, C, H, W) input with C a multiple of {b * b}")
    if mode not in ("DCR", "CRD"):
        raise Refused(f"its mode {mode!r} is not DCR or CRD")
    n, cb, h, w = shape
    c = cb // (b * b)
    if mode == "DCR" and fork_allows("Reorg", ctx.fork):
        ctx.layer(node, "Reorg", ReorgParams(stride=b, reverse=True),
                  [ctx.value(node.inputs[0])])
        return
    blocks = f"{node.outputs[0]}/blocks"
    if mode == "DCR":
        ctx.view(node, blocks, node.inputs[0], (n, b, b, c, h, w))
        perm = (0, 3, 4, 1, 5, 2)
    else:
        ctx.view(node, blocks, node.inputs[0], (n, c, b, b, h, w))
        perm = (0, 1, 4, 2, 5, 3)
    _transpose(ctx, node, blocks, perm, f"{node.outputs[0]}/spread")
    ctx.view(node, node.outputs[0], f"{node.outputs[0]}/spread", (n, c, h * b, w * b))


@IMPORTERS.register("SpaceToDepth")
def convert_space_to_depth(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    b = _blocksize(node)
    if len(shape) != 4 or shape[2] % b or shape[3] % b:
        raise Refused(f"it moves blocks of {b} x {b} of {list(shape)} into channels; "
                      f"expected an (N, C, H, W) input with H and W multiples of {b}")
    n, c, h, w = shape
    if fork_allows("Reorg", ctx.fork) and not (h // b) % b and not (w // b) % b:
        folded, reorg = f"{node.outputs[0]}/folded", f"{node.outputs[0]}/reorg"
        ctx.view(node, folded, node.inputs[0], (n, c * b * b, h // b, w // b))
        ctx.layer(node, "Reorg", ReorgParams(stride=b), [ctx.value(folded)], outputs=(reorg,))
        ctx.view(node, node.outputs[0], reorg, (n, c * b * b, h // b, w // b))
        return
    blocks = f"{node.outputs[0]}/blocks"
    ctx.view(node, blocks, node.inputs[0], (n, c, h // b, b, w // b, b))
    _transpose(ctx, node, blocks, (0, 3, 5, 1, 2, 4), f"{node.outputs[0]}/gathered")
    ctx.view(node, node.outputs[0], f"{node.outputs[0]}/gathered",
             (n, c * b * b, h // b, w // b))
