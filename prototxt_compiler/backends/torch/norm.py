"""BatchNorm, Scale, Bias, LRN and MVN as torch modules, computing what Caffe computes.

BatchNorm (channels on axis 1; mean, variance over axis 0 and every axis after 1):
    global statistics (``BatchNormParams.global_stats``: use_global_stats true, or not
    given in the TEST phase; batch statistics in TRAIN):
        s = 0 if factor == 0 else 1 / factor        (factor: the third blob, shape (1,))
        y = (x - s * mean) / sqrt(s * variance + eps)
    batch statistics (use_global_stats false): the batch's own
        m = E[x], v = E[(x - m)^2]  (biased),  y = (x - m) / sqrt(v + eps)
    The blobs stay buffers ``mean``, ``variance``, ``factor`` and are read at run time, so a
    loaded state_dict takes effect.
Scale / Bias, with B broadcast from ``axis`` over ``num_axes`` axes (bound params):
    Scale  y = x * B (+ b, the learned bias, shaped like B, when bias_term)
    Bias   y = x + B
    B is the learned ``weight`` (Scale) or ``bias`` (Bias) with one bottom, else bottom 1.
LRN, with n = local_size and p = (n - 1) / 2:
    ACROSS_CHANNELS  y = x * (k + alpha / n * sum_{c' = c-p}^{c+p} x[c']^2)^-beta
                     (channels outside [0, C) count as zeros)
    WITHIN_CHANNEL   y = x * (1 + alpha * avg_{n x n} x^2)^-beta
                     Caffe chains Power, AVE Pooling (pad p, stride 1) and Power with shift 1:
                     k is ignored, and the average always divides by n^2 (with stride 1 and
                     pad p no window is clipped by Caffe's padded bound, so zeros count).
    In place (top == bottom), ACROSS_CHANNELS Caffe's CPU code writes s^-beta over its bottom
    before multiplying by it, so the top is (k + alpha / n * sum)^(-2 beta); we give what
    the CPU reference gives (its CUDA kernel reads x first and gives the formula above).
    WITHIN_CHANNEL in place is unaffected.
MVN: x viewed as (N, C, H, W) (Caffe's legacy accessors pad fewer axes with 1s, so the top is
    4-D); each row is (N*C, H*W), or (N, C*H*W) when across_channels:
        y = x - E[x]; when normalize_variance  y = (x - E[x]) / (sqrt(E[(x - E[x])^2]) + eps)
    (eps is added to the standard deviation, not the variance).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...ir import Node
from ...ops.norm import BatchNormParams, BiasParams, LRNParams, MVNParams, ScaleParams
from .registry import TORCH

__all__ = ["CaffeBatchNorm", "CaffeScale", "CaffeBias", "CaffeLRN", "CaffeMVN",
           "convert_batch_norm", "convert_scale", "convert_bias", "convert_lrn",
           "convert_mvn"]


def _tensor(blob: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(blob, dtype=np.float32, copy=True))


class CaffeBatchNorm(nn.Module):
    """Caffe's BatchNorm (no affine part: Caffe puts that in a Scale layer)."""

    fresh_output = True  # returns new storage (see lower.writable)
    mean: torch.Tensor
    variance: torch.Tensor
    factor: torch.Tensor

    def __init__(self, mean: torch.Tensor, variance: torch.Tensor, factor: torch.Tensor,
                 *, eps: float, use_global_stats: bool) -> None:
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("variance", variance)
        self.register_buffer("factor", factor)
        self.eps = eps
        self.use_global_stats = use_global_stats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.use_global_stats:
            inverse = _stats_scale(self.factor)
            # one fused pass: (x - mean) * rsqrt(variance + eps) per channel of axis 1
            return F.batch_norm(x, self.mean * inverse, self.variance * inverse,
                                training=False, eps=self.eps)
        else:
            axes = (0,) + tuple(range(2, x.dim()))
            mean = x.mean(dim=axes, keepdim=True)
            variance = (x - mean).square().mean(dim=axes, keepdim=True)
        return (x - mean) / torch.sqrt(variance + self.eps)

    def extra_repr(self) -> str:
        return f"eps={self.eps:g}, use_global_stats={self.use_global_stats}"


def _stats_scale(factor: torch.Tensor) -> torch.Tensor:
    """``ops.norm.stats_scale`` on the buffer, read at run time (traceable): 0 where the
    factor is 0, else 1 / factor. (Tensor operands only: a Python number in a comparison
    costs more than the rest of this together.)"""
    zero = torch.zeros_like(factor)
    return torch.where(torch.eq(factor, zero), zero, torch.reciprocal(factor))


@TORCH.register("BatchNorm")
def convert_batch_norm(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: BatchNormParams = node.params
    return CaffeBatchNorm(_tensor(blobs[0]), _tensor(blobs[1]), _tensor(blobs[2]),
                          eps=p.eps, use_global_stats=p.global_stats)


def _broadcast(b: torch.Tensor, trailing: int) -> torch.Tensor:
    """B (the axes from ``axis`` on) shaped to broadcast against the whole bottom."""
    return b.reshape(tuple(b.shape) + (1,) * trailing)


def _operand(given: Sequence[torch.Tensor], learned: torch.Tensor | None,
             layer: str) -> torch.Tensor:
    """B: the second input where one is given, else the learned blob."""
    if given:
        return given[0]
    if learned is None:
        raise TypeError(f"a {layer} without a learned blob needs its second input")
    return learned


class CaffeScale(nn.Module):
    """y = x * B (+ bias); B is ``weight``, or the second input when ``weight`` is None."""

    fresh_output = True  # returns new storage (see lower.writable)
    weight: nn.Parameter | None
    bias: nn.Parameter | None

    def __init__(self, weight: torch.Tensor | None, bias: torch.Tensor | None,
                 *, trailing: int, per_channel: bool = False) -> None:
        super().__init__()
        self.register_parameter("weight", None if weight is None else nn.Parameter(weight))
        self.register_parameter("bias", None if bias is None else nn.Parameter(bias))
        self.trailing = trailing
        # a learned (C,) scale on axis 1 runs as torch's fused per-channel affine
        self.per_channel = per_channel and weight is not None and weight.dim() == 1

    def forward(self, x: torch.Tensor, *given: torch.Tensor) -> torch.Tensor:
        w = self.weight
        if not given and self.per_channel and w is not None and x.dim() >= 2:
            # x * w + b per channel of axis 1 in one fused pass (mean 0, variance 1, eps 0)
            return F.batch_norm(x, torch.zeros_like(w), torch.ones_like(w), w, self.bias, eps=0.0)
        scale = _broadcast(_operand(given, w, "Scale"), self.trailing)
        if self.bias is None:
            return x * scale
        return torch.addcmul(_broadcast(self.bias, self.trailing), x, scale)

    def extra_repr(self) -> str:
        return f"trailing={self.trailing}"


class CaffeBias(nn.Module):
    """y = x + B; B is ``bias``, or the second input when ``bias`` is None."""

    fresh_output = True  # returns new storage (see lower.writable)
    bias: nn.Parameter | None

    def __init__(self, bias: torch.Tensor | None, *, trailing: int) -> None:
        super().__init__()
        self.register_parameter("bias", None if bias is None else nn.Parameter(bias))
        self.trailing = trailing

    def forward(self, x: torch.Tensor, *given: torch.Tensor) -> torch.Tensor:
        return x + _broadcast(_operand(given, self.bias, "Bias"), self.trailing)

    def extra_repr(self) -> str:
        return f"trailing={self.trailing}"


def _trailing(node: Node, axis: int, num_axes: int) -> int:
    return len(node.input_shapes()[0]) - axis - num_axes


@TORCH.register("Scale")
def convert_scale(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ScaleParams = node.params
    learned = [_tensor(b) for b in blobs]
    weight = learned.pop(0) if len(node.inputs) == 1 else None
    bias = learned.pop(0) if p.bias_term else None
    return CaffeScale(weight, bias, trailing=_trailing(node, p.axis, p.num_axes),
                      per_channel=p.axis == 1 and p.num_axes == 1)


@TORCH.register("Bias")
def convert_bias(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: BiasParams = node.params
    bias = _tensor(blobs[0]) if len(node.inputs) == 1 else None
    return CaffeBias(bias, trailing=_trailing(node, p.axis, p.num_axes))


class CaffeLRN(nn.Module):
    """Caffe's LRN over a 4-D (N, C, H, W) bottom, either region."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, *, local_size: int, alpha: float, beta: float, k: float,
                 within_channel: bool, in_place: bool = False) -> None:
        super().__init__()
        self.local_size = local_size
        self.alpha = alpha
        self.beta = beta
        self.k = k
        self.within_channel = within_channel
        self.in_place = in_place and not within_channel

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, pad = self.local_size, (self.local_size - 1) // 2
        square = x * x
        if self.within_channel:
            average = F.avg_pool2d(square, n, stride=1, padding=pad, count_include_pad=True)
            base = 1.0 + self.alpha * average
        else:
            # the mean over a window of n channels (zeros beyond the edges) is sum / n
            padded = F.pad(square, (0, 0, 0, 0, pad, pad)).unsqueeze(1)
            average = F.avg_pool3d(padded, (n, 1, 1), stride=1).squeeze(1)
            base = self.k + self.alpha * average
            if self.in_place:  # Caffe writes base^-beta over x, then multiplies by "x"
                factor = base.pow(-self.beta)
                return factor * factor
        return x * base.pow(-self.beta)

    def extra_repr(self) -> str:
        region = "WITHIN_CHANNEL" if self.within_channel else "ACROSS_CHANNELS"
        return (f"local_size={self.local_size}, alpha={self.alpha:g}, beta={self.beta:g}, "
                f"k={self.k:g}, norm_region={region}"
                + (", in_place=True" if self.in_place else ""))


@TORCH.register("LRN")
def convert_lrn(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: LRNParams = node.params
    return CaffeLRN(local_size=p.local_size, alpha=p.alpha, beta=p.beta, k=p.k,
                    within_channel=p.norm_region == "WITHIN_CHANNEL", in_place=node.in_place)


class CaffeMVN(nn.Module):
    """Caffe's MVN; the top is the bottom viewed as (N, C, H, W) (``shape`` past the batch)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, *, shape: tuple[int, ...], normalize_variance: bool,
                 across_channels: bool, eps: float) -> None:
        super().__init__()
        self.shape = shape
        self.normalize_variance = normalize_variance
        self.across_channels = across_channels
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape((x.shape[0],) + self.shape)
        rows = x.flatten(1 if self.across_channels else 2)
        centred = rows - rows.mean(dim=-1, keepdim=True)
        if self.normalize_variance:
            std = centred.square().mean(dim=-1, keepdim=True).sqrt()
            centred = centred / (std + self.eps)
        return centred.reshape(x.shape)

    def extra_repr(self) -> str:
        return (f"normalize_variance={self.normalize_variance}, "
                f"across_channels={self.across_channels}, eps={self.eps:g}")


@TORCH.register("MVN")
def convert_mvn(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: MVNParams = node.params
    return CaffeMVN(shape=tuple(node.output_shapes()[0][1:]),
                    normalize_variance=p.normalize_variance,
                    across_channels=p.across_channels, eps=p.eps)
