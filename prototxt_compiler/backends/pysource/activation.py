"""Caffe's elementwise activations and Dropout in the generated file (TEST phase).

torch's own module where its formula is Caffe's:
    ReLU       nn.ReLU(); with negative_slope nn.LeakyReLU(slope): max(x, 0) + slope * min(x, 0)
    PReLU      nn.PReLU(C) (one slope per channel of axis 1), or nn.PReLU(1) when shared
    ELU        nn.ELU(alpha): max(x, 0) + alpha * (exp(min(x, 0)) - 1)
    Sigmoid, TanH   nn.Sigmoid(), nn.Tanh()
    Swish      nn.SiLU() when beta is 1: x * sigmoid(x)
    Dropout    nn.Dropout(ratio): the identity in eval mode, as Caffe's TEST phase
and written out where torch has none or differs:
    AbsVal     |x|;  BNLL  max(x, 0) + log(1 + exp(-|x|))
    Power      (shift + scale * x) ** power; when power * scale == 0 Caffe ignores x and gives
               1 if power == 0 else shift ** power
    Exp        outer * exp(inner * x), inner = ln(base) * scale, outer = base ** shift (base -1
               is e), the constants computed in float32 as Caffe computes them
    Log        ln(shift + scale * x) * base_scale, base_scale = 1 / ln(base) (1 for e)
    Threshold  1 if x > threshold else 0 (torch's nn.Threshold is another function)
    Clip       max(min, min(x, max)) in that order (with min > max every y is min)
    Swish      x * sigmoid(beta * x) for beta other than 1
"""
from __future__ import annotations

import numpy as np

from ...ir import Node
from ...ops.activation import (
    ClipParams,
    DropoutParams,
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
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_relu", "convert_prelu", "convert_elu", "convert_torch_pointwise",
           "convert_written_pointwise", "convert_power", "convert_exp", "convert_log",
           "convert_threshold", "convert_clip", "convert_swish", "convert_dropout"]

HELPERS.define("AbsVal", '''
class AbsVal(nn.Module):
    """Caffe's AbsVal: |x|."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.abs(x)
''')

HELPERS.define("BNLL", '''
class BNLL(nn.Module):
    """Caffe's BNLL: log(1 + exp(x)), written as Caffe writes it to avoid overflow."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))
''')

HELPERS.define("Power", '''
class Power(nn.Module):
    """Caffe's Power: (shift + scale * x) ** power; when power * scale == 0 Caffe
    ignores x and gives 1 if power == 0 else shift ** power."""

    def __init__(self, power: float = 1.0, scale: float = 1.0,
                 shift: float = 0.0) -> None:
        super().__init__()
        self.power = power
        self.scale = scale
        self.shift = shift

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.power * self.scale == 0:
            value = 1.0 if self.power == 0 else self.shift**self.power
            return torch.full_like(x, value)
        y = x * self.scale if self.scale != 1 else x
        y = y + self.shift if self.shift != 0 else y
        return y.pow(self.power) if self.power != 1 else y
''')

HELPERS.define("Exp", '''
class Exp(nn.Module):
    """Caffe's Exp: outer * exp(inner * x), with inner = ln(base) * scale and outer =
    base ** shift (Caffe's float32 constants)."""

    def __init__(self, inner: float = 1.0, outer: float = 1.0) -> None:
        super().__init__()
        self.inner = inner
        self.outer = outer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.exp(x * self.inner if self.inner != 1 else x)
        return y * self.outer if self.outer != 1 else y
''')

HELPERS.define("Log", '''
class Log(nn.Module):
    """Caffe's Log: ln(shift + scale * x) * base_scale, base_scale = 1 / ln(base)."""

    def __init__(self, scale: float = 1.0, shift: float = 0.0,
                 base_scale: float = 1.0) -> None:
        super().__init__()
        self.scale = scale
        self.shift = shift
        self.base_scale = base_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.log(x * self.scale + self.shift)
        return y * self.base_scale if self.base_scale != 1 else y
''')

HELPERS.define("Threshold", '''
class Threshold(nn.Module):
    """Caffe's Threshold: 1 where x > threshold, else 0."""

    def __init__(self, threshold: float = 0.0) -> None:
        super().__init__()
        self.threshold = threshold

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > self.threshold).to(x.dtype)
''')

HELPERS.define("Clip", '''
class Clip(nn.Module):
    """Caffe's Clip: max(min, min(x, max)), in that order."""

    def __init__(self, low: float, high: float) -> None:
        super().__init__()
        self.low = low
        self.high = high

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x.clamp(max=self.high)
        return torch.where(self.low < y, y, torch.full_like(y, self.low))
''')

HELPERS.define("Swish", '''
class Swish(nn.Module):
    """Caffe's Swish: x * sigmoid(beta * x)."""

    def __init__(self, beta: float = 1.0) -> None:
        super().__init__()
        self.beta = beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(self.beta * x)
''')


@PYSOURCE.register("ReLU")
def convert_relu(node: Node) -> Module:
    p: ReLUParams = node.params
    if p.negative_slope == 0:
        return Module("nn.ReLU()")
    return Module(call("nn.LeakyReLU", p.negative_slope))


@PYSOURCE.register("PReLU")
def convert_prelu(node: Node) -> Module:
    p: PReLUParams = node.params
    weight = np.array(node.blobs[0] if node.blobs else (), np.float32).reshape(-1)
    return Module(call("nn.PReLU", 1 if p.channel_shared else int(weight.size)),
                  (("weight", weight),))


@PYSOURCE.register("ELU")
def convert_elu(node: Node) -> Module:
    p: ELUParams = node.params
    return Module(call("nn.ELU", p.alpha) if p.alpha != 1 else "nn.ELU()")


_TORCH = {"Sigmoid": "nn.Sigmoid()", "TanH": "nn.Tanh()"}


@PYSOURCE.register(*_TORCH)
def convert_torch_pointwise(node: Node) -> Module:
    return Module(_TORCH[node.type])


@PYSOURCE.register("AbsVal", "BNLL")
def convert_written_pointwise(node: Node) -> Module:
    return Module(f"{node.type}()", (), (node.type,))


@PYSOURCE.register("Dropout")
def convert_dropout(node: Node) -> Module:
    p: DropoutParams = node.params
    return Module(call("nn.Dropout", p.dropout_ratio))


@PYSOURCE.register("Power")
def convert_power(node: Node) -> Module:
    p: PowerParams = node.params
    return Module(call("Power", p.power, p.scale, p.shift), (), ("Power",))


@PYSOURCE.register("Exp")
def convert_exp(node: Node) -> Module:
    inner, outer = exp_constants(node.params)
    return Module(call("Exp", inner, outer), (), ("Exp",))


@PYSOURCE.register("Log")
def convert_log(node: Node) -> Module:
    p: ExpParams = node.params
    return Module(call("Log", p.scale, p.shift, log_base_scale(p)), (), ("Log",))


@PYSOURCE.register("Threshold")
def convert_threshold(node: Node) -> Module:
    p: ThresholdParams = node.params
    return Module(call("Threshold", p.threshold), (), ("Threshold",))


@PYSOURCE.register("Clip")
def convert_clip(node: Node) -> Module:
    p: ClipParams = node.params
    return Module(call("Clip", p.min, p.max), (), ("Clip",))


@PYSOURCE.register("Swish")
def convert_swish(node: Node) -> Module:
    p: SwishParams = node.params
    if p.beta == 1:
        return Module("nn.SiLU()")
    return Module(call("Swish", p.beta), (), ("Swish",))
