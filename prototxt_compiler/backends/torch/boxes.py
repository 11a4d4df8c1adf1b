"""The box arithmetic of the detection layers in plain torch, defined once: the torch backend
runs these functions (``caffe_nms`` wrapped as its operator, ``detection.caffe_nms``), and
to-torch's model.py writes them out as they stand here (``backends.pysource.detection`` reads
this file's text, without importing it), so they use torch alone and fit 88 columns.

``caffe_nms(boxes, valid, threshold, eta, offset)``: boxes (..., M, 4) sorted by score,
valid (..., M) a prefix mask; returns the kept mask. Step t keeps box t when it is valid and,
for every box kept before it, the overlap is <= the threshold (a NaN overlap suppresses);
after a kept box the threshold becomes threshold * eta while eta < 1 and it is > 0.5. With
offset 0 the overlap is SSD's JaccardOverlap (intersection / (size_t + size_k -
intersection), 0 unless both intersection sides are > 0, a size 0 for an inverted box); with
offset 1 py-faster-rcnn's pixel IoU (sides + 1, clamped at 0). The loop runs over the longest
valid prefix, vectorized over the leading axes.

``decode_boxes``: SSD's DecodeBBox for each code type. ``proposals``: py-faster-rcnn's
proposal layer on one image (``ops.roi``), its NMS passed in (the backend passes its
operator, so that tracing and export keep the loop).
"""
from __future__ import annotations

import torch

__all__ = ["box_areas", "box_overlaps", "caffe_nms", "decode_boxes", "proposals"]


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


def decode_boxes(loc: torch.Tensor, prior: torch.Tensor, variance: torch.Tensor,
                 code_type: str, variance_encoded: bool) -> torch.Tensor:
    """SSD's DecodeBBox of loc (..., 4) against the priors and variances (broadcast to
    it), for code type CORNER, CORNER_SIZE or CENTER_SIZE, in the fork's order."""
    if not variance_encoded:
        loc = variance * loc
    if code_type == "CORNER":
        return prior + loc
    pw = prior[..., 2] - prior[..., 0]
    ph = prior[..., 3] - prior[..., 1]
    if code_type == "CORNER_SIZE":
        return prior + loc * torch.stack([pw, ph, pw, ph], dim=-1)
    cx = loc[..., 0] * pw + (prior[..., 0] + prior[..., 2]) / 2
    cy = loc[..., 1] * ph + (prior[..., 1] + prior[..., 3]) / 2
    w = torch.exp(loc[..., 2]) * pw
    h = torch.exp(loc[..., 3]) * ph
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)


def proposals(scores: torch.Tensor, deltas: torch.Tensor, info: torch.Tensor,
              anchors: torch.Tensor, feat_stride: int, pre_nms_top_n: int,
              post_nms_top_n: int, nms_threshold: float, min_size: float,
              nms=caffe_nms) -> tuple[torch.Tensor, torch.Tensor]:
    """py-faster-rcnn's proposals of one image from scores (1, 2A, H, W), deltas
    (1, 4A, H, W), im_info [height, width, scale] and the base anchors (A, 4, float64):
    the anchors shifted per cell, decoded in float32 (widths + 1), clipped to the
    image, boxes under min_size * scale on a side dropped, the best pre_nms_top_n by
    score (ties to the later anchor), ``nms`` with pixel overlaps, the first
    post_nms_top_n. Returns rois (R, 5) with batch index 0 and their scores (R, 1)."""
    count = anchors.shape[0]
    height, width = scores.shape[2], scores.shape[3]
    at = scores.device
    sy = torch.arange(height, dtype=torch.float64, device=at) * feat_stride
    sx = torch.arange(width, dtype=torch.float64, device=at) * feat_stride
    shift_y, shift_x = torch.meshgrid(sy, sx, indexing="ij")
    shifts = torch.stack([shift_x, shift_y, shift_x, shift_y], -1).reshape(-1, 1, 4)
    shifted = (anchors[None] + shifts).reshape(-1, 4).to(torch.float32)
    fg = scores[:1, count:].permute(0, 2, 3, 1).reshape(-1)
    d = deltas[:1].permute(0, 2, 3, 1).reshape(-1, 4)
    w = shifted[:, 2] - shifted[:, 0] + 1.0
    h = shifted[:, 3] - shifted[:, 1] + 1.0
    cx = d[:, 0] * w + (shifted[:, 0] + 0.5 * w)
    cy = d[:, 1] * h + (shifted[:, 1] + 0.5 * h)
    pw = torch.exp(d[:, 2]) * w
    ph = torch.exp(d[:, 3]) * h
    im = info.reshape(-1)
    xmax, ymax = im[1] - 1, im[0] - 1
    zero = torch.zeros((), dtype=torch.float32, device=at)
    boxes = torch.stack([
        torch.maximum(torch.minimum(cx - 0.5 * pw, xmax), zero),
        torch.maximum(torch.minimum(cy - 0.5 * ph, ymax), zero),
        torch.maximum(torch.minimum(cx + 0.5 * pw, xmax), zero),
        torch.maximum(torch.minimum(cy + 0.5 * ph, ymax), zero)], dim=1)
    least = min_size * im[2]
    big = (((boxes[:, 2] - boxes[:, 0] + 1) >= least)
           & ((boxes[:, 3] - boxes[:, 1] + 1) >= least))
    masked = torch.where(big, fg, torch.full_like(fg, float("-inf")))
    _, back = torch.sort(masked.flip(0), descending=True, stable=True)
    order = (masked.shape[0] - 1 - back)[:pre_nms_top_n]
    ranked = boxes[order]
    keep = nms(ranked[None], big[order][None], nms_threshold, 1.0, 1.0)
    chosen = torch.nonzero(keep[0])[:post_nms_top_n, 0]
    rois = torch.cat([torch.zeros_like(ranked[chosen, :1]), ranked[chosen]], dim=1)
    return rois, fg[order][chosen][:, None]
