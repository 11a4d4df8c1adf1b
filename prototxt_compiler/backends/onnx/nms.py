"""Caffe's greedy NMS as an ONNX ``Loop``, shared by DetectionOutput and the proposal layer.

``nms_loop(emit, boxes, valid, threshold, eta, offset)`` takes boxes (G..., M, 4) sorted by
score and ``valid`` (G..., M), a prefix of each row, and returns the kept mask (G..., M): the
loop of ``backends.torch.detection.caffe_nms``, step for step. Step t keeps box t when it is
valid and its overlap with every box kept before it is <= the (per-row) threshold (a NaN
overlap suppresses), then, while eta < 1 and the threshold > 0.5, multiplies the threshold
by eta. Overlap, with offset 0 (SSD's JaccardOverlap): iw = min(x2) - max(x1), likewise ih,
0 unless iw > 0 and ih > 0, else iw*ih / ((size_t + size_k) - iw*ih), a size 0 for a box with
x2 < x1 or y2 < y1; with offset 1 (py-faster-rcnn's pixel IoU): iw + 1 and ih + 1 clamped at
0, sizes (w + 1) * (h + 1). The trip count is the longest valid prefix, computed at run time.

ONNX's NonMaximumSuppression is not used: it has no eta, orders corners itself (so an
inverted box gets a size, where Caffe gives 0), and the CPU build of onnxruntime here has no
kernel for it; the Loop runs everywhere and gives Caffe's result exactly.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto, helper

from .registry import Emitter

__all__ = ["nms_loop", "sizes_of"]


def sizes_of(emit: Emitter, boxes: str, offset: float) -> tuple[list[str], str]:
    """The four coordinate planes of ``boxes`` (..., 4) and each box's size."""
    split = emit.const("split4", [1, 1, 1, 1])
    parts = emit.op("Split", [boxes, split], [emit.temp(f"c{i}") for i in range(4)], axis=-1)
    coords = [emit.op("Squeeze", [c, emit.const("last", [-1])])[0] for c in parts]
    w = emit.op("Sub", [coords[2], coords[0]])[0]
    h = emit.op("Sub", [coords[3], coords[1]])[0]
    if offset:
        one = emit.const("one", offset, np.float32)
        size = emit.op("Mul", emit.op("Add", [w, one]) + emit.op("Add", [h, one]))[0]
        return coords, size
    zero = emit.const("zero", 0.0, np.float32)
    inverted = emit.op("Or", emit.op("Less", [w, zero]) + emit.op("Less", [h, zero]))
    size = emit.op("Where", inverted + [zero] + emit.op("Mul", [w, h]))[0]
    return coords, size


def nms_loop(emit: Emitter, boxes: str, valid: str, threshold: float, eta: float,
             offset: float = 0.0) -> str:
    coords, sizes = sizes_of(emit, boxes, offset)
    count = emit.op("ReduceSum", [emit.op("Cast", [valid], to=TensorProto.INT64)[0],
                                  emit.const("rank_axis", [-1])], keepdims=0)
    trips = emit.op("ReduceMax", count, keepdims=0)[0]
    keep0 = emit.op("ConstantOfShape", emit.op("Shape", [valid]),
                    value=helper.make_tensor("false", TensorProto.BOOL, [1], [False]))[0]
    rows = emit.op("Shape", [valid])
    rows = emit.op("Slice", rows + [emit.const("s0", [0]), emit.const("e_last", [-1])])
    thr0 = emit.op("Expand", [emit.const("threshold", threshold, np.float32)] + rows)[0]
    ranks = emit.op("Range", [emit.const("r0", 0), emit.op("Squeeze", emit.op(
        "Gather", emit.op("Shape", [valid]) + [emit.const("m_at", [-1])]))[0],
        emit.const("r1", 1)])[0]
    true = emit.const("true", True, np.bool_)

    body: list = []
    names = {k: emit.unique(f"{emit.node.name}/nms_{k}") for k in
             ("t", "cond", "keep", "thr", "cond_out", "keep_out", "thr_out")}
    counter = [0]

    def op(kind: str, inputs: list[str], **attrs: Any) -> str:
        counter[0] += 1
        out = emit.unique(f"{emit.node.name}/nms_{kind.lower()}{counter[0]}")
        body.append(helper.make_node(kind, inputs, [out], name=out, **attrs))
        return out

    t = names["t"]
    cand = [op("Unsqueeze", [op("Gather", [c, t], axis=-1), emit.const("u_last", [-1])])
            for c in coords]
    cand_size = op("Unsqueeze", [op("Gather", [sizes, t], axis=-1), emit.const("u_last2", [-1])])
    iw = op("Sub", [op("Min", [cand[2], coords[2]]), op("Max", [cand[0], coords[0]])])
    ih = op("Sub", [op("Min", [cand[3], coords[3]]), op("Max", [cand[1], coords[1]])])
    zero = emit.const("zero_f", 0.0, np.float32)
    if offset:
        one = emit.const("one_f", offset, np.float32)
        iw = op("Max", [op("Add", [iw, one]), zero])
        ih = op("Max", [op("Add", [ih, one]), zero])
    inter = op("Mul", [iw, ih])
    ratio = op("Div", [inter, op("Sub", [op("Add", [cand_size, sizes]), inter])])
    if not offset:
        ratio = op("Where", [op("And", [op("Greater", [iw, zero]), op("Greater", [ih, zero])]),
                             ratio, zero])
    limit = op("Unsqueeze", [names["thr"], emit.const("u_last3", [-1])])
    bad = op("And", [names["keep"], op("Not", [op("LessOrEqual", [ratio, limit])])])
    hits = op("ReduceSum", [op("Cast", [bad], to=TensorProto.FLOAT), emit.const("b_axis", [-1])],
              keepdims=0)
    kept = op("And", [op("Gather", [valid, t], axis=-1), op("Not", [op("Greater", [hits, zero])])])
    here = op("Equal", [ranks, t])
    body.append(helper.make_node("Or", [names["keep"], op("And", [
        op("Unsqueeze", [kept, emit.const("u_last4", [-1])]), here])], [names["keep_out"]],
        name=names["keep_out"]))
    if eta < 1:
        shrink = op("And", [kept, op("Greater", [names["thr"], emit.const(
            "half", 0.5, np.float32)])])
        scaled = op("Mul", [names["thr"], emit.const("eta", eta, np.float32)])
        body.append(helper.make_node("Where", [shrink, scaled, names["thr"]], [names["thr_out"]],
                                     name=names["thr_out"]))
    else:
        body.append(helper.make_node("Identity", [names["thr"]], [names["thr_out"]],
                                     name=names["thr_out"]))
    body.append(helper.make_node("Identity", [names["cond"]], [names["cond_out"]],
                                 name=names["cond_out"]))
    graph = helper.make_graph(
        body, f"{emit.node.name}/nms_body",
        [helper.make_tensor_value_info(names["t"], TensorProto.INT64, []),
         helper.make_tensor_value_info(names["cond"], TensorProto.BOOL, []),
         helper.make_tensor_value_info(names["keep"], TensorProto.BOOL, None),
         helper.make_tensor_value_info(names["thr"], TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info(names["cond_out"], TensorProto.BOOL, []),
         helper.make_tensor_value_info(names["keep_out"], TensorProto.BOOL, None),
         helper.make_tensor_value_info(names["thr_out"], TensorProto.FLOAT, None)])
    outs = [emit.temp("nms_keep"), emit.temp("nms_thr")]
    emit.op("Loop", [trips, true, keep0, thr0], outs, body=graph)
    return outs[0]
