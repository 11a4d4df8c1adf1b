"""ROIPooling and py-faster-rcnn's proposal layer: not written as plain source yet (their
torch forms are operators of this package's torch backend); each converter says so."""
from __future__ import annotations

from ...ir import Node
from .detection import not_written_yet
from .registry import PYSOURCE, Module

__all__ = ["convert_roi"]


@PYSOURCE.register("ROIPooling", "Python:rpn.proposal_layer.ProposalLayer")
def convert_roi(node: Node) -> Module:
    raise not_written_yet(node, "Faster R-CNN's ROI pooling and proposals run on the torch "
                                "backend's own operators")
