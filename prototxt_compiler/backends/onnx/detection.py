"""PriorBox and DetectionOutput as ONNX nodes, computing what SSD's Caffe computes.

PriorBox: a constant (``ops.detection.prior_boxes``) when its bottoms' sizes are known; for
symbolic sizes (a fragment's input) a subgraph of the run-time shapes: Shape -> the feature
and image sizes -> the steps (float32 Div, as the fork divides) -> Range centres ((i + offset)
* step in float32) -> corners in double, cast to float, clipped -> Concat with the variances
-> (1, 2, H*W*P*4).

DetectionOutput, the steps of ``backends.torch.detection`` (its docstring) in ONNX ops:
Reshape loc (N, P, L, 4) and conf (N, P, C), Slice the priors and variances from the priors'
blob; decode (Split / Mul / Add / Exp per code type, float32); Transpose to (N, C', P) and
Gather the detected classes; Where(score > threshold); TopK (sorted, ties to the lower index:
Caffe's stable sort) keeps the top_k best; GatherElements their boxes; the NMS ``Loop``
(``backends.onnx.nms``); keep_top_k as TopK over each image's (class, rank) flattening and
ScatterElements into a mask; NonZero of the kept mask gives the rows in Caffe's order
(image, label, rank); GatherND their scores and boxes; and the empty-batch rows
[n, -1, -1, -1, -1, -1, -1] chosen by Compress when nothing is kept. The row count is
dynamic: the output is (1, 1, K, 7).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from onnx import TensorProto, numpy_helper

from ...ir import Node, is_symbolic
from ...ops.detection import DetectionOutputParams, PriorBoxParams, prior_boxes, prior_shapes
from .nms import nms_loop
from .registry import ONNX, Emitter

__all__ = ["convert_prior_box", "convert_detection_output", "dim"]

F32, I64 = TensorProto.FLOAT, TensorProto.INT64


def dim(emit: Emitter, value: str, axis: int) -> str:
    """Dimension ``axis`` of ``value`` at run time, as a 1-element int64 tensor."""
    return emit.op("Gather", emit.op("Shape", [value]) + [emit.const(f"axis{axis}", [axis])])[0]


def _size_of(emit: Emitter, i: int, axis: int) -> str:
    """Bottom i's size on ``axis`` as a float32 scalar: a constant when known."""
    size = emit.input_shape(i)[axis]
    if not is_symbolic(size):
        return emit.const("size", float(size), np.float32)
    scalar = emit.op("Squeeze", [dim(emit, emit.input(i), axis)])
    return emit.op("Cast", scalar, to=F32)[0]


def _priors_computed(emit: Emitter, p: PriorBoxParams) -> None:
    """The subgraph of the module docstring, for symbolic sizes."""
    fh, fw = _size_of(emit, 0, 2), _size_of(emit, 0, 3)
    if p.image is not None:
        ih, iw = (emit.const("img", float(s), np.float32) for s in p.image)
    else:
        ih, iw = _size_of(emit, 1, 2), _size_of(emit, 1, 3)
    if p.steps is not None:
        sh, sw = (emit.const("step", float(np.float32(s)), np.float32) for s in p.steps)
    else:
        sh, sw = emit.op("Div", [ih, fh])[0], emit.op("Div", [iw, fw])[0]
    offset = emit.const("offset", float(np.float32(p.offset)), np.float32)
    zero = emit.const("zero", 0.0, np.float32)
    one = emit.const("one", 1.0, np.float32)
    centres = []
    for size, step in ((fh, sh), (fw, sw)):
        index = emit.op("Range", [zero, size, one])
        scaled = emit.op("Mul", emit.op("Add", index + [offset]) + [step])
        centres.append(emit.op("Cast", scaled, to=TensorProto.DOUBLE)[0])
    half = np.array(prior_shapes(p), dtype=np.float64).reshape(-1, 2) / 2.0
    cy = emit.op("Unsqueeze", [centres[0], emit.const("yx", [1, 2])])[0]   # (H, 1, 1)
    cx = emit.op("Unsqueeze", [centres[1], emit.const("xx", [0, 2])])[0]   # (1, W, 1)
    image = [emit.op("Cast", [s], to=TensorProto.DOUBLE)[0] for s in (iw, ih)]
    corners = []
    for centre, half_size, sign, scale in ((cx, half[:, 0], -1, image[0]),
                                           (cy, half[:, 1], -1, image[1]),
                                           (cx, half[:, 0], 1, image[0]),
                                           (cy, half[:, 1], 1, image[1])):
        moved = emit.op("Add", [centre, emit.const("half", sign * half_size, np.float64)])
        corners.append(emit.op("Div", moved + [scale])[0])
    grid = emit.op("Add", emit.op("Add", [corners[0], corners[1]]) + [emit.const(
        "zeros", np.zeros(len(half)), np.float64)])[0]  # (H, W, P): every corner's shape
    zeros = emit.op("Mul", [grid, emit.const("nought", 0.0, np.float64)])[0]
    stacked = [emit.op("Unsqueeze", emit.op("Add", [c, zeros]) + [emit.const("last", [-1])])[0]
               for c in corners]
    boxes = emit.op("Cast", emit.op("Concat", stacked, axis=-1), to=F32)
    flat = emit.op("Reshape", boxes + [emit.const("flat", [1, -1])])
    if p.clip:
        flat = emit.op("Clip", flat + [zero, one])
    variance = np.array(p.variance or (0.1,), dtype=np.float32)
    reps = emit.op("Div", emit.op("Shape", flat) + [emit.const("n", [1, len(variance)])])
    tiled = emit.op("Tile", [emit.const("variance", variance.reshape(1, -1), np.float32)] + reps)
    both = emit.op("Concat", flat + tiled, axis=0)
    emit.op("Reshape", both + [emit.const("top", [1, 2, -1])], [emit.output(0)])


@ONNX.register("PriorBox")
def convert_prior_box(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: PriorBoxParams = node.params
    layer, image = emit.input_shape(0)[2:], emit.input_shape(1)[2:]
    needed = tuple(layer) + (() if p.image is not None else tuple(image))
    if any(is_symbolic(d) for d in needed):
        _priors_computed(emit, p)
        return
    boxes = prior_boxes(p, (int(layer[0]), int(layer[1])),
                        (int(image[0]), int(image[1])))
    emit.op("Constant", [], [emit.output(0)],
            value=numpy_helper.from_array(boxes, f"{node.name}.priors"))


def _decode(emit: Emitter, p: DetectionOutputParams, loc: str, prior: str,
            variance: str) -> str:
    """Caffe's DecodeBBox of loc (..., 4) against the priors (same rank, broadcast)."""
    if not p.variance_encoded_in_target:
        loc = emit.op("Mul", [loc, variance])[0]
    if p.code_type == "CORNER":
        return emit.op("Add", [prior, loc])[0]
    split = emit.const("split4", [1, 1, 1, 1])
    px = emit.op("Split", [prior, split], [emit.temp(f"p{i}") for i in range(4)], axis=-1)
    lx = emit.op("Split", [loc, split], [emit.temp(f"l{i}") for i in range(4)], axis=-1)
    pw, ph = emit.op("Sub", [px[2], px[0]])[0], emit.op("Sub", [px[3], px[1]])[0]
    if p.code_type == "CORNER_SIZE":
        size = emit.op("Concat", [pw, ph, pw, ph], axis=-1)
        return emit.op("Add", [prior] + emit.op("Mul", [loc] + size))[0]
    two = emit.const("two", 2.0, np.float32)
    cx = emit.op("Add", emit.op("Mul", [lx[0], pw]) + emit.op("Div", emit.op(
        "Add", [px[0], px[2]]) + [two]))[0]
    cy = emit.op("Add", emit.op("Mul", [lx[1], ph]) + emit.op("Div", emit.op(
        "Add", [px[1], px[3]]) + [two]))[0]
    hw = emit.op("Div", emit.op("Mul", emit.op("Exp", [lx[2]]) + [pw]) + [two])[0]
    hh = emit.op("Div", emit.op("Mul", emit.op("Exp", [lx[3]]) + [ph]) + [two])[0]
    return emit.op("Concat", [emit.op("Sub", [cx, hw])[0], emit.op("Sub", [cy, hh])[0],
                              emit.op("Add", [cx, hw])[0], emit.op("Add", [cy, hh])[0]],
                   axis=-1)[0]


@ONNX.register("DetectionOutput")
def convert_detection_output(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: DetectionOutputParams = node.params
    loc, conf, prior = emit.input(0), emit.input(1), emit.input(2)
    height = emit.input_shape(2)[2]
    count = emit.const("priors", [height // 4]) if not is_symbolic(height) else \
        emit.op("Div", [dim(emit, prior, 2), emit.const("four", [4])])[0]
    flat = emit.op("Reshape", [prior, emit.const("rows", [-1, 4])])
    zero = emit.const("z", [0])
    box_rows = emit.op("Slice", flat + [zero, count])
    twice = emit.op("Mul", [count, emit.const("two_i", [2])])
    variance_rows = emit.op("Slice", flat + [count] + twice)
    boxes = emit.op("Unsqueeze", box_rows + [emit.const("ax1", [1])])[0]        # (P, 1, 4)
    variance = emit.op("Unsqueeze", variance_rows + [emit.const("ax1b", [1])])[0]
    loc = emit.op("Reshape", [loc, emit.const("loc", [0, -1, p.loc_classes, 4])])[0]
    decoded = emit.op("Transpose", [_decode(emit, p, loc, boxes, variance)], perm=[0, 2, 1, 3])
    classes = emit.const("classes", list(p.classes))
    n = dim(emit, emit.input(0), 0)
    if p.share_location:
        shape = emit.op("Concat", [n, emit.const("cls", [len(p.classes)]), count,
                                   emit.const("four_b", [4])], axis=0)
        decoded = emit.op("Expand", decoded + shape)
    else:
        decoded = emit.op("Gather", decoded + [classes], axis=1)
    scores = emit.op("Reshape", [conf, emit.const("conf", [0, -1, p.num_classes])])
    scores = emit.op("Gather", emit.op("Transpose", scores, perm=[0, 2, 1]) + [classes], axis=1)
    threshold = emit.const("threshold", p.threshold, np.float32)
    floor = emit.const("minus_inf", -np.inf, np.float32)
    masked = emit.op("Where", emit.op("Greater", scores + [threshold]) + scores + [floor])
    k = count if p.top_k is None else emit.op("Min", [count, emit.const("top_k", [max(p.top_k, 0)])])[0]
    ranked, order = emit.op("TopK", masked + [k], [emit.temp("ranked"), emit.temp("order")],
                            axis=2, largest=1, sorted=1)
    at = emit.op("Unsqueeze", [order, emit.const("ax3", [3])])
    at = emit.op("Expand", at + [emit.op("Concat", emit.op("Slice", emit.op("Shape", at) + [
        emit.const("s0", [0]), emit.const("s3", [3])]) + [emit.const("four_c", [4])], axis=0)[0]])
    ranked_boxes = emit.op("GatherElements", decoded + at, axis=2)[0]
    valid = emit.op("Greater", [ranked, threshold])[0]
    keep = nms_loop(emit, ranked_boxes, valid, p.nms_threshold, p.eta)
    if p.keep_top_k >= 0:
        best = emit.op("Where", [keep, ranked, floor])
        best = emit.op("Reshape", best + [emit.const("per_image", [0, -1])])
        width = emit.op("Gather", emit.op("Shape", best) + [emit.const("ax1c", [1])])
        kk = emit.op("Min", width + [emit.const("keep_top_k", [p.keep_top_k])])
        _, chosen = emit.op("TopK", best + kk, [emit.temp("best"), emit.temp("chosen")],
                            axis=1, largest=1, sorted=1)
        zeros = emit.op("ConstantOfShape", emit.op("Shape", best))
        ones = emit.op("ConstantOfShape", emit.op("Shape", [chosen]),
                       value=numpy_helper.from_array(np.ones(1, np.float32)))
        mask = emit.op("ScatterElements", zeros + [chosen] + ones, axis=1)
        mask = emit.op("Reshape", mask + emit.op("Shape", [keep]))
        keep = emit.op("And", [keep] + emit.op("Cast", mask, to=TensorProto.BOOL))[0]
    where = emit.op("Transpose", emit.op("NonZero", [keep]), perm=[1, 0])
    column = [emit.op("Gather", where + [emit.const(f"col{i}", i)], axis=1)[0] for i in range(2)]
    image = emit.op("Cast", [column[0]], to=F32)
    label = emit.op("Cast", emit.op("Gather", [classes, column[1]]), to=F32)
    score = emit.op("GatherND", [ranked] + where)
    box = emit.op("GatherND", [ranked_boxes] + where)
    unsq = emit.const("ax1d", [1])
    rows = emit.op("Concat", [emit.op("Unsqueeze", v + [unsq])[0] for v in (image, label, score)]
                   + box, axis=1)
    ids = emit.op("Cast", emit.op("Range", [emit.const("r0", 0), emit.op("Squeeze", [n])[0],
                                            emit.const("r1", 1)]), to=F32)
    fake = emit.op("Concat", emit.op("Unsqueeze", ids + [unsq]) + emit.op(
        "Expand", [emit.const("minus_one", -np.ones((1, 6)), np.float32),
                   emit.op("Concat", [n, emit.const("six", [6])], axis=0)[0]]), axis=1)
    kept = emit.op("Gather", emit.op("Shape", rows) + [emit.const("r_at", [0])])
    none = emit.op("Equal", [kept[0], emit.const("nought", [0])])
    pick = emit.op("Concat", emit.op("Expand", [emit.const("yes", [True], np.bool_)] + kept)
                   + emit.op("Expand", none + [n]), axis=0)
    chosen_rows = emit.op("Compress", emit.op("Concat", rows + fake, axis=0) + pick, axis=0)
    emit.op("Reshape", chosen_rows + [emit.const("out", [1, 1, -1, 7])], [emit.output(0)])
