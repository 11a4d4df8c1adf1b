"""Concat, Slice and Split as torch modules.

The rules, as Caffe's layers compute them (``ops.concat`` binds the axis and the points):
    Concat  ``torch.cat`` of the bottoms along ``axis``, in bottom order; one bottom passes
            through unchanged.
    Slice   top i is the bottom's range [point[i-1], point[i]) along ``axis`` (the first top
            from 0, the last running to the end of the axis); views of the bottom, as in Caffe
            where the tops are copies nobody writes back. On the batch axis the bound points
            were computed for the prototxt's batch: points that cut it into equal parts (as
            Caffe does without slice_point) cut the run-time batch into as many equal parts;
            other points stay, the last top taking whatever the run-time batch leaves.
    Split   the bottom itself, once per top: Caffe copies it, but every reader treats its
            bottom as read-only, so sharing the one tensor is exact.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.concat import ConcatParams, SliceParams, equal_parts
from .registry import TORCH

__all__ = ["CaffeConcat", "CaffeSlice", "CaffeSplit", "convert_concat", "convert_slice",
           "convert_split"]


class CaffeConcat(nn.Module):
    """The bottoms joined along ``axis``."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if len(xs) == 1:
            return xs[0]
        return torch.cat(xs, dim=self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class CaffeSlice(nn.Module):
    """The bottom cut along ``axis`` at ``points``: one top per range, the last open-ended;
    ``equal``: into len(points) + 1 equal parts of the run-time axis, whatever its size."""

    def __init__(self, axis: int, points: Sequence[int], *, equal: bool = False) -> None:
        super().__init__()
        self.axis = axis
        self.points = tuple(points)
        self.equal = equal

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if not self.points:
            return x
        if self.equal:
            count = len(self.points) + 1
            size = x.shape[self.axis] // count
            return tuple(x.narrow(self.axis, i * size, size) for i in range(count))
        starts = (0,) + self.points
        tops = [x.narrow(self.axis, lo, hi - lo) for lo, hi in zip(starts, self.points)]
        last = starts[-1]
        tops.append(x.narrow(self.axis, last, x.shape[self.axis] - last))
        return tuple(tops)

    def extra_repr(self) -> str:
        return f"axis={self.axis}, points={list(self.points)}, equal={self.equal}"


class CaffeSplit(nn.Module):
    """The bottom, ``count`` times."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if self.count == 1:
            return x
        return (x,) * self.count

    def extra_repr(self) -> str:
        return f"count={self.count}"


@TORCH.register("Concat")
def convert_concat(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ConcatParams = node.params
    return CaffeConcat(p.axis)


@TORCH.register("Slice")
def convert_slice(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: SliceParams = node.params
    size = node.input_shapes()[0][p.axis]
    equal = p.axis == 0 and equal_parts(p.slice_point, size)
    return CaffeSlice(p.axis, p.slice_point, equal=equal)


@TORCH.register("Split")
def convert_split(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeSplit(len(node.outputs))
