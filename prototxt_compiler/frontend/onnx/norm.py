"""BatchNormalization, InstanceNormalization, LayerNormalization and LRN.

BatchNormalization (inference: ``training_mode`` 0, only output Y read):
    y = scale * (x - mean) / sqrt(var + eps) + B
is Caffe's BatchNorm (use_global_stats, eps; blobs mean, var and the moving-average factor
1, so Caffe divides the statistics by 1) followed by a Scale in place (bias_term; blobs scale
and B), left out when scale is all 1 and B all 0. Channels are axis 1 of a 2-D or wider
input. With ``--fork pspnet`` it is PSPNet's one BN layer (blobs slope, bias, mean,
variance, each (1, C, 1, 1); its TEST phase computes the same formula).

InstanceNormalization (epsilon; scale and B per channel), which torch's InstanceNorm2d and,
between two Reshapes, its GroupNorm export as:
    y = scale * (x - mean) / sqrt(var + eps) + B, mean and var over each (n, c)'s H x W
is Caffe's BatchNorm with the batch's own statistics (use_global_stats false) on x read as
one image of N x C channels: a Reshape to (1, -1, H, W), BatchNorm (eps), a Reshape to
(-1, C, H, W), and a Scale (bias_term) holding scale and B, left out when they are 1 and 0.
Caffe's BatchNorm divides by sqrt(var + eps) with var the mean square deviation, as ONNX
does. Any rank from 3 on (H x W stands for every axis after C); a view before it (GroupNorm's
(N, G, -1)) is read through. Caffe's BatchNorm keeps the channel count it was set up with,
so the net runs at the batch size it was converted at (its stored statistics, N x C zeros
and ones, are not read).

LayerNormalization (axis, epsilon; Scale and B over the normalized axes), torch's LayerNorm
from opset 17: the same layers, each index of the axes before ``axis`` a channel, and the
Scale over the normalized axes (its statistics outputs must be unread).

LRN(size, alpha, beta, bias) is Caffe's LRN ACROSS_CHANNELS (local_size = size, alpha,
beta, k = bias) for an odd size: both sum the squares over channels c - (size-1)/2 to
c + (size-1)/2 and divide alpha by size.
"""
from __future__ import annotations

from math import prod

import numpy as np

from ...ir import Value
from ...ops.forknorm import BNParams
from ...ops.norm import BatchNormParams, LRNParams, ScaleParams
from ...ops.shape import ReshapeParams
from .activation import f32
from .context import Context, View
from .fork_layers import fork_allows
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_batch_normalization", "convert_instance_normalization",
           "convert_layer_normalization", "convert_lrn"]


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
    if fork_allows("BN", ctx.fork) and ctx.fork != "segnet":  # SegNet's BN holds no statistics
        ctx.layer(node, "BN", BNParams(form="pspnet", eps=f32(node.attr("epsilon", 1e-5))), [x],
                  blobs=[a.reshape(1, channels, 1, 1) for a in (scale, bias, mean, var)])
        return
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


@IMPORTERS.register("InstanceNormalization")
def convert_instance_normalization(ctx: Context, node: OnnxNode) -> None:
    meaning = ctx.peek(node.inputs[0])  # a view (GroupNorm's (N, G, -1)) is read through
    x = meaning.base if isinstance(meaning, View) else ctx.value(node.inputs[0])
    shape = tuple(meaning.shape if isinstance(meaning, View) else x.shape or ())
    if len(shape) < 3:
        raise Refused(f"its input has shape {list(shape)}; expected (N, C, ...) with at "
                      "least one axis after C")
    scale, bias = (np.asarray(ctx.constant(node, i, what), np.float32).reshape(-1)
                   for i, what in ((1, "scale"), (2, "bias B")))
    if scale.size != shape[1] or bias.size != shape[1]:
        raise Refused(f"its scale and B do not hold one value per channel ({shape[1]})")
    _normalize_rows(ctx, node, x, shape, 2, scale, bias, ScaleParams(axis=1, num_axes=1,
                                                                     bias_term=True))


@IMPORTERS.register("LayerNormalization")
def convert_layer_normalization(ctx: Context, node: OnnxNode) -> None:
    for extra in node.outputs[1:]:
        if extra and ctx.uses.get(extra, 0):
            raise Refused(f"its statistics output '{extra}' is read")
    x = ctx.value(node.inputs[0])
    shape = tuple(x.shape or ())
    axis = int(node.attr("axis", -1))
    axis = axis + len(shape) if axis < 0 else axis
    if not 0 <= axis < len(shape):
        raise Refused(f"its axis {node.attr('axis')} is not an axis of {list(shape)}")
    normalized = tuple(int(d) for d in shape[axis:])
    try:
        scale = np.broadcast_to(np.asarray(ctx.constant(node, 1, "Scale"), np.float32),
                                normalized)
        bias = np.broadcast_to(np.asarray(ctx.constant(node, 2, "B"), np.float32)
                               if node.input(2) else np.zeros((), np.float32), normalized)
    except ValueError:
        raise Refused(f"its Scale and B do not broadcast to the normalized shape "
                      f"{list(normalized)}") from None
    _normalize_rows(ctx, node, x, shape, axis, np.ascontiguousarray(scale),
                    np.ascontiguousarray(bias),
                    ScaleParams(axis=axis, num_axes=len(normalized), bias_term=True))


def _normalize_rows(ctx: Context, node: OnnxNode, x: Value, shape: tuple[int, ...],
                    split: int, scale: np.ndarray, bias: np.ndarray,
                    affine: ScaleParams) -> None:
    """``x`` (of ``shape``) normalized over every axis from ``split`` on, for each index of
    the axes before it: a Reshape to one image of that many channels, BatchNorm with the
    batch's statistics, a Reshape back, and a Scale by ``scale`` plus ``bias`` unless they
    are 1 and 0 (module docstring)."""
    base = node.name or node.outputs[0]
    rows = (1, -1, *(int(d) for d in shape[split:]))  # each row a channel of one image
    images = ctx.layer(node, "Reshape", ReshapeParams(shape=rows, written=rows), [x],
                       tops=[ctx.names.blob(f"{base}/rows")], suffix="/rows").outputs[0]
    params = BatchNormParams(use_global_stats=False, eps=f32(node.attr("epsilon", 1e-5)),
                             moving_average_fraction=f32(0.999))
    count = prod(int(d) for d in shape[:split])
    normed = ctx.layer(node, "BatchNorm", params, [images],
                       tops=[ctx.names.blob(f"{base}/normed")], suffix="/norm",
                       blobs=[np.zeros(count, np.float32), np.ones(count, np.float32),
                              np.ones(1, np.float32)]).outputs[0]
    back = (-1, *(int(d) for d in shape[1:]))
    if np.all(scale == 1) and np.all(bias == 0):
        ctx.layer(node, "Reshape", ReshapeParams(shape=back, written=back), [normed])
        return
    top = ctx.blob(node.outputs[0], node)
    unfolded = ctx.layer(node, "Reshape", ReshapeParams(shape=back, written=back), [normed],
                         tops=[top]).outputs[0]
    ctx.layer(node, "Scale", affine, [unfolded], (node.outputs[0],), tops=[top],
              blobs=[scale, bias], suffix="/scale")


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
