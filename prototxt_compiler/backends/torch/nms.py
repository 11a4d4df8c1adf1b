"""Caffe's greedy NMS in plain torch, defined once: the torch backend wraps ``caffe_nms`` as
its operator (``detection.caffe_nms``), and to-torch's model.py writes these three functions
out as they stand here (``backends.pysource.detection`` reads this file's text, without
importing it), so they use torch alone and fit 88 columns.

``caffe_nms(boxes, valid, threshold, eta, offset)``: boxes (..., M, 4) sorted by score,
valid (..., M) a prefix mask; returns the kept mask. Step t keeps box t when it is valid and,
for every box kept before it, the overlap is <= the threshold (a NaN overlap suppresses);
after a kept box the threshold becomes threshold * eta while eta < 1 and it is > 0.5. With
offset 0 the overlap is SSD's JaccardOverlap (intersection / (size_t + size_k -
intersection), 0 unless both intersection sides are > 0, a size 0 for an inverted box); with
offset 1 py-faster-rcnn's pixel IoU (sides + 1, clamped at 0). The loop runs over the longest
valid prefix, vectorized over the leading axes.
"""
from __future__ import annotations

import torch

__all__ = ["box_areas", "box_overlaps", "caffe_nms"]


def box_areas(boxes: torch.Tensor, offset: float = 0.0) -> torch.Tensor:
    """SSD's BBoxSize, 0 for an inverted box; with ``offset`` 1 py-faster-rcnn's
    (x2 - x1 + 1) * (y2 - y1 + 1)."""
    w = boxes[..., 2] - boxes[..., 0]
    h = boxes[..., 3] - boxes[..., 1]
    if offset:
        return (w + offset) * (h + offset)
    return torch.where((w < 0) | (h < 0), torch.zeros_like(w), w * h)


def box_overlaps(one: torch.Tensor, one_area: torch.Tensor, many: torch.Tensor,
                 many_area: torch.Tensor, offset: float = 0.0) -> torch.Tensor:
    """The overlap of each box ``one`` (G, 4) with ``many`` (G, M, 4): SSD's
    JaccardOverlap (0 unless both sides of the intersection are > 0), or with
    ``offset`` 1 py-faster-rcnn's (sides + 1, clamped at 0)."""
    iw = (torch.minimum(one[:, None, 2], many[..., 2])
          - torch.maximum(one[:, None, 0], many[..., 0]))
    ih = (torch.minimum(one[:, None, 3], many[..., 3])
          - torch.maximum(one[:, None, 1], many[..., 1]))
    if offset:
        iw = torch.clamp(iw + offset, min=0.0)
        ih = torch.clamp(ih + offset, min=0.0)
    inter = iw * ih
    ratio = inter / ((one_area[:, None] + many_area) - inter)
    if offset:
        return ratio
    return torch.where((iw > 0) & (ih > 0), ratio, torch.zeros_like(inter))


def caffe_nms(boxes: torch.Tensor, valid: torch.Tensor, threshold: float,
              eta: float = 1.0, offset: float = 0.0) -> torch.Tensor:
    """Caffe's greedy NMS (ApplyNMSFast) on boxes (..., M, 4) sorted by score, ``valid``
    (..., M) a prefix mask: the kept mask. Box t is kept when valid and no box kept
    before it overlaps it by more than the threshold (a NaN overlap suppresses); after
    a kept box the threshold becomes threshold * eta while eta < 1 and it is > 0.5."""
    m = valid.shape[-1]
    b = boxes.reshape(-1, m, 4)
    v = valid.reshape(-1, m)
    keep = torch.zeros_like(v)
    if v.numel() == 0:
        return keep.reshape(valid.shape)
    areas = box_areas(b, offset)
    thr = torch.full(v.shape[:1], threshold, dtype=b.dtype, device=b.device)
    for t in range(int(v.sum(1).max())):
        overlap = box_overlaps(b[:, t], areas[:, t], b, areas, offset)
        suppressed = (keep & ~(overlap <= thr[:, None])).any(1)
        kept = v[:, t] & ~suppressed
        keep[:, t] = kept
        if eta < 1:
            thr = torch.where(kept & (thr > 0.5), thr * eta, thr)
    return keep.reshape(valid.shape)
