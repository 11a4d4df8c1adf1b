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
tracing and export keep its loop; it runs ``boxes.caffe_nms`` (Caffe's greedy NMS, defined
once there for this backend and model.py, as is ``boxes.decode_boxes``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.detection import DetectionOutputParams, PriorBoxParams, prior_shapes
from .boxes import caffe_nms as nms_keep
from .boxes import decode_boxes
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
        decoded = decode_boxes(loc.reshape(n, count, p.loc_classes, 4), boxes, variance,
                               p.code_type, p.variance_encoded_in_target)
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
