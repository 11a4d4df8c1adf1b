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

``prior_boxes``: SSD's PriorBox from its bottoms' run-time sizes. ``decode_boxes``: SSD's
DecodeBBox for each code type. ``detections``: SSD's DetectionOutput (``ops.detection``).
``proposals``: py-faster-rcnn's proposal layer on one image (``ops.roi``). ``detections``
and ``proposals`` take their NMS as an argument: the backend passes its operator, so that
tracing and export keep the loop. ``roi_max_pool``: Fast R-CNN's ROI pooling (``ops.roi``),
which the backend wraps as an operator of its own.
"""
from __future__ import annotations

import torch

from ...ops.base import FLT_MAX  # model.py defines it beside these functions

__all__ = ["box_areas", "box_overlaps", "caffe_nms", "prior_boxes", "decode_boxes",
           "detections", "proposals", "c_round", "roi_bins", "roi_max_pool"]


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


def prior_boxes(x: torch.Tensor, image: torch.Tensor, half_sizes: torch.Tensor,
                variance: torch.Tensor, image_size: tuple[int, int] | None,
                steps: tuple[float, float] | None, offset: float,
                clip: bool) -> torch.Tensor:
    """SSD's PriorBox: for each cell (h, w) of x and each prior's half (width, height)
    in ``half_sizes`` (float64), the box centred at ((w + offset) * step_w, (h +
    offset) * step_h) in float32, its corners in float64 over the image's width and
    height, stored as float32, clipped to [0, 1] with ``clip``; then one row of the
    variances. The image size is ``image``'s unless ``image_size`` (h, w) fixes it; a
    step is image / feature size unless ``steps`` (h, w) fixes it. Returns (1, 2,
    H * W * priors * 4)."""
    layer_h, layer_w = x.shape[2], x.shape[3]
    img_h, img_w = image_size or (image.shape[2], image.shape[3])
    f32, at = torch.float32, x.device
    if steps is not None:
        step_h = torch.full((), steps[0], dtype=f32, device=at)
        step_w = torch.full((), steps[1], dtype=f32, device=at)
    else:
        step_h = torch.full((), float(img_h), dtype=f32, device=at) / layer_h
        step_w = torch.full((), float(img_w), dtype=f32, device=at) / layer_w
    rows = torch.arange(layer_h, dtype=f32, device=at)
    cols = torch.arange(layer_w, dtype=f32, device=at)
    cy = ((rows + offset) * step_h).double()[:, None, None]
    cx = ((cols + offset) * step_w).double()[None, :, None]
    hw, hh = half_sizes[:, 0], half_sizes[:, 1]
    zeros = torch.zeros_like(cy + cx + hw)
    boxes = torch.stack([(cx - hw + zeros) / img_w, (cy - hh + zeros) / img_h,
                         (cx + hw + zeros) / img_w, (cy + hh + zeros) / img_h], -1)
    coords = boxes.to(f32).reshape(-1)
    if clip:
        coords = coords.clamp(0.0, 1.0)
    variances = variance.repeat(coords.shape[0] // variance.shape[0])
    return torch.stack([coords, variances]).reshape(1, 2, -1)


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


def detections(loc: torch.Tensor, conf: torch.Tensor, prior: torch.Tensor,
               classes: torch.Tensor, num_classes: int, share_location: bool,
               threshold: float, top_k: int | None, nms_threshold: float, eta: float,
               keep_top_k: int, code_type: str, variance_encoded: bool,
               nms=caffe_nms) -> torch.Tensor:
    """SSD's DetectionOutput. Per image and class of ``classes`` (the background left
    out): the boxes decoded from loc and the priors, the scores over ``threshold``
    sorted descending (ties to the lower prior), the first top_k, ``nms``; with
    keep_top_k >= 0 the keep_top_k best of each image (ties to the lower class, then
    rank). Returns rows (1, 1, K, 7) [image, label, score, xmin, ymin, xmax, ymax] by
    image, label and score; one row [n, -1, -1, -1, -1, -1, -1] per image when
    nothing is kept."""
    n, count = loc.shape[0], prior.shape[2] // 4
    loc_classes = 1 if share_location else num_classes
    flat = prior.reshape(-1)
    boxes = flat[:count * 4].reshape(count, 1, 4)
    variance = flat[count * 4:count * 8].reshape(count, 1, 4)
    decoded = decode_boxes(loc.reshape(n, count, loc_classes, 4), boxes, variance,
                           code_type, variance_encoded).permute(0, 2, 1, 3)
    if share_location:
        decoded = decoded.expand(n, classes.shape[0], count, 4)
    else:
        decoded = decoded.index_select(1, classes)
    scores = conf.reshape(n, count, num_classes).permute(0, 2, 1)
    scores = scores.index_select(1, classes)
    masked = torch.where(scores > threshold, scores,
                         torch.full_like(scores, float("-inf")))
    ranked, order = torch.sort(masked, dim=2, descending=True, stable=True)
    if top_k is not None:
        ranked, order = ranked[..., :max(top_k, 0)], order[..., :max(top_k, 0)]
    ranked_boxes = torch.gather(decoded, 2, order[..., None].expand(-1, -1, -1, 4))
    keep = nms(ranked_boxes, ranked > threshold, nms_threshold, eta)
    if keep_top_k >= 0:
        best = torch.where(keep, ranked, torch.full_like(ranked, float("-inf")))
        _, at = torch.sort(best.reshape(n, -1), dim=1, descending=True, stable=True)
        first = at[:, :keep_top_k]
        chosen = torch.zeros_like(best.reshape(n, -1)).scatter(
            1, first, torch.ones_like(first, dtype=best.dtype))
        keep = keep & (chosen.reshape(keep.shape) > 0)
    image_id, cls, rank = torch.nonzero(keep).unbind(1)
    rows = torch.cat([image_id[:, None].to(loc.dtype),
                      classes[cls][:, None].to(loc.dtype),
                      ranked[image_id, cls, rank][:, None],
                      ranked_boxes[image_id, cls, rank]], dim=1)
    ids = torch.arange(n, dtype=loc.dtype, device=loc.device)[:, None]
    empty = torch.cat([ids, torch.full((n, 6), -1.0, dtype=loc.dtype,
                                       device=loc.device)], dim=1)
    none_kept = (keep.sum() == 0).reshape(1).expand(n)
    pick = torch.cat([torch.ones_like(rows[:, 0], dtype=torch.bool), none_kept])
    return torch.cat([rows, empty])[pick].reshape(1, 1, -1, 7)


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


def c_round(x: torch.Tensor) -> torch.Tensor:
    """C's round: halves away from zero."""
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def roi_bins(rois: torch.Tensor, pooled: int, scale: float, start: int,
             size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[begin, end) of each ROI's bins along one axis (``start`` 1 for x, 2 for y)."""
    low = c_round(rois[:, start] * scale).to(torch.int64)
    high = c_round(rois[:, start + 2] * scale).to(torch.int64)
    length = torch.clamp(high - low + 1, min=1).to(torch.float32)
    bin_size = length / float(pooled)
    index = torch.arange(pooled, dtype=torch.float32, device=rois.device)
    begin = torch.floor(index[None] * bin_size[:, None]).to(torch.int64)
    end = torch.ceil((index[None] + 1) * bin_size[:, None]).to(torch.int64)
    return (begin + low[:, None]).clamp(0, size), (end + low[:, None]).clamp(0, size)


def roi_max_pool(features: torch.Tensor, rois: torch.Tensor, pooled_h: int,
                 pooled_w: int, spatial_scale: float) -> torch.Tensor:
    """Fast R-CNN's ROI max pooling of features (N, C, H, W) over rois (R, 5) [batch,
    x1, y1, x2, y2]: (R, C, pooled_h, pooled_w), each bin the maximum of its window
    starting from -FLT_MAX (NaN never wins), 0 for an empty bin. A batch index
    outside the features' batch is an error, as Caffe's CHECK is."""
    n, c, height, width = features.shape
    rois = rois.reshape(rois.shape[0], 5).to(torch.float32)
    hs, he = roi_bins(rois, pooled_h, spatial_scale, 2, height)
    ws, we = roi_bins(rois, pooled_w, spatial_scale, 1, width)
    out = features.new_zeros((rois.shape[0], c, pooled_h, pooled_w))
    clean = torch.nan_to_num(features, nan=float("-inf"))
    # every ROI's batch and window read to the host at once (one sync on a GPU)
    batches = rois[:, 0].tolist()
    spans = torch.stack([hs.amin(1), he.amax(1), ws.amin(1), we.amax(1)], 1).tolist()
    for r, (index, (top, bottom, left, right)) in enumerate(zip(batches, spans)):
        batch = int(index)
        if not 0 <= batch < n:
            raise ValueError(f"ROI {r} names batch index {batch}, outside the "
                             f"features' batch of {n}")
        bottom, right = max(bottom, top), max(right, left)
        x = clean[batch, :, top:bottom, left:right]  # (C, h, w): the bins' window
        rows = torch.arange(top, bottom, device=features.device)
        cols = torch.arange(left, right, device=features.device)
        in_h = (rows[None] >= hs[r][:, None]) & (rows[None] < he[r][:, None])  # (PH, h)
        in_w = (cols[None] >= ws[r][:, None]) & (cols[None] < we[r][:, None])  # (PW, w)
        by_w = torch.where(in_w[None, None], x[:, :, None, :], float("-inf"))
        by_w = by_w.amax(-1) if x.shape[2] else by_w.sum(-1)  # (C, h, PW)
        best = torch.where(in_h[None, :, :, None], by_w[:, None], float("-inf"))
        best = best.amax(2) if x.shape[1] else best.sum(2)  # (C, PH, PW)
        empty = (he[r] <= hs[r])[:, None] | (we[r] <= ws[r])[None, :]
        out[r] = torch.where(empty, torch.zeros_like(best),
                             torch.clamp(best, min=-FLT_MAX))
    return out
