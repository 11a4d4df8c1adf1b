"""Caffe's elementwise activations and Dropout as ONNX nodes (test phase).

    ReLU       Relu (slope 0), else Add(Relu(x), slope * Min(x, 0)) as Caffe's
               max(x, 0) + slope * min(x, 0) (NaN stays NaN)
    PReLU      PRelu(x, LAYER.weight); the slopes stored (C, 1, ...) to broadcast over axis 1,
               or (1,) when channel_shared
    ELU        Elu(alpha)
    Sigmoid    Sigmoid;  TanH  Tanh;  AbsVal  Abs
    BNLL       Relu(x) + Log(1 + Exp(-Abs(x)))   (Caffe's overflow-free log(1 + exp(x)))
    Power      Pow(shift + scale * x, power), each step only where it does something; when
               power * scale == 0 Caffe ignores x: ConstantOfShape(Shape(x)) holding 1 if
               power == 0 else shift ** power (float32)
    Exp        outer * Exp(inner * x), inner = ln(base) * scale, outer = base ** shift, both
               worked out in float32 as Caffe's ExpLayer does (base -1 stands for e)
    Log        Log(shift + scale * x) * (1 / ln(base))   (base -1: e, no product)
    Threshold  Cast(Greater(x, threshold), float)
    Clip       Where(low < y, y, low) with y = Where(x > high, high, x): with min > max every
               output is min, and a NaN gives min (C++'s std::max(min, NaN)); ONNX's Clip
               would keep NaN
    Swish      x * Sigmoid(beta * x)
    Dropout    Identity (Caffe only drops and rescales while training)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto, helper

from ...ir import Node
from ...ops.activation import (
    ClipParams,
    ELUParams,
    ExpParams,
    PowerParams,
    PReLUParams,
    ReLUParams,
    SwishParams,
    ThresholdParams,
    exp_constants,
    log_base_scale,
)
from .registry import ONNX, Emitter

__all__ = ["convert_pointwise", "convert_relu", "convert_prelu", "convert_elu", "convert_bnll",
           "convert_power", "convert_exp", "convert_log", "convert_threshold",
           "convert_clip", "convert_swish"]


def _scalar(emit: Emitter, hint: str, value: float) -> str:
    return emit.const(hint, value, np.float32)


_POINTWISE = {"Sigmoid": "Sigmoid", "TanH": "Tanh", "AbsVal": "Abs", "Dropout": "Identity"}


@ONNX.register(*_POINTWISE)
def convert_pointwise(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    emit.op(_POINTWISE[node.type], [emit.input(0)], [emit.output(0)])


@ONNX.register("ReLU")
def convert_relu(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ReLUParams = node.params
    x, out = emit.input(0), emit.output(0)
    if p.negative_slope == 0:
        emit.op("Relu", [x], [out])
        return
    positive = emit.op("Relu", [x])[0]
    negative = emit.op("Min", [x, _scalar(emit, "zero", 0.0)])[0]
    scaled = emit.op("Mul", [negative, _scalar(emit, "slope", p.negative_slope)])[0]
    emit.op("Add", [positive, scaled], [out])


@ONNX.register("PReLU")
def convert_prelu(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: PReLUParams = node.params
    slopes = np.asarray(blobs[0], dtype=np.float32)
    ndim = len(emit.input_shape(0))
    if p.channel_shared:
        slopes = slopes.reshape(1)
    else:
        slopes = slopes.reshape((-1,) + (1,) * max(ndim - 2, 0))
    emit.op("PRelu", [emit.input(0), emit.weight("weight", slopes)], [emit.output(0)])


@ONNX.register("ELU")
def convert_elu(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ELUParams = node.params
    emit.op("Elu", [emit.input(0)], [emit.output(0)], alpha=float(p.alpha))


@ONNX.register("BNLL")
def convert_bnll(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    x = emit.input(0)
    magnitude = emit.op("Abs", [x])[0]
    decay = emit.op("Exp", [emit.op("Neg", [magnitude])[0]])[0]
    softened = emit.op("Log", [emit.op("Add", [decay, _scalar(emit, "one", 1.0)])[0]])[0]
    emit.op("Add", [emit.op("Relu", [x])[0], softened], [emit.output(0)])


def _affine(emit: Emitter, x: str, scale: float, shift: float) -> str:
    """shift + scale * x, skipping a step that would do nothing (as Caffe skips it)."""
    if scale != 1:
        x = emit.op("Mul", [x, _scalar(emit, "scale", scale)])[0]
    if shift != 0:
        x = emit.op("Add", [x, _scalar(emit, "shift", shift)])[0]
    return x


def _finish(emit: Emitter, value: str) -> None:
    """Writes ``value`` to the layer's output (an Identity where nothing else was emitted)."""
    emit.op("Identity", [value], [emit.output(0)])


@ONNX.register("Power")
def convert_power(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: PowerParams = node.params
    x, out = emit.input(0), emit.output(0)
    if p.power * p.scale == 0:  # Caffe sets a constant, whatever x holds
        value = 1.0 if p.power == 0 else float(np.power(np.float32(p.shift),
                                                        np.float32(p.power)))
        fill = helper.make_tensor("value", TensorProto.FLOAT, [1], [value])
        emit.op("ConstantOfShape", [emit.op("Shape", [x])[0]], [out], value=fill)
        return
    y = _affine(emit, x, p.scale, p.shift)
    if p.power != 1:
        emit.op("Pow", [y, _scalar(emit, "power", p.power)], [out])
    else:
        _finish(emit, y)


def _last(emit: Emitter, op_type: str, inputs: list[str], final: bool) -> str:
    return emit.op(op_type, inputs, [emit.output(0)] if final else None)[0]


@ONNX.register("Exp")
def convert_exp(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    inner, outer = exp_constants(node.params)
    y = emit.input(0)
    if inner != 1:
        y = emit.op("Mul", [y, _scalar(emit, "inner", inner)])[0]
    y = _last(emit, "Exp", [y], outer == 1)
    if outer != 1:
        emit.op("Mul", [y, _scalar(emit, "outer", outer)], [emit.output(0)])


@ONNX.register("Log")
def convert_log(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ExpParams = node.params
    base_scale = log_base_scale(p)
    y = _affine(emit, emit.input(0), p.scale, p.shift)
    y = _last(emit, "Log", [y], base_scale == 1)
    if base_scale != 1:
        emit.op("Mul", [y, _scalar(emit, "base_scale", base_scale)], [emit.output(0)])


@ONNX.register("Threshold")
def convert_threshold(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ThresholdParams = node.params
    above = emit.op("Greater", [emit.input(0), _scalar(emit, "threshold", p.threshold)])[0]
    emit.op("Cast", [above], [emit.output(0)], to=TensorProto.FLOAT)


@ONNX.register("Clip")
def convert_clip(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ClipParams = node.params
    x = emit.input(0)
    high, low = _scalar(emit, "max", p.max), _scalar(emit, "min", p.min)
    capped = emit.op("Where", [emit.op("Greater", [x, high])[0], high, x])[0]
    emit.op("Where", [emit.op("Less", [low, capped])[0], capped, low], [emit.output(0)])


@ONNX.register("Swish")
def convert_swish(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: SwishParams = node.params
    x = emit.input(0)
    gate = x if p.beta == 1 else emit.op("Mul", [x, _scalar(emit, "beta", p.beta)])[0]
    emit.op("Mul", [x, emit.op("Sigmoid", [gate])[0]], [emit.output(0)])
