"""BatchNormalization and LRN.

BatchNormalization (inference: ``training_mode`` 0, only output Y read):
    y = scale * (x - mean) / sqrt(var + eps) + B
is Caffe's BatchNorm (use_global_stats, eps; blobs mean, var and the moving-average factor
1, so Caffe divides the statistics by 1) followed by a Scale in place (bias_term; blobs scale
and B), left out when scale is all 1 and B all 0. Channels are axis 1 of a 2-D or wider
input.

LRN(size, alpha, beta, bias) is Caffe's LRN ACROSS_CHANNELS (local_size = size, alpha,
beta, k = bias) for an odd size: both sum the squares over channels c - (size-1)/2 to
c + (size-1)/2 and divide alpha by size.
"""
from __future__ import annotations

import numpy as np

from ...ops.norm import BatchNormParams, LRNParams, ScaleParams
from .activation import f32
from .context import Context
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_batch_normalization", "convert_lrn"]


@IMPORTERS.register("BatchNormalization")
def convert_batch_normalization(ctx: Context, node: OnnxNode) -> None:
    if int(node.attr("training_mode", 0)):
        raise Refused("it normalises by batch statistics (training_mode 1)")
    for extra in node.outputs[1:]:
        if extra and ctx.uses.get(extra, 0):
            raise Refused(f"its statistics output '{extra}' is read (a training graph)")
    x = ctx.value(node.inputs[0])
    if len(x.shape or ()) < 2:
        raise Refused(f"its input has shape {list(x.shape or ())}; channels are axis 1")
    channels = x.shape[1]  # type: ignore[index]
    scale, bias, mean, var = (np.asarray(ctx.constant(node, i, what), np.float32).reshape(-1)
                              for i, what in ((1, "scale"), (2, "bias B"), (3, "mean"),
                                              (4, "variance")))
    if any(a.size != channels for a in (scale, bias, mean, var)):
        raise Refused(f"its parameters do not hold one value per channel ({channels})")
    params = BatchNormParams(use_global_stats=True, eps=f32(node.attr("epsilon", 1e-5)),
                             moving_average_fraction=f32(0.999))
    affine = not (np.all(scale == 1) and np.all(bias == 0))
    if not affine:
        ctx.layer(node, "BatchNorm", params, [x], blobs=[mean, var, np.ones(1, np.float32)])
        return
    top = ctx.blob(node.outputs[0], node)
    normed = ctx.layer(node, "BatchNorm", params, [x], tops=[top],
                       blobs=[mean, var, np.ones(1, np.float32)]).outputs[0]
    ctx.layer(node, "Scale", ScaleParams(axis=1, num_axes=1, bias_term=True), [normed],
              (node.outputs[0],), tops=[top], blobs=[scale, bias], suffix="/scale")


@IMPORTERS.register("LRN")
def convert_lrn(ctx: Context, node: OnnxNode) -> None:
    size = int(node.attr("size"))
    if size % 2 != 1:
        raise Refused(f"its size {size} is even; Caffe's LRN window is centred (odd sizes)")
    x = ctx.value(node.inputs[0])
    if len(x.shape or ()) != 4:
        raise Refused(f"its input has shape {list(x.shape or ())}; Caffe's LRN takes "
                      "(N, C, H, W)")
    params = LRNParams(local_size=size, alpha=f32(node.attr("alpha", 1e-4)),
                       beta=f32(node.attr("beta", 0.75)), k=f32(node.attr("bias", 1.0)))
    ctx.layer(node, "LRN", params, [x])
