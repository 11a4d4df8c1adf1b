"""BatchNorm, Scale, Bias, LRN and MVN as ONNX nodes, computing what Caffe computes.

BatchNorm (channels on axis 1):
    global statistics (``BatchNormParams.global_stats``: use_global_stats true, or not
    given in the TEST phase): with
        s = 0 if factor == 0 else 1 / factor  (worked out at export time),
        BatchNormalization(x, scale 1, bias 0, LAYER.mean = s * mean,
                           LAYER.variance = s * variance, epsilon = eps)
    batch statistics (use_global_stats false), over axis 0 and every axis after 1:
        m = ReduceMean(x); d = x - m; y = d / Sqrt(ReduceMean(d * d) + eps)
Scale   Mul(x, B) (then Add(., LAYER.bias) when bias_term); B is LAYER.weight stored as
        B.shape + (1,) * trailing, or bottom 1 unsqueezed on its trailing axes (numpy
        broadcasting, right-aligned, then does the rest).
Bias    Add(x, B), B as for Scale (LAYER.bias, or bottom 1).
LRN ACROSS_CHANNELS   LRN(size n, alpha, beta, bias k): ONNX's window is Caffe's for odd n.
    In place, Caffe's CPU code gives (k + alpha / n * sum)^(-2 beta): x * x, unsqueezed to
    (N, 1, C, H, W), AveragePool (n, 1, 1) padded p on the channels (zeros count), k + alpha
    * avg, Pow -2 beta.
LRN WITHIN_CHANNEL    x * Pow(1 + alpha * AveragePool_{n x n, pad p, zeros count}(x * x), -beta)
    (k is ignored, as Caffe's chain of Power, Pooling and Power ignores it).
MVN     Reshape to rows (N, C, H*W), or (N, C*H*W) across channels; d = x - ReduceMean(x);
        when normalize_variance  y = d / (Sqrt(ReduceMean(d * d)) + eps); Reshape to the
        4-D top (the batch copied with 0, never baked in).

ReduceMean takes ``axes`` as an attribute up to opset 17 and as an input from opset 18.
"""
from __future__ import annotations

from collections.abc import Sequence
from math import prod

import numpy as np

from ...ir import Node
from ...ops.norm import BatchNormParams, BiasParams, LRNParams, MVNParams, ScaleParams, stats_scale
from .registry import ONNX, Emitter

__all__ = ["convert_batch_norm", "convert_scale", "convert_bias", "convert_lrn",
           "convert_mvn", "reduce_mean"]


def _f32(value: float) -> np.ndarray:
    return np.asarray(value, dtype=np.float32)


def reduce_mean(emit: Emitter, x: str, axes: Sequence[int], output: str | None = None) -> str:
    """ReduceMean over ``axes`` keeping them, in the form ``emit.opset`` takes."""
    outs = [output] if output is not None else None
    if emit.opset >= 18:
        return emit.op("ReduceMean", [x, emit.const("axes", list(axes))], outs,
                       keepdims=1)[0]
    return emit.op("ReduceMean", [x], outs, axes=list(axes), keepdims=1)[0]


# BatchNorm

@ONNX.register("BatchNorm")
def convert_batch_norm(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: BatchNormParams = node.params
    x, out = emit.input(0), emit.output(0)
    if not p.global_stats:
        ndim = len(emit.input_shape(0))
        batch_mean = reduce_mean(emit, x, [0] + list(range(2, ndim)))
        centred = emit.op("Sub", [x, batch_mean])[0]
        square = emit.op("Mul", [centred, centred])[0]
        batch_variance = reduce_mean(emit, square, [0] + list(range(2, ndim)))
        shifted = emit.op("Add", [batch_variance, emit.const("eps", p.eps, np.float32)])[0]
        emit.op("Div", [centred, emit.op("Sqrt", [shifted])[0]], [out])
        return
    mean = np.asarray(blobs[0], dtype=np.float32).reshape(-1)
    variance = np.asarray(blobs[1], dtype=np.float32).reshape(-1)
    inverse = stats_scale(blobs[2])
    channels = mean.shape[0]
    ones = emit.const("scale", np.ones(channels), np.float32)
    zeros = emit.const("bias", np.zeros(channels), np.float32)
    emit.op("BatchNormalization", [x, ones, zeros, emit.weight("mean", mean * inverse),
                                   emit.weight("variance", variance * inverse)], [out],
            epsilon=float(p.eps))


# Scale and Bias

def _trailing(node: Node, axis: int, num_axes: int) -> int:
    return len(node.input_shapes()[0]) - axis - num_axes


def _learned(blob: np.ndarray, trailing: int) -> np.ndarray:
    array = np.asarray(blob, dtype=np.float32)
    return array.reshape(array.shape + (1,) * trailing)


def _given(emit: Emitter, trailing: int) -> str:
    """Bottom 1 unsqueezed on its trailing axes, so that it broadcasts from ``axis``."""
    given = emit.input(1)
    if trailing == 0:
        return given
    rank = len(emit.input_shape(1))
    axes = emit.const("axes", list(range(rank, rank + trailing)))
    return emit.op("Unsqueeze", [given, axes])[0]


@ONNX.register("Scale")
def convert_scale(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ScaleParams = node.params
    trailing = _trailing(node, p.axis, p.num_axes)
    learned = list(blobs)
    if len(node.inputs) == 1:
        scale = emit.weight("weight", _learned(learned.pop(0), trailing))
    else:
        scale = _given(emit, trailing)
    if not p.bias_term:
        emit.op("Mul", [emit.input(0), scale], [emit.output(0)])
        return
    product = emit.op("Mul", [emit.input(0), scale])[0]
    bias = emit.weight("bias", _learned(learned.pop(0), trailing))
    emit.op("Add", [product, bias], [emit.output(0)])


@ONNX.register("Bias")
def convert_bias(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: BiasParams = node.params
    trailing = _trailing(node, p.axis, p.num_axes)
    if len(node.inputs) == 1:
        bias = emit.weight("bias", _learned(blobs[0], trailing))
    else:
        bias = _given(emit, trailing)
    emit.op("Add", [emit.input(0), bias], [emit.output(0)])


# LRN

@ONNX.register("LRN")
def convert_lrn(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: LRNParams = node.params
    x, out = emit.input(0), emit.output(0)
    n, pad = p.local_size, (p.local_size - 1) // 2
    if p.norm_region == "WITHIN_CHANNEL":
        square = emit.op("Mul", [x, x])[0]
        average = emit.op("AveragePool", [square], kernel_shape=[n, n], strides=[1, 1],
                          pads=[pad] * 4, count_include_pad=1)[0]
        scaled = emit.op("Mul", [average, emit.const("alpha", p.alpha, np.float32)])[0]
        base = emit.op("Add", [scaled, emit.const("one", 1.0, np.float32)])[0]
        factor = emit.op("Pow", [base, emit.const("exponent", -p.beta, np.float32)])[0]
        emit.op("Mul", [x, factor], [out])
        return
    if not node.in_place:
        emit.op("LRN", [x], [out], size=n, alpha=float(p.alpha), beta=float(p.beta),
                bias=float(p.k))
        return
    # Caffe's CPU code overwrites x with base^-beta, then multiplies by that "x"
    square = emit.op("Mul", [x, x])[0]
    stacked = emit.op("Unsqueeze", [square, emit.const("axes", [1])])[0]
    average = emit.op("AveragePool", [stacked], kernel_shape=[n, 1, 1], strides=[1, 1, 1],
                      pads=[pad, 0, 0, pad, 0, 0], count_include_pad=1)[0]
    summed = emit.op("Squeeze", [average, emit.const("axes", [1])])[0]
    scaled = emit.op("Mul", [summed, emit.const("alpha", p.alpha, np.float32)])[0]
    base = emit.op("Add", [scaled, emit.const("k", p.k, np.float32)])[0]
    emit.op("Pow", [base, emit.const("exponent", -2.0 * p.beta, np.float32)], [out])


# MVN

@ONNX.register("MVN")
def convert_mvn(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: MVNParams = node.params
    top = tuple(emit.output_shape(0))
    kept = top[1:] if p.across_channels else top[2:]
    # the row's size where it is known: a -1 cannot be inferred for a blob of 0 elements
    size = prod(kept) if all(isinstance(d, int) for d in kept) else -1
    rows_shape = [0, size] if p.across_channels else [0, top[1], size]
    rows = emit.op("Reshape", [emit.input(0), emit.const("rows", rows_shape)])[0]
    centred = emit.op("Sub", [rows, reduce_mean(emit, rows, [-1])])[0]
    if p.normalize_variance:
        square = emit.op("Mul", [centred, centred])[0]
        std = emit.op("Sqrt", [reduce_mean(emit, square, [-1])])[0]
        shifted = emit.op("Add", [std, emit.const("eps", p.eps, np.float32)])[0]
        centred = emit.op("Div", [centred, shifted])[0]
    emit.op("Reshape", [centred, emit.const("top", [0] + list(top[1:]))], [emit.output(0)])
