"""Ops that commute with a transpose, imported on the value before it.

A Transpose that would be written as BVLC copies (``transpose``) is left pending
(``context.Permuted``: the value ``base`` and the permutation ``perm``, axis i of the ONNX
value being axis ``perm[i]`` of ``base``). A node reading it that commutes with the
permutation is imported on ``base`` instead, its output pending the same permutation, so a
model that goes channels-last and back (ConvNeXt's blocks and its LayerNorm2d: Transpose
(0, 2, 3, 1), LayerNorm, Linear, GELU, Linear, Transpose (0, 3, 1, 2)) writes no transpose
at all, and computes the same:

    elementwise ops (Relu, Sigmoid, Erf, Gelu, Clip, ...; Add, Mul, Pow, Max, ... of values
      transposed alike, and of constants; PRelu whose slope is then per channel)
                      the same op on the bases, each constant transposed back (aligned to
                      the rank, then permuted by the inverse of ``perm``)
    ReduceMean, ReduceMax, ReduceSum, ...; Softmax and LogSoftmax (opset 13 on)
                      the same op over the base's axes ``perm[a]`` (without keepdims, the
                      axes left keep their order: often none is transposed any more)
    MatMul by a constant (K, N) over the last axis
                      the base's last axis there too: the same (an InnerProduct); the base's
                      channel axis 1 there: a Conv of kernel 1, weight W^T, imported as Conv
                      is (ConvNeXt's Linear layers as the 1x1 convolutions they are)
    LayerNormalization over axes [k, r)
                      the base's axes ``perm[k:]`` trailing, in order: the same; one other
                      run of axes (ConvNeXt's channels): the same steps (``norm.normalize``)
                      over that run, Scale and B transposed back
    Concat, Split, Slice, Pad, Resize
                      the same along the base's axis ``perm[a]`` (the values concatenated
                      all transposed alike, or constants; pads, scales, sizes and roi moved
                      to the base's axes); a zero pad stays pending, so the convolution
                      after the transpose back folds it
    Reshape, Flatten, Squeeze, Unsqueeze
                      where it splits or merges only axes the base holds side by side in
                      the same order (attention's heads split from the channels, merged
                      back): the base reshaped likewise, the output the same transpose of
                      it (``view_through``); one that merges them in another order
                      (Keras's Flatten of channels-last), read by a MatMul or Gemm by a
                      constant: the InnerProduct on the base viewed likewise, its weight's
                      rows reordered (``Shuffled``)
    Gather of constant indices
                      the same along the base's axis ``perm[a]``; one index drops it (the
                      axes left renumbered, as a reduction's)
    Transpose         composed (``transpose``): the base itself where the two cancel
Any other reader, and a node writing a graph output, reads the transpose written out
(``Context.value``).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from math import prod
from typing import Any

import numpy as np

from ...ir import Value
from ...ops.norm import ScaleParams
from .activation import f32
from .context import Context, Padded, Permuted, Shuffled, View
from .model import OnnxNode
from .norm import normalize
from .reduce import REDUCTION, axes_are_input, reduce_step
from .registry import IMPORTERS
from .shape import VIEW_TARGETS
from .steps import constant, step

__all__ = ["through", "ELEMENTWISE"]

#: ops applied element by element, whose constant operands broadcast
ELEMENTWISE = frozenset({
    "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Abs", "Elu", "Softplus", "Exp", "Log", "Sqrt",
    "Reciprocal", "Neg", "HardSigmoid", "HardSwish", "Selu", "Celu", "Erf", "Gelu", "Clip",
    "Add", "Sub", "Mul", "Div", "Pow", "Sum", "Mean", "Max", "Min"})


def through(ctx: Context, node: OnnxNode) -> bool:
    """Imports ``node`` on the bases of its pending transposes where it commutes with them
    (module docstring); False, having written nothing, where it does not."""
    shuffled = [name for name in node.inputs if isinstance(ctx.pending.get(name), Shuffled)]
    if shuffled and _reads_shuffled(ctx, node):
        return True
    for name in shuffled:  # any other reader reads the transpose and the reshape written
        ctx.unshuffle(name)
    permuted = {}
    for name in node.inputs:
        meaning = ctx.pending.get(name) if name else None
        if isinstance(meaning, Permuted):
            permuted[name] = meaning
    handler = _HANDLERS.get(node.op_type)
    perms = {m.perm for m in permuted.values()}
    if handler is None or len(perms) != 1:
        return False
    perm = perms.pop()
    if any(o in ctx.outputs for o in node.outputs) and _reduced_perm(ctx, node, perm) != ():
        return False  # a graph output stays in its layout, unless it is so already
    if any(name and name not in permuted and ctx.const(name) is None for name in node.inputs):
        return False  # a value in the transposed layout beside them
    origin = next(iter(permuted.values())).transpose
    for name, meaning in permuted.items():  # the bases stand for the inputs meanwhile
        del ctx.pending[name]
        ctx.alias(name, meaning.base)
    try:
        done = handler(ctx, node, perm)
    finally:
        for name, meaning in permuted.items():
            ctx.values.pop(name, None)
            ctx.pending[name] = meaning
    if done is False:
        return False
    out_perm = done if isinstance(done, tuple) else perm  # a reduction drops axes
    if out_perm == tuple(range(len(out_perm))):
        return True  # the outputs are in the ONNX layout already
    for name in node.outputs:
        if name and ctx.known(name):
            result = ctx.peek(name)
            base = result if isinstance(result, (View, Padded)) else ctx.value(name)
            ctx.values.pop(name, None)
            ctx.pending[name] = Permuted(base, out_perm, node, origin)
    return True


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argsort(perm))


def _aligned(array: np.ndarray, rank: int) -> np.ndarray:
    """``array`` right-aligned to ``rank`` axes, as ONNX broadcasts it."""
    return array.reshape((1,) * (rank - array.ndim) + array.shape)


def _base_axes(perm: tuple[int, ...], axes: Any) -> list[int]:
    """The base's axes of ONNX axes ``axes`` (negative ones counted from the end)."""
    return [perm[int(a) % len(perm)] for a in axes]


def _per_base_axis(values: list[Any], perm: tuple[int, ...]) -> list[Any]:
    """One value per ONNX axis (a scale, a pad) as one per base axis: axis i's goes to
    axis ``perm[i]``."""
    return [values[perm.index(a)] for a in range(len(perm))]


def _unpermuted(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> tuple[str, ...] | None:
    """The node's inputs with each constant tensor transposed back (right-aligned to the
    rank first); numbers as they are; None for a constant of a higher rank."""
    rank = len(perm)
    inputs = []
    for i, name in enumerate(node.inputs):
        array = ctx.const(name)
        if array is None:  # a base, or an omitted input
            inputs.append(name)
        elif array.size == 1 and array.ndim <= rank:
            inputs.append(name)  # a number: the same in any layout
        elif array.ndim > rank:
            return None
        else:
            inputs.append(constant(ctx, node, f"input{i}_unpermuted",
                                   _aligned(array, rank).transpose(_inverse(perm)),
                                   array.dtype))
    return tuple(inputs)


def _elementwise(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    inputs = _unpermuted(ctx, node, perm)
    if inputs is None:
        return False
    IMPORTERS[node.op_type](ctx, replace(node, inputs=inputs))
    return True


def _prelu(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    """PRelu whose slope, transposed back, is one per channel of the base or one for all
    (a Keras PReLU's (1, 1, C) over channels-last); else it reads the moves."""
    inputs = _unpermuted(ctx, node, perm)
    slope = ctx.const(inputs[1]) if inputs is not None else None
    if inputs is None or slope is None or slope.ndim > len(perm):
        return False
    if any(d != 1 for axis, d in enumerate(_aligned(slope, len(perm)).shape) if axis != 1):
        return False
    IMPORTERS["PRelu"](ctx, replace(node, inputs=inputs))
    return True


def _padded_axes(pads: list[int]) -> list[int]:
    """The axes ``pads`` (every begin, then every end) pads."""
    rank = len(pads) // 2
    return [a for a in range(rank) if pads[a] or pads[rank + a]]


def _moved_pads(pads: list[Any], perm: tuple[int, ...]) -> list[Any]:
    """ONNX's pads (every axis's begin, then every end) of the transposed value, as the
    base's."""
    rank = len(perm)
    return _per_base_axis(pads[:rank], perm) + _per_base_axis(pads[rank:], perm)


def _only_hw(perm: tuple[int, ...], axes: Any) -> bool:
    """Whether ONNX axes ``axes`` are H and W of the (N, C, H, W) base, the only axes Caffe
    pads and resizes (a pad of a channels-first view of a channels-last input is not: it
    reads the moves)."""
    return len(perm) == 4 and all(a in (2, 3) for a in _base_axes(perm, axes))


def _pad(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    """Pad with its pads moved to the base's axes (a zero pad stays pending, so that the
    convolution after the transpose back folds it), where they fall on its H and W."""
    rank = len(perm)
    if ctx.opset < 11:
        pads = [int(p) for p in node.attr("pads") or ()]
        if len(pads) != 2 * rank or not _only_hw(perm, _padded_axes(pads)):
            return False
        IMPORTERS["Pad"](ctx, replace(node, attrs={**node.attrs,
                                                   "pads": _moved_pads(pads, perm)}))
        return True
    inputs = list(node.inputs)
    if node.input(3):  # the axes it pads, given: moved
        given = ctx.const(node.input(3))
        axes = np.asarray(given).reshape(-1) if given is not None else None
        if axes is None or not _only_hw(perm, axes):
            return False
        inputs[3] = constant(ctx, node, "axes_unpermuted", _base_axes(perm, axes), np.int64)
    else:
        given = ctx.const(node.input(1))
        pads = [int(p) for p in np.asarray(given).reshape(-1)] if given is not None else []
        if len(pads) != 2 * rank or not _only_hw(perm, _padded_axes(pads)):
            return False
        inputs[1] = constant(ctx, node, "pads_unpermuted", _moved_pads(pads, perm), np.int64)
    IMPORTERS["Pad"](ctx, replace(node, inputs=tuple(inputs)))
    return True


def _resized_axes(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> list[int]:
    """The ONNX axes a Resize or Upsample changes (by a scale other than 1 or a size other
    than the input's); every axis where it cannot tell. (Its input is the base meanwhile:
    the ONNX shape is the base's permuted.)"""
    rank = len(perm)
    base = ctx.shape(node.inputs[0])
    shape = [base[p] for p in perm]
    axes = [int(a) % rank for a in node.attr("axes")] if node.attr("axes") is not None \
        else list(range(rank))
    for i in (3, 2, 1):  # sizes, then scales (roi ignored)
        given = ctx.const(node.input(i)) if node.input(i) else None
        if i == 1 and not (node.op_type == "Upsample" or ctx.opset < 11):
            continue  # Resize's input 1 is roi from opset 11
        if given is not None and given.size == len(axes):
            values = np.asarray(given, np.float64).reshape(-1)
            if i == 3:
                return [a for a, v in zip(axes, values) if int(v) != shape[a]]
            return [a for a, v in zip(axes, values) if v != 1.0]
    if node.attr("scales") is not None:
        return [a for a, v in zip(axes, node.attr("scales")) if float(v) != 1.0]
    return list(range(rank))


def _resize(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    """Resize and Upsample with their scales, sizes (one per axis) and roi (every axis's
    start, then every end) moved to the base's axes, or their ``axes`` mapped (a
    tf2onnx upsampling of a channels-last value)."""
    rank = len(perm)
    if not _only_hw(perm, _resized_axes(ctx, node, perm)):
        return False
    if node.attr("axes") is not None:
        IMPORTERS[node.op_type](ctx, replace(node, attrs={
            **node.attrs, "axes": _base_axes(perm, node.attr("axes"))}))
        return True
    attrs = dict(node.attrs)
    if node.attr("scales") is not None:  # Upsample before opset 9
        attrs["scales"] = _per_base_axis([float(v) for v in node.attr("scales")], perm)
    inputs = list(node.inputs)
    for i in range(1, len(inputs)):
        given = ctx.const(inputs[i]) if inputs[i] else None
        if inputs[i] and given is None:
            return False  # computed at run time: the importer refuses it as it is
        if given is None or given.size == 0:
            continue
        values = np.asarray(given).reshape(-1).tolist()
        if len(values) == rank:
            moved = _per_base_axis(values, perm)
        elif len(values) == 2 * rank:
            moved = _moved_pads(values, perm)
        else:
            return False
        inputs[i] = constant(ctx, node, f"input{i}_unpermuted", moved, given.dtype)
    IMPORTERS[node.op_type](ctx, replace(node, inputs=tuple(inputs), attrs=attrs))
    return True


def _axis(node: OnnxNode, perm: tuple[int, ...], default: int) -> int:
    return _base_axes(perm, [node.attr("axis", default)])[0]


def _concat(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    inputs = _unpermuted(ctx, node, perm)
    if inputs is None:
        return False
    IMPORTERS["Concat"](ctx, replace(node, inputs=inputs,
                                     attrs={**node.attrs, "axis": _axis(node, perm, 1)}))
    return True


def _split(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    IMPORTERS["Split"](ctx, replace(node, attrs={**node.attrs, "axis": _axis(node, perm, 0)}))
    return True


def _slice(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    if ctx.opset < 10:
        axes = node.attr("axes") or list(range(len(node.attr("starts"))))
        IMPORTERS["Slice"](ctx, replace(node, attrs={**node.attrs,
                                                     "axes": _base_axes(perm, axes)}))
        return True
    starts = ctx.const(node.input(1))
    given = ctx.const(node.input(3)) if node.input(3) else None
    if starts is None or (node.input(3) and given is None):
        return False  # bounds computed at run time: the importer refuses it as it is
    axes = np.asarray(given).reshape(-1) if given is not None else np.arange(starts.size)
    inputs = list(node.inputs) + [""] * (5 - len(node.inputs))
    inputs[3] = constant(ctx, node, "axes_unpermuted", _base_axes(perm, axes), np.int64)
    IMPORTERS["Slice"](ctx, replace(node, inputs=tuple(inputs[:5])))
    return True


def _reduced_axes(ctx: Context, node: OnnxNode, rank: int) -> set[int] | None:
    """The axes a reduction reduces (every one where it names none); None where they are
    computed at run time."""
    by_input = axes_are_input(node.op_type, ctx.opset)
    raw = ctx.const(node.input(1)) if by_input else node.attr("axes")
    if by_input and node.input(1) and raw is None:
        return None
    if raw is None or not len(raw):
        return set(range(rank))
    return {int(a) % rank for a in np.asarray(raw).reshape(-1)}


def _reduced_perm(ctx: Context, node: OnnxNode, perm: tuple[int, ...]
                  ) -> tuple[int, ...] | None:
    """How a reduction without keepdims leaves its output transposed: the axes left,
    renumbered (ONNX axis i, not reduced, is the base's ``perm[i]``); () where none of them
    is out of order; None for another node."""
    if node.op_type not in _REDUCTIONS or int(node.attr("keepdims", 1)):
        return None
    reduced = _reduced_axes(ctx, node, len(perm))
    if reduced is None:
        return None
    return _renumbered([perm[i] for i in range(len(perm)) if i not in reduced])


def _renumbered(left: list[int]) -> tuple[int, ...]:
    """The permutation of the base's axes ``left`` (the others dropped), renumbered 0, 1,
    ...; () where they are in order."""
    order = tuple(sorted(left).index(b) for b in left)
    return () if order == tuple(range(len(order))) else order


def _reduce(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool | tuple[int, ...]:
    rank, op = len(perm), node.op_type
    keep = bool(int(node.attr("keepdims", 1)))
    reduced = _reduced_axes(ctx, node, rank)
    if reduced is None:
        return False
    if reduced == set(range(rank)) and not (node.input(1) or node.attr("axes")):
        IMPORTERS[op](ctx, node)  # every axis: the same reduction
        return True if keep else ()
    axes = sorted(perm[a] for a in reduced)
    if axes != list(range(axes[0], axes[-1] + 1)):
        return False  # not one run of the base's axes: no Caffe reduction of it
    if axes[-1] != rank - 1 and op not in ("ReduceMean", "ReduceMax", "ReduceSum"):
        return False
    reduce_step(ctx, node, op, node.inputs[0], axes, "reduced", keepdims=keep,
                output=node.outputs[0])
    return True if keep else _reduced_perm(ctx, node, perm) or ()


def _softmax(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    if ctx.opset < 13:
        return False  # the flattened form: over every axis from ``axis`` on
    IMPORTERS[node.op_type](ctx, replace(node, attrs={**node.attrs,
                                                      "axis": _axis(node, perm, -1)}))
    return True


def _matmul(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    weight = ctx.const(node.input(1))
    rank = len(perm)
    if weight is None or weight.ndim != 2:
        return False
    if perm[-1] == rank - 1:  # the base's last axis: the same InnerProduct
        IMPORTERS["MatMul"](ctx, node)
        return True
    k, n = (int(d) for d in weight.shape)
    if perm[-1] != 1 or rank < 3 or ctx.shape(node.inputs[0])[1] != k:
        return False
    kernel = [1] * (rank - 2)
    filters = np.ascontiguousarray(np.asarray(weight, np.float32).T).reshape((n, k, *kernel))
    step(ctx, node, "Conv", (node.inputs[0], constant(ctx, node, "filters", filters)), "conv",
         output=node.outputs[0], attrs={"kernel_shape": kernel})
    return True


def _layer_norm(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool:
    if any(ctx.uses.get(o, 0) for o in node.outputs[1:] if o):
        return False  # its statistics are read
    rank = len(perm)
    axis = int(node.attr("axis", -1)) % rank
    normalized = list(perm[axis:])
    if normalized == list(range(rank - len(normalized), rank)):
        IMPORTERS["LayerNormalization"](ctx, replace(node, attrs={
            **node.attrs, "axis": rank - len(normalized)}))
        return True
    axes = sorted(normalized)
    if axes != list(range(axes[0], axes[-1] + 1)):
        return False
    shape = ctx.shape(node.inputs[0])  # the base's

    def over_axes(i: int, what: str) -> np.ndarray:
        """Scale or B (right-aligned to the normalized axes) over the base's axes."""
        given = node.input(i)
        array = np.asarray(ctx.constant(node, i, what) if given else 0.0, np.float32)
        moved = _aligned(array, rank).transpose(_inverse(perm))
        picked = moved[tuple(slice(None) if a in axes else 0 for a in range(rank))]
        return np.ascontiguousarray(np.broadcast_to(picked, [shape[a] for a in axes]))

    normalize(ctx, node, node.inputs[0], axes, f32(node.attr("epsilon", 1e-5)),
              (ScaleParams(axis=axes[0], num_axes=len(axes), bias_term=True),
               over_axes(1, "Scale"), over_axes(2, "B")))
    return True


def _view(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool | tuple[int, ...]:
    """A reshape that splits or merges only axes the base holds together, in order: the
    base reshaped likewise, its output the same transpose of that."""
    base = ctx.shape(node.inputs[0])
    target = VIEW_TARGETS[node.op_type](ctx, node, tuple(base[p] for p in perm))
    moved = view_through(base, perm, target)
    if moved is None:
        return _shuffle(ctx, node, perm, target)
    shape, out_perm = moved
    ctx.view(node, node.outputs[0], node.inputs[0], shape)
    return out_perm


def view_through(base: Sequence[int], perm: Sequence[int], target: Sequence[int]
                 ) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The base's shape and the permutation that make ``target`` (a reshape of ``base``
    transposed by ``perm``) a transpose of a reshape of ``base``; None where the reshape
    merges axes the base does not hold side by side in the same order. The input's axes
    (those not of 1) and the target's fall into groups of equal product, in order; each
    group of input axes is one run of the base's (axes of 1 between them aside), which the
    base splits into the group's target axes; the target's axes of 1 go first."""
    shape = [base[p] for p in perm]
    inner = [i for i, d in enumerate(shape) if d != 1]
    outer = [j for j, d in enumerate(target) if d != 1]
    groups: list[tuple[list[int], list[int]]] = []
    a = b = 0
    while a < len(inner):
        have, want = [inner[a]], []
        count, made = shape[inner[a]], 1
        a += 1
        while made != count:
            if made < count and b < len(outer):
                want.append(outer[b])
                made *= target[outer[b]]
                b += 1
            elif made > count and a < len(inner):
                have.append(inner[a])
                count *= shape[inner[a]]
                a += 1
            else:
                return None
        groups.append((have, want))
    if b != len(outer):
        return None
    first: dict[int, list[int]] = {}  # the base axis each group starts at: its target axes
    for have, want in groups:
        axes = [perm[i] for i in have]
        if axes != sorted(axes) or any(base[x] != 1 for x in range(axes[0], axes[-1] + 1)
                                       if x not in axes):
            return None
        first[axes[0]] = want
    order = [j for j, d in enumerate(target) if d == 1]
    for axis in range(len(base)):
        order += first.get(axis, [])
    return tuple(target[j] for j in order), tuple(order.index(j) for j in range(len(target)))


def _shuffle(ctx: Context, node: OnnxNode, perm: tuple[int, ...], target: Sequence[int]
             ) -> bool | tuple[int, ...]:
    """A reshape that merges the trailing axes from ``a`` on of a transpose that keeps the
    axes before ``a`` in place (Keras's Flatten of (N, H, W, C) from (N, C, H, W)): the base
    viewed to ``target``, its last axis's elements left pending in the transpose's order
    (``Shuffled``), for an InnerProduct to read with its weight's rows reordered."""
    a = len(target) - 1
    base = ctx.shape(node.inputs[0])
    shape = [base[p] for p in perm]
    if a < 1 or perm[:a] != tuple(range(a)) or list(target[:a]) != shape[:a] \
            or int(target[a]) != prod(shape[a:]):
        return False
    order = np.arange(prod(base[a:]), dtype=np.int64).reshape(base[a:])
    order = order.transpose([p - a for p in perm[a:]]).reshape(-1)
    flat = f"{node.outputs[0]}/unshuffled"
    ctx.view(node, flat, node.inputs[0], target)
    meaning = ctx.peek(flat)
    ctx.pending.pop(flat, None)
    ctx.values.pop(flat, None)
    assert isinstance(meaning, (Value, View))
    ctx.pending[node.outputs[0]] = Shuffled(meaning, order, node)
    return tuple(range(len(target)))


def _reads_shuffled(ctx: Context, node: OnnxNode) -> bool:
    """A MatMul by a constant (K, N), or a Gemm by a constant B, of a pending shuffle
    (``_shuffle``): the same InnerProduct on the value unshuffled, B's rows (of K) in the
    shuffle's order: x[order] . w = x . w' where w'[order] = w. False, having written
    nothing, for any other reader."""
    name = node.inputs[0]
    meaning = ctx.pending.get(name)
    weight = ctx.const(node.input(1))
    if not isinstance(meaning, Shuffled) or weight is None or weight.ndim != 2:
        return False
    if node.op_type == "MatMul":
        rows_axis = 0
    elif node.op_type == "Gemm" and not int(node.attr("transA", 0)):
        rows_axis = 1 if int(node.attr("transB", 0)) else 0
    else:
        return False
    if weight.shape[rows_axis] != meaning.order.size:
        return False
    moved = np.empty_like(weight)
    index: list[Any] = [slice(None), slice(None)]
    index[rows_axis] = meaning.order
    moved[tuple(index)] = weight
    inputs = (name, constant(ctx, node, "weight_unshuffled", moved, weight.dtype),
              *node.inputs[2:])
    del ctx.pending[name]
    ctx.alias(name, meaning.flat)
    try:
        IMPORTERS[node.op_type](ctx, replace(node, inputs=inputs))
    finally:
        ctx.values.pop(name, None)
        ctx.pending[name] = meaning
    return True


def _gather(ctx: Context, node: OnnxNode, perm: tuple[int, ...]) -> bool | tuple[int, ...]:
    """Gather of constant indices along the base's axis ``perm[a]``: one index (the axis
    dropped, the others renumbered) or a list of them."""
    indices = ctx.const(node.input(1))
    if indices is None or indices.ndim > 1:
        return False
    axis = _axis(node, perm, 0)
    IMPORTERS["Gather"](ctx, replace(node, attrs={**node.attrs, "axis": axis}))
    if indices.ndim == 1:
        return True
    return _renumbered([p for p in perm if p != axis])


#: each returns False (not imported), True (its outputs transposed as its inputs were) or the
#: permutation of its outputs (a reduction that drops axes)
_REDUCTIONS = (*REDUCTION, "ReduceMax")
_HANDLERS: dict[str, Callable[[Context, OnnxNode, tuple[int, ...]],
                              bool | tuple[int, ...]]] = {
    **{op: _elementwise for op in ELEMENTWISE},
    **{op: _reduce for op in _REDUCTIONS},
    "Softmax": _softmax, "LogSoftmax": _softmax,
    "MatMul": _matmul,
    "LayerNormalization": _layer_norm,
    "Concat": _concat, "Split": _split, "Slice": _slice, "PRelu": _prelu, "Pad": _pad,
    "Resize": _resize, "Upsample": _resize,
    **{op: _view for op in VIEW_TARGETS}, "Gather": _gather,
}
