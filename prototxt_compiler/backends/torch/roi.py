"""ROIPooling and py-faster-rcnn's proposal layer as torch modules.

ROIPooling is the operator ``torch.ops.prototxt_compiler.caffe_roi_pool`` (its loop over the
ROIs stays a loop under tracing and export), running ``boxes.roi_max_pool``: for each ROI the fork's bins (``ops.roi``), each
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
from ...ops.roi import PROPOSAL_TYPE, ProposalParams, ROIPoolingParams
from . import boxes
from .detection import caffe_nms  # noqa: F401  (registers the NMS operator the proposal layer uses)
from .registry import TORCH

__all__ = ["caffe_roi_pool", "roi_max_pool", "CaffeROIPooling", "CaffeProposal",
           "convert_roi_pooling", "convert_proposal"]


def roi_max_pool(features: torch.Tensor, rois: torch.Tensor, pooled_h: int, pooled_w: int,
                 spatial_scale: float) -> torch.Tensor:
    """``boxes.roi_max_pool`` with the scale as Caffe's float field holds it."""
    return boxes.roi_max_pool(features, rois, pooled_h, pooled_w,
                              float(np.float32(spatial_scale)))


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
        rois, kept = boxes.proposals(scores, deltas, info, self.anchors, p.feat_stride,
                                     p.pre_nms_top_n, p.post_nms_top_n, p.nms_threshold,
                                     p.min_size, nms=torch.ops.prototxt_compiler.caffe_nms)
        return rois if self.tops == 1 else (rois, kept)


@TORCH.register(PROPOSAL_TYPE)
def convert_proposal(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeProposal(node.params, len(node.outputs))
