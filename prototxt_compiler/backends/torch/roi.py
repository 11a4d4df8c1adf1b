"""ROIPooling and py-faster-rcnn's proposal layer as torch modules.

ROIPooling is the operator ``torch.ops.prototxt_compiler.caffe_roi_pool`` (its loop over the
ROIs stays a loop under tracing and export): for each ROI the fork's bins (``ops.roi``), each
the maximum of its window (starting from -FLT_MAX, so NaN never wins), 0 for an empty bin.
A batch index outside the features' batch is an error, as Caffe's CHECK is.

The proposal layer, ``boxes.proposals`` (defined once for this backend and model.py) with this
backend's NMS operator, in tensors (``ops.roi``): anchors shifted per cell in (h, w, anchor)
order, decoded in float32 as bbox_transform_inv (widths + 1, centres at x1 + w/2), clipped
to [0, width - 1] x [0, height - 1] of im_info, boxes under min_size * im_info[2] on a side
masked out, the foreground scores sorted descending with ties to the later anchor (a stable
sort of the reversed scores), the first pre_nms_topN, ``caffe_nms`` with py-faster-rcnn's
pixel overlaps (offset 1) and eta 1, the first post_nms_topN kept. Tops: rois (R, 5) with
batch index 0, and scores (R, 1). A batch other than 1 is an error, as the layer's assert is.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.base import FLT_MAX
from ...ops.roi import PROPOSAL_TYPE, ProposalParams, ROIPoolingParams
from .boxes import proposals
from .detection import caffe_nms  # noqa: F401  (registers the NMS operator the proposal layer uses)
from .registry import TORCH

__all__ = ["caffe_roi_pool", "roi_max_pool", "CaffeROIPooling", "CaffeProposal",
           "convert_roi_pooling", "convert_proposal"]


def _round(x: torch.Tensor) -> torch.Tensor:
    """C's round: halves away from zero."""
    return torch.sign(x) * torch.floor(torch.abs(x) + 0.5)


def roi_bins(rois: torch.Tensor, pooled: int, scale: float, start: int,
             size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[begin, end) of each ROI's bins along one axis (``start`` 1 for x, 2 for y)."""
    low = _round(rois[:, start] * scale).to(torch.int64)
    high = _round(rois[:, start + 2] * scale).to(torch.int64)
    length = torch.clamp(high - low + 1, min=1).to(torch.float32)
    bin_size = length / float(pooled)
    index = torch.arange(pooled, dtype=torch.float32, device=rois.device)
    begin = torch.floor(index[None] * bin_size[:, None]).to(torch.int64) + low[:, None]
    end = torch.ceil((index[None] + 1) * bin_size[:, None]).to(torch.int64) + low[:, None]
    return begin.clamp(0, size), end.clamp(0, size)


def roi_max_pool(features: torch.Tensor, rois: torch.Tensor, pooled_h: int, pooled_w: int,
                 spatial_scale: float) -> torch.Tensor:
    n, c, height, width = features.shape
    rois = rois.reshape(rois.shape[0], 5).to(torch.float32)
    scale = float(np.float32(spatial_scale))
    hs, he = roi_bins(rois, pooled_h, scale, 2, height)
    ws, we = roi_bins(rois, pooled_w, scale, 1, width)
    out = features.new_zeros((rois.shape[0], c, pooled_h, pooled_w))
    clean = torch.nan_to_num(features, nan=float("-inf"))
    # every ROI's batch and window read to the host at once (one sync on a GPU, not 5 a ROI)
    batches = rois[:, 0].tolist()
    spans = torch.stack([hs.amin(1), he.amax(1), ws.amin(1), we.amax(1)], dim=1).tolist()
    for r, (index, (top, bottom, left, right)) in enumerate(zip(batches, spans)):
        batch = int(index)
        if not 0 <= batch < n:
            raise ValueError(f"ROI {r} names batch index {batch}, outside the features' "
                             f"batch of {n}")
        bottom, right = max(bottom, top), max(right, left)
        x = clean[batch, :, top:bottom, left:right]  # (C, h, w): every bin's rows and columns
        rows = torch.arange(top, bottom, device=features.device)
        cols = torch.arange(left, right, device=features.device)
        in_h = (rows[None] >= hs[r][:, None]) & (rows[None] < he[r][:, None])  # (PH, h)
        in_w = (cols[None] >= ws[r][:, None]) & (cols[None] < we[r][:, None])  # (PW, w)
        by_w = torch.where(in_w[None, None], x[:, :, None, :], float("-inf"))
        by_w = by_w.amax(-1) if x.shape[2] else by_w.sum(-1)  # (C, h, PW)
        best = torch.where(in_h[None, :, :, None], by_w[:, None], float("-inf"))
        best = best.amax(2) if x.shape[1] else best.sum(2)  # (C, PH, PW)
        empty = (he[r] <= hs[r])[:, None] | (we[r] <= ws[r])[None, :]
        out[r] = torch.where(empty, torch.zeros_like(best), torch.clamp(best, min=-FLT_MAX))
    return out


# the operator runs roi_max_pool; tracing and export see one node
caffe_roi_pool = torch.library.custom_op("prototxt_compiler::caffe_roi_pool", roi_max_pool,
                                         mutates_args=())


@caffe_roi_pool.register_fake
def _caffe_roi_pool_fake(features: torch.Tensor, rois: torch.Tensor, pooled_h: int,
                         pooled_w: int, spatial_scale: float) -> torch.Tensor:
    return features.new_empty((rois.shape[0], features.shape[1], pooled_h, pooled_w))


class CaffeROIPooling(nn.Module):
    def __init__(self, p: ROIPoolingParams) -> None:
        super().__init__()
        self.p = p

    def forward(self, features: torch.Tensor, rois: torch.Tensor) -> torch.Tensor:
        p = self.p
        return torch.ops.prototxt_compiler.caffe_roi_pool(features, rois, p.pooled_h,
                                                          p.pooled_w, p.spatial_scale)


@TORCH.register("ROIPooling")
def convert_roi_pooling(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeROIPooling(node.params)


class CaffeProposal(nn.Module):
    """py-faster-rcnn's ProposalLayer (module docstring); one or two tops."""

    anchors: torch.Tensor  # a buffer

    def __init__(self, p: ProposalParams, tops: int) -> None:
        super().__init__()
        self.p = p
        self.tops = tops
        self.register_buffer("anchors", torch.from_numpy(p.anchors), persistent=False)

    def forward(self, scores: torch.Tensor, deltas: torch.Tensor,
                info: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        p = self.p
        if not torch.jit.is_tracing() and scores.shape[0] != 1:  # a trace's sizes are tensors
            raise ValueError("the proposal layer takes one image at a time (py-faster-rcnn's "
                             f"forward asserts a batch of 1), got a batch of {scores.shape[0]}")
        rois, kept = proposals(scores, deltas, info, self.anchors, p.feat_stride,
                               p.pre_nms_top_n, p.post_nms_top_n, p.nms_threshold,
                               p.min_size, nms=torch.ops.prototxt_compiler.caffe_nms)
        return rois if self.tops == 1 else (rois, kept)


@TORCH.register(PROPOSAL_TYPE)
def convert_proposal(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeProposal(node.params, len(node.outputs))
