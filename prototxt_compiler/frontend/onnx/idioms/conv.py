"""Idioms of Convolution and Deconvolution (``backends.onnx.conv``): the forms the node by
node import (``frontend.onnx.conv``) cannot give back as the layer.

    several bottoms   one Conv (ConvTranspose) per bottom, all reading LAYER.weight and
                      LAYER.bias: one layer with those bottoms and tops
    a short input     a Conv whose end pads exceed its begin pads by the overhang of a
                      window longer than the padded input (``ops.conv.overhang``): Caffe's
                      symmetric pad is the begin pad, and Caffe computes that window too
The pad proposed is the begin pads; where they and the end pads differ otherwise, the
backend's export of that layer differs and the proposal is rejected. 2-D kernels only (the
Unsqueeze, Conv, Squeeze of a bottom without spatial axes is left to the node by node
import), and never over a pending zero pad, which the node by node import folds.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ....ops.conv import ConvolutionParams
from ..context import Context, Padded
from ..padding import spatial_attr
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_convolution"]


@IDIOMS.register("Conv", "ConvTranspose", layer="Convolution")
def match_convolution(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    first = nodes[0]
    if any(n.op_type != first.op_type or n.inputs[1:] != first.inputs[1:] for n in nodes):
        return
    if any(isinstance(ctx.peek(n.inputs[0]), Padded) for n in nodes):
        return
    weight = ctx.const(first.input(1))
    bias = ctx.const(first.input(2)) if first.input(2) else None
    if weight is None or weight.ndim != 4 or weight.dtype != np.float32:
        return
    group_count = int(first.attr("group", 1))
    pads = [int(p) for p in first.attr("pads") or (0, 0, 0, 0)]
    if first.attr("auto_pad", "NOTSET") not in ("", "NOTSET") or len(pads) != 4:
        return
    transposed = first.op_type == "ConvTranspose"
    num_output = weight.shape[1] * group_count if transposed else weight.shape[0]
    params = ConvolutionParams(num_output=int(num_output),
                               kernel=tuple(int(k) for k in weight.shape[2:]),
                               stride=spatial_attr(first, "strides", 2, 1),
                               pad=tuple(pads[:2]),
                               dilation=spatial_attr(first, "dilations", 2, 1),
                               group=group_count, bias_term=bias is not None)
    blobs = (weight,) if bias is None else (weight, np.asarray(bias).reshape(-1))
    yield Proposal("Deconvolution" if transposed else "Convolution", params,
                   bottoms=tuple(n.inputs[0] for n in nodes),
                   tops=tuple(n.outputs[0] for n in nodes), blobs=blobs)
