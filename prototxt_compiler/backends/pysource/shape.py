"""Flatten, Reshape, Crop and Tile in the generated file.

    Flatten  nn.Flatten(axis, end_axis): axes [axis, end_axis] merged; Caffe's end_axis =
             axis - 1 (which inserts a 1 at ``axis``) is the written-out ``Unsqueeze``.
    Reshape  the written-out ``Reshape`` to ``ops.shape.reshape_target``: 0 copies the
             run-time axis of the same index, -1 is inferred (a new batch reshapes as Caffe
             reshapes it).
    Crop     the written-out ``Crop``: bottom 0 narrowed on every axis from ``axis`` on to
             [offset_i, offset_i + size of bottom 1 on that axis).
    Tile     the written-out ``Tile``: the bottom repeated ``tiles`` times along ``axis``, the
             block [axis:] as one unit (``Tensor.repeat``).
"""
from __future__ import annotations

from ...ir import Node
from ...ops.shape import CropParams, FlattenParams, ReshapeParams, TileParams, reshape_target
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_flatten", "convert_reshape", "convert_crop", "convert_tile"]

HELPERS.define("Unsqueeze", '''
class Unsqueeze(nn.Module):
    """Caffe's Flatten with end_axis = axis - 1: a 1 inserted at ``axis``."""

    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(self.axis)
''')

HELPERS.define("Reshape", '''
class Reshape(nn.Module):
    """Caffe's Reshape to ``target``: 0 copies the input's axis of the same index, -1 is
    inferred."""

    def __init__(self, *target: int) -> None:
        super().__init__()
        self.target = target

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(self.target)]
        return x.reshape(shape)
''')

HELPERS.define("Crop", '''
class Crop(nn.Module):
    """Caffe's Crop: ``x`` narrowed on the axes from ``axis`` on, at ``offsets``, to the
    sizes of ``like``."""

    def __init__(self, axis: int, offsets: tuple[int, ...]) -> None:
        super().__init__()
        self.axis = axis
        self.offsets = offsets

    def forward(self, x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        for i, offset in enumerate(self.offsets):
            x = x.narrow(self.axis + i, offset, like.shape[self.axis + i])
        return x
''')

HELPERS.define("Tile", '''
class Tile(nn.Module):
    """Caffe's Tile: the input repeated ``tiles`` times along ``axis``."""

    def __init__(self, axis: int, tiles: int) -> None:
        super().__init__()
        self.axis = axis
        self.tiles = tiles

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        repeats = [self.tiles if i == self.axis else 1 for i in range(x.dim())]
        return x.repeat(repeats)
''')


@PYSOURCE.register("Flatten")
def convert_flatten(node: Node) -> Module:
    p: FlattenParams = node.params
    if p.end_axis < p.axis:
        return Module(call("Unsqueeze", p.axis), (), ("Unsqueeze",))
    if (p.axis, p.end_axis) == (1, len(node.input_shapes()[0]) - 1):
        return Module("nn.Flatten()")
    return Module(call("nn.Flatten", p.axis, p.end_axis))


@PYSOURCE.register("Reshape")
def convert_reshape(node: Node) -> Module:
    p: ReshapeParams = node.params
    target = reshape_target(p, node.input_shapes()[0])
    return Module(call("Reshape", *target), (), ("Reshape",))


@PYSOURCE.register("Crop")
def convert_crop(node: Node) -> Module:
    p: CropParams = node.params
    return Module(call("Crop", p.axis, tuple(p.offset)), (), ("Crop",))


@PYSOURCE.register("Tile")
def convert_tile(node: Node) -> Module:
    p: TileParams = node.params
    return Module(call("Tile", p.axis, p.tiles), (), ("Tile",))
