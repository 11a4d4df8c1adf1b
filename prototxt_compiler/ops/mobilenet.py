"""The MobileNet ports' layers: two depthwise convolutions and ReLU6.

``DepthwiseConvolution`` (yonghenglh6/DepthwiseConvolution, depthwise_conv_layer.cpp) is a
``BaseConvolutionLayer``: its CPU forward is Caffe's grouped convolution, so it is BVLC's
Convolution in every rule (``convolution_param`` as given, ``num_output``, ``group``,
blobs [num_output, C/group, *kernel] and [num_output]); only its GPU kernel asks for
group = channels. Its rules here are ``ops.conv``'s own functions.

``ConvolutionDepthwise`` (farmingyard/caffe-mobilenet, conv_dw_layer.cpp) is a 2-D layer of
its own that reads only the spatial fields of ``convolution_param`` (kernel, stride, pad,
dilation, each as one value, two values or the _h/_w pair) and ``bias_term``, and ignores
``num_output``, ``group`` and ``axis``: every channel is convolved with its own kernel, so
    top = (N, C, (H + 2 pad_h - (dilation_h (kernel_h - 1) + 1)) / stride_h + 1, ...)
    weight (C, 1, kernel_h, kernel_w), bias (C,)
which is a Convolution with num_output = group = C (how it is bound here, and written
back; the fork reads neither). Its MACs are a convolution's: output x kernel area.

``ReLU6`` (the MobileNet-v2 ports; e.g. the mxnet2caffe plugins' relu6_layer.cpp):
    y = min(max(x, 0), 6)
as ``std::min(std::max(x, 0), 6)`` computes it (a NaN stays NaN); no params, in place or
not. BVLC's twin is Clip [0, 6] (which differs only on NaN).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .activation import infer_same_shape
from .base import OPS
from .conv import (
    ConvolutionParams,
    bind_convolution,
    blobs_convolution,
    fillers_convolution,
    infer_convolution,
    macs_convolution,
    read_convolution,
    write_convolution,
)

__all__ = ["ReLU6Params", "RELU6_MAX"]

RELU6_MAX = 6.0


@dataclass(frozen=True)
class ReLU6Params:
    """ReLU6 has no params."""


class _ConvolutionOnly:
    """A view with one field, ``convolution_param``: how ``ops.conv``'s reader is handed
    the depthwise layer's message once its ignored fields are set."""

    def __init__(self, message: caffe_pb2.ConvolutionParameter) -> None:
        self.convolution_param = message


def read_convolution_depthwise(layer: Any) -> ConvolutionParams:
    """The spatial fields and bias_term, read by Convolution's reader; num_output and group
    wait for the bottom (``bind_convolution_depthwise``)."""
    given = layer.convolution_param
    message = caffe_pb2.ConvolutionParameter()
    message.CopyFrom(given)
    message.num_output = 1  # the bottom's channels, once bound
    message.group = 1
    message.ClearField("axis")
    view: Any = _ConvolutionOnly(message)
    return replace(read_convolution(view), num_output=0)


def bind_convolution_depthwise(p: ConvolutionParams,
                               bottoms: Sequence[Shape]) -> ConvolutionParams:
    if p.bound:
        return p
    shape = bottoms[0]
    if len(shape) != 4:
        raise OpError(f"ConvolutionDepthwise takes a 4-D bottom (N, C, H, W), got "
                      f"{list(shape)}")
    if len(p.kernel) > 2 or len(p.stride) > 2 or len(p.pad) > 2 or len(p.dilation) > 2:
        raise OpError("ConvolutionDepthwise is 2-D: give one or two values per spatial field",
                      field="convolution_param.kernel_size")
    channels = shape[1]
    return bind_convolution(replace(p, num_output=channels, group=channels), bottoms)


def write_convolution_depthwise(p: ConvolutionParams, q: caffe_pb2.ConvolutionParameter,
                                bottoms: Sequence[Shape]) -> None:
    """num_output is written as the channels (what the nets carry); group, which the fork
    ignores, is not written."""
    write_convolution(replace(p, group=1), q, bottoms)


def infer_depthwise(p: ConvolutionParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    """A convolution's rule (``ops.conv``), with the bound num_output and group."""
    return infer_convolution(p, bottoms, num_tops)


def read_relu6(layer: Any) -> ReLU6Params:
    return ReLU6Params()


def infer_relu6(p: ReLU6Params, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return infer_same_shape(p, bottoms, num_tops)


OPS.define("DepthwiseConvolution", family="mobilenet", read=read_convolution,
           bind=bind_convolution, infer=infer_depthwise, blobs=blobs_convolution,
           macs=macs_convolution, fillers=fillers_convolution, param="convolution_param",
           write=write_convolution, bottoms=(1, None), tops=(1, None), same_count=True)
OPS.define("ConvolutionDepthwise", family="mobilenet", read=read_convolution_depthwise,
           bind=bind_convolution_depthwise, infer=infer_depthwise, blobs=blobs_convolution,
           macs=macs_convolution, fillers=fillers_convolution, param="convolution_param",
           write=write_convolution_depthwise)
OPS.define("ReLU6", family="mobilenet", read=read_relu6, infer=infer_relu6)
