"""Flatten, Reshape, Crop and Tile as ONNX nodes: data moved, never computed on.

The mapping (``ops.shape`` binds every axis, offset and dim; the rules are those of
``backends.torch.shape``). Only the batch (axis 0) is symbolic at run time, so every other
dim is written out and the batch's place in a Reshape holds 0 (copied) or -1 (filled):
    Flatten  ``Reshape`` to the bound top; end_axis = axis - 1 inserts the 1 there. The batch
             is copied (0) when axis > 0, else it is in the merged axis (-1).
    Reshape  ``Reshape`` to ``ops.shape.reshape_target``, whose 0 and -1 are ONNX's own
             (0 copies the input's axis of the same index, -1 is inferred).
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
from ...ops.shape import CropParams, FlattenParams, ReshapeParams, TileParams, reshape_target
from .registry import ONNX, Emitter

__all__ = ["convert_flatten", "convert_reshape", "convert_crop",
           "convert_tile"]


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
    _reshape(emit, reshape_target(p, emit.input_shape(0)))


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
