"""Faster R-CNN's region layers: ROIPooling (rbgirshick/caffe-fast-rcnn) and py-faster-rcnn's
proposal layer, the Python layer ``rpn.proposal_layer.ProposalLayer``, built in.

ROIPooling (bottoms: features (N, C, H, W), rois (R, 5) rows [batch, x1, y1, x2, y2] in image
coordinates; ``roi_pooling_param { pooled_h, pooled_w, spatial_scale }``): top (R, C,
pooled_h, pooled_w). Per ROI (ROIPoolingLayer::Forward_cpu, in float):
    x1' = round(x1 * spatial_scale) ... (C's round: half away from zero)
    roi_h = max(y2' - y1' + 1, 1), bin_h = roi_h / pooled_h     (likewise w)
    bin (ph, pw) rows [floor(ph * bin_h), ceil((ph + 1) * bin_h)) + y1', clamped to [0, H]
the bin's maximum, or 0 for an empty bin. pooled_h and pooled_w must be > 0. MACs: none
counted (the bins' sizes depend on the ROIs).

The proposal layer (bottoms: rpn_cls_prob_reshape (1, 2A, H, W), rpn_bbox_pred (1, 4A, H, W),
im_info (1, 3) [height, width, scale]; ``python_param { param_str }``, read as the layer reads
it with yaml: ``'feat_stride': 16``, optionally ``'scales': [8, 16, 32]``): A = 3 * len(scales)
anchors of generate_anchors (base 16, ratios 0.5, 1, 2), shifted by feat_stride per cell,
decoded by the deltas (bbox_transform_inv, widths with +1), clipped to the image, boxes under
min_size * scale on a side dropped, the pre_nms_topN best by foreground score (ties: the later
anchor first, as argsort()[::-1] orders them), NMS (a box overlapping one kept before it by
more than the threshold goes, areas with +1, as the GPU NMS the layer dispatches to by default),
the first post_nms_topN kept. The settings are py-faster-rcnn's cfg for the net's phase: TEST
6000 / 300 / 0.7 / 16, TRAIN 12000 / 2000 / 0.7 / 16. Tops: rois (R, 5) [0, x1, y1, x2, y2]
and, when asked, scores (R, 1); R depends on the data (at most post_nms_topN), so the graph
gives it as the symbolic size ``R`` (the layer reshapes its tops in its forward). The batch
must be 1, as the layer asserts (``one_image``).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ..errors import OpError
from ..ir import Shape, SymDim, is_symbolic
from .base import OPS, LayerView

__all__ = ["ROIPoolingParams", "ProposalParams", "PROPOSAL_TYPE", "ROIS", "generate_anchors",
           "parse_param_str"]

PROPOSAL_TYPE = "Python:rpn.proposal_layer.ProposalLayer"
ROIS = SymDim.symbol("R")
"""The data-dependent number of proposals."""


@dataclass(frozen=True)
class ROIPoolingParams:
    pooled_h: int = 0
    pooled_w: int = 0
    spatial_scale: float = 1.0


def read_roi_pooling(layer: LayerView) -> ROIPoolingParams:
    q = layer.roi_pooling_param
    for name in ("pooled_h", "pooled_w"):
        if getattr(q, name) <= 0:
            raise OpError(f"{name} must be > 0, got {getattr(q, name)}",
                          field=f"roi_pooling_param.{name}")
    return ROIPoolingParams(pooled_h=q.pooled_h, pooled_w=q.pooled_w,
                            spatial_scale=q.spatial_scale)


def infer_roi_pooling(p: ROIPoolingParams, bottoms: Sequence[Shape],
                      num_tops: int) -> list[Shape]:
    features, rois = bottoms
    if len(features) != 4:
        raise OpError(f"ROIPooling's features must be 4-D (N, C, H, W), got {list(features)}")
    if len(rois) < 2 or rois[1] != 5 or any(d != 1 for d in rois[2:]):
        raise OpError(f"ROIPooling's rois must be (R, 5) rows [batch, x1, y1, x2, y2], got "
                      f"{list(rois)}")
    return [(rois[0], features[1], p.pooled_h, p.pooled_w)]


OPS.define("ROIPooling", family="roi", read=read_roi_pooling, infer=infer_roi_pooling,
           bottoms=(2, 2), param="roi_pooling_param")


@dataclass(frozen=True)
class ProposalParams:
    """``param_str``: as written (it is what the layer reads); the rest its meaning and the
    phase's settings."""

    param_str: str
    feat_stride: int = 16
    scales: tuple[float, ...] = (8, 16, 32)
    pre_nms_top_n: int = 6000
    post_nms_top_n: int = 300
    nms_threshold: float = 0.7
    min_size: float = 16.0

    @property
    def anchors(self) -> np.ndarray:
        return generate_anchors(self.scales)


_ITEM = re.compile(r"""\s*(?:'([^']*)'|"([^"]*)"|([A-Za-z_][\w.]*))\s*:\s*(.*?)\s*$""")


def _value(text: str) -> Any:
    text = re.sub(r"^!!python/tuple\s*", "", text.strip())
    if text.startswith(("[", "(")) and text.endswith(("]", ")")):
        inner = text[1:-1].strip()
        return tuple(_value(v) for v in inner.split(",") if v.strip()) if inner else ()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip("'\"")


def parse_param_str(text: str) -> dict[str, Any]:
    """The mapping py-faster-rcnn's ``yaml.load(param_str)`` gives for the forms its nets
    write: ``'key': value`` entries, one per line or comma-separated, optionally in braces;
    values are numbers, lists or tuples of numbers, or strings."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    entries: list[str] = []
    depth = 0
    current = ""
    for char in body:
        if char in "[(":
            depth += 1
        elif char in "])":
            depth -= 1
        if char in ",\n" and depth == 0:
            entries.append(current)
            current = ""
        else:
            current += char
    entries.append(current)
    out: dict[str, Any] = {}
    for entry in entries:
        if not entry.strip():
            continue
        match = _ITEM.match(entry)
        if match is None:
            raise OpError(f"cannot read {entry.strip()!r} of param_str {text!r} (expected "
                          "'key': value entries, as yaml reads them)",
                          field="python_param.param_str")
        key = next(g for g in match.groups()[:3] if g is not None)
        out[key] = _value(match.group(4))
    return out


def _ratio_enum(anchor: np.ndarray, ratios: np.ndarray) -> np.ndarray:
    w, h, x, y = _whctrs(anchor)
    ws = np.round(np.sqrt(w * h / ratios))
    return _mkanchors(ws, np.round(ws * ratios), x, y)


def _whctrs(anchor: np.ndarray) -> tuple[float, float, float, float]:
    w = anchor[2] - anchor[0] + 1
    h = anchor[3] - anchor[1] + 1
    return w, h, anchor[0] + 0.5 * (w - 1), anchor[1] + 0.5 * (h - 1)


def _mkanchors(ws: np.ndarray, hs: np.ndarray, x: float, y: float) -> np.ndarray:
    ws, hs = ws[:, None], hs[:, None]
    return np.hstack((x - 0.5 * (ws - 1), y - 0.5 * (hs - 1), x + 0.5 * (ws - 1),
                      y + 0.5 * (hs - 1)))


def generate_anchors(scales: Sequence[float], base_size: int = 16,
                     ratios: Sequence[float] = (0.5, 1, 2)) -> np.ndarray:
    """py-faster-rcnn's generate_anchors: (len(ratios) * len(scales), 4) float64, for each
    ratio (outer) each scale (inner), around the box (0, 0, base_size-1, base_size-1)."""
    base = np.array([1, 1, base_size, base_size], dtype=np.float64) - 1
    by_ratio = _ratio_enum(base, np.array(ratios, dtype=np.float64))
    out = []
    for anchor in by_ratio:
        w, h, x, y = _whctrs(anchor)
        scale = np.array(scales, dtype=np.float64)
        out.append(_mkanchors(w * scale, h * scale, x, y))
    return np.vstack(out)


# py-faster-rcnn's fast_rcnn/config.py: RPN_PRE_NMS_TOP_N, RPN_POST_NMS_TOP_N,
# RPN_NMS_THRESH, RPN_MIN_SIZE by phase
_SETTINGS = {"TEST": (6000, 300, 0.7, 16.0), "TRAIN": (12000, 2000, 0.7, 16.0)}


def read_proposal(layer: LayerView) -> ProposalParams:
    text = layer.python_param.param_str
    values = parse_param_str(text)
    if "feat_stride" not in values:
        raise OpError(f"param_str {text!r} has no 'feat_stride' (the layer reads "
                      "layer_params['feat_stride'])", field="python_param.param_str")
    stride = values["feat_stride"]
    scales = values.get("scales", (8, 16, 32))
    scales = scales if isinstance(scales, tuple) else (scales,)
    if not isinstance(stride, int) or stride <= 0 or not scales or \
            not all(isinstance(s, (int, float)) and s > 0 for s in scales):
        raise OpError(f"param_str {text!r}: expected a positive integer feat_stride and "
                      "positive scales", field="python_param.param_str")
    pre, post, nms, min_size = _SETTINGS[layer.net_phase]
    return ProposalParams(param_str=text, feat_stride=stride, scales=tuple(scales),
                          pre_nms_top_n=pre, post_nms_top_n=post, nms_threshold=nms,
                          min_size=min_size)


def infer_proposal(p: ProposalParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    scores, deltas, info = bottoms
    anchors = len(p.scales) * 3
    for what, shape, per in (("rpn_cls_prob_reshape", scores, 2), ("rpn_bbox_pred", deltas, 4)):
        if len(shape) != 4 or shape[1] != per * anchors:
            raise OpError(f"the proposal layer's {what} must be (1, {per * anchors}, H, W) for "
                          f"{anchors} anchors, got {list(shape)}", field="python_param.param_str")
    if not is_symbolic(scores[0]) and scores[0] != 1:
        raise OpError(f"the proposal layer takes one image at a time (py-faster-rcnn's forward "
                      f"asserts a batch of 1), got a batch of {scores[0]}")
    if scores[2:] != deltas[2:]:
        raise OpError(f"scores {list(scores)} and deltas {list(deltas)} differ in H, W")
    if len(info) < 2 or info[1] < 3:
        raise OpError(f"im_info must hold [height, width, scale], got {list(info)}")
    return [cast(Shape, (ROIS, 5)), cast(Shape, (ROIS, 1))][:num_tops]  # R: symbolic


def write_proposal(p: ProposalParams, q: Any, bottoms: Sequence[Shape]) -> None:
    q.module, q.layer, q.param_str = "rpn.proposal_layer", "ProposalLayer", p.param_str


OPS.define(PROPOSAL_TYPE, family="roi", read=read_proposal, infer=infer_proposal,
           bottoms=(3, 3), tops=(1, 2), param="python_param", write=write_proposal,
           one_image=True)
