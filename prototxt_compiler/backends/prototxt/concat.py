"""Concat, Slice and Split params back to ``concat_param`` and ``slice_param`` (Split has
none)."""
from __future__ import annotations

from ...ir import Node
from ...ops.concat import ConcatParams, SliceParams
from ...proto import caffe_pb2
from .registry import PROTOTXT

__all__ = ["convert_concat", "convert_slice", "convert_split"]


@PROTOTXT.register("Concat")
def convert_concat(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """The bound axis is non-negative; one that came from ``concat_dim`` goes back there (the
    params remember it)."""
    p: ConcatParams = node.params
    q = layer.concat_param
    if p.legacy_dim:
        q.concat_dim = p.axis
    elif p.axis != 1:
        q.axis = p.axis


@PROTOTXT.register("Slice")
def convert_slice(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """The bound points are written only where they differ from the equal split Caffe makes
    without them."""
    p: SliceParams = node.params
    q = layer.slice_param
    if p.legacy_dim:
        q.slice_dim = p.axis
    elif p.axis != 1:
        q.axis = p.axis
    shape = node.inputs[0].shape
    tops = len(node.outputs)
    size = shape[p.axis] if shape is not None and p.axis < len(shape) else None
    equal = (size is not None and size % tops == 0
             and p.slice_point == tuple(size // tops * i for i in range(1, tops)))
    if not equal:
        q.slice_point.extend(p.slice_point)


@PROTOTXT.register("Split")
def convert_split(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """Split has no params: the tops are its whole definition."""
