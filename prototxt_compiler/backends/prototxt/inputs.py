"""Parameter params back to ``parameter_param`` (Input layers are written by the lowering)."""
from __future__ import annotations

from ...ir import Node
from ...ops.inputs import ParameterParams
from ...proto import caffe_pb2
from .registry import PROTOTXT

__all__ = ["convert_parameter"]


@PROTOTXT.register("Parameter")
def convert_parameter(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """The blob's shape; a 0-axis shape reads back from an absent ``parameter_param``."""
    p: ParameterParams = node.params
    if p.shape:
        layer.parameter_param.shape.dim.extend(p.shape)
