"""Convolution and Deconvolution: Caffe's BaseConvolutionLayer rules.

Output size per spatial axis (integer division, as Caffe's ``compute_output_shape``: C++'s,
which truncates toward zero, so an input shorter than the kernel extent by less than the
stride still gives one window, reading zeros past the padding; ``overhang`` says how far):
    Convolution:   out = (in + 2*pad - (dilation*(kernel-1) + 1)) / stride + 1
    Deconvolution: out = stride*(in - 1) + dilation*(kernel-1) + 1 - 2*pad
Weights: Convolution [num_output, channels/group, *kernel]; Deconvolution
[channels, num_output/group, *kernel]; bias [num_output] when bias_term.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from math import prod

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, canonical_axis, known_less, known_nonzero, spatial_values, unify_dims
from .fillers import Filler, read_filler
from .writing import set_spatial, write_fields

__all__ = ["ConvolutionParams", "overhang"]


@dataclass(frozen=True)
class ConvolutionParams:
    """Both layer types' params. Spatial tuples hold what the prototxt gave until bound to a
    bottom shape, then one value per spatial axis; ``axis`` is then non-negative."""

    num_output: int
    kernel: tuple[int, ...]
    stride: tuple[int, ...] = ()
    pad: tuple[int, ...] = ()
    dilation: tuple[int, ...] = ()
    group: int = 1
    bias_term: bool = True
    axis: int = 1
    weight_filler: Filler = Filler()
    bias_filler: Filler = Filler()
    bound: bool = field(default=False, repr=False)


def _hw_pair(p: caffe_pb2.ConvolutionParameter, h: str, w: str,
             repeated: str) -> tuple[int, ...] | None:
    """kernel_h/kernel_w style fields: both or neither, and never with the repeated form."""
    has_h, has_w = p.HasField(h), p.HasField(w)
    if not (has_h or has_w):
        return None
    if not (has_h and has_w):
        raise OpError(f"{h} and {w} must be given together", field=h if not has_h else w)
    if len(getattr(p, repeated)):
        raise OpError(f"give either {repeated} or {h}/{w}, not both", field=repeated)
    return (getattr(p, h), getattr(p, w))


def read_convolution(layer: caffe_pb2.LayerParameter) -> ConvolutionParams:
    p = layer.convolution_param
    if not p.HasField("num_output"):
        raise OpError("num_output is required", field="convolution_param.num_output")
    # no kernel_size is refused once the spatial axes are known: a bottom with none needs none
    kernel = _hw_pair(p, "kernel_h", "kernel_w", "kernel_size") or tuple(p.kernel_size)
    stride = _hw_pair(p, "stride_h", "stride_w", "stride") or tuple(p.stride)
    pad = _hw_pair(p, "pad_h", "pad_w", "pad") or tuple(p.pad)
    if p.group < 1:
        raise OpError(f"group is {p.group}, expected >= 1", field="convolution_param.group")
    return ConvolutionParams(
        num_output=p.num_output, kernel=kernel, stride=stride, pad=pad,
        dilation=tuple(p.dilation), group=p.group, bias_term=p.bias_term, axis=p.axis,
        weight_filler=read_filler(p.weight_filler), bias_filler=read_filler(p.bias_filler))


def bind_convolution(p: ConvolutionParams, bottoms: Sequence[Shape]) -> ConvolutionParams:
    if p.bound:
        return p
    shape = bottoms[0]
    axis = canonical_axis(p.axis, len(shape), "convolution_param.axis")
    # no spatial axes (a bottom N x C) is Caffe's too: the kernel spans none, each group an
    # InnerProduct; kernel_size and the rest then have no axis to apply to and go unread
    n = len(shape) - axis - 1
    if n and not p.kernel:
        raise OpError("kernel_size (or kernel_h and kernel_w) is required",
                      field="convolution_param.kernel_size")
    kernel = spatial_values(p.kernel, n, 0, "convolution_param.kernel_size")
    stride = spatial_values(p.stride, n, 1, "convolution_param.stride")
    pad = spatial_values(p.pad, n, 0, "convolution_param.pad")
    dilation = spatial_values(p.dilation, n, 1, "convolution_param.dilation")
    if min(kernel, default=1) <= 0:
        raise OpError(f"kernel {list(kernel)} must be positive", field="convolution_param.kernel_size")
    if min(stride, default=1) <= 0:
        raise OpError(f"stride {list(stride)} must be positive", field="convolution_param.stride")
    return replace(p, kernel=kernel, stride=stride, pad=pad, dilation=dilation, axis=axis,
                   bound=True)


def _check_bottoms(p: ConvolutionParams, bottoms: Sequence[Shape], out_per_group: int) -> int:
    first = bottoms[0]
    for i, shape in enumerate(bottoms[1:], 1):
        unify_dims(first, shape, f"its bottoms 0 and {i} must have one shape")
        if shape != first:
            raise OpError(f"all bottoms must have the same shape: bottom 0 is {list(first)}, "
                          f"bottom {i} is {list(shape)}")
    channels = first[p.axis]
    if known_nonzero(channels % p.group):
        raise OpError(f"{channels} input channels are not divisible by group {p.group}",
                      field="convolution_param.group")
    if out_per_group % p.group:
        raise OpError(f"num_output {p.num_output} is not divisible by group {p.group}",
                      field="convolution_param.group")
    return channels


def infer_convolution(p: ConvolutionParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    _check_bottoms(p, bottoms, p.num_output)
    shape = bottoms[0]
    spatial = []
    for i, size in enumerate(shape[p.axis + 1:]):
        extent = p.dilation[i] * (p.kernel[i] - 1) + 1
        span = size + 2 * p.pad[i] - extent
        if known_less(span, 0):  # C++'s division truncates: one window while it is short
            out = -(-span // p.stride[i]) + 1 if span > -p.stride[i] else 0
        else:
            out = span // p.stride[i] + 1
        if known_less(out, 1):
            raise OpError(f"kernel extent {extent} exceeds the padded input size "
                          f"{size + 2 * p.pad[i]} on spatial axis {i} by the stride "
                          f"{p.stride[i]} or more, which leaves no output",
                          field="convolution_param.kernel_size")
        spatial.append(out)
    top = tuple(shape[:p.axis]) + (p.num_output,) + tuple(spatial)
    return [top] * len(bottoms)


def infer_deconvolution(p: ConvolutionParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    _check_bottoms(p, bottoms, p.num_output)
    shape = bottoms[0]
    spatial = []
    for i, size in enumerate(shape[p.axis + 1:]):
        extent = p.dilation[i] * (p.kernel[i] - 1) + 1
        out = p.stride[i] * (size - 1) + extent - 2 * p.pad[i]
        if known_less(out, 1):
            raise OpError(f"output size {out} on spatial axis {i} is not positive "
                          "(pad too large for the kernel)", field="convolution_param.pad")
        spatial.append(out)
    top = tuple(shape[:p.axis]) + (p.num_output,) + tuple(spatial)
    return [top] * len(bottoms)


def overhang(p: ConvolutionParams, shape: Shape) -> tuple[int, ...]:
    """Per spatial axis, how far a bound Convolution's one window reaches past the far pad
    of an input shorter than its kernel extent (Caffe computes one output there, as if the
    input were zero-padded that much more); 0 where the input is long enough."""
    out = []
    for i, size in enumerate(shape[p.axis + 1:]):
        extent = p.dilation[i] * (p.kernel[i] - 1) + 1
        short = extent - (size + 2 * p.pad[i])
        out.append(short if known_less(0, short) else 0)
    return tuple(out)


def blobs_convolution(p: ConvolutionParams, bottoms: Sequence[Shape]) -> list[Shape]:
    channels = bottoms[0][p.axis]
    shapes: list[Shape] = [(p.num_output, channels // p.group) + tuple(p.kernel)]
    return shapes + ([(p.num_output,)] if p.bias_term else [])


def blobs_deconvolution(p: ConvolutionParams, bottoms: Sequence[Shape]) -> list[Shape]:
    channels = bottoms[0][p.axis]
    shapes: list[Shape] = [(channels, p.num_output // p.group) + tuple(p.kernel)]
    return shapes + ([(p.num_output,)] if p.bias_term else [])


def fillers_convolution(p: ConvolutionParams, bottoms: Sequence[Shape]) -> list[Filler]:
    return [p.weight_filler] + ([p.bias_filler] if p.bias_term else [])


def macs_convolution(p: ConvolutionParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    channels = bottoms[0][p.axis]
    return sum(prod(t) for t in tops) * (channels // p.group) * prod(p.kernel)


def macs_deconvolution(p: ConvolutionParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    return sum(prod(b) for b in bottoms) * (p.num_output // p.group) * prod(p.kernel)


def write_convolution(p: ConvolutionParams, q: caffe_pb2.ConvolutionParameter,
                      bottoms: Sequence[Shape]) -> None:
    """Spatial values in their shortest form (one value when every axis agrees, else
    ``*_h``/``*_w``, else one per axis); the rest as they differ from the defaults."""
    q.num_output = p.num_output
    set_spatial(q, "kernel_size", "kernel_h", "kernel_w", p.kernel, default=None)
    set_spatial(q, "stride", "stride_h", "stride_w", p.stride, default=1)
    set_spatial(q, "pad", "pad_h", "pad_w", p.pad, default=0)
    if any(d != 1 for d in p.dilation):
        q.dilation.extend(p.dilation if len(set(p.dilation)) > 1 else p.dilation[:1])
    write_fields(p, q, skip=("num_output", "kernel", "stride", "pad", "dilation"))


OPS.define("Convolution", family="conv", read=read_convolution, bind=bind_convolution,
           infer=infer_convolution, blobs=blobs_convolution, macs=macs_convolution,
           fillers=fillers_convolution, param="convolution_param", write=write_convolution,
           bottoms=(1, None), tops=(1, None), same_count=True)
OPS.define("Deconvolution", family="conv", read=read_convolution, bind=bind_convolution,
           infer=infer_deconvolution, blobs=blobs_deconvolution, macs=macs_deconvolution,
           fillers=fillers_convolution, param="convolution_param", write=write_convolution,
           bottoms=(1, None), tops=(1, None), same_count=True)
