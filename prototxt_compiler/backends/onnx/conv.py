"""Convolution and Deconvolution as ONNX Conv / ConvTranspose.

Caffe's blobs are ONNX's weights as they are (Conv: [num_output, C/group, *kernel];
ConvTranspose: [C, num_output/group, *kernel]); pads are symmetric per axis, but for an
input shorter than the kernel, where Caffe's one window reads zeros past the padding: the
end pad grows by that overhang (``ops.conv.overhang``). Caffe's output
size rules match ONNX's with these attributes, so no output_shape is needed. Several
bottoms share the weights: one node per bottom. ``axis`` other than 1 is refused. A bottom
with no spatial axes (N x C) is Unsqueeze -> a kernel-1 Conv -> Squeeze, its weight Caffe's
with that axis appended.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...errors import OpError
from ...ir import Node
from ...ops.conv import ConvolutionParams, overhang
from .registry import ONNX, Emitter, streams_folded_weight

__all__ = ["convert_convolution"]


@ONNX.register("Convolution", "Deconvolution")
@streams_folded_weight
def convert_convolution(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ConvolutionParams = node.params
    if p.axis != 1:
        raise OpError(f"channels on axis {p.axis}: ONNX convolves with channels on axis 1",
                      field="convolution_param.axis")
    op_type = "ConvTranspose" if node.type == "Deconvolution" else "Conv"
    extra = overhang(p, emit.input_shape(0)) if op_type == "Conv" else (0,) * len(p.pad)
    flat = not p.kernel  # no spatial axes: one added for the Conv
    weights = [emit.weight("weight", blobs[0].reshape(blobs[0].shape + (1,) * flat))]
    if p.bias_term:
        weights.append(emit.weight("bias", blobs[1]))
    attrs: dict[str, Any] = {
        "kernel_shape": list(p.kernel), "strides": list(p.stride),
        "pads": list(p.pad) + [pad + more for pad, more in zip(p.pad, extra)],
        "dilations": list(p.dilation)}
    if flat:
        attrs = {"kernel_shape": [1]}
        axes = emit.const("axes", [2])
    for i in range(len(node.inputs)):
        if not flat:
            emit.op(op_type, [emit.input(i)] + weights, [emit.output(i)], group=p.group,
                    **attrs)
            continue
        x = emit.op("Unsqueeze", [emit.input(i), axes])[0]
        y = emit.op(op_type, [x] + weights, group=p.group, **attrs)[0]
        emit.op("Squeeze", [y, axes], [emit.output(i)])
