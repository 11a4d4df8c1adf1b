"""Reduction, ArgMax and Softmax as torch modules.

The rules, as Caffe's layers compute them (``ops.reduce`` binds the axes):
    Reduction  every axis from ``axis`` on folded into one and reduced: SUM, ASUM (sum of
               |x|), SUMSQ (sum of x^2), MEAN (the sum over the run-time count of the folded
               axes); times ``coeff``. The top keeps the axes before ``axis`` (none: a 0-axis
               tensor).
    ArgMax     Caffe sorts (value, index) pairs in descending order with std::greater, so
               equal values rank the larger index first; a stable descending sort of the
               reversed axis gives exactly that order. Indices come out as floats, like the
               values. With ``axis``: top_k indices (or values when out_max_val) along it.
               Without: each item flattened; the top is (N, 1, top_k) of indices, or (N, 2,
               top_k) with the indices in row 0 and the values in row 1 when out_max_val,
               padded with trailing 1s to the bound top's number of axes.
    Softmax    along ``axis``: x - max, exp, divided by the sum, as Caffe computes it.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...errors import OpError
from ...ir import Node
from ...ops.reduce import ArgMaxParams, ReductionParams, SoftmaxParams
from .registry import TORCH

__all__ = ["CaffeReduction", "CaffeArgMax", "CaffeSoftmax", "convert_reduction",
           "convert_argmax", "convert_softmax"]

_OPERATIONS = ("SUM", "ASUM", "SUMSQ", "MEAN")


class CaffeReduction(nn.Module):
    """Axes ``axis``.. reduced by ``operation`` and scaled by ``coeff``."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, operation: str, axis: int, coeff: float) -> None:
        super().__init__()
        self.operation = operation
        self.axis = axis
        self.coeff = coeff

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        folded = x.reshape(tuple(x.shape[:self.axis]) + (-1,))
        if self.operation == "ASUM":
            folded = folded.abs()
        elif self.operation == "SUMSQ":
            folded = folded * folded
        y = folded.mean(-1) if self.operation == "MEAN" else folded.sum(-1)
        return y if self.coeff == 1.0 else y * self.coeff

    def extra_repr(self) -> str:
        return f"operation={self.operation}, axis={self.axis}, coeff={self.coeff}"


def _ranked(x: torch.Tensor, dim: int, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` largest values along ``dim`` and their indices (as ``x``'s dtype), in
    Caffe's order: descending, equal values by descending index."""
    size = x.shape[dim]
    values, reversed_index = torch.sort(x.flip(dim), dim=dim, descending=True, stable=True)
    values = values.narrow(dim, 0, k)
    index = (size - 1) - reversed_index.narrow(dim, 0, k)
    return values, index.to(x.dtype)


class CaffeArgMax(nn.Module):
    """Caffe's ArgMax: along ``axis``, or (``axis`` None) over each flattened item."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, top_k: int, out_max_val: bool, axis: int | None, top_ndim: int) -> None:
        super().__init__()
        self.top_k = top_k
        self.out_max_val = out_max_val
        self.axis = axis
        self.ones = (1,) * (top_ndim - 3) if axis is None else ()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.numel() == 0:  # no items (Caffe's top_k <= the ranked size): nothing to rank
            if self.axis is not None:
                shape = list(x.shape)
                shape[self.axis] = self.top_k
            else:
                shape = [x.shape[0], 1 + self.out_max_val, self.top_k, *self.ones]
            return x.new_empty(shape)
        if self.axis is not None:
            values, index = _ranked(x, self.axis, self.top_k)
            return values if self.out_max_val else index
        values, index = _ranked(x.reshape(x.shape[0], -1), 1, self.top_k)
        rows = torch.stack((index, values), 1) if self.out_max_val else index.unsqueeze(1)
        return rows.reshape(tuple(rows.shape) + self.ones)

    def extra_repr(self) -> str:
        return f"top_k={self.top_k}, out_max_val={self.out_max_val}, axis={self.axis}"


class CaffeSoftmax(nn.Module):
    """exp(x - max) / sum along ``axis``."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, axis: int) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[self.axis] == 0:  # nothing to normalise, as in Caffe (and export
            # reads a size it knows, not the count of a data-dependent ROI batch)
            return x.clone()
        e = torch.exp(x - x.amax(dim=self.axis, keepdim=True))
        return e / e.sum(dim=self.axis, keepdim=True)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


@TORCH.register("Reduction")
def convert_reduction(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ReductionParams = node.params
    if p.operation not in _OPERATIONS:
        raise OpError(f"operation {p.operation} (expected one of {', '.join(_OPERATIONS)})",
                      field="reduction_param.operation")
    return CaffeReduction(p.operation, p.axis, p.coeff)


@TORCH.register("ArgMax")
def convert_argmax(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ArgMaxParams = node.params
    return CaffeArgMax(p.top_k, p.out_max_val, p.axis, len(node.output_shapes()[0]))


@TORCH.register("Softmax")
def convert_softmax(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: SoftmaxParams = node.params
    return CaffeSoftmax(p.axis)
