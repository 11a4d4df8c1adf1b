"""Conv and ConvTranspose: Caffe's Convolution and Deconvolution (2-D, (N, C, H, W); a 1-D
node over (N, C, L) as the 2-D one over (N, C, L, 1), ``lift``).

Conv. Caffe pads both ends of an axis alike; ONNX may pad the begin ``b`` and the end ``e``
differently (``auto_pad`` SAME, TensorFlow-style exports, a folded ``Pad``). Per axis:
  - b == e: Caffe pad b.
  - else, when Caffe's pad b gives ONNX's output size, pad b: the windows start at the same
    places (i*stride - b) and none reads past ONNX's end padding, so every sum is the same.
  - else the explicit pad layer (``Context.zero_pad``) adds the difference, b - min(b, e)
    before and e - min(b, e) after, and the convolution pads min(b, e).
An ONNX ``Pad`` (zeros) before the Conv adds to b and e and goes the same way.

ConvTranspose. ONNX's output is the full transposed convolution (length s*(n-1) + k for a
dilated kernel extent k) cut by b at the begin and e at the end, lengthened by
``output_padding`` p at the end (those positions hold only the bias); Caffe cuts its pad
from both ends. With d = p + b - e:
  - d == 0: Caffe pad b;
  - d > 0: the kernel gets d more taps of zeros at its end (the output grows by d where
    ONNX's holds the bias) and Caffe pad b;
  - d < 0: the kernel gets -d taps of zeros at its begin, which shifts every output by -d,
    and Caffe pad b - d.
Zero taps add 0 * x to each sum, so every output is the same (with dilation, d must be a
multiple of it). ``output_shape`` sets b and e as ONNX specifies: total = s*(n-1) + p + k -
out, SAME_UPPER puts total//2 at the begin, otherwise at the end.
"""
from __future__ import annotations

import numpy as np

from ...ops.conv import ConvolutionParams
from .context import Context, Padded, made_blob
from .lift import is_one_d, lifted
from .model import OnnxNode
from .padding import begin_end_pads, spatial_attr
from .registry import IMPORTERS, Refused

__all__ = ["convert_conv", "convert_conv_transpose"]


def _weights(ctx: Context, node: OnnxNode) -> tuple[np.ndarray, np.ndarray | None]:
    weight = np.asarray(ctx.constant(node, 1, "weight"), np.float32)
    if weight.ndim != 4:
        raise Refused(f"its weight has shape {list(weight.shape)}; imported are 2-D "
                      "convolutions, weights (out, in/group, kh, kw)")
    bias = None
    if node.input(2):
        bias = np.asarray(ctx.constant(node, 2, "bias"), np.float32).reshape(-1)
    shape = node.attr("kernel_shape")
    if shape is not None and tuple(shape) != weight.shape[2:]:
        raise Refused(f"its kernel_shape {list(shape)} differs from its weight's "
                      f"{list(weight.shape[2:])}")
    return weight, bias


@IMPORTERS.register("Conv")
def convert_conv(ctx: Context, node: OnnxNode) -> None:
    if is_one_d(ctx, node):
        lifted(ctx, node, convert_conv, weight=True)
        return
    weight, bias = _weights(ctx, node)
    meaning = ctx.peek(node.inputs[0])
    extra_b, extra_e = (0, 0), (0, 0)
    if isinstance(meaning, Padded):
        x, extra_b, extra_e = meaning.base, meaning.begin, meaning.end
    else:
        x = ctx.value(node.inputs[0])
    if len(x.shape or ()) != 4:
        raise Refused(f"its input has shape {list(x.shape or ())}; imported are 2-D "
                      "convolutions of (N, C, H, W)")
    group = int(node.attr("group", 1))
    kernel = weight.shape[2:]
    strides = spatial_attr(node, "strides", 2, 1)
    dilations = spatial_attr(node, "dilations", 2, 1)
    extents = [d * (k - 1) + 1 for d, k in zip(dilations, kernel)]
    sizes = [n + b + e for n, b, e in zip(x.shape[2:], extra_b, extra_e)]  # type: ignore[index]
    begin, end = begin_end_pads(node, sizes, strides, extents)
    begin = tuple(b + x_ for b, x_ in zip(begin, extra_b))
    end = tuple(e + x_ for e, x_ in zip(end, extra_e))
    pads, before, after = [], [], []
    for n, b, e, k, s in zip(x.shape[2:], begin, end, extents, strides):  # type: ignore[index]
        onnx_out = (n + b + e - k) // s + 1
        if b == e or (n + 2 * b - k) // s + 1 == onnx_out:
            pads.append(b)
            before.append(0)
            after.append(0)
        else:
            p = min(b, e)
            pads.append(p)
            before.append(b - p)
            after.append(e - p)
    if any(before) or any(after):
        x = ctx.zero_pad(node, x, before, after)
    params = ConvolutionParams(num_output=weight.shape[0], kernel=tuple(kernel),
                               stride=strides, pad=tuple(pads), dilation=dilations,
                               group=group, bias_term=bias is not None)
    blobs = [weight] + ([bias] if bias is not None else [])
    ctx.layer(node, "Convolution", params, [x], blobs=blobs)


@IMPORTERS.register("ConvTranspose")
def convert_conv_transpose(ctx: Context, node: OnnxNode) -> None:
    if is_one_d(ctx, node):
        lifted(ctx, node, convert_conv_transpose, weight=True)
        return
    weight, bias = _weights(ctx, node)
    x = ctx.value(node.inputs[0])
    if len(x.shape or ()) != 4:
        raise Refused(f"its input has shape {list(x.shape or ())}; imported are 2-D "
                      "transposed convolutions of (N, C, H, W)")
    group = int(node.attr("group", 1))
    kernel = weight.shape[2:]
    strides = spatial_attr(node, "strides", 2, 1)
    dilations = spatial_attr(node, "dilations", 2, 1)
    padding = spatial_attr(node, "output_padding", 2, 0)
    extents = [d * (k - 1) + 1 for d, k in zip(dilations, kernel)]
    sizes = x.shape[2:]  # type: ignore[index]
    begin, end = _transpose_pads(node, sizes, strides, extents, padding)
    pads, lead, trail = [], [], []
    for b, e, p, d in zip(begin, end, padding, dilations):
        shift = p + b - e
        if shift % d:
            raise Refused(f"its pads and output_padding differ by {shift}, not a multiple "
                          f"of its dilation {d}: no Caffe kernel computes that shift")
        pads.append(b if shift >= 0 else b - shift)
        lead.append(0 if shift >= 0 else -shift // d)
        trail.append(shift // d if shift > 0 else 0)
    if any(lead) or any(trail):
        padded = made_blob(weight.shape[:2] + tuple(k + a + z for k, a, z in
                                                    zip(kernel, lead, trail)), 0.0,
                           f"its kernel widened by {lead} and {trail} zero taps")
        padded[:, :, lead[0]:lead[0] + kernel[0], lead[1]:lead[1] + kernel[1]] = weight
        weight = padded
    params = ConvolutionParams(num_output=weight.shape[1] * group, kernel=weight.shape[2:],
                               stride=strides, pad=tuple(pads), dilation=dilations,
                               group=group, bias_term=bias is not None)
    blobs = [weight] + ([bias] if bias is not None else [])
    ctx.layer(node, "Deconvolution", params, [x], blobs=blobs)


def _transpose_pads(node: OnnxNode, sizes: tuple[int, ...], strides: tuple[int, ...],
                    extents: list[int], padding: tuple[int, ...]
                    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    output_shape = node.attr("output_shape")
    auto = node.attr("auto_pad", "NOTSET")
    if output_shape is None and auto in ("", "NOTSET", "VALID"):
        if auto == "VALID":
            return (0, 0), (0, 0)
        return begin_end_pads(node, sizes, strides, extents)
    if output_shape is not None:
        wanted = [int(v) for v in output_shape][-2:]
    else:
        wanted = [n * s for n, s in zip(sizes, strides)]
    begin, end = [], []
    for n, s, k, p, out in zip(sizes, strides, extents, padding, wanted):
        total = s * (n - 1) + p + k - out
        if total < 0:
            raise Refused(f"its output_shape {out} is larger than the transposed "
                          "convolution's full output; Caffe cannot add rows")
        if auto == "SAME_UPPER":
            begin.append(total // 2)
            end.append(total - total // 2)
        else:
            begin.append(total - total // 2)
            end.append(total // 2)
    return tuple(begin), tuple(end)
