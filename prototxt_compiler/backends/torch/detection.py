"""PriorBox and DetectionOutput as torch modules, computing what SSD's Caffe computes.

PriorBox computes its boxes from the run-time sizes of its bottoms (``ops.detection``'s
rule, the centres in float32, the corners in float64 stored as float32), so one module
serves every input size; nothing is learned.

DetectionOutput, in tensors, per image n and detected class c (``ops.detection``):
    decode   boxes (N, L, P, 4) from loc (N, P, L, 4) and the priors, per code type
             (float32, in the fork's operation order)
    select   scores (N, C', P) > threshold, sorted descending (stable: ties by prior index),
             the first top_k of them
    NMS      ``caffe_nms`` (below) on the sorted boxes of each (n, c)
    keep     with keep_top_k >= 0, the keep_top_k best of each image over (class, rank)
             order (stable, so ties go to the lower class, then the earlier rank)
    rows     the kept (n, c, rank) in row-major order: by image, label, score
and, when nothing is kept, one row [n, -1, -1, -1, -1, -1, -1] per image.

``caffe_nms(boxes, valid, threshold, eta)`` is an operator of its own
(``torch.ops.prototxt_compiler.caffe_nms``) so that tracing and export keep its loop: boxes
(..., M, 4) sorted by score, valid (..., M) a prefix mask, it returns the kept mask. Step t
keeps box t when it is valid and, for every box kept before it, the overlap (Caffe's
JaccardOverlap: intersection / (size_t + size_k - intersection), 0 unless both intersection
sides are > 0; a size is 0 for a box with xmax < xmin or ymax < ymin) is <= the threshold
(a NaN overlap suppresses); after a kept box the threshold becomes threshold * eta while
eta < 1 and the threshold > 0.5. The loop runs over the longest valid prefix, vectorized
over every (n, c).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.detection import DetectionOutputParams, PriorBoxParams, prior_shapes
from .registry import TORCH

__all__ = ["CaffePriorBox", "CaffeDetectionOutput", "caffe_nms", "nms_keep", "box_sizes",
           "overlaps", "convert_prior_box", "convert_detection_output"]


def box_sizes(boxes: torch.Tensor, offset: float = 0.0) -> torch.Tensor:
    """Caffe's BBoxSize (offset 0): (xmax - xmin) * (ymax - ymin), 0 when inverted; with
    offset 1 py-faster-rcnn's area (xmax - xmin + 1) * (ymax - ymin + 1)."""
    w = boxes[..., 2] - boxes[..., 0]
    h = boxes[..., 3] - boxes[..., 1]
    if offset:
        return (w + offset) * (h + offset)
    inverted = (w < 0) | (h < 0)
    return torch.where(inverted, torch.zeros_like(w), w * h)


def overlaps(one: torch.Tensor, one_size: torch.Tensor, many: torch.Tensor,
             many_size: torch.Tensor, offset: float = 0.0) -> torch.Tensor:
    """The overlap of ``one`` (G, 4) with each of ``many`` (G, M, 4): with offset 0 SSD's
    JaccardOverlap (0 unless both intersection sides are > 0), with offset 1 py-faster-rcnn's
    pixel IoU (sides + 1, clamped at 0)."""
    iw = torch.minimum(one[:, None, 2], many[..., 2]) - torch.maximum(one[:, None, 0], many[..., 0])
    ih = torch.minimum(one[:, None, 3], many[..., 3]) - torch.maximum(one[:, None, 1], many[..., 1])
    if offset:
        iw = torch.clamp(iw + offset, min=0.0)
        ih = torch.clamp(ih + offset, min=0.0)
    inter = iw * ih
    ratio = inter / ((one_size[:, None] + many_size) - inter)
    if offset:
        return ratio
    return torch.where((iw > 0) & (ih > 0), ratio, torch.zeros_like(inter))


def nms_keep(boxes: torch.Tensor, valid: torch.Tensor, threshold: float, eta: float,
             offset: float = 0.0) -> torch.Tensor:
    """The kept mask of SSD's greedy NMS (ApplyNMSFast) on sorted boxes (module docstring);
    ``offset`` 1 measures overlaps as py-faster-rcnn's NMS does."""
    m = valid.shape[-1]
    b = boxes.reshape(-1, m, 4)
    v = valid.reshape(-1, m)
    keep = torch.zeros_like(v)
    if v.numel() == 0:
        return keep.reshape(valid.shape)
    sizes = box_sizes(b, offset)
    thr = torch.full(v.shape[:1], threshold, dtype=b.dtype, device=b.device)
    for t in range(int(v.sum(1).max())):
        ov = overlaps(b[:, t], sizes[:, t], b, sizes, offset)
        suppressed = (keep & ~(ov <= thr[:, None])).any(1)
        kept = v[:, t] & ~suppressed
        keep[:, t] = kept
        if eta < 1:
            thr = torch.where(kept & (thr > 0.5), thr * eta, thr)
    return keep.reshape(valid.shape)


# the operator runs nms_keep; tracing and export see one node
caffe_nms = torch.library.custom_op("prototxt_compiler::caffe_nms", nms_keep, mutates_args=())


@caffe_nms.register_fake
def _caffe_nms_fake(boxes: torch.Tensor, valid: torch.Tensor, threshold: float, eta: float,
                    offset: float = 0.0) -> torch.Tensor:
    return torch.empty_like(valid)


class CaffePriorBox(nn.Module):
    """SSD's PriorBox from its bottoms' run-time sizes."""

    half_sizes: torch.Tensor  # buffers
    variance: torch.Tensor

    def __init__(self, p: PriorBoxParams) -> None:
        super().__init__()
        half = torch.tensor(prior_shapes(p), dtype=torch.float64).reshape(-1, 2) / 2.0
        self.register_buffer("half_sizes", half, persistent=False)
        variance = p.variance or (0.1,)
        self.register_buffer("variance", torch.tensor(variance, dtype=torch.float32),
                             persistent=False)
        self.image = p.image
        self.steps = p.steps
        self.offset = float(np.float32(p.offset))
        self.clip = p.clip

    def forward(self, x: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        layer_h, layer_w = x.shape[2], x.shape[3]
        img_h, img_w = self.image or (image.shape[2], image.shape[3])
        f32, at = torch.float32, x.device
        if self.steps is not None:
            step_h = torch.full((), self.steps[0], dtype=f32, device=at)
            step_w = torch.full((), self.steps[1], dtype=f32, device=at)
        else:
            step_h = torch.full((), float(img_h), dtype=f32, device=at) / float(layer_h)
            step_w = torch.full((), float(img_w), dtype=f32, device=at) / float(layer_w)
        cy = ((torch.arange(layer_h, dtype=f32, device=at) + self.offset) * step_h).double()
        cx = ((torch.arange(layer_w, dtype=f32, device=at) + self.offset) * step_w).double()
        hw, hh = self.half_sizes[:, 0], self.half_sizes[:, 1]
        cx = cx[None, :, None]
        cy = cy[:, None, None]
        zeros = torch.zeros_like(cy + cx + hw)
        boxes = torch.stack([(cx - hw + zeros) / img_w, (cy - hh + zeros) / img_h,
                             (cx + hw + zeros) / img_w, (cy + hh + zeros) / img_h], dim=-1)
        coords = boxes.to(f32).reshape(-1)
        if self.clip:
            coords = coords.clamp(0.0, 1.0)
        variances = self.variance.repeat(coords.shape[0] // self.variance.shape[0])
        return torch.stack([coords, variances]).reshape(1, 2, -1)


@TORCH.register("PriorBox")
def convert_prior_box(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffePriorBox(node.params)


def decode_boxes(p: DetectionOutputParams, loc: torch.Tensor, prior: torch.Tensor,
                 variance: torch.Tensor) -> torch.Tensor:
    """Caffe's DecodeBBox of loc (..., 4) against priors and variances broadcast to it."""
    if not p.variance_encoded_in_target:
        loc = variance * loc
    if p.code_type == "CORNER":
        return prior + loc
    pw = prior[..., 2] - prior[..., 0]
    ph = prior[..., 3] - prior[..., 1]
    if p.code_type == "CORNER_SIZE":
        size = torch.stack([pw, ph, pw, ph], dim=-1)
        return prior + loc * size
    cx = loc[..., 0] * pw + (prior[..., 0] + prior[..., 2]) / 2
    cy = loc[..., 1] * ph + (prior[..., 1] + prior[..., 3]) / 2
    w = torch.exp(loc[..., 2]) * pw
    h = torch.exp(loc[..., 3]) * ph
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


class CaffeDetectionOutput(nn.Module):
    """SSD's DetectionOutput (module docstring): (1, 1, K, 7) rows."""

    classes: torch.Tensor  # a buffer

    def __init__(self, p: DetectionOutputParams) -> None:
        super().__init__()
        self.p = p
        self.register_buffer("classes", torch.tensor(p.classes, dtype=torch.long),
                             persistent=False)

    def forward(self, loc: torch.Tensor, conf: torch.Tensor, prior: torch.Tensor,
                *image: torch.Tensor) -> torch.Tensor:
        p = self.p
        n = loc.shape[0]
        count = prior.shape[2] // 4
        flat = prior.reshape(-1)
        boxes = flat[:count * 4].reshape(count, 1, 4)
        variance = flat[count * 4:count * 8].reshape(count, 1, 4)
        decoded = decode_boxes(p, loc.reshape(n, count, p.loc_classes, 4), boxes, variance)
        decoded = decoded.permute(0, 2, 1, 3)
        decoded = decoded.expand(n, len(p.classes), count, 4) if p.share_location \
            else decoded.index_select(1, self.classes)
        scores = conf.reshape(n, count, p.num_classes).permute(0, 2, 1)
        scores = scores.index_select(1, self.classes)
        masked = torch.where(scores > p.threshold, scores,
                             torch.full_like(scores, float("-inf")))
        ranked, order = torch.sort(masked, dim=2, descending=True, stable=True)
        if p.top_k is not None:
            ranked, order = ranked[..., :max(p.top_k, 0)], order[..., :max(p.top_k, 0)]
        ranked_boxes = torch.gather(decoded, 2, order[..., None].expand(-1, -1, -1, 4))
        keep = torch.ops.prototxt_compiler.caffe_nms(ranked_boxes, ranked > p.threshold,
                                                     p.nms_threshold, p.eta)
        if p.keep_top_k >= 0:
            best = torch.where(keep, ranked, torch.full_like(ranked, float("-inf")))
            _, at = torch.sort(best.reshape(n, -1), dim=1, descending=True, stable=True)
            first = at[:, :p.keep_top_k]
            chosen = torch.zeros_like(best.reshape(n, -1)).scatter(
                1, first, torch.ones_like(first, dtype=best.dtype))
            keep = keep & (chosen.reshape(keep.shape) > 0)
        where = torch.nonzero(keep)
        image_id, cls, rank = where[:, 0], where[:, 1], where[:, 2]
        rows = torch.cat([image_id[:, None].to(loc.dtype),
                          self.classes[cls][:, None].to(loc.dtype),
                          ranked[image_id, cls, rank][:, None],
                          ranked_boxes[image_id, cls, rank]], dim=1)
        empty = torch.cat([torch.arange(n, dtype=loc.dtype, device=loc.device)[:, None],
                           torch.full((n, 6), -1.0, dtype=loc.dtype, device=loc.device)], dim=1)
        none_kept = (keep.sum() == 0).reshape(1).expand(n)
        pick = torch.cat([torch.ones_like(rows[:, 0], dtype=torch.bool), none_kept])
        return torch.cat([rows, empty])[pick].reshape(1, 1, -1, 7)


@TORCH.register("DetectionOutput")
def convert_detection_output(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeDetectionOutput(node.params)
