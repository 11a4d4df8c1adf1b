"""The forks' BN as ONNX nodes (``ops.forknorm``).

Stored statistics (PSPNet's in TEST or frozen): ``BatchNormalization(x, slope, bias, mean,
variance, epsilon=eps)`` with the (1, C, 1, 1) blobs as (C,) initializers ``LAYER.slope``,
``LAYER.bias``, ``LAYER.mean``, ``LAYER.variance``. SegNet's INFERENCE: Mul by ``LAYER.scale``
and Add ``LAYER.shift``, shaped (C, 1...) to broadcast from axis 1. Batch statistics, over
axis 0 and the axes after 1: m = ReduceMean(x), v = ReduceMean((x - m)^2) (PSPNet) or
ReduceMean(x^2) - m^2 (SegNet, eps 1e-9); y = (x - m) / Sqrt(v + eps) * gain + offset.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.forknorm import BNParams
from .norm import reduce_mean
from .registry import ONNX, Emitter

__all__ = ["convert_bn"]


def _channel(blob: np.ndarray, trailing: int) -> np.ndarray:
    return np.asarray(blob, np.float32).reshape((-1,) + (1,) * trailing)


@ONNX.register("BN")
def convert_bn(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: BNParams = node.params
    x, out = emit.input(0), emit.output(0)
    ndim = len(emit.input_shape(0))
    names = ("scale", "shift") if p.form == "segnet" else ("slope", "bias")
    if p.global_stats and p.form == "pspnet":
        weights = [emit.weight(n, _channel(b, 0)) for n, b in
                   zip(("slope", "bias", "mean", "variance"), blobs)]
        emit.op("BatchNormalization", [x, *weights], [out], epsilon=float(p.eps))
        return
    gain, offset = (emit.weight(n, _channel(b, ndim - 2)) for n, b in zip(names, blobs))
    if p.global_stats:
        emit.op("Add", [emit.op("Mul", [x, gain])[0], offset], [out])
        return
    axes = [0] + list(range(2, ndim))
    mean = reduce_mean(emit, x, axes)
    centred = emit.op("Sub", [x, mean])[0]
    if p.form == "segnet":
        square = reduce_mean(emit, emit.op("Mul", [x, x])[0], axes)
        variance = emit.op("Sub", [square, emit.op("Mul", [mean, mean])[0]])[0]
    else:
        variance = reduce_mean(emit, emit.op("Mul", [centred, centred])[0], axes)
    shifted = emit.op("Add", [variance, emit.const("eps", p.batch_eps, np.float32)])[0]
    normal = emit.op("Div", [centred, emit.op("Sqrt", [shifted])[0]])[0]
    emit.op("Add", [emit.op("Mul", [normal, gain])[0], offset], [out])
