"""Convolution and Deconvolution params back to ``convolution_param``."""
from __future__ import annotations

from ...ir import Node
from ...ops.conv import ConvolutionParams
from ...proto import caffe_pb2
from .fields import set_filler, set_spatial
from .registry import PROTOTXT

__all__ = ["convert_convolution"]


@PROTOTXT.register("Convolution", "Deconvolution")
def convert_convolution(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: ConvolutionParams = node.params
    q = layer.convolution_param
    q.num_output = p.num_output
    set_spatial(q, "kernel_size", "kernel_h", "kernel_w", p.kernel, default=None)
    set_spatial(q, "stride", "stride_h", "stride_w", p.stride, default=1)
    set_spatial(q, "pad", "pad_h", "pad_w", p.pad, default=0)
    if any(d != 1 for d in p.dilation):
        q.dilation.extend(p.dilation if len(set(p.dilation)) > 1 else p.dilation[:1])
    if p.group != 1:
        q.group = p.group
    if not p.bias_term:
        q.bias_term = False
    if p.axis != 1:
        q.axis = p.axis
    set_filler(q, "weight_filler", p.weight_filler)
    set_filler(q, "bias_filler", p.bias_filler)
