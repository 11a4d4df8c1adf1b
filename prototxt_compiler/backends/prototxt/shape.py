"""Flatten, Reshape, Crop and Tile params back to ``flatten_param``, ``reshape_param``,
``crop_param`` and ``tile_param``.

The params are bound (axes non-negative, Reshape's range concrete, one Crop offset per
cropped axis); each writer picks the shortest fields that bind to the same values, using the
bottom's number of axes where a default means "to the last axis".
"""
from __future__ import annotations

from ...ir import Node
from ...ops.shape import CropParams, FlattenParams, ReshapeParams, TileParams
from ...proto import caffe_pb2
from .registry import PROTOTXT

__all__ = ["convert_flatten", "convert_reshape", "convert_crop", "convert_tile"]


def _ndim(node: Node) -> int | None:
    shape = node.inputs[0].shape
    return None if shape is None else len(shape)


@PROTOTXT.register("Flatten")
def convert_flatten(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """``end_axis`` is left at its default -1 when it is the last axis."""
    p: FlattenParams = node.params
    q = layer.flatten_param
    if p.axis != 1:
        q.axis = p.axis
    ndim = _ndim(node)
    if p.end_axis != -1 and (ndim is None or p.end_axis != ndim - 1):
        q.end_axis = p.end_axis


@PROTOTXT.register("Reshape")
def convert_reshape(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """The dims as written (0 and -1 kept: Caffe applies them again to a new batch; none
    written removes the axes in range); the bound start axis; ``num_axes`` left at -1 when
    the range runs to the last axis."""
    p: ReshapeParams = node.params
    q = layer.reshape_param
    q.shape.dim.extend(p.written)
    if p.axis != 0:
        q.axis = p.axis
    ndim = _ndim(node)
    if p.num_axes != -1 and (ndim is None or p.axis + p.num_axes != ndim):
        q.num_axes = p.num_axes


@PROTOTXT.register("Crop")
def convert_crop(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """One offset when every cropped axis has the same (none when that is 0), else one per
    cropped axis."""
    p: CropParams = node.params
    q = layer.crop_param
    if p.axis != 2:
        q.axis = p.axis
    offsets = tuple(p.offset)
    if len(set(offsets)) > 1:
        q.offset.extend(offsets)
    elif offsets and offsets[0] != 0:
        q.offset.append(offsets[0])


@PROTOTXT.register("Tile")
def convert_tile(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: TileParams = node.params
    q = layer.tile_param
    if p.axis != 1:
        q.axis = p.axis
    q.tiles = p.tiles  # required, so always written
