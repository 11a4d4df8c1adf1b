"""Eltwise params back to ``eltwise_param``."""
from __future__ import annotations

from ...ir import Node
from ...ops.eltwise import EltwiseParams
from ...proto import caffe_pb2
from .registry import PROTOTXT

__all__ = ["convert_eltwise"]


@PROTOTXT.register("Eltwise")
def convert_eltwise(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """SUM's bound coefficients are one per bottom (1.0 where none were given): written only
    when some differ from 1. MAX keeps the coefficients it was given (it ignores them), so
    they are written back as they are."""
    p: EltwiseParams = node.params
    q = layer.eltwise_param
    if p.operation != "SUM":
        q.operation = caffe_pb2.EltwiseParameter.EltwiseOp.Value(p.operation)
    if p.operation != "SUM" or any(c != 1.0 for c in p.coeff):
        q.coeff.extend(p.coeff)
    if not p.stable_prod_grad:
        q.stable_prod_grad = False
