"""InnerProduct and Embed params back to ``inner_product_param`` and ``embed_param``."""
from __future__ import annotations

from ...ir import Node
from ...ops.dense import EmbedParams, InnerProductParams
from ...proto import caffe_pb2
from .fields import set_filler
from .registry import PROTOTXT

__all__ = ["convert_inner_product", "convert_embed"]


@PROTOTXT.register("InnerProduct")
def convert_inner_product(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """A bound ``axis`` is non-negative; it reads back to the same bound axis."""
    p: InnerProductParams = node.params
    q = layer.inner_product_param
    q.num_output = p.num_output
    if not p.bias_term:
        q.bias_term = False
    set_filler(q, "weight_filler", p.weight_filler)
    set_filler(q, "bias_filler", p.bias_filler)
    if p.axis != 1:
        q.axis = p.axis
    if p.transpose:
        q.transpose = True


@PROTOTXT.register("Embed")
def convert_embed(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: EmbedParams = node.params
    q = layer.embed_param
    q.num_output = p.num_output
    q.input_dim = p.input_dim
    if not p.bias_term:
        q.bias_term = False
    set_filler(q, "weight_filler", p.weight_filler)
    set_filler(q, "bias_filler", p.bias_filler)
