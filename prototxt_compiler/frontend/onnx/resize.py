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
must keep N and C and give integer factors on H and W.

Linear, by integer factors, with half-pixel coordinates (``F.interpolate(...,
mode="bilinear")``, corners not aligned, torch's default) is BVLC-exact too, as three steps:
the input padded by one element on each side of H and W with copies of its edge (a Slice
into the first element, the inside and the last, then a Concat of first, first, inside,
last, last; ONNX's linear resize reads past the edge as the edge, as torch clamps its source
index), then a grouped Deconvolution of stride f with the triangle kernel of size 2f - f % 2,
taps 1 - |k - (K - 1) / 2| / f (f = 2: 0.25, 0.75, 0.75, 0.25), padded (K - f) // 2 + f so
the output is f times the input. With corners aligned (``align_corners=True``), output o
reads input o * (n - 1) / (m - 1): where m - 1 = f * (n - 1) (DeepLab's 65 to 513, f = 8)
that is the Deconvolution of stride f with the triangle kernel of size 2f - 1, pad f - 1, on
the input itself (it reads nothing past the edges). The layers' weights are checked against
ONNX's definition before anything is written: for each axis the matrix from input to output
elements that the deconvolution computes must equal the one ONNX's coordinate transform and
linear weights give (within 1e-6). Cubic and antialiased resizes, asymmetric coordinates, and
corner-aligned sizes of another ratio without the fork below, have no exact BVLC form. With ``fork="yolo"`` (``--fork yolo``) a resize by one factor on both axes is
the YOLO ports' Upsample (``upsample_param { scale }``), which copies the same blocks. With
a fork that has ``Interp`` (``--fork pspnet``, ``deeplab``, ``caffe_priv``) a bilinear resize
with corners aligned (``F.interpolate(..., mode="bilinear", align_corners=True)``) is that
Interp, to the output's height and width.
"""
from __future__ import annotations

import math

import numpy as np

from ... import limits
from ...ops.conv import ConvolutionParams
from ...ops.resample import InterpParams, UpsampleParams
from .context import Context, made_blob
from .fork_layers import fork_allows
from .model import OnnxNode
from .pad import copy_padded
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
    if mode not in ("nearest", "linear"):
        raise Refused(f"it resizes by {mode} interpolation; BVLC Caffe has no exact layer "
                      "for it (nearest and linear by an integer factor are imported; "
                      "bilinear with corners aligned is the fork layer Interp: --fork pspnet)")
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
    if interp and transform == "align_corners":
        _interp(ctx, node, out)
        return
    if max(out[2:]) > limits.MAX_RESIZE_AXIS:
        raise Refused(f"it resizes to {out}, past {limits.MAX_RESIZE_AXIS:,} elements on an "
                      "axis (limits.MAX_RESIZE_AXIS)")
    if mode == "linear":
        _bilinear(ctx, node, list(shape), out, full_scales, transform)
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


def _linear_weights(n: int, m: int, scale: float, transform: str) -> np.ndarray:
    """(m, n): ONNX's linear resize of one axis of n to m elements, input edge-padded."""
    weights = np.zeros((m, n))
    for o in range(m):
        x = min(max(_transform(transform, o, scale, n, m), 0.0), n - 1.0)
        low = math.floor(x)
        high = min(low + 1, n - 1)
        weights[o, low] += 1 - (x - low)
        weights[o, high] += x - low
    return weights


def _deconvolution_weights(n: int, f: int, taps: np.ndarray, pad: int,
                           edge: bool) -> np.ndarray:
    """(outputs, n): with ``edge`` the padding by one copy of each edge, then a stride-f
    deconvolution with ``taps`` cut by ``pad`` on each side, as a matrix from input to
    output elements."""
    padded = [0, *range(n), n - 1] if edge else list(range(n))  # input of each position
    count = (len(padded) - 1) * f + len(taps) - 2 * pad
    weights = np.zeros((count, n))
    for i, source in enumerate(padded):
        for k, tap in enumerate(taps):
            o = i * f + k - pad
            if 0 <= o < count:
                weights[o, source] += tap
    return weights


def _linear_plan(axis: int, n: int, m: int, scale: float,
                 transform: str) -> tuple[int, bool]:
    """(factor, edge): how a linear resize of one axis from n to m is a deconvolution. Half
    pixel: m = f * n with the scale exactly f, edge-padded. Corners aligned: m - 1 =
    f * (n - 1), reading no element past the edges."""
    if m == n:
        return 1, False
    if transform == "align_corners":
        if n == 1 or (m - 1) % (n - 1) or m < n:
            raise Refused(f"it resizes axis {axis} from {n} to {m} with corners aligned; "
                          "BVLC layers compute sizes with m - 1 a multiple of n - 1 (as 65 "
                          "to 513), the fork layer Interp any (--fork pspnet)")
        return (m - 1) // (n - 1), False
    if m % n or m < n or scale != m // n:
        raise Refused(f"it resizes axis {axis} from {n} to {m} by {scale:g}, not by an "
                      "integer factor")
    return m // n, True


def _bilinear(ctx: Context, node: OnnxNode, shape: list[int], out: list[int],
              scales: list[float], transform: str) -> None:
    """A linear resize by integer factors: edge padding where the coordinates are half
    pixels, and a triangle-kernel Deconvolution (module docstring), checked against ONNX's
    weights. The check runs on an axis of at most 5 elements: with the factor exact, ONNX's
    weights repeat every f outputs between the edges, which 5 elements include."""
    if transform not in ("half_pixel", "pytorch_half_pixel", "half_pixel_symmetric",
                         "align_corners"):
        raise Refused(f"it resizes linearly with coordinate_transformation_mode "
                      f"{transform!r}; imported are half_pixel coordinates (torch's "
                      "align_corners=False) and align_corners")
    if node.attr("antialias", 0):
        raise Refused("it resizes with antialias; imported is the plain linear resize")
    plans = [_linear_plan(axis, shape[axis], out[axis], scales[axis], transform)
             for axis in (2, 3)]
    factors = [f for f, _ in plans]
    x = ctx.value(node.inputs[0])
    if factors == [1, 1]:
        ctx.alias(node.outputs[0], x)
        return
    channels = shape[1]
    sizes = [(2 * f - f % 2 if edge else 2 * f - 1) for f, edge in plans]
    blob = made_blob((channels, 1, *sizes), 0.0, f"its factor-{factors} linear resize")
    kernels, pads = [], []
    for axis, (f, edge), size in zip((2, 3), plans, sizes):
        taps = 1 - np.abs(np.arange(size) - (size - 1) / 2) / f
        pad = ((size - f) // 2 + f if edge else f - 1) if f > 1 else 0
        n = min(shape[axis], 5)
        m = n * f if edge else (n - 1) * f + 1
        if f > 1 and np.abs(_deconvolution_weights(n, f, taps, pad, edge) -
                            _linear_weights(n, m, m / n, transform)).max() > 1e-6:
            raise Refused(f"with coordinate_transformation_mode {transform!r} its linear "
                          f"resize of axis {axis} by {f} is not the triangle-kernel "
                          "deconvolution")
        kernels.append(taps)
        pads.append(pad)
    for axis, name, (f, edge) in ((3, "pad_w", plans[1]), (2, "pad_h", plans[0])):
        if f > 1 and edge:
            x = copy_padded(ctx, node, x, axis, 1, 1, "edge", name)
    blob[:] = np.outer(kernels[0], kernels[1]).astype(np.float32)
    params = ConvolutionParams(num_output=channels, kernel=tuple(sizes), stride=tuple(factors),
                               pad=tuple(pads), dilation=(1, 1), group=channels,
                               bias_term=False)
    ctx.layer(node, "Deconvolution", params, [x], blobs=[blob])


def _interp(ctx: Context, node: OnnxNode, out: list[int]) -> None:
    """A bilinear resize with corners aligned: the forks' Interp to (height, width), which
    maps output index o to input o * (n - 1) / (m - 1) (0 where m is 1), as ONNX's
    ``align_corners`` does, and weighs the two neighbours linearly."""
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
