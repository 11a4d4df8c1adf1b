"""Flatten, Reshape, Crop and Tile as ONNX nodes: data moved, never computed on.

The mapping (``ops.shape`` binds every axis, offset and dim; the rules are those of
``backends.torch.shape``). Only the batch (axis 0) is symbolic at run time, so every other
dim is written out and the batch's place in a Reshape holds 0 (copied) or -1 (filled):
    Flatten  ``Reshape`` to the bound top; end_axis = axis - 1 inserts the 1 there. The batch
             is copied (0) when axis > 0, else it is in the merged axis (-1).
    Reshape  ``Reshape`` to the bound top. axis > 0: the batch is copied (0). A range that
             starts at the batch axis holds it in its dims, found as ``batch_free_dims`` does
             (a first dim equal to the prototxt's batch, else the first it divides) and made
             -1; with num_axes 0 the batch follows the inserted dims and is the -1.
    Crop     ``Slice`` of bottom 0 on the axes from ``axis`` on, starts at the offsets, ends at
             offset + bottom 1's size; when the batch axis is cropped the ends are bottom 1's
             run-time ``Shape`` plus the offsets.
    Tile     ``Tile`` with ``tiles`` repeats on ``axis`` (np.tile copies the whole block
             [axis:] as one unit, as Caffe does).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.shape import CropParams, FlattenParams, ReshapeParams, TileParams
from .registry import ONNX, Emitter

__all__ = ["batch_free_dims", "convert_flatten", "convert_reshape", "convert_crop",
           "convert_tile"]


def batch_free_dims(dims: Sequence[int], batch: int) -> tuple[int, ...]:
    """Dims that replace the batch axis with the one carrying the batch made -1: the first
    if it equals ``batch``, else the first that ``batch`` divides; unchanged if none."""
    dims = tuple(dims)
    if not dims or batch <= 0:
        return dims
    if dims[0] == batch:
        return (-1,) + dims[1:]
    for i, dim in enumerate(dims):
        if dim % batch == 0:
            return dims[:i] + (-1,) + dims[i + 1:]
    return dims


def _reshape(emit: Emitter, shape: Sequence[int]) -> None:
    emit.op("Reshape", [emit.input(0), emit.const("shape", list(shape))], [emit.output(0)])


@ONNX.register("Flatten")
def convert_flatten(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: FlattenParams = node.params
    shape = list(emit.output_shape(0))
    shape[0] = 0 if p.axis > 0 else -1
    _reshape(emit, shape)


@ONNX.register("Reshape")
def convert_reshape(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ReshapeParams = node.params
    shape = list(emit.output_shape(0))
    dims = len(p.shape)
    if p.axis > 0 or (p.num_axes == 0 and dims == 0):
        shape[0] = 0
    elif p.num_axes == 0:
        shape[dims] = -1
    else:
        shape[:dims] = batch_free_dims(p.shape, emit.input_shape(0)[0])
    _reshape(emit, shape)


@ONNX.register("Crop")
def convert_crop(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: CropParams = node.params
    ndim = len(emit.input_shape(0))
    axes = emit.const("axes", list(range(p.axis, ndim)))
    starts = emit.const("starts", list(p.offset))
    if p.axis == 0:
        size = emit.op("Shape", [emit.input(1)])[0]
        ends = emit.op("Add", [size, emit.const("offsets", list(p.offset))])[0]
    else:
        ref = emit.input_shape(1)
        ends = emit.const("ends", [off + ref[p.axis + i] for i, off in enumerate(p.offset)])
    emit.op("Slice", [emit.input(0), starts, ends, axes], [emit.output(0)])


@ONNX.register("Tile")
def convert_tile(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: TileParams = node.params
    ndim = len(emit.input_shape(0))
    repeats = [p.tiles if i == p.axis else 1 for i in range(ndim)]
    emit.op("Tile", [emit.input(0), emit.const("repeats", repeats)], [emit.output(0)])
