"""Flatten, Reshape, Crop and Tile as torch modules: data moved, never computed on.

The rules (``ops.shape`` binds every axis, offset and dim; nothing is re-derived here):
    Flatten  axes [axis, end_axis] become one (``torch.flatten``); end_axis = axis - 1
             inserts a 1 at ``axis``. The axes around are the run-time tensor's.
    Reshape  to ``ops.shape.reshape_target``: the dims as written where they replace axes
             from the batch on (Caffe applies them again to a new batch: a 0 copies the
             axis of the same index, a -1 is inferred), else the bound dims with the leading
             axes copied. A reshape is a view, as Caffe shares the bottom's data.
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
from ...ops.shape import CropParams, FlattenParams, ReshapeParams, TileParams, reshape_target
from .registry import TORCH

__all__ = ["CaffeFlatten", "CaffeReshape", "CaffeCrop", "CaffeTile",
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
    """The input reshaped to ``target`` (``ops.shape.reshape_target``): 0 copies the
    run-time axis of the same index, -1 is inferred."""

    def __init__(self, target: Sequence[int]) -> None:
        super().__init__()
        self.target = tuple(target)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape([x.shape[i] if d == 0 else d for i, d in enumerate(self.target)])

    def extra_repr(self) -> str:
        return f"target={list(self.target)}"


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
    return CaffeReshape(reshape_target(p, node.input_shapes()[0]))


@TORCH.register("Crop")
def convert_crop(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: CropParams = node.params
    return CaffeCrop(p.axis, p.offset)


@TORCH.register("Tile")
def convert_tile(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: TileParams = node.params
    return CaffeTile(p.axis, p.tiles, len(node.input_shapes()[0]))
