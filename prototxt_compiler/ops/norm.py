"""BatchNorm, Scale, Bias, LRN and MVN: Caffe's normalisation and broadcast-affine layers.

Every top here has the bottom's shape, except MVN's (below).

BatchNorm: C = bottom[1] (Caffe refuses a 1-D bottom: it reads shape(1));
    blobs (C,) mean, (C,) variance, (1,) the moving-average factor that divides both;
    use_global_stats None means the phase decides (TEST: true).
Scale and Bias broadcast a blob B over bottom 0 from ``axis``: B's shape must equal
bottom0[axis : axis + B.ndim].
  - One bottom: B is learned, B.shape = bottom0[axis : axis + num_axes] (num_axes -1: to the
    end; 0: a scalar, shape ()); axis is canonicalised even for a scalar.
  - Two bottoms: B = bottom 1 and num_axes is ignored; for a 0-D bottom 1, Caffe uses axis 0
    and never looks at ``axis``, so any axis is accepted there.
  Scale's bias_term adds a learned bias shaped like B, made by an inner Bias layer with the
  same axis (which, unlike the scale, canonicalises axis even for a 0-D bottom 1).
  Once bound, ``axis`` is non-negative (0 for a scalar, as Caffe sets it) and ``num_axes`` is
  B's number of axes: B reshaped to B.shape + (1,) * (ndim - axis - num_axes) broadcasts.
LRN: local_size odd; a 4-D bottom.
MVN: Caffe reshapes its top through the legacy (N, C, H, W) accessors, so a bottom of fewer
    than 4 axes comes out padded with 1s to 4-D and one of more than 4 is refused.

MACs (one per multiply-accumulate): BatchNorm, Scale and Bias count none. Their per-element
affine work folds into the neighbouring convolution in a deployed net, and the papers'
counts (ResNeXt-50 32x4d: 4.2 GMACs) leave it out; ``info`` follows them. BatchNorm's blobs
are running statistics, not learned parameters (``learned=False``). LRN local_size (ACROSS_CHANNELS) or local_size**2 (WITHIN_CHANNEL) per element plus
one, MVN one per element for the mean plus one for the variance when normalize_variance.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import prod
from typing import Any

import numpy as np

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, canonical_axis, unify_dims
from .fillers import Filler, read_filler
from .writing import write_fields

__all__ = ["BatchNormParams", "ScaleParams", "BiasParams", "LRNParams", "MVNParams",
           "stats_scale"]


@dataclass(frozen=True)
class BatchNormParams:
    """``use_global_stats`` as written (None: not given); ``phase`` the net's, which decides
    when it is not given: Caffe's BatchNorm uses its stored statistics in TEST and the
    batch's own in TRAIN (``global_stats``)."""

    use_global_stats: bool | None = None
    moving_average_fraction: float = 0.999
    eps: float = 1e-5
    phase: str = field(default="TEST", repr=False)

    @property
    def global_stats(self) -> bool:
        if self.use_global_stats is not None:
            return self.use_global_stats
        return self.phase == "TEST"


def stats_scale(factor: Any) -> np.float32:
    """The scale Caffe applies to the stored mean and variance: 0 when the moving-average
    factor (the third blob) is 0, else 1 / factor, in float32 as Caffe computes it."""
    value = np.float32(np.asarray(factor, dtype=np.float32).reshape(-1)[0])
    return np.float32(0) if value == 0 else np.float32(1) / value


@dataclass(frozen=True)
class ScaleParams:
    axis: int = 1
    num_axes: int = 1
    bias_term: bool = False
    filler: Filler = Filler(type="constant", value=1.0)
    bias_filler: Filler = Filler()
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class BiasParams:
    axis: int = 1
    num_axes: int = 1
    filler: Filler = Filler()
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class LRNParams:
    local_size: int = 5
    alpha: float = 1.0
    beta: float = 0.75
    norm_region: str = "ACROSS_CHANNELS"
    k: float = 1.0


@dataclass(frozen=True)
class MVNParams:
    normalize_variance: bool = True
    across_channels: bool = False
    eps: float = 1e-9


# BatchNorm

def read_batch_norm(layer: caffe_pb2.LayerParameter) -> BatchNormParams:
    p = layer.batch_norm_param
    use_global = p.use_global_stats if p.HasField("use_global_stats") else None
    return BatchNormParams(use_global_stats=use_global,
                           moving_average_fraction=p.moving_average_fraction, eps=p.eps,
                           phase=getattr(layer, "net_phase", "TEST"))


def infer_batch_norm(p: BatchNormParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    if len(bottoms[0]) < 2:
        raise OpError(f"BatchNorm needs a bottom with a channel axis (axis 1), "
                      f"got {list(bottoms[0])}")
    return [tuple(bottoms[0])]


def blobs_batch_norm(p: BatchNormParams, bottoms: Sequence[Shape]) -> list[Shape]:
    channels = bottoms[0][1]
    return [(channels,), (channels,), (1,)]


# Scale and Bias

def _learned_axes(axis: int, num_axes: int, bottom: Shape, field: str) -> tuple[int, int]:
    """(axis, number of axes) of a learned blob, as Scale/Bias LayerSetUp checks them."""
    axis = canonical_axis(axis, len(bottom), f"{field}.axis")
    if num_axes < -1:
        raise OpError(f"num_axes is {num_axes}, expected >= 0, or -1 for all axes from axis",
                      field=f"{field}.num_axes")
    if num_axes == -1:
        return axis, len(bottom) - axis
    if axis + num_axes > len(bottom):
        raise OpError(f"num_axes {num_axes} from axis {axis} runs past the bottom's "
                      f"{len(bottom)} axes {list(bottom)}", field=f"{field}.num_axes")
    return axis, num_axes


def _given_axes(axis: int, bottom: Shape, given: Shape, field: str) -> tuple[int, int]:
    """(axis, number of axes) of a blob given as bottom 1, as Scale/Bias Reshape checks it."""
    if len(given) == 0:
        return 0, 0
    axis = canonical_axis(axis, len(bottom), f"{field}.axis")
    if axis + len(given) > len(bottom):
        raise OpError(f"bottom 1 {list(given)} applied from axis {axis} runs past bottom 0 "
                      f"{list(bottom)}", field=f"{field}.axis")
    unify_dims(bottom[axis:axis + len(given)], tuple(given),
               f"bottom 1 must match bottom 0 from axis {axis}")
    if bottom[axis:axis + len(given)] != tuple(given):
        raise OpError(f"bottom 1 {list(given)} must match bottom 0 {list(bottom)} from axis "
                      f"{axis} (expected {list(bottom[axis:axis + len(given)])})",
                      field=f"{field}.axis")
    return axis, len(given)


def _broadcast_axes(axis: int, num_axes: int, bottoms: Sequence[Shape],
                    field: str) -> tuple[int, int]:
    if len(bottoms) > 1:
        axis, n = _given_axes(axis, bottoms[0], bottoms[1], field)
    else:
        axis, n = _learned_axes(axis, num_axes, bottoms[0], field)
    return (0 if n == 0 else axis), n


def read_scale(layer: caffe_pb2.LayerParameter) -> ScaleParams:
    p = layer.scale_param
    filler = read_filler(p.filler) if p.HasField("filler") else Filler(type="constant", value=1.0)
    return ScaleParams(axis=p.axis, num_axes=p.num_axes, bias_term=p.bias_term, filler=filler,
                       bias_filler=read_filler(p.bias_filler))


def bind_scale(p: ScaleParams, bottoms: Sequence[Shape]) -> ScaleParams:
    if p.bound:
        return p
    if p.bias_term and len(bottoms) > 1:
        # The inner Bias layer learns a blob of bottom 1's number of axes from ``axis``.
        _learned_axes(p.axis, len(bottoms[1]), bottoms[0], "scale_param")
    axis, n = _broadcast_axes(p.axis, p.num_axes, bottoms, "scale_param")
    return replace(p, axis=axis, num_axes=n, bound=True)


def blobs_scale(p: ScaleParams, bottoms: Sequence[Shape]) -> list[Shape]:
    p = bind_scale(p, bottoms)
    blob = tuple(bottoms[0][p.axis:p.axis + p.num_axes])
    return ([blob] if len(bottoms) == 1 else []) + ([blob] if p.bias_term else [])


def infer_scale(p: ScaleParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    bind_scale(p, bottoms)
    return [tuple(bottoms[0])]


def read_bias(layer: caffe_pb2.LayerParameter) -> BiasParams:
    p = layer.bias_param
    return BiasParams(axis=p.axis, num_axes=p.num_axes, filler=read_filler(p.filler))


def bind_bias(p: BiasParams, bottoms: Sequence[Shape]) -> BiasParams:
    if p.bound:
        return p
    axis, n = _broadcast_axes(p.axis, p.num_axes, bottoms, "bias_param")
    return replace(p, axis=axis, num_axes=n, bound=True)


def blobs_bias(p: BiasParams, bottoms: Sequence[Shape]) -> list[Shape]:
    if len(bottoms) > 1:
        return []
    p = bind_bias(p, bottoms)
    return [tuple(bottoms[0][p.axis:p.axis + p.num_axes])]


def infer_bias(p: BiasParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    bind_bias(p, bottoms)
    return [tuple(bottoms[0])]


# LRN and MVN

def read_lrn(layer: caffe_pb2.LayerParameter) -> LRNParams:
    p = layer.lrn_param
    if p.local_size % 2 != 1:
        raise OpError(f"local_size is {p.local_size}, expected an odd number",
                      field="lrn_param.local_size")
    return LRNParams(local_size=p.local_size, alpha=p.alpha, beta=p.beta, k=p.k,
                     norm_region=caffe_pb2.LRNParameter.NormRegion.Name(p.norm_region))


def infer_lrn(p: LRNParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    if len(bottoms[0]) != 4:
        raise OpError(f"LRN takes a 4-D bottom (N, C, H, W), got {list(bottoms[0])}")
    return [tuple(bottoms[0])]


def macs_lrn(p: LRNParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    window = p.local_size if p.norm_region == "ACROSS_CHANNELS" else p.local_size ** 2
    return prod(bottoms[0]) * (window + 1)


def read_mvn(layer: caffe_pb2.LayerParameter) -> MVNParams:
    p = layer.mvn_param
    return MVNParams(normalize_variance=p.normalize_variance,
                     across_channels=p.across_channels, eps=p.eps)


def infer_mvn(p: MVNParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    shape = tuple(bottoms[0])
    if len(shape) > 4:
        raise OpError(f"MVN takes a bottom of at most 4 axes (N, C, H, W), got {list(shape)}")
    return [shape + (1,) * (4 - len(shape))]


def macs_mvn(p: MVNParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    return prod(bottoms[0]) * (2 if p.normalize_variance else 1)


def fillers_batch_norm(p: BatchNormParams, bottoms: Sequence[Shape]) -> list[Filler]:
    """Caffe's BatchNormLayer sets its three blobs to 0."""
    return [Filler(), Filler(), Filler()]


def fillers_scale(p: ScaleParams, bottoms: Sequence[Shape]) -> list[Filler]:
    """``filler`` (constant 1 when absent) for the learned scale, then the inner Bias
    layer's ``bias_filler`` (constant 0 by default) when bias_term."""
    return ([p.filler] if len(bottoms) == 1 else []) + ([p.bias_filler] if p.bias_term else [])


def fillers_bias(p: BiasParams, bottoms: Sequence[Shape]) -> list[Filler]:
    return [p.filler] if len(bottoms) == 1 else []


def write_scale_or_bias(p: ScaleParams | BiasParams, q: caffe_pb2.ScaleParameter |
                        caffe_pb2.BiasParameter, bottoms: Sequence[Shape]) -> None:
    """The params are bound: ``axis`` non-negative (0 for a scalar blob) and ``num_axes``
    the blob's number of axes, which read back to the same bound values. With a second
    bottom Caffe ignores ``num_axes`` (the bind takes it from bottom 1), so it is left out.
    Scale's absent ``filler`` means constant 1, so any other (constant 0 included) is
    written out."""
    if p.axis != q.axis:
        q.axis = p.axis
    if len(bottoms) == 1 and p.num_axes != q.num_axes:
        q.num_axes = p.num_axes
    write_fields(p, q, skip=("axis", "num_axes"))


OPS.define("BatchNorm", family="norm", read=read_batch_norm, infer=infer_batch_norm,
           blobs=blobs_batch_norm, learned=False, fillers=fillers_batch_norm,
           param="batch_norm_param")
OPS.define("Scale", family="norm", read=read_scale, bind=bind_scale, infer=infer_scale,
           blobs=blobs_scale, bottoms=(1, 2), fillers=fillers_scale, param="scale_param",
           write=write_scale_or_bias)
OPS.define("Bias", family="norm", read=read_bias, bind=bind_bias, infer=infer_bias,
           blobs=blobs_bias, bottoms=(1, 2), fillers=fillers_bias, param="bias_param",
           write=write_scale_or_bias)
OPS.define("LRN", family="norm", read=read_lrn, infer=infer_lrn, macs=macs_lrn,
           param="lrn_param")
OPS.define("MVN", family="norm", read=read_mvn, infer=infer_mvn, macs=macs_mvn,
           param="mvn_param")
