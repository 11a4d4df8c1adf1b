"""``BN``: the batch normalisation of the segmentation forks, in its two forms.

Both read ``bn_param`` (a union of the forks' fields: text gives whichever they wrote) and
normalise per channel of a bottom of 2 to 4 axes (their legacy accessors read missing axes as
1); top = bottom's shape; blobs are (1, C, 1, 1) each.

PSPNet's (hszhao/PSPNet bn_layer.cpp; the same layer as yjxiong's fork), ``slope_filler``,
``bias_filler``, ``momentum`` (0.9), ``eps`` (1e-5, its own default), ``frozen``, four blobs
slope, bias, mean, variance. In TEST, or when frozen, the stored statistics:
    y = slope (x - mean) / sqrt(variance + eps) + bias
(the fork adds eps and takes power -0.5); in TRAIN and not frozen, the batch's own mean and
biased variance E((x - mean)^2) over N, H, W in their place. No moving-average factor: the
blobs are used as stored. BVLC twin: BatchNorm (blobs mean, variance, factor 1; same eps)
then Scale with bias (slope, bias).

SegNet's (alexgkendall/caffe-segnet bn_layer.cpp), ``scale_filler``, ``shift_filler``,
``bn_mode``, two blobs scale and shift: INFERENCE computes y = scale x + shift (its inference
nets carry the statistics folded into the blobs); LEARN normalises by the batch's statistics
in every phase, var = E(x^2) - E(x)^2, with its fixed eps 1e-9. (LEARN's optional second and
third tops, the batch mean and variance, are not supported.)

A layer setting any of SegNet's fields is SegNet's; otherwise (PSPNet's fields, or none) it
is PSPNet's four-blob layer. Fields of both forms in one layer are refused.

The mean and variance are statistics, not learned (``learned`` names blobs 0 and 1 only);
MACs: none, as for BatchNorm and Scale. A BN with stored statistics (or SegNet's INFERENCE)
is the affine map ``bn_affine`` gives, which folds into the convolution before it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import OpError
from ..ir import Shape
from .base import OPS
from .fillers import Filler, read_filler
from .writing import write_fields

__all__ = ["BNParams", "bn_affine", "SEGNET_EPS"]

SEGNET_EPS = 1e-9
_PSPNET_FIELDS = ("slope_filler", "bias_filler", "momentum", "eps", "frozen", "engine")
_SEGNET_FIELDS = ("scale_filler", "shift_filler", "bn_mode")


@dataclass(frozen=True)
class BNParams:
    """``form`` "pspnet" (four blobs) or "segnet" (two); the fields of that form."""

    form: str = "pspnet"
    slope_filler: Filler = Filler()
    bias_filler: Filler = Filler()
    momentum: float = float(np.float32(0.9))
    eps: float = float(np.float32(1e-5))
    frozen: bool = False
    scale_filler: Filler = Filler()
    shift_filler: Filler = Filler()
    bn_mode: str = "LEARN"
    phase: str = field(default="TEST", repr=False)

    @property
    def global_stats(self) -> bool:
        """Whether the layer uses stored statistics (else the batch's own)."""
        if self.form == "segnet":
            return self.bn_mode == "INFERENCE"
        return self.frozen or self.phase == "TEST"

    def affine(self, blobs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
        """The per-channel map y = k x + shift with these blobs (``bn_affine``), which the
        BatchNorm folding pass folds into the convolution before the layer."""
        return bn_affine(self, blobs)

    @property
    def batch_eps(self) -> float:
        """The eps of the batch-statistics forward."""
        return SEGNET_EPS if self.form == "segnet" else self.eps


def read_bn(layer: Any) -> BNParams:
    p = layer.bn_param
    names = {f.name for f, _ in p.ListFields()}
    pspnet = sorted(names & set(_PSPNET_FIELDS))
    segnet = sorted(names & set(_SEGNET_FIELDS))
    if pspnet and segnet:
        raise OpError(f"bn_param mixes the fields of two different BN layers: PSPNet's "
                      f"{', '.join(pspnet)} and SegNet's {', '.join(segnet)}",
                      field=f"bn_param.{segnet[0]}")
    phase = getattr(layer, "net_phase", "TEST")
    if segnet:
        mode = p.DESCRIPTOR.fields_by_name["bn_mode"].enum_type.values_by_number[p.bn_mode]
        return BNParams(form="segnet", scale_filler=read_filler(p.scale_filler),
                        shift_filler=read_filler(p.shift_filler), bn_mode=mode.name,
                        phase=phase)
    if p.eps <= 0:
        raise OpError(f"eps is {p.eps}, expected > 0 (the fork takes (variance + eps) to the "
                      "power -0.5)", field="bn_param.eps")
    return BNParams(form="pspnet", slope_filler=read_filler(p.slope_filler),
                    bias_filler=read_filler(p.bias_filler), momentum=p.momentum, eps=p.eps,
                    frozen=p.frozen, phase=phase)


def infer_bn(p: BNParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    shape = tuple(bottoms[0])
    if not 2 <= len(shape) <= 4:
        raise OpError(f"BN takes a bottom of 2 to 4 axes with channels on axis 1, got "
                      f"{list(shape)}")
    return [shape]


def blobs_bn(p: BNParams, bottoms: Sequence[Shape]) -> list[Shape]:
    blob = (1, bottoms[0][1], 1, 1)
    return [blob] * (4 if p.form == "pspnet" else 2)


def fillers_bn(p: BNParams, bottoms: Sequence[Shape]) -> list[Filler]:
    if p.form == "segnet":
        return [p.scale_filler, p.shift_filler]
    variance = Filler(value=1.0) if p.frozen else Filler()
    return [p.slope_filler, p.bias_filler, Filler(), variance]


def write_bn(p: BNParams, q: Any, bottoms: Sequence[Shape]) -> None:
    """The form's own fields; SegNet's bn_mode always, so that the form reads back."""
    if p.form == "segnet":
        write_fields(p, q, skip=_PSPNET_FIELDS)
        q.bn_mode = q.DESCRIPTOR.fields_by_name["bn_mode"].enum_type.values_by_name[
            p.bn_mode].number
    else:
        write_fields(p, q, skip=_SEGNET_FIELDS)


def bn_affine(p: BNParams, blobs: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
    """(k, shift), float64 per channel, with y = k x + shift, for a BN that uses stored
    statistics (or SegNet's INFERENCE); None for one that normalises by the batch."""
    if not p.global_stats:
        return None
    arrays = [np.asarray(b, np.float64).reshape(-1) for b in blobs]
    if p.form == "segnet":
        return arrays[0], arrays[1]
    slope, bias, mean, variance = arrays
    k = slope / np.sqrt(variance + np.float32(p.eps))
    return k, bias - mean * k


OPS.define("BN", family="forknorm", read=read_bn, infer=infer_bn, blobs=blobs_bn,
           fillers=fillers_bn, param="bn_param", write=write_bn, learned=(0, 1))
