"""InnerProduct and Embed as ONNX Gemm / MatMul and Gather.

InnerProduct: the bottom's axes [axis, end) flatten into K, then
    top = bottom_flat @ weight.T + bias,   weight (N, K)
Caffe stores the weight as (N, K), or as (K, N) when ``transpose``. With ``axis`` 1 the bottom
is Flatten(axis=1)-ed to (batch, K) where it has more than two axes, then
    Gemm(x, LAYER.weight (N, K), LAYER.bias, transB=1)
Any other axis keeps the leading axes: Reshape to ``[0]*axis + [-1]`` (0 copies a dimension,
so the batch stays free; skipped where ``axis`` is already the last), then
    MatMul(x, LAYER.weight (K, N)) [+ Add LAYER.bias]
with the weight stored transposed, as MatMul takes it.

Embed: every bottom element is an index, cast to int64 (ONNX's float-to-integer Cast truncates
toward zero, as Caffe's static_cast<int> does), looked up in ``LAYER.weight`` (input_dim,
num_output):
    top = Gather(LAYER.weight, Cast(bottom), axis=0) [+ Add LAYER.bias]
Caffe checks the index range only in debug builds; onnxruntime refuses an index outside
[-input_dim, input_dim) (and, as ONNX Gather does, counts a negative one from the end).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto

from ...errors import OpError
from ...ir import Node
from ...ops.dense import EmbedParams, InnerProductParams
from .registry import ONNX, Emitter

__all__ = ["convert_inner_product", "convert_embed"]


def _blobs(blobs: Sequence[np.ndarray], bias_term: bool, field: str) -> None:
    expected = 2 if bias_term else 1
    if len(blobs) != expected:
        raise OpError(f"expected {expected} blob(s) (weight{', bias' if bias_term else ''}), "
                      f"got {len(blobs)}: attach the weights before exporting", field=field)


@ONNX.register("InnerProduct")
def convert_inner_product(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: InnerProductParams = node.params
    _blobs(blobs, p.bias_term, "inner_product_param.bias_term")
    weight = np.asarray(blobs[0], np.float32)
    weight = weight.T if p.transpose else weight  # (N, K)
    rank = len(emit.input_shape(0))
    x = emit.input(0)
    if p.axis == 1:
        if rank != 2:
            x = emit.op("Flatten", [x], axis=1)[0]
        inputs = [x, emit.weight("weight", weight)]
        if p.bias_term:
            inputs.append(emit.weight("bias", blobs[1]))
        emit.op("Gemm", inputs, [emit.output(0)], transB=1)
        return
    if p.axis != rank - 1:
        x = emit.op("Reshape", [x, emit.const("shape", [0] * p.axis + [-1])])[0]
    matmul_out = [emit.output(0)] if not p.bias_term else None
    product = emit.op("MatMul", [x, emit.weight("weight", weight.T)], matmul_out)
    if p.bias_term:
        emit.op("Add", product + [emit.weight("bias", blobs[1])], [emit.output(0)])


@ONNX.register("Embed")
def convert_embed(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: EmbedParams = node.params
    _blobs(blobs, p.bias_term, "embed_param.bias_term")
    index = emit.op("Cast", [emit.input(0)], to=TensorProto.INT64)
    gather_out = [emit.output(0)] if not p.bias_term else None
    rows = emit.op("Gather", [emit.weight("weight", blobs[0])] + index, gather_out, axis=0)
    if p.bias_term:
        emit.op("Add", rows + [emit.weight("bias", blobs[1])], [emit.output(0)])
