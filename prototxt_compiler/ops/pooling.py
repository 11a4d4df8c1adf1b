"""Pooling and SPP: Caffe's PoolingLayer and SPPLayer rules (4-D bottoms only).

Pooling, per spatial axis, with ``round`` = ceil (round_mode CEIL, the default) or floor:
    out = round((in + 2*pad - kernel) / stride) + 1
and then, only when the layer has any padding (pad_h or pad_w nonzero; Caffe then applies it
to *both* axes, even one whose own pad is 0), the clip that keeps the last window starting
inside the input plus its leading pad:
    if (out - 1) * stride >= in + pad: out -= 1
Without padding there is no clip, so a kernel smaller than the stride may leave a last window
that starts past the input; Caffe keeps it. Caffe also asks for pad < kernel when padding, pad
only with MAX or AVE, and, for global_pooling, kernel = (H, W) with pad 0 and stride 1 and no
kernel given. MAX pooling may have a second top, the argmax mask, shaped like the first.

SPP (spatial pyramid pooling), level l = 0 .. pyramid_height-1 with bins = 2**l per axis:
    kernel = ceil(in / bins), pad = (kernel*bins - in + 1) // 2, stride = kernel
pooled by the rule above (so pad < kernel must hold there too). pyramid_height 1 gives the one
pooling's 4-D top (N, C, 1, 1); otherwise each level is flattened and they are concatenated:
    top = (N, C * sum over levels of out_h * out_w)

MACs: output count x kernel area (one accumulate per window element, as if every window lay
wholly inside the input), summed over levels for SPP.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import prod

import numpy as np

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS
from .writing import set_spatial, write_fields

__all__ = ["PoolingParams", "SPPParams", "pooled_size", "pooled_hw", "WindowAxis", "window_axis",
           "WindowPlan", "window_plan", "refuse_stochastic"]

_P = caffe_pb2.PoolingParameter


@dataclass(frozen=True)
class PoolingParams:
    """``kernel``/``stride``/``pad`` are (h, w). A global pooling's kernel is (0, 0) until
    bound to a bottom shape, then the bottom's (H, W)."""

    pool: str = "MAX"
    kernel: tuple[int, int] = (0, 0)
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int] = (0, 0)
    global_pooling: bool = False
    round_mode: str = "CEIL"
    bound: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class SPPParams:
    """``levels`` holds each pyramid level's pooling, made concrete when bound."""

    pyramid_height: int
    pool: str = "MAX"
    levels: tuple[PoolingParams, ...] = ()
    bound: bool = field(default=False, repr=False)


def _pair(p: caffe_pb2.PoolingParameter, one: str, h: str, w: str) -> tuple[int, int]:
    """pad or stride: the single field, or both of the _h/_w fields and not the single one."""
    has_h, has_w = p.HasField(h), p.HasField(w)
    if not (has_h or has_w):
        value = getattr(p, one)
        return (value, value)
    if p.HasField(one) or not (has_h and has_w):
        culprit = one if p.HasField(one) else (w if has_h else h)
        raise OpError(f"give either {one} or both {h} and {w}", field=f"pooling_param.{culprit}")
    return (getattr(p, h), getattr(p, w))


def _kernel(p: caffe_pb2.PoolingParameter) -> tuple[int, int]:
    given = [f for f in ("kernel_size", "kernel_h", "kernel_w") if p.HasField(f)]
    if p.global_pooling:
        if given:
            raise OpError("global_pooling takes its kernel from the bottom; "
                          "kernel_size, kernel_h and kernel_w must not be given",
                          field=f"pooling_param.{given[0]}")
        return (0, 0)
    has_hw = p.HasField("kernel_h") and p.HasField("kernel_w")
    if p.HasField("kernel_size") == has_hw:
        culprit = ("kernel_size" if p.HasField("kernel_size") or not given
                   else "kernel_w" if p.HasField("kernel_h") else "kernel_h")
        raise OpError("give either kernel_size or both kernel_h and kernel_w",
                      field=f"pooling_param.{culprit}")
    kernel = (p.kernel_size,) * 2 if p.HasField("kernel_size") else (p.kernel_h, p.kernel_w)
    if min(kernel) <= 0:
        raise OpError(f"kernel {list(kernel)} must be positive", field="pooling_param.kernel_size")
    return kernel


def check_pooling(params: PoolingParams) -> None:
    """Caffe's LayerSetUp checks on stride and pad (once the kernel is known)."""
    if min(params.stride) <= 0:
        raise OpError(f"stride {list(params.stride)} must be positive",
                      field="pooling_param.stride")
    if params.global_pooling and (params.pad != (0, 0) or params.stride != (1, 1)):
        raise OpError("global_pooling allows only pad 0 and stride 1",
                      field="pooling_param.global_pooling")
    if params.pad == (0, 0):
        return
    if params.pool not in ("MAX", "AVE"):
        raise OpError(f"padding works only with MAX and AVE pooling, not {params.pool}",
                      field="pooling_param.pad")
    for axis, pad, kernel in zip("hw", params.pad, params.kernel):
        if kernel and pad >= kernel:
            raise OpError(f"pad_{axis} {pad} must be smaller than kernel_{axis} {kernel}",
                          field="pooling_param.pad")


def read_pooling(layer: caffe_pb2.LayerParameter) -> PoolingParams:
    p = layer.pooling_param
    params = PoolingParams(
        pool=_P.PoolMethod.Name(p.pool), kernel=_kernel(p),
        stride=_pair(p, "stride", "stride_h", "stride_w"),
        pad=_pair(p, "pad", "pad_h", "pad_w"), global_pooling=p.global_pooling,
        round_mode=_P.RoundMode.Name(p.round_mode))
    check_pooling(params)
    return params


def _check_4d(shape: Shape, type: str) -> None:
    if len(shape) != 4:
        raise OpError(f"{type} takes a 4-D bottom (N, C, H, W), got {list(shape)}")


def bind_pooling(p: PoolingParams, bottoms: Sequence[Shape]) -> PoolingParams:
    if p.bound:
        return p
    _check_4d(bottoms[0], "Pooling")
    kernel = (bottoms[0][2], bottoms[0][3]) if p.global_pooling else p.kernel
    bound = replace(p, kernel=kernel, bound=True)
    check_pooling(bound)
    return bound


def pooled_size(size: int, kernel: int, stride: int, pad: int, round_mode: str,
                clip: bool) -> int:
    """One axis of Caffe's rule; ``clip`` is whether the layer has any padding at all."""
    span = size + 2 * pad - kernel
    out = (-(-span // stride) if round_mode == "CEIL" else span // stride) + 1
    if clip and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def pooled_hw(p: PoolingParams, height: int, width: int) -> tuple[int, int]:
    """The pooled (H, W) of a bound pooling; an empty output is refused, as Caffe does."""
    clip = p.pad != (0, 0)
    out = tuple(pooled_size(size, k, s, pad, p.round_mode, clip)
                for size, k, s, pad in zip((height, width), p.kernel, p.stride, p.pad))
    if min(out) < 1:
        raise OpError(f"kernel {list(p.kernel)} with pad {list(p.pad)} and stride "
                      f"{list(p.stride)} leaves no output for a {height}x{width} input "
                      "(expected kernel <= input + 2*pad)", field="pooling_param.kernel_size")
    return out[0], out[1]


def infer_pooling(p: PoolingParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    if num_tops > 1 and p.pool != "MAX":
        raise OpError(f"only MAX pooling has a second (mask) top; {p.pool} pooling has one",
                      field="pooling_param.pool")
    p = bind_pooling(p, bottoms)
    n, c, h, w = bottoms[0]
    top = (n, c) + pooled_hw(p, h, w)
    return [top] * num_tops


def macs_pooling(p: PoolingParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    return prod(tops[0]) * prod(bind_pooling(p, bottoms).kernel)


def read_spp(layer: caffe_pb2.LayerParameter) -> SPPParams:
    p = layer.spp_param
    if p.pyramid_height < 1:
        raise OpError(f"pyramid_height is {p.pyramid_height}, expected >= 1",
                      field="spp_param.pyramid_height")
    return SPPParams(pyramid_height=p.pyramid_height,
                     pool=caffe_pb2.SPPParameter.PoolMethod.Name(p.pool))


def spp_level(pool: str, level: int, height: int, width: int) -> PoolingParams:
    """Caffe's SPPLayer::GetPoolingParam: the pooling that cuts the input into 2**level bins
    per axis."""
    bins = 2 ** level
    kernel = tuple(-(-size // bins) for size in (height, width))
    pad = tuple((k * bins - size + 1) // 2 for k, size in zip(kernel, (height, width)))
    params = PoolingParams(pool=pool, kernel=(kernel[0], kernel[1]), stride=(kernel[0], kernel[1]),
                           pad=(pad[0], pad[1]), bound=True)
    try:
        check_pooling(params)
    except OpError as error:
        raise OpError(f"pyramid level {level} ({bins}x{bins} bins) of a {height}x{width} input "
                      f"needs kernel {list(kernel)} and pad {list(pad)}: {error.message} "
                      "(expected a smaller pyramid_height or a larger input)",
                      field="spp_param.pyramid_height") from error
    return params


def bind_spp(p: SPPParams, bottoms: Sequence[Shape]) -> SPPParams:
    if p.bound:
        return p
    _check_4d(bottoms[0], "SPP")
    height, width = bottoms[0][2:]
    if min(height, width) < 1:
        raise OpError(f"SPP needs a non-empty input, got {list(bottoms[0])}")
    levels = tuple(spp_level(p.pool, level, height, width) for level in range(p.pyramid_height))
    return replace(p, levels=levels, bound=True)


def _spp_level_sizes(p: SPPParams, bottom: Shape) -> list[tuple[int, int]]:
    return [pooled_hw(level, bottom[2], bottom[3]) for level in bind_spp(p, [bottom]).levels]


def infer_spp(p: SPPParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    n, c = bottoms[0][:2]
    sizes = _spp_level_sizes(p, bottoms[0])
    if p.pyramid_height == 1:
        return [(n, c) + sizes[0]]
    return [(n, c * sum(h * w for h, w in sizes))]


def macs_spp(p: SPPParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    n, c = bottoms[0][:2]
    levels = bind_spp(p, bottoms).levels
    sizes = _spp_level_sizes(p, bottoms[0])
    return sum(n * c * h * w * prod(level.kernel) for level, (h, w) in zip(levels, sizes))


def write_pooling(p: PoolingParams, q: caffe_pb2.PoolingParameter,
                  bottoms: Sequence[Shape]) -> None:
    """A bound global pooling carries the bottom's (H, W) as its kernel; Caffe refuses a
    kernel next to ``global_pooling``, so only the flag is written and the kernel is bound
    again on reading."""
    if not p.global_pooling:
        set_spatial(q, "kernel_size", "kernel_h", "kernel_w", p.kernel, default=None)
    set_spatial(q, "stride", "stride_h", "stride_w", p.stride, default=1)
    set_spatial(q, "pad", "pad_h", "pad_w", p.pad, default=0)
    write_fields(p, q, skip=("kernel", "stride", "pad"))


def write_spp(p: SPPParams, q: caffe_pb2.SPPParameter, bottoms: Sequence[Shape]) -> None:
    """The pyramid's levels follow from the bottom's shape; only their recipe is written."""
    q.pyramid_height = p.pyramid_height
    write_fields(p, q, skip=("pyramid_height", "levels"))


OPS.define("Pooling", family="pooling", read=read_pooling, bind=bind_pooling,
           infer=infer_pooling, macs=macs_pooling, tops=(1, 2), param="pooling_param",
           write=write_pooling)
OPS.define("SPP", family="pooling", read=read_spp, bind=bind_spp, infer=infer_spp,
           macs=macs_spp, param="spp_param", write=write_spp)


@dataclass(frozen=True)
class WindowAxis:
    """Caffe's pooling windows along one spatial axis of ``size``, as backends lay them out
    on a floor-mode pooling of a padded input: ``before``/``after`` padding (``after`` < 0:
    rows no window reaches), ``pooled`` windows pooled (MAX skips trailing windows with no
    real element, which Caffe fills with -FLT_MAX), Caffe's ``out`` windows and each one's
    AVE divisor (min(start + kernel, size + pad) - start: padding counts, the overhang past
    the padded input does not)."""

    size: int
    before: int
    after: int
    pooled: int
    out: int
    divisor: tuple[int, ...]


def window_axis(size: int, out: int, kernel: int, stride: int, pad: int, *,
                max_pool: bool) -> WindowAxis:
    starts = [i * stride - pad for i in range(out)]
    divisor = tuple(min(start + kernel, size + pad) - start for start in starts)
    pooled = sum(1 for start in starts if start < size) if max_pool else out
    after = (pooled - 1) * stride + kernel - (size + pad)
    return WindowAxis(size, pad, after, pooled, out, divisor)


@dataclass(frozen=True)
class WindowPlan:
    """Both axes' windows of one bound pooling, as the backends lay them out, and AVE's
    divisor map: one (out_h, out_w) float32 array of each window's Caffe divisor."""

    h: WindowAxis
    w: WindowAxis
    kernel: tuple[int, int]

    @property
    def divisor(self) -> np.ndarray:
        return np.outer(np.array(self.h.divisor), np.array(self.w.divisor)).astype(np.float32)

    @property
    def uniform(self) -> bool:
        """Every window's divisor is the kernel area: a plain average pooling computes it."""
        return bool(np.all(self.divisor == self.kernel[0] * self.kernel[1]))


def window_plan(p: PoolingParams, height: int, width: int, out: tuple[int, int] | None = None,
                *, max_pool: bool) -> WindowPlan:
    """The windows of pooling ``p`` (bound) over a ``height`` x ``width`` input, whose
    output is ``out`` (Caffe's rule, ``pooled_hw``, when not given)."""
    out = out or pooled_hw(p, height, width)
    h, w = (window_axis(size, n, k, s, pad, max_pool=max_pool)
            for size, n, k, s, pad in zip((height, width), out, p.kernel, p.stride, p.pad))
    return WindowPlan(h, w, (p.kernel[0], p.kernel[1]))


def refuse_stochastic(pool: str) -> None:
    """Caffe's CPU build has no TEST-phase forward for STOCHASTIC pooling: backends refuse it."""
    if pool == "STOCHASTIC":
        raise OpError("STOCHASTIC pooling has no TEST-phase forward in Caffe's CPU build "
                      "(it aborts with 'Not Implemented Yet'); expected MAX or AVE",
                      field="pooling_param.pool")
