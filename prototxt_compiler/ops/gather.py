"""BatchReindex and Filter: layers that pick items of the batch (axis 0) by the values of a blob.

BatchReindex  bottoms x (N, ...) and index (K,) with exactly one axis; top (K, ...):
                  top[k] = x[int(index[k])]
              each index value must lie in [0, N) (Caffe checks the float value on every
              forward and stops otherwise; -0.5 is refused, 3.7 reads item 3: the cast
              truncates). Repeated and permuted indices are fine.
Filter        bottoms b_0 .. b_{k-1} and the selector s (M, 1, 1, ...) last: every axis of s
              but the first is 1, and every b_i has M items; tops t_0 .. t_{k-1}, one per b_i:
                  t_i = the items m of b_i (in order) where s[m] != 0   (NaN counts as != 0)
              so a top's first axis is the number of selected items: the data decide it, on
              every forward. That size is the symbol ``selected(LAYER)`` (an ``ir.SymDim``,
              the same for all tops of the layer): shapes, ``info`` and the ONNX export show
              it as such (ONNX: the dimension named so), the backends compute it at run time,
              and a layer that needs it as a number is an error naming it. It is 0 only where
              M is 0 (Caffe accepts an empty selection; its top then has 0 items).
Neither computes (MACs 0). BatchReindex cannot run in place (Caffe reshapes the bottom it
still reads, and gives other values); Filter can (its items only move forward), and Caffe
computes the same as with a new top.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import OpError
from ..ir import Shape, SymDim
from ..proto import caffe_pb2
from .base import OPS, unify_dims

__all__ = ["BatchReindexParams", "FilterParams", "selected_symbol"]


@dataclass(frozen=True)
class BatchReindexParams:
    pass


@dataclass(frozen=True)
class FilterParams:
    """``selected``: the name of the symbol for the number of items the layer selects."""

    selected: str = field(default="selected", repr=False)


def selected_symbol(layer_name: str) -> str:
    return f"selected({layer_name})"


def read_batch_reindex(layer: caffe_pb2.LayerParameter) -> BatchReindexParams:
    if layer.top and layer.bottom and layer.top[0] == layer.bottom[0]:
        raise OpError(f"BatchReindex cannot run in place: top '{layer.top[0]}' is also the "
                      "bottom whose items it reads (expected a new top name)")
    return BatchReindexParams()


def infer_batch_reindex(p: BatchReindexParams, bottoms: Sequence[Shape],
                        num_tops: int) -> list[Shape]:
    data, index = tuple(bottoms[0]), tuple(bottoms[1])
    if len(index) != 1:
        raise OpError(f"bottom 1 (the index) is {list(index)}: it must have exactly 1 axis")
    if not data:
        raise OpError("bottom 0 is a scalar: it needs a first axis to pick items from")
    return [index + data[1:]]


def read_filter(layer: caffe_pb2.LayerParameter) -> FilterParams:
    if len(layer.top) != len(layer.bottom) - 1:
        raise OpError(f"has {len(layer.bottom)} bottoms and {len(layer.top)} tops, expected "
                      "one top per bottom but the last (the selector)")
    return FilterParams(selected=selected_symbol(layer.name or layer.top[0]))


def infer_filter(p: FilterParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    selector = tuple(bottoms[-1])
    last = len(bottoms) - 1
    if not selector:
        raise OpError(f"bottom {last} (the selector) is a scalar: it needs one value per item")
    singles = selector[1:]
    unify_dims(singles, (1,) * len(singles), "the selector's axes but the first are 1")
    if any(d != 1 for d in singles):
        raise OpError(f"bottom {last} (the selector) is {list(selector)}: every axis but the "
                      "first must be 1")
    for i, shape in enumerate(bottoms[:-1]):
        shape = tuple(shape)
        unify_dims(shape[:1], selector[:1], "Filter's bottoms have the selector's items")
        if shape[:1] != selector[:1]:
            raise OpError(f"bottom {i} is {list(shape)}: its first axis must be the "
                          f"selector's {selector[0]} items")
    selected: Any = 0 if selector[0] == 0 else SymDim.symbol(p.selected)
    return [(selected,) + tuple(shape[1:]) for shape in bottoms[:-1]]


OPS.define("BatchReindex", family="gather", read=read_batch_reindex, infer=infer_batch_reindex,
           bottoms=(2, 2), tops=(1, 1))
OPS.define("Filter", family="gather", read=read_filter, infer=infer_filter, bottoms=(2, None),
           tops=(1, None))
