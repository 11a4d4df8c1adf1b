"""What the default module computes in one pass where Caffe has two layers: a
global-statistics BatchNorm and the per-channel Scale that alone reads its top.

Per channel c, with s = 0 if factor == 0 else 1 / factor (the BatchNorm's third blob):

    BatchNorm then Scale:   y_c = (x_c - s m_c) / sqrt(s v_c + eps) * gamma_c + beta_c

which is torch's inference batch_norm with the running statistics (s m, s v) and the Scale
as its affine part: one pass over x instead of two. The statistics are worked out from the
BatchNorms' buffers at every call (a loaded state_dict, any change to a buffer, takes
effect), for all the fused layers of the net at once (``statistics``: a handful of
operations for the whole net, not six per layer); then each pair runs
``batch_norm_scale``. Both layers keep their modules, names and state_dict keys, and
``layer_outputs`` runs them one by one (``lower``).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch

__all__ = ["statistics", "batch_norm_scale", "Statistics"]


class Statistics(Protocol):
    """A BatchNorm module's buffers (``norm.CaffeBatchNorm``)."""

    mean: torch.Tensor
    variance: torch.Tensor
    factor: torch.Tensor


def _scales(factors: torch.Tensor) -> torch.Tensor:
    """``ops.norm.stats_scale`` elementwise: 0 where the factor is 0, else 1 / factor
    (tensor operands only: a Python number in a comparison costs more than the rest)."""
    zero = torch.zeros_like(factors)
    return torch.where(torch.eq(factors, zero), zero, torch.reciprocal(factors))


def statistics(layers: Sequence[Statistics]) -> tuple[tuple[torch.Tensor, torch.Tensor], ...]:
    """(s * mean, s * variance) of each BatchNorm module in ``layers`` (buffers ``mean``,
    ``variance``, ``factor``), computed together where their factors share a device and a
    type, else layer by layer."""
    factors = [layer.factor.reshape(1) for layer in layers]
    means = [layer.mean for layer in layers]
    variances = [layer.variance for layer in layers]
    if len({(f.device, f.dtype) for f in factors}) == 1:
        scales = _scales(torch.cat(factors)).unbind()
        return tuple(zip(torch._foreach_mul(means, scales),
                         torch._foreach_mul(variances, scales)))
    pairs = []
    for mean, variance, factor in zip(means, variances, factors):
        scale = _scales(factor)
        pairs.append((mean * scale, variance * scale))
    return tuple(pairs)


def batch_norm_scale(x: torch.Tensor, stats: tuple[torch.Tensor, torch.Tensor],
                     weight: torch.Tensor, bias: torch.Tensor | None,
                     eps: float) -> torch.Tensor:
    """The BatchNorm (``stats`` from ``statistics``) and the Scale (``weight``, ``bias``) in
    one inference batch_norm."""
    mean, variance = stats
    return torch.batch_norm(x, weight, bias, mean, variance, False, 0.0, eps,
                            torch.backends.cudnn.enabled)
