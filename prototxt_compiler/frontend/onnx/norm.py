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
and LayerNormalization (axis, epsilon; Scale and B over the normalized axes, torch's
LayerNorm from opset 17), the same over the axes from ``axis`` on for each index of those
before, are that definition in inference layers (``normalize``):

    Reduction MEAN (coeff -1) from the first normalized axis      -mean, of shape x[:axis]
    Bias along the axes before, the negated mean its bottom       x - mean
    Power 2, Reduction MEAN                                       the variance, the mean
                                                                  square deviation as ONNX's
    Power(power -1/2, shift eps)                                  1 / sqrt(var + eps)
    Scale along the axes before, that its bottom                  the normalized x
    Scale (bias_term)                                             scale and B (per channel;
                                                                  over the normalized axes),
                                                                  left out when 1 and 0

No layer holds a shape, so the net runs at any batch; and no BatchNorm computes the batch's
statistics (which a deployment SDK reading every BatchNorm as stored statistics would
compute otherwise). Any rank from 3 on for InstanceNormalization (H x W stands for every
axis after C); its statistics outputs must be unread for LayerNormalization. Over a run of
axes that is not the last (ConvNeXt's channels, ``layout``) or over every axis, the same
steps are the ONNX ops (ReduceMean, Sub, Pow, ReduceMean, then the Power, Mul), which
broadcast as ``reduce`` and ``eltwise`` write them.

LRN(size, alpha, beta, bias) is Caffe's LRN ACROSS_CHANNELS (local_size = size, alpha,
beta, k = bias) for an odd size: both sum the squares over channels c - (size-1)/2 to
c + (size-1)/2 and divide alpha by size.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Value
from ...ops.activation import PowerParams
from ...ops.forknorm import BNParams
from ...ops.norm import BatchNormParams, BiasParams, LRNParams, ScaleParams
from ...ops.reduce import ReductionParams
from .activation import f32
from .context import Context
from .fork_layers import fork_allows
from .model import OnnxNode
from .reduce import reduce_step
from .registry import IMPORTERS, Refused
from .steps import constant, step

__all__ = ["convert_batch_normalization", "convert_instance_normalization",
           "convert_layer_normalization", "convert_lrn", "normalize"]


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
    shape = ctx.shape(node.inputs[0])
    if len(shape) < 3:
        raise Refused(f"its input has shape {list(shape)}; expected (N, C, ...) with at "
                      "least one axis after C")
    scale, bias = (np.asarray(ctx.constant(node, i, what), np.float32).reshape(-1)
                   for i, what in ((1, "scale"), (2, "bias B")))
    if scale.size != shape[1] or bias.size != shape[1]:
        raise Refused(f"its scale and B do not hold one value per channel ({shape[1]})")
    normalize(ctx, node, node.inputs[0], list(range(2, len(shape))),
              f32(node.attr("epsilon", 1e-5)),
              (ScaleParams(axis=1, num_axes=1, bias_term=True), scale, bias))


@IMPORTERS.register("LayerNormalization")
def convert_layer_normalization(ctx: Context, node: OnnxNode) -> None:
    for extra in node.outputs[1:]:
        if extra and ctx.uses.get(extra, 0):
            raise Refused(f"its statistics output '{extra}' is read")
    shape = ctx.shape(node.inputs[0])
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
    normalize(ctx, node, node.inputs[0], list(range(axis, len(shape))),
              f32(node.attr("epsilon", 1e-5)),
              (ScaleParams(axis=axis, num_axes=len(normalized), bias_term=True),
               np.ascontiguousarray(scale), np.ascontiguousarray(bias)))


def normalize(ctx: Context, node: OnnxNode, x: str, axes: Sequence[int], eps: float,
              affine: tuple[ScaleParams, np.ndarray, np.ndarray]) -> None:
    """``node``'s output: ``x`` normalized over ``axes`` (one run), then the Scale
    ``affine`` (params, scale, bias) unless its scale is all 1 and its bias all 0 (module
    docstring)."""
    out = node.outputs[0]
    params, scale, bias = affine
    last = bool(np.all(scale == 1) and np.all(bias == 0))
    rank = len(ctx.shape(x))
    if axes[0] > 0 and axes[-1] == rank - 1:
        normalized = _normalize_trailing(ctx, node, ctx.value(x), axes[0], eps, last)
    else:  # another run: the ONNX ops, broadcasting as they do
        mean = reduce_step(ctx, node, "ReduceMean", x, list(axes), "mean")
        centred = step(ctx, node, "Sub", (x, mean), "centred")
        square = step(ctx, node, "Pow", (centred, constant(ctx, node, "two", 2.0)), "square")
        variance = reduce_step(ctx, node, "ReduceMean", square, list(axes), "variance")
        ctx.layer(node, "Power", PowerParams(power=-0.5, shift=eps), [ctx.value(variance)],
                  (f"{out}/rsqrt",), suffix="/rsqrt")
        normalized = ctx.value(step(ctx, node, "Mul", (centred, f"{out}/rsqrt"), "normalized",
                                    output=out if last else None))
    if not last:  # the layer writing the node's output is named after it
        ctx.layer(node, "Scale", params, [normalized], (out,), blobs=[scale, bias])


def _normalize_trailing(ctx: Context, node: OnnxNode, x: Value, axis: int, eps: float,
                        last: bool) -> Value:
    """``x`` normalized over its axes from ``axis`` on, the statistics of shape
    ``x.shape[:axis]`` read by Bias and Scale along the axes before: Reduction MEAN (coeff
    -1), Bias, Power 2, Reduction MEAN, Power (+ eps)^-1/2, Scale. No layer holds a shape, so
    the net runs at any batch."""
    out = node.outputs[0]

    def layer(label: str, type: str, params: object, inputs: list[Value],
              final: bool = False) -> Value:
        if final:
            return ctx.layer(node, type, params, inputs, (out,)).outputs[0]
        return ctx.layer(node, type, params, inputs, tops=[ctx.names.blob(f"{out}/{label}")],
                         suffix=f"/{label}").outputs[0]

    negated = layer("mean", "Reduction", ReductionParams(operation="MEAN", axis=axis,
                                                         coeff=-1.0), [x])
    centred = layer("centred", "Bias", BiasParams(axis=0, num_axes=axis), [x, negated])
    square = layer("square", "Power", PowerParams(power=2.0), [centred])
    variance = layer("variance", "Reduction", ReductionParams(operation="MEAN", axis=axis),
                     [square])
    rsqrt = layer("rsqrt", "Power", PowerParams(power=-0.5, shift=eps), [variance])
    return layer("normalized", "Scale", ScaleParams(axis=0, num_axes=axis), [centred, rsqrt],
                 final=last)


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
