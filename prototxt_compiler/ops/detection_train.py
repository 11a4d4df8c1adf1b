"""The training side of the detectors: layers a deploy graph has no use for, dropped with a
note as BVLC's losses are (``ops.inputs``), and SSD's annotated data layer, a graph input.

SSD (weiliu89/caffe, branch ssd): MultiBoxLoss (loc, conf, priors, ground truth -> loss) and
DetectionEvaluate (detections, ground truth -> per-class true/false positives, which SSD's
test nets compute in the TEST phase) are dropped; AnnotatedData brings the images and their
boxes (its data's channels and size live in the database, given with ``--input-shape``; its
label top, read only by the dropped layers, goes with them). Fast/Faster R-CNN
(rbgirshick/caffe-fast-rcnn): SmoothL1Loss is dropped.
"""
from __future__ import annotations

from collections.abc import Sequence

from ..ir import Shape
from .base import OPS, LayerView
from .inputs import DataParams, NoParams

__all__ = ["DETECTION_TRAIN_ONLY_TYPES"]

DETECTION_TRAIN_ONLY_TYPES = ("MultiBoxLoss", "DetectionEvaluate", "SmoothL1Loss")


def read_annotated_data(layer: LayerView) -> DataParams:
    return DataParams(shapes=(None,) * len(layer.top))


def infer_annotated_data(p: DataParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return list(p.shapes)  # type: ignore[arg-type]  # None: a shape the user gives


def read_training(layer: LayerView) -> NoParams:
    return NoParams()


def infer_training(p: NoParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return []


for _type in DETECTION_TRAIN_ONLY_TYPES:
    OPS.define(_type, family="detection_train", read=read_training, infer=infer_training,
               bottoms=(1, None), tops=(0, None), role="train_only")
OPS.define("AnnotatedData", family="detection_train", read=read_annotated_data,
           infer=infer_annotated_data, bottoms=(0, 0), tops=(1, None), role="data")
