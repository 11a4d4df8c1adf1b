"""The MobileNet ports' layers in the generated file: the depthwise convolutions are
convolutions (``ops.mobilenet`` binds ConvolutionDepthwise to num_output = group = C), so
they are written as Convolution is (a grouped ``nn.Conv2d``); ReLU6 is ``nn.ReLU6()``,
min(max(x, 0), 6)."""
from __future__ import annotations

from ...ir import Node
from .conv import convert_convolution
from .registry import PYSOURCE, Module

__all__ = ["convert_depthwise_convolution", "convert_relu6"]


@PYSOURCE.register("ConvolutionDepthwise", "DepthwiseConvolution")
def convert_depthwise_convolution(node: Node) -> Module:
    return convert_convolution(node)


@PYSOURCE.register("ReLU6")
def convert_relu6(node: Node) -> Module:
    return Module("nn.ReLU6()")
