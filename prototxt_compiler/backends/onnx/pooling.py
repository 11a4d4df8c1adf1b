"""Pooling and SPP as ONNX MaxPool / AveragePool, exact to Caffe's CPU PoolingLayer.

Caffe's windows, per spatial axis, for output index i of ``out`` (``ops.pooling`` gives out):
    start = i*stride - pad,  end = min(start + kernel, size + pad)
MAX takes the largest real element of the window, starting from -FLT_MAX; AVE sums the real
elements and divides by the window size counted before clipping to the input:
    divisor = (end_h - start_h) * (end_w - start_w)
(zero or negative for a window starting at or past an unpadded input: NaN or -0, as in Caffe).

The mapping never uses ``ceil_mode`` (runtimes disagree on its last window); it gives ONNX
exactly Caffe's windows with per-side pads and floor rounding instead:
    before = pad,  after = (pooled - 1)*stride + kernel - (size + pad)
where ``pooled`` is the number of windows ONNX pools. A negative ``after`` (rows no window
reaches) becomes a Slice of the input; both pads stay below the kernel, as ONNX asks.

MAX: ``MaxPool(pads=[before_h, before_w, after_h, after_w])`` over the windows holding a real
element (``pooled`` = those starting inside the input); padding never wins. The empty windows
past the input (possible only without padding) are appended with Pad: -FLT_MAX in the top, -1
in the mask. The mask top is MaxPool's ``Indices`` (a flat index over the unpadded N, C, H, W
input) taken modulo H*W, so h*W + w in Caffe's plane (re-based to the full width where the input
was cropped), cast to float. A global MAX pooling without mask is ``GlobalMaxPool``.

AVE: where every window's divisor is the kernel area, ``AveragePool`` with the same pads and
``count_include_pad=1`` (zero padding counted) is Caffe's sum / area. Otherwise the input is
zero-padded explicitly with Pad, ``AveragePool`` without pads times the kernel area gives the
window sums, divided by Caffe's divisor map (a constant ``LAYER/divisor`` of shape (out_h,
out_w)). A global AVE pooling is ``GlobalAveragePool``.

STOCHASTIC pooling is refused: Caffe's CPU forward aborts with "Not Implemented Yet".

SPP: each pyramid level is the pooling ``ops.pooling`` binds for it; pyramid_height 1 gives
that pooling's 4-D top, otherwise every level's top is Flatten(axis=1)-ed to (N, C*h*w) and
they are concatenated along axis 1 in level order.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto

from ...ir import Node
from ...ops.base import FLT_MAX
from ...ops.pooling import (
    PoolingParams,
    SPPParams,
    WindowAxis,
    pooled_hw,
    refuse_stochastic,
    window_plan,
)
from .registry import ONNX, Emitter

__all__ = ["convert_pooling", "convert_spp"]


def _crop(emit: Emitter, x: str, axes: Sequence[WindowAxis]) -> tuple[str, int]:
    """Slices off the rows/columns no window reaches; returns the value and its width."""
    width = axes[1].size + min(axes[1].after, 0)
    if all(a.after >= 0 for a in axes):
        return x, width
    ends = [a.size + min(a.after, 0) for a in axes]
    sliced = emit.op("Slice", [x, emit.const("crop_starts", [0, 0]), emit.const("crop_ends", ends),
                               emit.const("crop_axes", [2, 3])])[0]
    return sliced, width


def _pad_end(emit: Emitter, x: str, axes: Sequence[WindowAxis], value: float, hint: str,
             out: str | None) -> str:
    """Appends the empty windows (``out - pooled`` per axis) holding ``value``."""
    pads = [0, 0, 0, 0, 0, 0] + [a.out - a.pooled for a in axes]
    return emit.op("Pad", [x, emit.const(f"{hint}_pads", pads),
                           emit.const(f"{hint}_value", value, np.float32)],
                   [out] if out is not None else None)[0]


def _is_global(p: PoolingParams, height: int, width: int, out: tuple[int, int]) -> bool:
    return p.kernel == (height, width) and p.pad == (0, 0) and out == (1, 1)


def _max_pool(emit: Emitter, p: PoolingParams, x: str, shape: tuple[int, int],
              out: tuple[int, int], tops: Sequence[str]) -> None:
    """Emits Caffe's MAX pooling of ``x`` into ``tops`` (the top, and the mask if given)."""
    mask = len(tops) == 2
    if not mask and _is_global(p, *shape, out):
        emit.op("GlobalMaxPool", [x], [tops[0]])
        return
    plan = window_plan(p, *shape, out, max_pool=True)
    axes = [plan.h, plan.w]
    empty = any(a.out != a.pooled for a in axes)
    cropped, width = _crop(emit, x, axes)
    pooled = [emit.temp("pooled") if empty else tops[0]] + ([emit.temp("indices")] if mask else [])
    emit.op("MaxPool", [cropped], pooled, kernel_shape=list(p.kernel), strides=list(p.stride),
            pads=[a.before for a in axes] + [max(a.after, 0) for a in axes])
    if empty:
        _pad_end(emit, pooled[0], axes, -FLT_MAX, "top_empty", tops[0])
    if not mask:
        return
    height = shape[0] + min(axes[0].after, 0)
    index = emit.op("Mod", [pooled[1], emit.const("plane", height * width)])[0]
    if width != shape[1]:  # h*width + w -> h*W + w
        rows = emit.op("Div", [index, emit.const("width", width)])[0]
        shift = emit.op("Mul", [rows, emit.const("cropped", shape[1] - width)])[0]
        index = emit.op("Add", [index, shift])[0]
    as_float = emit.op("Cast", [index], None if empty else [tops[1]], to=TensorProto.FLOAT)[0]
    if empty:
        _pad_end(emit, as_float, axes, -1.0, "mask_empty", tops[1])


def _ave_pool(emit: Emitter, p: PoolingParams, x: str, shape: tuple[int, int],
              out: tuple[int, int], top: str | None) -> str:
    """Emits Caffe's AVE pooling of ``x``; returns the top's name."""
    outputs = [top] if top is not None else None
    if _is_global(p, *shape, out):
        return emit.op("GlobalAveragePool", [x], outputs)[0]
    plan = window_plan(p, *shape, out, max_pool=False)
    axes = [plan.h, plan.w]
    area = p.kernel[0] * p.kernel[1]
    cropped, _ = _crop(emit, x, axes)
    pads = [a.before for a in axes] + [max(a.after, 0) for a in axes]
    if plan.uniform:
        return emit.op("AveragePool", [cropped], outputs, kernel_shape=list(p.kernel),
                       strides=list(p.stride), pads=pads, count_include_pad=1)[0]
    padded = emit.op("Pad", [cropped, emit.const("pads", [0, 0] + pads[:2] + [0, 0] + pads[2:])])
    mean = emit.op("AveragePool", padded, kernel_shape=list(p.kernel), strides=list(p.stride))
    sums = emit.op("Mul", mean + [emit.const("area", area, np.float32)])
    return emit.op("Div", sums + [emit.const("divisor", plan.divisor, np.float32)], outputs)[0]


def _pooling(emit: Emitter, p: PoolingParams, x: str, shape: tuple[int, int],
             tops: Sequence[str | None]) -> str:
    """Emits one pooling of ``x`` (spatial ``shape``) into ``tops``; returns the top's name
    (a fresh one where ``tops[0]`` is None)."""
    refuse_stochastic(p.pool)
    out = pooled_hw(p, *shape)
    if p.pool == "MAX":
        named = [tops[0] or emit.temp("level"), *(t for t in tops[1:] if t is not None)]
        _max_pool(emit, p, x, shape, out, named)
        return named[0]
    return _ave_pool(emit, p, x, shape, out, tops[0])


@ONNX.register("Pooling")
def convert_pooling(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: PoolingParams = node.params
    height, width = emit.input_shape(0)[2:]
    tops = [emit.output(i) for i in range(len(node.outputs))]
    _pooling(emit, p, emit.input(0), (height, width), tops)


@ONNX.register("SPP")
def convert_spp(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: SPPParams = node.params
    refuse_stochastic(p.pool)
    height, width = emit.input_shape(0)[2:]
    if p.pyramid_height == 1:
        _pooling(emit, p.levels[0], emit.input(0), (height, width), [emit.output(0)])
        return
    flat = []
    for level in p.levels:
        top = _pooling(emit, level, emit.input(0), (height, width), [None])
        flat += emit.op("Flatten", [top], axis=1)
    emit.op("Concat", flat, [emit.output(0)], axis=1)
