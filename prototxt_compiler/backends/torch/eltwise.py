"""Eltwise as a torch module: SUM, PROD or MAX over two or more bottoms of one shape.

    SUM   y = sum_i coeff_i * x_i   (bound params hold one coefficient per bottom, 1 by
          default; Caffe accumulates from zero in bottom order, and so do we)
    PROD  y = x_0 * x_1 * ... * x_{N-1}
    MAX   y = x_0 if x_0 > x_1 else x_1, then for each next x_i: y = x_i if x_i > y else y
          (Caffe's comparisons, which decide where NaNs go; coefficients are ignored)

In place. Caffe computes in place only when the top reuses bottom 0 (any other repeated name
is refused), and its CPU code clears the top before reading the bottoms: SUM starts from
zero and MAX from -FLT_MAX, so bottom 0 drops out of both (SUM: y = sum_{i>=1} coeff_i * x_i;
MAX: the first comparison is against -FLT_MAX). PROD writes x_0 * x_1 first and is
unaffected. We give what the CPU reference gives (Caffe's CUDA MAX kernel does not clear the
top, so on a GPU an in-place MAX keeps bottom 0; SUM clears it there too).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.base import FLT_MAX
from ...ops.eltwise import EltwiseParams
from .registry import TORCH

__all__ = ["CaffeEltwise", "convert_eltwise"]



class CaffeEltwise(nn.Module):
    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, operation: str, coeff: tuple[float, ...] = (), *,
                 in_place: bool = False) -> None:
        super().__init__()
        self.operation = operation
        self.coeff = coeff
        self.in_place = in_place
        self.writable_inputs: tuple[bool, ...] = ()

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if self.operation == "SUM":
            return self._sum(xs)
        if self.operation == "PROD":
            y = xs[0] * xs[1]
            for x in xs[2:]:
                y = y * x
            return y
        first = torch.full_like(xs[0], -FLT_MAX) if self.in_place else xs[0]
        y = torch.where(first > xs[1], first, xs[1])
        for x in xs[2:]:
            y = torch.where(x > y, x, y)
        return y

    def _sum(self, xs: Sequence[torch.Tensor]) -> torch.Tensor:
        if (len(xs) == 2 and not self.in_place and self.coeff == (1.0, 1.0)
                and any(self.writable_inputs)):
            # x0 + x1 == x1 + x0 exactly: accumulate into whichever bottom nothing else reads
            target, other = (xs[0], xs[1]) if self.writable_inputs[0] else (xs[1], xs[0])
            return target.add_(other)
        start = 1 if self.in_place else 0
        y = _weighted(xs[start], self.coeff[start])
        for x, c in zip(xs[start + 1:], self.coeff[start + 1:]):
            y = y + _weighted(x, c)
        return y

    def extra_repr(self) -> str:
        coeff = f", coeff={list(self.coeff)}" if self.operation == "SUM" else ""
        return f"operation={self.operation}{coeff}" + (", in_place=True" if self.in_place
                                                        else "")


def _weighted(x: torch.Tensor, c: float) -> torch.Tensor:
    return x if c == 1 else x * c


@TORCH.register("Eltwise")
def convert_eltwise(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: EltwiseParams = node.params
    in_place = node.outputs[0].blob == node.inputs[0].blob
    return CaffeEltwise(p.operation, tuple(p.coeff), in_place=in_place)
