"""Reduction, ArgMax and Softmax in the generated file.

    Softmax    nn.Softmax(dim=axis): exp(x - max) / sum along the axis, as Caffe.
    Reduction  the written-out ``Reduction``: every axis from ``axis`` on folded into one and
               reduced (SUM, ASUM: sum of |x|, SUMSQ: sum of x^2, MEAN), times ``coeff``.
    ArgMax     the written-out ``ArgMax``: Caffe ranks (value, index) pairs descending with
               std::greater, so equal values rank the larger index first (a stable descending
               sort of the reversed axis); indices come out as floats. With ``axis``: top_k
               indices (or values with out_max_val) along it; without: over each flattened
               item, (N, 1, top_k) indices or (N, 2, top_k) indices and values, padded with
               trailing 1s to the top's rank.
"""
from __future__ import annotations

from ...errors import OpError
from ...ir import Node
from ...ops.reduce import ArgMaxParams, ReductionParams, SoftmaxParams
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_softmax", "convert_reduction", "convert_argmax"]

HELPERS.define("Reduction", '''
class Reduction(nn.Module):
    """Caffe's Reduction: the axes from ``axis`` on reduced by ``operation`` (SUM, ASUM,
    SUMSQ or MEAN) and scaled by ``coeff``."""

    def __init__(self, operation: str = "SUM", axis: int = 0,
                 coeff: float = 1.0) -> None:
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
        return y * self.coeff if self.coeff != 1 else y
''')

HELPERS.define("ArgMax", '''
class ArgMax(nn.Module):
    """Caffe's ArgMax: the ``top_k`` largest along ``axis`` (None: over each flattened
    item), ties to the larger index; indices as floats, or values with
    ``out_max_val``."""

    def __init__(self, top_k: int = 1, out_max_val: bool = False,
                 axis: int | None = None, rank: int = 3) -> None:
        super().__init__()
        self.top_k = top_k
        self.out_max_val = out_max_val
        self.axis = axis
        self.rank = rank

    def ranked(self, x: torch.Tensor, dim: int):
        size = x.shape[dim]
        values, order = torch.sort(x.flip(dim), dim=dim, descending=True, stable=True)
        index = (size - 1) - order.narrow(dim, 0, self.top_k)
        return values.narrow(dim, 0, self.top_k), index.to(x.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.axis is not None:
            values, index = self.ranked(x, self.axis)
            return values if self.out_max_val else index
        values, index = self.ranked(x.reshape(x.shape[0], -1), 1)
        if self.out_max_val:
            rows = torch.stack((index, values), 1)
        else:
            rows = index.unsqueeze(1)
        return rows.reshape(tuple(rows.shape) + (1,) * (self.rank - 3))
''')

_OPERATIONS = ("SUM", "ASUM", "SUMSQ", "MEAN")


@PYSOURCE.register("Softmax")
def convert_softmax(node: Node) -> Module:
    p: SoftmaxParams = node.params
    return Module(call("nn.Softmax", dim=p.axis))


@PYSOURCE.register("Reduction")
def convert_reduction(node: Node) -> Module:
    p: ReductionParams = node.params
    if p.operation not in _OPERATIONS:
        raise OpError(f"operation {p.operation} (expected one of {', '.join(_OPERATIONS)})",
                      field="reduction_param.operation")
    return Module(call("Reduction", p.operation, p.axis, p.coeff), (), ("Reduction",))


@PYSOURCE.register("ArgMax")
def convert_argmax(node: Node) -> Module:
    p: ArgMaxParams = node.params
    extra: dict[str, object] = {"top_k": p.top_k}
    if p.out_max_val:
        extra["out_max_val"] = True
    if p.axis is not None:
        extra["axis"] = p.axis
    else:
        extra["rank"] = len(node.output_shapes()[0])
    return Module(call("ArgMax", **extra), (), ("ArgMax",))
