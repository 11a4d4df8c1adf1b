"""The MobileNet ports' layers as ONNX nodes: the depthwise convolutions and ReLU6.

Both depthwise types are convolutions with bound ``ConvolutionParams`` (``ops.mobilenet``;
ConvolutionDepthwise bound to num_output = group = C): a grouped ``Conv`` with Caffe's blobs,
as ``backends.onnx.conv`` emits a Convolution. ReLU6 is ``Clip(x, 0, 6)`` (the clip bounds
as inputs, opset 11 on; a NaN stays NaN, as in the forks).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.mobilenet import RELU6_MAX
from .conv import convert_convolution
from .registry import ONNX, Emitter, streams_folded_weight

__all__ = ["convert_depthwise_convolution", "convert_relu6"]


@ONNX.register("ConvolutionDepthwise", "DepthwiseConvolution")
@streams_folded_weight
def convert_depthwise_convolution(node: Node, blobs: Sequence[np.ndarray],
                                  emit: Emitter) -> None:
    convert_convolution(node, blobs, emit)


@ONNX.register("ReLU6")
def convert_relu6(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    emit.op("Clip", [emit.input(0), emit.const("min", 0.0, np.float32),
                     emit.const("max", RELU6_MAX, np.float32)], [emit.output(0)])
