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

``caffe_nms`` is an operator of its own (``torch.ops.prototxt_compiler.caffe_nms``) so that
tracing and export keep its loop; it runs ``boxes.caffe_nms``. The modules run
``boxes.prior_boxes`` and ``boxes.detections`` (with that operator): each computation is
defined once there, for this backend and model.py.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.detection import DetectionOutputParams, PriorBoxParams, prior_shapes
from .boxes import caffe_nms as nms_keep
from .boxes import detections, prior_boxes
from .registry import TORCH

__all__ = ["CaffePriorBox", "CaffeDetectionOutput", "caffe_nms", "nms_keep",
           "convert_prior_box", "convert_detection_output"]


# the operator runs nms_keep; tracing and export see one node
caffe_nms = torch.library.custom_op("prototxt_compiler::caffe_nms", nms_keep, mutates_args=())


@caffe_nms.register_fake
def _caffe_nms_fake(boxes: torch.Tensor, valid: torch.Tensor, threshold: float,
                    eta: float = 1.0, offset: float = 0.0) -> torch.Tensor:
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
        return prior_boxes(x, image, self.half_sizes, self.variance, self.image, self.steps,
                           self.offset, self.clip)


@TORCH.register("PriorBox")
def convert_prior_box(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffePriorBox(node.params)


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
        return detections(loc, conf, prior, self.classes, p.num_classes, p.share_location,
                          p.threshold, p.top_k, p.nms_threshold, p.eta, p.keep_top_k,
                          p.code_type, p.variance_encoded_in_target,
                          nms=torch.ops.prototxt_compiler.caffe_nms)


@TORCH.register("DetectionOutput")
def convert_detection_output(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeDetectionOutput(node.params)
