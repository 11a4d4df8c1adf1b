"""Gemm and MatMul (+ Add): Caffe's InnerProduct.

Gemm(A, B, C) = alpha * A' B' + beta * C with A (M, K) a Caffe value (not transposed) and B,
C constants: InnerProduct(num_output N) with weight B' as (N, K) (B transposed when transB
is 0, so the layer has Caffe's usual layout) scaled by alpha, and bias beta * C when C is one
number or one per output (shape (N,) or (1, N)). A that is a pending Flatten(axis 1) of a
(N, C, H, W) value is read as it is: InnerProduct flattens from its axis itself, in the same
order.

MatMul(A, B) with A (..., K) a Caffe value and B (K, N) a constant: InnerProduct with
``axis`` the last axis of A and weight B^T; an Add of a per-output constant that follows
becomes its bias (``eltwise``).

alpha != 1 scales the weight once (alpha * (A B) and A (alpha B) may differ in the last
bit).
"""
from __future__ import annotations

from math import prod

import numpy as np

from ...ir import Value
from ...ops.dense import InnerProductParams
from .context import Context, View
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_gemm", "convert_matmul"]


def _flat_input(ctx: Context, node: OnnxNode) -> tuple[Value, str | None]:
    """The value an InnerProduct of axis 1 reads for the 2-D input of ``node``, and the
    layer's name where it is another's: a Flatten named ``L`` before a Gemm named ``L/...``
    is one layer ``L`` written as two ONNX nodes (as this project's ONNX backend writes an
    InnerProduct)."""
    name = node.inputs[0]
    meaning = ctx.peek(name)
    if isinstance(meaning, View):
        base = meaning.base.shape or ()
        if len(base) >= 2 and meaning.shape == (base[0], prod(base[1:])):
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
    x, owner = _flat_input(ctx, node)
    ctx.layer(node, "InnerProduct", params, [x], blobs=blobs, name=owner)


@IMPORTERS.register("MatMul")
def convert_matmul(ctx: Context, node: OnnxNode) -> None:
    if ctx.const(node.inputs[0]) is not None or ctx.const(node.inputs[1]) is None:
        raise Refused("it multiplies by a run-time matrix; Caffe's InnerProduct needs a "
                      "constant right-hand matrix")
    weight = np.asarray(ctx.const(node.inputs[1]), np.float32)
    shape = ctx.shape(node.inputs[0])
    if weight.ndim != 2 or len(shape) < 2 or shape[-1] != weight.shape[0]:
        raise Refused(f"it multiplies {list(shape)} by {list(weight.shape)}; imported is "
                      "(..., K) by a (K, N) constant")
    params = InnerProductParams(num_output=weight.shape[1], bias_term=False,
                                axis=len(shape) - 1)
    ctx.layer(node, "InnerProduct", params, [ctx.value(node.inputs[0])],
              blobs=[np.ascontiguousarray(weight.T)])
