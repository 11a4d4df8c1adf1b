"""Elementwise activations (Caffe's NeuronLayer family) and Dropout.

Every layer here takes one bottom and gives one top of the same shape (one shape rule,
``infer_same_shape``), and may run in place, except AbsVal, which Caffe refuses in place.
Test-phase formulas, for the backends:
    ReLU       y = max(x, 0) + negative_slope * min(x, 0)
    PReLU      y = max(x, 0) + a_c * min(x, 0); a has shape () when channel_shared, else
               (C,) with C = bottom.shape[1]; the bottom needs 2 to 4 axes (Caffe reads C
               with its legacy accessor, which refuses more). Default filler: constant 0.25.
    ELU        y = x if x > 0 else alpha * (exp(x) - 1)
    Sigmoid, TanH, AbsVal;  BNLL  y = log(1 + exp(x))
    Power      y = (shift + scale * x) ** power
    Exp        y = base ** (shift + scale * x)   (base -1 means e; otherwise base > 0)
    Log        y = log_base(shift + scale * x)   (same rule for base)
    Threshold  y = 1 if x > threshold else 0
    Clip       y = min(max(x, min), max)  (min and max required once clip_param is given;
               Caffe accepts min > max, and a layer with no clip_param clips to [0, 0])
    Swish      y = x * sigmoid(beta * x)
    Dropout    y = x at test time (Caffe scales during training); dropout_ratio unchecked
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, refuse_in_place
from .fillers import Filler, read_filler

__all__ = ["ReLUParams", "PReLUParams", "ELUParams", "PowerParams", "ExpParams",
           "ThresholdParams", "ClipParams", "SwishParams", "DropoutParams", "NeuronParams",
           "infer_same_shape"]


@dataclass(frozen=True)
class NeuronParams:
    """Sigmoid, TanH, AbsVal and BNLL: nothing to set (the engine field is not kept)."""


@dataclass(frozen=True)
class ReLUParams:
    negative_slope: float = 0.0


@dataclass(frozen=True)
class PReLUParams:
    channel_shared: bool = False
    filler: Filler = Filler(value=0.25)


@dataclass(frozen=True)
class ELUParams:
    alpha: float = 1.0


@dataclass(frozen=True)
class PowerParams:
    power: float = 1.0
    scale: float = 1.0
    shift: float = 0.0


@dataclass(frozen=True)
class ExpParams:
    """Exp's and Log's params; ``base`` -1 stands for e."""

    base: float = -1.0
    scale: float = 1.0
    shift: float = 0.0


@dataclass(frozen=True)
class ThresholdParams:
    threshold: float = 0.0


@dataclass(frozen=True)
class ClipParams:
    min: float = 0.0
    max: float = 0.0


@dataclass(frozen=True)
class SwishParams:
    beta: float = 1.0


@dataclass(frozen=True)
class DropoutParams:
    dropout_ratio: float = 0.5


def infer_same_shape(p: object, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return [tuple(bottoms[0])]


def read_neuron(layer: caffe_pb2.LayerParameter) -> NeuronParams:
    return NeuronParams()


def read_absval(layer: caffe_pb2.LayerParameter) -> NeuronParams:
    refuse_in_place(layer)
    return NeuronParams()


def read_relu(layer: caffe_pb2.LayerParameter) -> ReLUParams:
    return ReLUParams(negative_slope=layer.relu_param.negative_slope)


def read_prelu(layer: caffe_pb2.LayerParameter) -> PReLUParams:
    p = layer.prelu_param
    filler = read_filler(p.filler) if p.HasField("filler") else Filler(value=0.25)
    return PReLUParams(channel_shared=p.channel_shared, filler=filler)


def infer_prelu(p: PReLUParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    _prelu_channels(bottoms[0])
    return [tuple(bottoms[0])]


def _prelu_channels(shape: Shape) -> int:
    if not 2 <= len(shape) <= 4:
        raise OpError(f"bottom {list(shape)} has {len(shape)} axes; PReLU needs 2 to 4 "
                      "(its slopes follow axis 1, read with Caffe's 4-axis legacy accessor)")
    return shape[1]


def blobs_prelu(p: PReLUParams, bottoms: Sequence[Shape]) -> list[Shape]:
    channels = _prelu_channels(bottoms[0])
    return [()] if p.channel_shared else [(channels,)]


def fillers_prelu(p: PReLUParams, bottoms: Sequence[Shape]) -> list[Filler]:
    return [p.filler]


def read_elu(layer: caffe_pb2.LayerParameter) -> ELUParams:
    return ELUParams(alpha=layer.elu_param.alpha)


def read_power(layer: caffe_pb2.LayerParameter) -> PowerParams:
    p = layer.power_param
    return PowerParams(power=p.power, scale=p.scale, shift=p.shift)


def _read_base_scale_shift(p: caffe_pb2.ExpParameter | caffe_pb2.LogParameter,
                           field: str) -> ExpParams:
    if p.base != -1 and p.base <= 0:
        raise OpError(f"base is {p.base:g}; expected -1 (for e) or a value > 0",
                      field=f"{field}.base")
    return ExpParams(base=p.base, scale=p.scale, shift=p.shift)


def read_exp(layer: caffe_pb2.LayerParameter) -> ExpParams:
    return _read_base_scale_shift(layer.exp_param, "exp_param")


def read_log(layer: caffe_pb2.LayerParameter) -> ExpParams:
    return _read_base_scale_shift(layer.log_param, "log_param")


def read_threshold(layer: caffe_pb2.LayerParameter) -> ThresholdParams:
    return ThresholdParams(threshold=layer.threshold_param.threshold)


def read_clip(layer: caffe_pb2.LayerParameter) -> ClipParams:
    p = layer.clip_param
    if layer.HasField("clip_param"):
        for name in ("min", "max"):
            if not p.HasField(name):
                raise OpError(f"clip_param.{name} is required (caffe.proto declares min and "
                              "max required)", field=f"clip_param.{name}")
    return ClipParams(min=p.min, max=p.max)


def read_swish(layer: caffe_pb2.LayerParameter) -> SwishParams:
    return SwishParams(beta=layer.swish_param.beta)


def read_dropout(layer: caffe_pb2.LayerParameter) -> DropoutParams:
    return DropoutParams(dropout_ratio=layer.dropout_param.dropout_ratio)


def write_clip(p: ClipParams, q: caffe_pb2.ClipParameter, bottoms: Sequence[Shape]) -> None:
    """caffe.proto declares min and max required, so a given clip_param has both; an absent
    one reads as [0, 0]."""
    if p != ClipParams():
        q.min = p.min
        q.max = p.max


for _type, _read, _param in (
        ("ReLU", read_relu, "relu_param"), ("ELU", read_elu, "elu_param"),
        ("Sigmoid", read_neuron, None), ("TanH", read_neuron, None),
        ("AbsVal", read_absval, None), ("BNLL", read_neuron, None),
        ("Power", read_power, "power_param"), ("Exp", read_exp, "exp_param"),
        ("Log", read_log, "log_param"), ("Threshold", read_threshold, "threshold_param"),
        ("Swish", read_swish, "swish_param"), ("Dropout", read_dropout, "dropout_param")):
    OPS.define(_type, family="activation", read=_read, infer=infer_same_shape, param=_param)
OPS.define("Clip", family="activation", read=read_clip, infer=infer_same_shape,
           param="clip_param", write=write_clip)
OPS.define("PReLU", family="activation", read=read_prelu, infer=infer_prelu,
           blobs=blobs_prelu, fillers=fillers_prelu, param="prelu_param")


def exp_constants(p: ExpParams) -> tuple[float, float]:
    """Exp's y = outer * exp(inner * x), with inner = ln(base) * scale and outer =
    base ** shift (base -1: e), computed in float32 as Caffe computes them."""
    f32 = np.float32
    natural = p.base == -1
    log_base = f32(1) if natural else np.log(f32(p.base))
    inner = f32(log_base * f32(p.scale))
    if p.shift == 0:
        outer = f32(1)
    else:
        outer = np.exp(f32(p.shift)) if natural else np.power(f32(p.base), f32(p.shift))
    return float(inner), float(outer)


def log_base_scale(p: ExpParams) -> float:
    """Log's y = ln(shift + scale * x) * base_scale: 1 / ln(base) in float32, as Caffe
    computes it (1 for base -1, e)."""
    return 1.0 if p.base == -1 else float(np.float32(1) / np.log(np.float32(p.base)))
