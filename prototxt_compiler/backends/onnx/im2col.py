"""Im2col as ONNX: data moved, never computed on (exact for any value, NaN too).

    padded = Pad(x, the spatial axes' (before, after) of ``ops.im2col.im2col_plan``)
    tap_k  = Unsqueeze(Slice(padded, starts, ends, spatial axes, strides), [axis + 1])
    top    = Reshape(Concat(tap_0, ..., tap_{K-1}, axis + 1), [0] * axis + [-1] + out sizes)
The taps stacked right after the channel axis flatten to channel c*K + k, Caffe's order; the
leading axes (the batch) are copied, so any batch runs.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.im2col import Im2colParams, im2col_plan
from .registry import ONNX, Emitter

__all__ = ["convert_im2col"]


@ONNX.register("Im2col")
def convert_im2col(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: Im2colParams = node.params
    shape = emit.input_shape(0)
    pads, taps = im2col_plan(p, shape)
    x = emit.input(0)
    lead = [0] * (p.axis + 1)
    if any(v for pair in pads for v in pair):
        widths = lead + [b for b, _ in pads] + lead + [a for _, a in pads]
        x = emit.op("Pad", [x, emit.const("pads", widths)])[0]
    spatial = list(range(p.axis + 1, len(shape)))
    axes = emit.const("axes", spatial)
    after = emit.const("after", [p.axis + 1])
    pieces = []
    for tap in taps:
        starts = emit.const("starts", [w[0] for w in tap])
        ends = emit.const("ends", [w[1] for w in tap])
        steps = emit.const("steps", [w[2] for w in tap])
        piece = emit.op("Slice", [x, starts, ends, axes, steps])[0]
        pieces.append(emit.op("Unsqueeze", [piece, after])[0])
    stacked = emit.op("Concat", pieces, axis=p.axis + 1)[0]
    target = [0] * p.axis + [-1] + list(emit.output_shape(0)[p.axis + 1:])
    emit.op("Reshape", [stacked, emit.const("shape", target)], [emit.output(0)])
