"""Im2col: Caffe's Im2colLayer, the patches a convolution would see, laid out as channels.

Params from ``convolution_param`` (num_output, group, bias_term and the fillers mean nothing
here). The channel axis is ``axis`` (default 1; negative counts from the end); every axis
after it is spatial (at least one). Per spatial axis, as Im2colLayer::LayerSetUp reads them:
kernel_size once or once per axis (required), or kernel_h and kernel_w (two spatial axes
only; a missing one reads 0, refused); stride and pad the same way, default 1 and 0 (pad_h
alone leaves pad_w 0; a stride of 0 is refused); dilation once or once per axis, default 1
(0 is allowed: every kernel tap reads the same place). Values past Caffe's int range are
refused. Then
    out_i = (in_i + 2*pad_i - (dilation_i*(kernel_i - 1) + 1)) / stride_i + 1
with C++'s division, which truncates toward zero: a window that starts inside the padded
input but runs past its end still counts, its missing taps reading 0 (in 2, kernel 3,
stride 2 gives 1). Caffe cannot run an output size below 1. The top is
    bottom[:axis] + (C * prod(kernel),) + (out_1, ..., out_n)
and, for each item of the leading axes, channel c*prod(kernel) + k (k the kernel tap in
row-major order over the spatial axes) at output position o holds
    bottom[c, o_1*stride_1 - pad_1 + k_1*dilation_1, ...]   (0 outside the input).
``force_nd_im2col`` picks Caffe's N-d code for 2-D, with the same result. MACs: 0 (copies).
Im2col cannot run in place: Caffe reshapes the bottom it reads (other values, or a crash).
"""
from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import prod

from ..errors import OpError
from ..ir import Shape, is_symbolic
from ..proto import caffe_pb2
from .base import OPS, canonical_axis, refuse_in_place, spatial_values
from .writing import set_spatial, write_fields

__all__ = ["Im2colParams", "c_div", "im2col_sizes", "im2col_plan", "Window", "MAX_TAPS"]

INT_MAX = 2 ** 31 - 1  # Caffe reads these uint32 fields into C ints
MAX_TAPS = 4096  # kernel taps the backends lower (one slice each)


@dataclass(frozen=True)
class Im2colParams:
    """Spatial tuples as the prototxt gave them until bound to a bottom, then one value per
    spatial axis; ``hw`` records which of kernel, stride, pad came as *_h/*_w (2-D only)."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...] = ()
    pad: tuple[int, ...] = ()
    dilation: tuple[int, ...] = ()
    axis: int = 1
    force_nd_im2col: bool = False
    hw: tuple[str, ...] = field(default=(), repr=False, compare=False)
    bound: bool = field(default=False, repr=False)


def c_div(a: int, b: int) -> int:
    """C++'s integer division: the quotient truncated toward zero."""
    q = abs(a) // b
    return q if a >= 0 else -q


def _hw(p: caffe_pb2.ConvolutionParameter, name: str, repeated: str) -> tuple[int, ...] | None:
    """``NAME_h``/``NAME_w`` when either is set (the other reads 0), never with the repeated
    form; None when neither is set."""
    h, w = f"{name}_h", f"{name}_w"
    if not (p.HasField(h) or p.HasField(w)):
        return None
    if len(getattr(p, repeated)):
        raise OpError(f"give either {repeated} or {h}/{w}, not both",
                      field=f"convolution_param.{repeated}")
    return (getattr(p, h), getattr(p, w))


def read_im2col(layer: caffe_pb2.LayerParameter) -> Im2colParams:
    refuse_in_place(layer)
    p = layer.convolution_param
    values = {}
    hw = []
    for name, repeated in (("kernel", "kernel_size"), ("stride", "stride"), ("pad", "pad")):
        pair = _hw(p, name, repeated)
        if pair is not None:
            hw.append(name)
        values[name] = pair if pair is not None else tuple(getattr(p, repeated))
    if not values["kernel"]:
        raise OpError("kernel_size (or kernel_h and kernel_w) is required",
                      field="convolution_param.kernel_size")
    values["dilation"] = tuple(p.dilation)
    for name, given in values.items():
        if any(v > INT_MAX for v in given):
            raise OpError(f"{name} {list(given)} is past Caffe's int range",
                          field=f"convolution_param.{name}")
    return Im2colParams(kernel=values["kernel"], stride=values["stride"], pad=values["pad"],
                        dilation=values["dilation"], axis=p.axis,
                        force_nd_im2col=p.force_nd_im2col, hw=tuple(hw))


def bind_im2col(p: Im2colParams, bottoms: Sequence[Shape]) -> Im2colParams:
    if p.bound:
        return p
    shape = bottoms[0]
    axis = canonical_axis(p.axis, len(shape), "convolution_param.axis")
    n = len(shape) - axis - 1
    if n < 1:
        raise OpError(f"bottom {list(shape)} has no spatial axes after axis {axis}",
                      field="convolution_param.axis")
    if p.hw and n != 2:
        raise OpError(f"{p.hw[0]}_h and {p.hw[0]}_w can only be used with 2 spatial axes, "
                      f"the bottom has {n}", field=f"convolution_param.{p.hw[0]}_h")
    kernel = spatial_values(p.kernel, n, 0, "convolution_param.kernel_size")
    stride = spatial_values(p.stride, n, 1, "convolution_param.stride")
    pad = spatial_values(p.pad, n, 0, "convolution_param.pad")
    dilation = spatial_values(p.dilation, n, 1, "convolution_param.dilation")
    if min(kernel) <= 0:
        raise OpError(f"kernel {list(kernel)} must be positive on every axis",
                      field="convolution_param.kernel_size")
    if min(stride) <= 0:
        raise OpError(f"stride {list(stride)} must be positive on every axis",
                      field="convolution_param.stride")
    return replace(p, kernel=kernel, stride=stride, pad=pad, dilation=dilation, axis=axis,
                   bound=True)


def im2col_sizes(p: Im2colParams, shape: Shape) -> tuple[int, ...]:
    """The output size of each spatial axis (``p`` bound)."""
    sizes = []
    for i, size in enumerate(shape[p.axis + 1:]):
        extent = p.dilation[i] * (p.kernel[i] - 1) + 1
        span = size + 2 * p.pad[i] - extent
        out = span // p.stride[i] + 1 if is_symbolic(span) else c_div(span, p.stride[i]) + 1
        if not is_symbolic(out) and out < 1:
            raise OpError(f"output size {out} on spatial axis {i}: the kernel extent "
                          f"{extent} does not fit the padded input size {size + 2 * p.pad[i]} "
                          "(Caffe needs at least 1)", field="convolution_param.kernel_size")
        sizes.append(out)
    return tuple(sizes)


Window = tuple[tuple[int, int, int], ...]  # per spatial axis: start, stop, step


def im2col_plan(p: Im2colParams, shape: Shape) -> tuple[list[tuple[int, int]], list[Window]]:
    """For the backends: the padding (before, after) of each spatial axis and each tap's
    window in the padded input, taps in Caffe's row-major order. They write one slice per
    tap, so a kernel of more than ``MAX_TAPS`` taps is refused there."""
    if prod(p.kernel) > MAX_TAPS:
        raise OpError(f"kernel {list(p.kernel)} has {prod(p.kernel)} taps; the backends write "
                      f"one slice per tap, at most {MAX_TAPS}",
                      field="convolution_param.kernel_size")
    sizes = im2col_sizes(p, shape)
    pads, ranges = [], []
    for i, size in enumerate(shape[p.axis + 1:]):
        extent = p.dilation[i] * (p.kernel[i] - 1) + 1
        needed = (sizes[i] - 1) * p.stride[i] + extent
        pads.append((p.pad[i], max(0, needed - size - p.pad[i])))
        ranges.append([(k * p.dilation[i], k * p.dilation[i] + (sizes[i] - 1) * p.stride[i] + 1,
                        p.stride[i]) for k in range(p.kernel[i])])
    return pads, [tuple(w) for w in itertools.product(*ranges)]


def infer_im2col(p: Im2colParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_im2col(p, bottoms)
    shape = tuple(bottoms[0])
    return [shape[:p.axis] + (shape[p.axis] * prod(p.kernel),) + im2col_sizes(p, shape)]


def write_im2col(p: Im2colParams, q: caffe_pb2.ConvolutionParameter,
                 bottoms: Sequence[Shape]) -> None:
    """Spatial values in their shortest form (one value when every axis agrees, else
    ``*_h``/``*_w`` for two axes, else one per axis); axis and force_nd_im2col as they differ
    from the defaults."""
    set_spatial(q, "kernel_size", "kernel_h", "kernel_w", p.kernel, default=None)
    set_spatial(q, "stride", "stride_h", "stride_w", p.stride, default=1)
    set_spatial(q, "pad", "pad_h", "pad_w", p.pad, default=0)
    if any(d != 1 for d in p.dilation):
        q.dilation.extend(p.dilation if len(set(p.dilation)) > 1 else p.dilation[:1])
    write_fields(p, q, skip=("kernel", "stride", "pad", "dilation"))


OPS.define("Im2col", family="im2col", read=read_im2col, bind=bind_im2col, infer=infer_im2col,
           param="convolution_param", write=write_im2col)
