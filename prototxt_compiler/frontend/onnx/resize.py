"""Resize and Upsample, nearest by an integer factor: a grouped Deconvolution with unit
weights, BVLC-exact.

A Deconvolution with ``group = num_output = C``, kernel and stride (f_h, f_w), no pad and no
bias, every weight 1, writes x[c, i, j] into its f_h x f_w block of the output: output
(h, w) is x[h // f_h, w // f_w], exactly (one product by 1 per output).

That is ONNX's nearest resize where, for every output index o of each axis, ONNX's source
index is o // f. It is checked by computing ONNX's source index as the spec defines it: the
``coordinate_transformation_mode`` (half_pixel by default from opset 11; asymmetric for
Upsample and opset-10 Resize), then ``nearest_mode`` (round_prefer_floor by default;
floor for Upsample and opset 10), clamped to the input. With integer factors this holds for
half_pixel and pytorch_half_pixel with the rounding modes, and for asymmetric with floor
(torch.onnx's export of ``nn.Upsample(scale_factor=2)``), among others. Scales (or sizes)
must keep N and C and give integer factors on H and W. Linear and cubic modes have no exact
BVLC layer. With ``fork="yolo"`` (``--fork yolo``) a resize by one factor on both axes is
the YOLO ports' Upsample (``upsample_param { scale }``), which copies the same blocks. With
a fork that has ``Interp`` (``--fork pspnet``, ``deeplab``, ``caffe_priv``) a bilinear resize
with corners aligned (``F.interpolate(..., mode="bilinear", align_corners=True)``) is that
Interp, to the output's height and width.
"""
from __future__ import annotations

import math

import numpy as np

from ...ops.conv import ConvolutionParams
from ...ops.resample import InterpParams, UpsampleParams
from .context import Context, made_blob
from .fork_layers import fork_allows
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_resize", "source_index"]


def _transform(mode: str, o: int, scale: float, n: int, out: int) -> float:
    if mode in ("half_pixel", "half_pixel_symmetric"):
        adjustment = out / (scale * n)
        offset = n / 2 * (1 - adjustment)
        return offset + (o + 0.5) / scale - 0.5
    if mode == "pytorch_half_pixel":
        return (o + 0.5) / scale - 0.5 if out > 1 else 0.0
    if mode == "align_corners":
        return o * (n - 1) / (out - 1) if out > 1 else 0.0
    if mode == "asymmetric":
        return o / scale
    if mode == "tf_half_pixel_for_nn":
        return (o + 0.5) / scale
    raise Refused(f"its coordinate_transformation_mode {mode!r} is not imported")


def _round(mode: str, x: float) -> int:
    if mode == "round_prefer_floor":
        return math.ceil(x - 0.5)
    if mode == "round_prefer_ceil":
        return math.floor(x + 0.5)
    if mode == "floor":
        return math.floor(x)
    if mode == "ceil":
        return math.ceil(x)
    raise Refused(f"its nearest_mode {mode!r} is not imported")


def source_index(o: int, n: int, out: int, scale: float, transform: str, rounding: str) -> int:
    """ONNX's source index of output index ``o`` (nearest mode), clamped to [0, n)."""
    return min(max(_round(rounding, _transform(transform, o, scale, n, out)), 0), n - 1)


@IMPORTERS.register("Resize", "Upsample")
def convert_resize(ctx: Context, node: OnnxNode) -> None:
    mode = node.attr("mode", "nearest")
    interp = mode == "linear" and fork_allows("Interp", ctx.fork)
    if mode != "nearest" and not interp:
        raise Refused(f"it resizes by {mode} interpolation; BVLC Caffe has no exact layer "
                      "for it (nearest by an integer factor is imported; bilinear with "
                      "corners aligned is the fork layer Interp: --fork pspnet)")
    shape = ctx.shape(node.inputs[0])
    legacy = node.op_type == "Upsample" or ctx.opset < 11
    transform = "asymmetric" if legacy else node.attr("coordinate_transformation_mode",
                                                      "half_pixel")
    rounding = "floor" if legacy else node.attr("nearest_mode", "round_prefer_floor")
    axes = node.attr("axes")
    axes = [int(a) % len(shape) for a in axes] if axes is not None else list(range(len(shape)))
    scales, sizes = _scales_and_sizes(ctx, node, legacy)
    full_scales = [1.0] * len(shape)
    out = list(shape)
    if sizes is not None:
        if node.attr("keep_aspect_ratio_policy", "stretch") != "stretch":
            raise Refused("it keeps the aspect ratio of given sizes; imported is 'stretch'")
        for axis, size in zip(axes, sizes):
            out[axis] = int(size)
            full_scales[axis] = int(size) / shape[axis]
    elif scales is not None:
        for axis, scale in zip(axes, scales):
            full_scales[axis] = float(scale)
            out[axis] = math.floor(shape[axis] * float(scale))
    else:
        raise Refused("it gives neither scales nor sizes")
    if len(shape) != 4 or out[:2] != list(shape[:2]):
        raise Refused(f"it resizes {list(shape)} to {out}; imported is (N, C, H, W) resized "
                      "on H and W")
    if interp:
        _interp(ctx, node, transform, out)
        return
    factors = []
    for axis in (2, 3):
        n, m = shape[axis], out[axis]
        if m % n:
            raise Refused(f"it resizes axis {axis} from {n} to {m}, not an integer factor")
        f = m // n
        if any(source_index(o, n, m, full_scales[axis], transform, rounding) != o // f
               for o in range(m)):
            raise Refused(f"with coordinate_transformation_mode {transform!r} and "
                          f"nearest_mode {rounding!r}, its factor-{f} resize does not copy "
                          "each input element into its own block")
        factors.append(f)
    x = ctx.value(node.inputs[0])
    if factors == [1, 1]:
        ctx.alias(node.outputs[0], x)
        return
    if factors[0] == factors[1] and fork_allows("Upsample", ctx.fork):
        ctx.layer(node, "Upsample", UpsampleParams(mode="nearest", scale=factors[0]), [x])
        return
    channels = shape[1]
    params = ConvolutionParams(num_output=channels, kernel=tuple(factors),
                               stride=tuple(factors), pad=(0, 0), dilation=(1, 1),
                               group=channels, bias_term=False)
    ctx.layer(node, "Deconvolution", params, [x],
              blobs=[made_blob((channels, 1) + tuple(factors), 1.0,
                               f"its factor-{factors} resize")])


def _interp(ctx: Context, node: OnnxNode, transform: str, out: list[int]) -> None:
    """A bilinear resize with corners aligned: the forks' Interp to (height, width), which
    maps output index o to input o * (n - 1) / (m - 1) (0 where m is 1), as ONNX's
    ``align_corners`` does, and weighs the two neighbours linearly."""
    if transform != "align_corners":
        raise Refused(f"it resizes bilinearly with coordinate_transformation_mode "
                      f"{transform!r}; the forks' Interp aligns corners (align_corners)")
    if node.attr("antialias", 0):
        raise Refused("it resizes with antialias; the forks' Interp does not")
    if any(m < 1 for m in out[2:]):
        raise Refused(f"it resizes to {out}, an empty blob")
    ctx.layer(node, "Interp", InterpParams(height=out[2], width=out[3]),
              [ctx.value(node.inputs[0])])


def _scales_and_sizes(ctx: Context, node: OnnxNode, legacy: bool):  # noqa: ANN202
    if node.op_type == "Upsample" or ctx.opset == 10:
        return np.asarray(ctx.constant(node, 1, "scales")).reshape(-1), None
    scales = ctx.constant(node, 2, "scales") if node.input(2) else None
    sizes = ctx.constant(node, 3, "sizes") if node.input(3) else None
    if scales is not None and np.asarray(scales).size == 0:
        scales = None
    if sizes is not None and np.asarray(sizes).size == 0:
        sizes = None
    return (None if scales is None else np.asarray(scales).reshape(-1),
            None if sizes is None else np.asarray(sizes).reshape(-1))
