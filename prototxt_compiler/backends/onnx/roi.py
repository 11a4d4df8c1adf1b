"""ROIPooling and py-faster-rcnn's proposal layer as ONNX nodes.

ROIPooling is ONNX's ``MaxRoiPool`` (pooled_shape, spatial_scale), whose definition is the
fork's: ROI corners rounded half away from zero after scaling, sizes at least 1, float bins
floor(i * bin) .. ceil((i + 1) * bin) offset and clamped to the map, the maximum of each bin
and 0 for an empty one. The rois are reshaped to (R, 5) first (Caffe reads them as rows of 5)
and NaN features made -inf, which onnxruntime's MaxRoiPool, like the fork, never lets win.

The proposal layer, the steps of ``backends.torch.roi`` in ONNX ops: the anchors of every
cell (a constant for a known map size, else Range / Mul / Add of the run-time size), the
foreground half of the scores and the deltas transposed to (h, w, anchor) rows, decoded in
float32 (widths + 1), clipped with Min / Max to im_info's [0, width - 1] x [0, height - 1],
the boxes under min_size * im_info[2] on a side masked to -inf, TopK of the reversed scores (a Slice of step -1)
(ties to the later anchor) for the pre_nms_topN best, the NMS ``Loop`` with pixel overlaps,
and the first post_nms_topN kept (NonZero, Slice, Gather). Tops: rois (R, 5) with batch 0
and, when asked, scores (R, 1).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto

from ...ir import Node, is_symbolic
from ...ops.roi import PROPOSAL_TYPE, ProposalParams, ROIPoolingParams
from .detection import dim
from .nms import nms_loop
from .registry import ONNX, Emitter

__all__ = ["convert_roi_pooling", "convert_proposal"]


@ONNX.register("ROIPooling")
def convert_roi_pooling(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ROIPoolingParams = node.params
    rois = emit.op("Reshape", [emit.input(1), emit.const("rows", [-1, 5])])
    # onnxruntime's MaxRoiPool lets a NaN win a bin and then be beaten by -inf; the fork's
    # comparison (greater than the running maximum, from -FLT_MAX) lets neither win
    features = emit.input(0)
    nan = emit.op("IsNaN", [features])
    features = emit.op("Where", nan + [emit.const("minus_inf", -np.inf, np.float32),
                                       features])[0]
    emit.op("MaxRoiPool", [features] + rois, [emit.output(0)],
            pooled_shape=[p.pooled_h, p.pooled_w], spatial_scale=float(p.spatial_scale))


def _anchors(emit: Emitter, p: ProposalParams, scores: str) -> str:
    """(H*W*A, 4) float32 anchors in (h, w, anchor) order."""
    height, width = emit.input_shape(0)[2:]
    base = p.anchors
    if not (is_symbolic(height) or is_symbolic(width)):
        sy, sx = np.meshgrid(np.arange(height) * p.feat_stride, np.arange(width) * p.feat_stride,
                             indexing="ij")
        shifts = np.stack([sx, sy, sx, sy], axis=-1).reshape(-1, 1, 4)
        return emit.const("anchors", (base[None] + shifts).reshape(-1, 4), np.float32)
    stride = emit.const("stride", float(p.feat_stride), np.float64)
    zero, one = emit.const("zero_d", 0.0, np.float64), emit.const("one_d", 1.0, np.float64)
    axes = []
    for axis in (2, 3):
        size = emit.op("Cast", emit.op("Squeeze", [dim(emit, scores, axis)]),
                       to=TensorProto.DOUBLE)
        axes.append(emit.op("Mul", emit.op("Range", [zero] + size + [one]) + [stride])[0])
    ys = emit.op("Unsqueeze", [axes[0], emit.const("yx", [1, 2, 3])])[0]    # (H, 1, 1, 1)
    xs = emit.op("Unsqueeze", [axes[1], emit.const("xx", [0, 2, 3])])[0]    # (1, W, 1, 1)
    pick_x = emit.const("pick_x", [1.0, 0.0, 1.0, 0.0], np.float64)
    pick_y = emit.const("pick_y", [0.0, 1.0, 0.0, 1.0], np.float64)
    offsets = emit.op("Add", emit.op("Mul", [xs, pick_x]) + emit.op("Mul", [ys, pick_y]))
    moved = emit.op("Add", offsets + [emit.const("base", base[None, None], np.float64)])
    return emit.op("Cast", emit.op("Reshape", moved + [emit.const("flat4", [-1, 4])]),
                   to=TensorProto.FLOAT)[0]


@ONNX.register(PROPOSAL_TYPE)
def convert_proposal(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ProposalParams = node.params
    count = len(p.anchors)
    scores, deltas, info = emit.input(0), emit.input(1), emit.input(2)
    anchors = _anchors(emit, p, scores)
    first = emit.op("Slice", [scores, emit.const("n0", [0]), emit.const("n1", [1]),
                              emit.const("n_ax", [0])])
    fg = emit.op("Slice", first + [emit.const("a0", [count]), emit.const("a1", [2 * count]),
                                   emit.const("a_ax", [1])])
    fg = emit.op("Reshape", emit.op("Transpose", fg, perm=[0, 2, 3, 1]) + [emit.const("m1", [-1])])
    one_delta = emit.op("Slice", [deltas, emit.const("d0", [0]), emit.const("d1", [1]),
                                  emit.const("d_ax", [0])])
    d = emit.op("Reshape", emit.op("Transpose", one_delta, perm=[0, 2, 3, 1]) +
                [emit.const("d4", [-1, 4])])
    cols = emit.op("Split", d + [emit.const("split4", [1, 1, 1, 1])],
                   [emit.temp(f"d{i}") for i in range(4)], axis=1)
    ac = emit.op("Split", [anchors, emit.const("split4b", [1, 1, 1, 1])],
                 [emit.temp(f"a{i}") for i in range(4)], axis=1)
    one = emit.const("one", 1.0, np.float32)
    half = emit.const("half", 0.5, np.float32)
    w = emit.op("Add", emit.op("Sub", [ac[2], ac[0]]) + [one])[0]
    h = emit.op("Add", emit.op("Sub", [ac[3], ac[1]]) + [one])[0]
    cx = emit.op("Add", emit.op("Mul", [cols[0], w]) + emit.op(
        "Add", [ac[0]] + emit.op("Mul", [half, w])))[0]
    cy = emit.op("Add", emit.op("Mul", [cols[1], h]) + emit.op(
        "Add", [ac[1]] + emit.op("Mul", [half, h])))[0]
    hw = emit.op("Mul", [half] + emit.op("Mul", emit.op("Exp", [cols[2]]) + [w]))[0]
    hh = emit.op("Mul", [half] + emit.op("Mul", emit.op("Exp", [cols[3]]) + [h]))[0]
    im = emit.op("Reshape", [info, emit.const("flat", [-1])])
    edge = [emit.op("Sub", emit.op("Gather", im + [emit.const(f"i{i}", i)]) + [one])[0]
            for i in (1, 0)]
    zero = emit.const("zero", 0.0, np.float32)
    sides = [(emit.op("Sub", [cx, hw])[0], edge[0]), (emit.op("Sub", [cy, hh])[0], edge[1]),
             (emit.op("Add", [cx, hw])[0], edge[0]), (emit.op("Add", [cy, hh])[0], edge[1])]
    clipped = [emit.op("Max", emit.op("Min", [v, e]) + [zero])[0] for v, e in sides]
    boxes = emit.op("Concat", clipped, axis=1)[0]
    least = emit.op("Mul", [emit.const("min_size", p.min_size, np.float32)] + emit.op(
        "Gather", im + [emit.const("i2", 2)]))[0]
    wide_enough = emit.op("And", [emit.op("GreaterOrEqual", emit.op("Add", emit.op(
        "Sub", [clipped[2], clipped[0]]) + [one]) + [least])[0], emit.op(
        "GreaterOrEqual", emit.op("Add", emit.op("Sub", [clipped[3], clipped[1]]) + [one]) +
        [least])[0]])
    big = emit.op("Squeeze", wide_enough + [emit.const("sq1", [1])])[0]
    masked = emit.op("Where", [big, fg[0], emit.const("minus_inf", -np.inf, np.float32)])
    flipped = emit.op("Slice", masked + [emit.const("rev0", [-1]), emit.const("rev1", [-2 ** 63]),
                                         emit.const("rev_ax", [0]), emit.const("rev_step", [-1])])
    total = emit.op("Shape", masked)
    k = emit.op("Min", total + [emit.const("pre", [p.pre_nms_top_n])])
    ranked, back = emit.op("TopK", flipped + k, [emit.temp("ranked"), emit.temp("back")],
                           axis=0, largest=1, sorted=1)
    order = emit.op("Sub", emit.op("Sub", total + [emit.const("one_i", [1])]) + [back])
    ranked_boxes = emit.op("Gather", [boxes] + order, axis=0)
    valid = emit.op("Gather", [big] + order, axis=0)
    keep = nms_loop(emit, emit.op("Unsqueeze", ranked_boxes + [emit.const("u0", [0])])[0],
                    emit.op("Unsqueeze", valid + [emit.const("u0b", [0])])[0],
                    p.nms_threshold, 1.0, offset=1.0)
    kept = emit.op("NonZero", emit.op("Squeeze", [keep, emit.const("sq0", [0])]))
    kept = emit.op("Squeeze", kept + [emit.const("sq0b", [0])])
    kept = emit.op("Slice", kept + [emit.const("p0", [0]), emit.const("post", [p.post_nms_top_n])])
    chosen = emit.op("Gather", ranked_boxes + kept, axis=0)
    batch = emit.op("Mul", emit.op("Slice", chosen + [emit.const("c0", [0]), emit.const(
        "c1", [1]), emit.const("c_ax", [1])]) + [zero])
    emit.op("Concat", batch + chosen, [emit.output(0)], axis=1)
    if len(node.outputs) > 1:
        picked = emit.op("Gather", [emit.op("Gather", fg + order, axis=0)[0]] + kept, axis=0)
        emit.op("Unsqueeze", picked + [emit.const("u1b", [1])], [emit.output(1)])
