"""Concat, Slice and Split in the generated file, written out (torch has no such modules).

    Concat  ``torch.cat`` of the bottoms along ``axis``; one bottom passes through.
    Slice   top i is the bottom's range [point[i-1], point[i]) along ``axis``, the last top
            running to the end; points that cut the batch axis into equal parts (Caffe's rule
            without slice_point) cut the run-time batch into as many equal parts.
    Split   the bottom itself, once per top (every reader treats it as read-only).
"""
from __future__ import annotations

from ...ir import Node
from ...ops.concat import ConcatParams, SliceParams, equal_parts
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_concat", "convert_slice", "convert_split"]

HELPERS.define("Concat", '''
class Concat(nn.Module):
    """Caffe's Concat: the bottoms joined along ``axis``."""

    def __init__(self, axis: int = 1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return xs[0] if len(xs) == 1 else torch.cat(xs, dim=self.axis)
''')

HELPERS.define("Slice", '''
class Slice(nn.Module):
    """Caffe's Slice: the bottom cut along ``axis`` at ``points`` (the last top
    open-ended); ``equal``: into len(points) + 1 equal parts of the run-time axis."""

    def __init__(self, axis: int, points: tuple[int, ...], equal: bool = False) -> None:
        super().__init__()
        self.axis = axis
        self.points = points
        self.equal = equal

    def forward(self, x: torch.Tensor):
        size = x.shape[self.axis]
        if self.equal:
            part = size // (len(self.points) + 1)
            starts = [i * part for i in range(len(self.points) + 1)]
            return tuple(x.narrow(self.axis, s, part) for s in starts)
        bounds = (0,) + self.points + (size,)
        spans = zip(bounds, bounds[1:])
        tops = tuple(x.narrow(self.axis, lo, hi - lo) for lo, hi in spans)
        return tops[0] if len(tops) == 1 else tops
''')

HELPERS.define("Split", '''
class Split(nn.Module):
    """Caffe's Split: the bottom, ``count`` times."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def forward(self, x: torch.Tensor):
        return x if self.count == 1 else (x,) * self.count
''')


@PYSOURCE.register("Concat")
def convert_concat(node: Node) -> Module:
    p: ConcatParams = node.params
    return Module(call("Concat", p.axis), (), ("Concat",))


@PYSOURCE.register("Slice")
def convert_slice(node: Node) -> Module:
    p: SliceParams = node.params
    tops = len(p.slice_point) + 1
    size = node.input_shapes()[0][p.axis]
    equal = p.axis == 0 and equal_parts(p.slice_point, size)
    extra = {"equal": True} if equal and tops > 1 else {}
    return Module(call("Slice", p.axis, tuple(p.slice_point), **extra), (), ("Slice",))


@PYSOURCE.register("Split")
def convert_split(node: Node) -> Module:
    return Module(call("Split", len(node.outputs)), (), ("Split",))
