"""Gemm and MatMul (+ Add): Caffe's InnerProduct.

Gemm(A, B, C) = alpha * A' B' + beta * C with A (M, K) a Caffe value (not transposed) and B,
C constants: InnerProduct(num_output N) with weight B' as (N, K) (B transposed when transB
is 0, so the layer has Caffe's usual layout) scaled by alpha, and bias beta * C when C is one
number or one per output (shape (N,) or (1, N)).

MatMul(A, B) with A (..., K) a Caffe value and B (K, N) a constant: InnerProduct with
``axis`` the last axis of A and weight B^T; an Add of a per-output constant that follows
becomes its bias (``eltwise``).

For both, an A that is a pending view merging the axes of a value from the layer's axis on
(Flatten(axis 1) of (N, C, H, W) before a Gemm; a Reshape of (N, T, H, D) to (N, T, H D)
before a MatMul) is read as that value: InnerProduct flattens from its axis itself, in the
same order, so the view writes no layer.

MatMul of two run-time values (attention's q k^T and its weights times v; also a constant
on the left, or a batch of constant matrices on the right), which no BVLC layer computes,
is its definition: out[..., m, n] = sum over k of A[..., m, k] B[..., k, n]. Every product
is laid out along one order of the axes (batch..., m, n and k), each operand a view of
itself there with 1s for the axes it lacks; one operand is widened to every product by
Tiles and the other scales it (a Scale with it as the second bottom, where its full axes
are one run; else both are tiled and multiplied, Eltwise PROD); the sum over k is a
Reduction SUM where k is the last axis, else a Convolution of kernel (K, 1), every weight
1, on a view (as ``reduce`` sums a run of axes). An operand that is a pending transpose
(``layout``: k^T) is read as its base holds it, the order chosen so that both are views:
q k^T sums over the last axis and writes no transpose; the result may itself be left a
pending transpose, which the ops after it (Softmax, the heads' transpose back) read. The
order preferred: the result in the ONNX order, then k last, then the batch first. The
products cost M x K x N values per matrix (ViT-B/16's attention: 197 x 64 x 197 per head),
and the sums are in another order than onnxruntime's, within the tolerance.

alpha != 1 scales the weight once (alpha * (A B) and A (alpha B) may differ in the last
bit).
"""
from __future__ import annotations

from itertools import permutations
from math import prod
from typing import Any

import numpy as np

from ...ir import Value
from ...limits import MAX_BLOB_COUNT
from ...ops.dense import InnerProductParams
from .context import Context, Padded, Permuted, View
from .model import OnnxNode
from .reduce import reduce_step
from .registry import IMPORTERS, Refused
from .steps import constant, step

__all__ = ["convert_gemm", "convert_matmul"]


def _dense_input(ctx: Context, node: OnnxNode, axis: int) -> tuple[Value, str | None]:
    """The value an InnerProduct of ``axis`` reads for the input of ``node`` (its last axis),
    and the layer's name where it is another's. A pending view that merges the axes of its
    base from ``axis`` on is read as its base: InnerProduct flattens from its axis itself, in
    the same order. A Flatten named ``L`` before a Gemm named ``L/...`` is one layer ``L``
    written as two ONNX nodes (as this project's ONNX backend writes an InnerProduct)."""
    name = node.inputs[0]
    meaning = ctx.peek(name)
    if isinstance(meaning, View):
        base = meaning.base.shape or ()
        if len(base) > axis and meaning.shape == (*base[:axis], prod(base[axis:])):
            owner = meaning.node.name
            return meaning.base, owner if owner and node.name.startswith(owner + "/") else None
    return ctx.value(name), None


@IMPORTERS.register("Gemm")
def convert_gemm(ctx: Context, node: OnnxNode) -> None:
    if int(node.attr("transA", 0)):
        raise Refused("it transposes its data input A (transA 1); Caffe's InnerProduct "
                      "reads rows")
    if ctx.const(node.inputs[0]) is not None:
        raise Refused("its data input A is a constant and B is not; Caffe's InnerProduct "
                      "needs a constant weight")
    shape = ctx.shape(node.inputs[0])
    if len(shape) != 2:
        raise Refused(f"its input A has shape {list(shape)}; Gemm takes 2-D")
    weight = np.asarray(ctx.constant(node, 1, "weight B"), np.float32)
    if weight.ndim != 2:
        raise Refused(f"its B has shape {list(weight.shape)}; expected 2-D")
    if not int(node.attr("transB", 0)):
        weight = weight.T
    alpha = np.float32(node.attr("alpha", 1.0))
    beta = np.float32(node.attr("beta", 1.0))
    if weight.shape[1] != shape[1]:
        raise Refused(f"its B {list(weight.shape)} does not fit A {list(shape)}")
    if alpha != 1:
        weight = weight * alpha
    outputs = weight.shape[0]
    bias = None
    if node.input(2):
        c = np.asarray(ctx.constant(node, 2, "C"), np.float32)
        if c.size == 1:
            bias = np.full(outputs, c.reshape(-1)[0], np.float32)
        elif c.shape in ((outputs,), (1, outputs)):
            bias = c.reshape(-1)
        else:
            raise Refused(f"its C has shape {list(c.shape)}; Caffe's bias is one value per "
                          "output")
        bias = bias * beta if beta != 1 else bias
    params = InnerProductParams(num_output=outputs, bias_term=bias is not None)
    blobs = [np.ascontiguousarray(weight)] + ([bias] if bias is not None else [])
    x, owner = _dense_input(ctx, node, 1)
    ctx.layer(node, "InnerProduct", params, [x], blobs=blobs, name=owner)


@IMPORTERS.register("MatMul")
def convert_matmul(ctx: Context, node: OnnxNode) -> None:
    weight = ctx.const(node.inputs[1])
    shape = ctx.shape(node.inputs[0])
    if (weight is None or weight.ndim != 2 or ctx.const(node.inputs[0]) is not None
            or len(shape) < 2 or shape[-1] != weight.shape[0]):
        _products_summed(ctx, node)
        return
    axis = len(shape) - 1
    params = InnerProductParams(num_output=weight.shape[1], bias_term=False, axis=axis)
    x, owner = _dense_input(ctx, node, axis)
    ctx.layer(node, "InnerProduct", params, [x], name=owner,
              blobs=[np.ascontiguousarray(np.asarray(weight, np.float32).T)])


def _products_summed(ctx: Context, node: OnnxNode) -> None:
    """MatMul of two run-time values (or a constant on the left, or a batch of constant
    matrices on the right): every product A[..., m, k] B[..., k, n] laid out along one order
    of the axes (batch..., m, n, k), summed over k (module docstring)."""
    operands = [_held(ctx, name) for name in node.inputs[:2]]
    onnx_a, onnx_b = ctx.shape(node.inputs[0]), ctx.shape(node.inputs[1])
    ra, rb = len(onnx_a), len(onnx_b)
    if ra == 0 or rb == 0:
        raise Refused("an operand is a scalar; MatMul takes tensors of rank 1 or more")
    if max(ra, rb) > 6:
        raise Refused(f"it multiplies {list(onnx_a)} by {list(onnx_b)}; imported are "
                      "operands of 6 axes at most")
    k = onnx_a[-1]
    if (onnx_b[-2] if rb >= 2 else onnx_b[0]) != k:
        raise Refused(f"it multiplies {list(onnx_a)} by {list(onnx_b)}: the inner sizes "
                      "differ")
    batch = max(ra, rb, 2) - 2
    # the labels of each operand's ONNX axes: b0, b1, ... (right-aligned), m, k, n
    labels_a = ([f"b{batch - ra + 2 + i}" for i in range(ra - 2)] + ["m"] if ra >= 2
                else []) + ["k"]
    labels_b = [f"b{batch - rb + 2 + i}" for i in range(rb - 2)] + ["k"] + (
        ["n"] if rb >= 2 else [])
    out_labels = [f"b{i}" for i in range(batch)] + (["m"] if ra >= 2 else []) + (
        ["n"] if rb >= 2 else [])
    sizes: dict[str, int] = {}
    for labels, dims in ((labels_a, onnx_a), (labels_b, onnx_b)):
        for label, d in zip(labels, dims):
            if sizes.get(label, 1) not in (1, d) and d != 1:
                raise Refused(f"it multiplies {list(onnx_a)} by {list(onnx_b)}, whose batch "
                              "axes do not broadcast")
            sizes[label] = max(sizes.get(label, 1), d)
    in_base = [[labels[i] for i in held] for labels, (_, _, held)
               in zip((labels_a, labels_b), operands)]
    order = _product_order(out_labels + ["k"], in_base, out_labels)
    for i in (1, 0):  # no order keeps both as they are held: one transpose written
        if order is None:
            operands[i] = _held(ctx, node.inputs[i], written=True)
            in_base[i] = (labels_a, labels_b)[i]
            order = _product_order(out_labels + ["k"], in_base, out_labels)
    assert order is not None  # both in the ONNX order: (batch..., m, k, n) fits
    count = prod(sizes[label] for label in order)
    if count > MAX_BLOB_COUNT:
        raise Refused(f"its products ({'x'.join(str(sizes[x]) for x in order)}, "
                      f"{count:,} values) exceed what a Caffe blob holds")
    out = node.outputs[0]
    views = []
    for (meaning, base, _), labels, tag in zip(operands, in_base, "ab"):
        ctx.alias(f"{out}/{tag}_base", meaning)
        shape = [base[labels.index(x)] if x in labels else 1 for x in order]
        views.append(step(ctx, node, "Reshape", (
            f"{out}/{tag}_base", constant(ctx, node, f"{tag}_shape", shape, np.int64)),
            f"{tag}_laid"))
    scaling = _scaling_operand(ctx, views, [sizes[x] for x in order])
    if scaling is not None:  # the other one widened to every product, then one Scale
        full = constant(ctx, node, "full", [sizes[x] for x in order], np.int64)
        views = [v if i == scaling else step(ctx, node, "Expand", (v, full), f"{tag}_wide")
                 for i, (v, tag) in enumerate(zip(views, "ab"))]
    product = step(ctx, node, "Mul", views, "products")
    summed = order.index("k")
    kept = [x for x in order if x != "k"]
    total = reduce_step(ctx, node, "ReduceSum", product, [summed], "sum", keepdims=False,
                        output=out if kept == out_labels else None)
    if kept == out_labels:
        return
    meaning = ctx.peek(total)
    base_value = meaning if isinstance(meaning, (View, Padded)) else ctx.value(total)
    ctx.alias(out, Permuted(base_value, tuple(kept.index(x) for x in out_labels), node))


def _held(ctx: Context, name: str, *, written: bool = False
          ) -> tuple[Any, tuple[int, ...], tuple[int, ...]]:
    """What MatMul reads for ``name``: (its meaning, that meaning's shape, the ONNX axis
    each of those axes is): a pending transpose's base where it is one (unless
    ``written``), else the value itself."""
    meaning = ctx.peek(name)
    if isinstance(meaning, Permuted) and not written:
        base = tuple(int(d) for d in meaning.base.shape or ())
        return meaning.base, base, tuple(int(i) for i in np.argsort(meaning.perm))
    if isinstance(meaning, Permuted):
        meaning = ctx.value(name)
    shape = ctx.shape(name)
    return meaning, shape, tuple(range(len(shape)))


def _scaling_operand(ctx: Context, views: list[str], full: list[int]) -> int | None:
    """The operand (0 or 1) that can scale the other widened to ``full`` as one Scale (a
    constant, or a value whose axes of full size are one run: the others are 1s), the
    other being copied once; None where both are tiled."""
    for i in (1, 0):
        if ctx.const(views[i]) is not None:
            return i
    fitting = []
    for i in (0, 1):
        shape = ctx.shape(views[i])
        whole = [a for a, (d, f) in enumerate(zip(shape, full)) if d == f > 1]
        if whole == list(range(whole[0], whole[-1] + 1) if whole else []):
            fitting.append((prod(shape), i))
    return min(fitting)[1] if fitting else None


def _product_order(labels: list[str], operands: list[list[str]],
                   out_labels: list[str]) -> list[str] | None:
    """The order of the product's axes: one in which each operand's axes, as it holds
    them, come in its own order (so it is a view of it); None where there is none. Of
    those: the result in the output's order (else it is a pending transpose), then k
    last (one Reduction), then the first output axis (the batch) first."""
    def fits(order: tuple[str, ...]) -> bool:
        return all([x for x in order if x in held] == held for held in operands)

    def cost(order: tuple[str, ...]) -> tuple[bool, bool, bool]:
        kept = [x for x in order if x != "k"]
        return (kept != out_labels, order[-1] != "k", order[0] != labels[0])

    fitting = [o for o in permutations(labels) if fits(o)]
    if not fitting:
        return None
    best: tuple[str, ...] = min(fitting, key=cost)
    return list(best)
