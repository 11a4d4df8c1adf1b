"""Flatten, Reshape, Crop and Tile as torch modules: data moved, never computed on.

The rules (``ops.shape`` binds every axis, offset and dim; nothing is re-derived here):
    Flatten  axes [axis, end_axis] become one (``torch.flatten``); end_axis = axis - 1
             inserts a 1 at ``axis``. The axes around are the run-time tensor's.
    Reshape  axes [axis, axis + num_axes) are replaced by the bound dims, in row-major order
             (Caffe shares the bottom's data, so a reshape is a view). The axes outside the
             range are taken from the run-time tensor, so when ``axis`` > 0 the batch follows
             the input and the dims (a 0 copy, a -1 fill) do not depend on it. When the range
             starts at the batch axis, the batch is in the dims; the bound params hold only the
             final dims, so the batch's place is recovered from them (``batch_free_dims``): a
             first dim equal to the prototxt's batch is the batch copied (Caffe's 0, or a -1
             there) and becomes -1; otherwise the first dim that the batch divides absorbed it
             (Caffe's -1) and becomes -1. A net whose dims match neither keeps them fixed.
    Crop     bottom 0 narrowed on every axis from ``axis`` on: the range [offset_i,
             offset_i + size_i), size_i the run-time size of bottom 1 on that axis.
    Tile     the bottom repeated ``tiles`` times along ``axis``, the whole block [axis:] as one
             unit (``Tensor.repeat``), as Caffe copies each outer slice ``tiles`` times.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.shape import CropParams, FlattenParams, ReshapeParams, TileParams
from .registry import TORCH

__all__ = ["CaffeFlatten", "CaffeReshape", "CaffeCrop", "CaffeTile", "batch_free_dims",
           "convert_flatten", "convert_reshape", "convert_crop", "convert_tile"]


class CaffeFlatten(nn.Module):
    """Axes [axis, end_axis] merged; ``end_axis == axis - 1`` inserts a 1 at ``axis``."""

    def __init__(self, axis: int, end_axis: int) -> None:
        super().__init__()
        self.axis = axis
        self.end_axis = end_axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.end_axis < self.axis:
            return x.unsqueeze(self.axis)
        return torch.flatten(x, self.axis, self.end_axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}, end_axis={self.end_axis}"


class CaffeReshape(nn.Module):
    """Axes [axis, axis + num_axes) of the run-time tensor replaced by ``dims`` (at most one
    -1, which torch fills)."""

    def __init__(self, axis: int, num_axes: int, dims: Sequence[int]) -> None:
        super().__init__()
        self.axis = axis
        self.num_axes = num_axes
        self.dims = tuple(dims)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = tuple(x.shape[:self.axis])
        tail = tuple(x.shape[self.axis + self.num_axes:])
        return x.reshape(lead + self.dims + tail)

    def extra_repr(self) -> str:
        return f"axis={self.axis}, num_axes={self.num_axes}, dims={list(self.dims)}"


def batch_free_dims(dims: Sequence[int], batch: int) -> tuple[int, ...]:
    """Bound dims that replace the batch axis, with the one dim that carries the batch made
    -1: the first dim if it equals ``batch`` (the batch copied), else the first dim that
    ``batch`` divides (the batch folded into Caffe's -1); unchanged when there is none."""
    dims = tuple(dims)
    if not dims or batch <= 0:
        return dims
    if dims[0] == batch:
        return (-1,) + dims[1:]
    for i, dim in enumerate(dims):
        if dim % batch == 0:
            return dims[:i] + (-1,) + dims[i + 1:]
    return dims


class CaffeCrop(nn.Module):
    """Bottom 0 narrowed on axes ``axis``.. at ``offsets`` to bottom 1's sizes."""

    def __init__(self, axis: int, offsets: Sequence[int]) -> None:
        super().__init__()
        self.axis = axis
        self.offsets = tuple(offsets)

    def forward(self, x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        for i, offset in enumerate(self.offsets):
            dim = self.axis + i
            x = x.narrow(dim, offset, ref.shape[dim])
        return x

    def extra_repr(self) -> str:
        return f"axis={self.axis}, offsets={list(self.offsets)}"


class CaffeTile(nn.Module):
    """The bottom repeated ``tiles`` times along ``axis``."""

    def __init__(self, axis: int, tiles: int, ndim: int) -> None:
        super().__init__()
        self.axis = axis
        self.tiles = tiles
        self.repeats = tuple(tiles if i == axis else 1 for i in range(ndim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.repeat(self.repeats)

    def extra_repr(self) -> str:
        return f"axis={self.axis}, tiles={self.tiles}"


@TORCH.register("Flatten")
def convert_flatten(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: FlattenParams = node.params
    return CaffeFlatten(p.axis, p.end_axis)


@TORCH.register("Reshape")
def convert_reshape(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ReshapeParams = node.params
    dims = p.shape
    if p.axis == 0 and p.num_axes > 0:
        dims = batch_free_dims(dims, node.inputs[0].shape[0])
    return CaffeReshape(p.axis, p.num_axes, dims)


@TORCH.register("Crop")
def convert_crop(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: CropParams = node.params
    return CaffeCrop(p.axis, p.offset)


@TORCH.register("Tile")
def convert_tile(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: TileParams = node.params
    return CaffeTile(p.axis, p.tiles, len(node.inputs[0].shape))
