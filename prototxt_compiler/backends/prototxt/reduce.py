"""Reduction, ArgMax and Softmax params back to ``reduction_param``, ``argmax_param`` and
``softmax_param``."""
from __future__ import annotations

from ...ir import Node
from ...ops.reduce import ArgMaxParams, ReductionParams, SoftmaxParams
from ...proto import caffe_pb2
from .registry import PROTOTXT

__all__ = ["convert_reduction", "convert_argmax", "convert_softmax"]


@PROTOTXT.register("Reduction")
def convert_reduction(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: ReductionParams = node.params
    q = layer.reduction_param
    if p.operation != "SUM":
        q.operation = caffe_pb2.ReductionParameter.ReductionOp.Value(p.operation)
    if p.axis != 0:
        q.axis = p.axis
    if p.coeff != 1.0:
        q.coeff = p.coeff


@PROTOTXT.register("ArgMax")
def convert_argmax(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """An axis is written whenever there is one, 0 included: without it Caffe flattens each
    item instead."""
    p: ArgMaxParams = node.params
    q = layer.argmax_param
    if p.out_max_val:
        q.out_max_val = True
    if p.top_k != 1:
        q.top_k = p.top_k
    if p.axis is not None:
        q.axis = p.axis


@PROTOTXT.register("Softmax")
def convert_softmax(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: SoftmaxParams = node.params
    if p.axis != 1:
        layer.softmax_param.axis = p.axis
