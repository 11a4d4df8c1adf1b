"""Caffe's elementwise activations and Dropout as torch modules (test phase).

    ReLU       y = max(x, 0) + negative_slope * min(x, 0)
    PReLU      y = max(x, 0) + a * min(x, 0); ``weight`` a has shape () (channel_shared) or
               (C,), broadcast over axis 1
    ELU        y = max(x, 0) + alpha * (exp(min(x, 0)) - 1)
    Sigmoid    y = 1 / (1 + exp(-x));  TanH  y = tanh(x);  AbsVal  y = |x|
    BNLL       y = max(x, 0) + log(1 + exp(-|x|))   (Caffe's overflow-free log(1 + exp(x)))
    Power      y = (shift + scale * x) ** power; when power * scale == 0 Caffe ignores x:
               y = 1 if power == 0 else shift ** power
    Exp        y = outer * exp(inner * x), inner = ln(base) * scale, outer = base ** shift
               (base -1 stands for e: ln(base) = 1); both constants in float32, as Caffe
    Log        y = ln(shift + scale * x) / ln(base)   (base -1: e, no division)
    Threshold  y = 1 if x > threshold else 0
    Clip       y = max(min, min(x, max))   (in that order: with min > max every y is min; a NaN
               gives min, as C++'s std::max(min, NaN) does)
    Swish      y = x * sigmoid(beta * x)
    Dropout    y = x (Caffe only drops and rescales while training)

An in-place Caffe layer (top == bottom) is a new value here; a module writes into its input
only where the lowering marks it ``writable_inputs`` (no other layer reads that value).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

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
from .registry import TORCH

__all__ = ["CaffeReLU", "CaffePReLU", "CaffeELU", "Pointwise", "CaffePower", "CaffeExp",
           "CaffeLog", "CaffeThreshold", "CaffeClip", "CaffeSwish", "convert_pointwise",
           "convert_relu", "convert_prelu", "convert_elu", "convert_power", "convert_exp",
           "convert_log", "convert_threshold", "convert_clip", "convert_swish"]


def bnll(x: torch.Tensor) -> torch.Tensor:
    """log(1 + exp(x)) without overflow, as Caffe's BNLL writes it."""
    return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))


def identity(x: torch.Tensor) -> torch.Tensor:
    return x


class Pointwise(nn.Module):
    """A parameterless elementwise function (Sigmoid, TanH, AbsVal, BNLL, Dropout)."""

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.fn = fn
        self.fresh_output = fn is not identity  # Dropout returns its input itself

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))


_POINTWISE: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "Sigmoid": torch.sigmoid, "TanH": torch.tanh, "AbsVal": torch.abs, "BNLL": bnll,
    "Dropout": identity,
}


@TORCH.register(*_POINTWISE)
def convert_pointwise(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return Pointwise(_POINTWISE[node.type])


class CaffeReLU(nn.Module):
    """``writable_inputs`` (set by the lowering when nothing else reads the bottom) lets the
    plain ReLU run in place, as hand-written torch models do."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, negative_slope: float) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.writable_inputs: tuple[bool, ...] = (False,)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.negative_slope == 0:
            return torch.relu_(x) if self.writable_inputs[0] else torch.relu(x)
        return x.clamp(min=0) + self.negative_slope * x.clamp(max=0)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope:g}"


@TORCH.register("ReLU")
def convert_relu(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ReLUParams = node.params
    return CaffeReLU(p.negative_slope)


class CaffePReLU(nn.Module):
    """Learned slopes ``weight``: shape () for one shared slope, else (C,) on axis 1."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = nn.Parameter(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        slope: torch.Tensor = self.weight
        if slope.dim():
            slope = slope.reshape((-1,) + (1,) * (x.dim() - 2))
        return x.clamp(min=0) + slope * x.clamp(max=0)


@TORCH.register("PReLU")
def convert_prelu(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: PReLUParams = node.params
    weight = torch.from_numpy(np.array(blobs[0], dtype=np.float32, copy=True))
    return CaffePReLU(weight.reshape(()) if p.channel_shared else weight)


class CaffeELU(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, alpha: float) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(min=0) + self.alpha * (torch.exp(x.clamp(max=0)) - 1)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}"


@TORCH.register("ELU")
def convert_elu(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ELUParams = node.params
    return CaffeELU(p.alpha)


class CaffePower(nn.Module):
    def __init__(self, *, power: float, scale: float, shift: float) -> None:
        super().__init__()
        self.power = power
        self.scale = scale
        self.shift = shift
        self.fresh_output = (power, scale, shift) != (1.0, 1.0, 0.0)  # else x itself

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.power * self.scale == 0:  # Caffe sets a constant, whatever x holds
            value = 1.0 if self.power == 0 else float(
                np.power(np.float32(self.shift), np.float32(self.power)))
            return torch.full_like(x, value)
        y = x
        if self.scale != 1:
            y = y * self.scale
        if self.shift != 0:
            y = y + self.shift
        return y.pow(self.power) if self.power != 1 else y

    def extra_repr(self) -> str:
        return f"power={self.power:g}, scale={self.scale:g}, shift={self.shift:g}"


@TORCH.register("Power")
def convert_power(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: PowerParams = node.params
    return CaffePower(power=p.power, scale=p.scale, shift=p.shift)


class CaffeExp(nn.Module):
    """y = outer * exp(inner * x), the constants as Caffe's ExpLayer derives them."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, *, inner: float, outer: float) -> None:
        super().__init__()
        self.inner = inner
        self.outer = outer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.exp(x if self.inner == 1 else x * self.inner)
        return y if self.outer == 1 else y * self.outer

    def extra_repr(self) -> str:
        return f"inner={self.inner:g}, outer={self.outer:g}"


@TORCH.register("Exp")
def convert_exp(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    inner, outer = exp_constants(node.params)
    return CaffeExp(inner=inner, outer=outer)


class CaffeLog(nn.Module):
    """y = ln(shift + scale * x) * base_scale, base_scale = 1 / ln(base) (1 for e)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, *, scale: float, shift: float, base_scale: float) -> None:
        super().__init__()
        self.scale = scale
        self.shift = shift
        self.base_scale = base_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x if self.scale == 1 else x * self.scale
        if self.shift != 0:
            y = y + self.shift
        y = torch.log(y)
        return y if self.base_scale == 1 else y * self.base_scale

    def extra_repr(self) -> str:
        return f"scale={self.scale:g}, shift={self.shift:g}, base_scale={self.base_scale:g}"


@TORCH.register("Log")
def convert_log(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ExpParams = node.params
    base_scale = log_base_scale(p)
    return CaffeLog(scale=p.scale, shift=p.shift, base_scale=base_scale)


class CaffeThreshold(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, threshold: float) -> None:
        super().__init__()
        self.threshold = threshold

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > self.threshold).to(x.dtype)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold:g}"


@TORCH.register("Threshold")
def convert_threshold(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ThresholdParams = node.params
    return CaffeThreshold(p.threshold)


class CaffeClip(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, low: float, high: float) -> None:
        super().__init__()
        self.low = low
        self.high = high

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x.clamp(max=self.high)
        return torch.where(self.low < y, y, torch.full_like(y, self.low))

    def extra_repr(self) -> str:
        return f"min={self.low:g}, max={self.high:g}"


@TORCH.register("Clip")
def convert_clip(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ClipParams = node.params
    return CaffeClip(p.min, p.max)


class CaffeSwish(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, beta: float) -> None:
        super().__init__()
        self.beta = beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x if self.beta == 1 else self.beta * x)

    def extra_repr(self) -> str:
        return f"beta={self.beta:g}"


@TORCH.register("Swish")
def convert_swish(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: SwishParams = node.params
    return CaffeSwish(p.beta)

