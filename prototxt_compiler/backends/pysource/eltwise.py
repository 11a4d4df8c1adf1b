"""Eltwise in the generated file: the written-out ``Eltwise`` (torch has no such module).

    SUM   y = sum_i coeff_i * x_i, accumulated in bottom order
    PROD  y = x_0 * x_1 * ...
    MAX   y = x_0 if x_0 > x_1 else x_1, then y = x_i if x_i > y else y (Caffe's comparisons)

In place (the top reuses bottom 0's blob) Caffe's CPU code clears the top before reading
the bottoms, so bottom 0 drops out of SUM and MAX (which starts from -FLT_MAX):
``in_place=True`` gives what the CPU reference gives.
"""
from __future__ import annotations

from ...ir import Node
from ...ops.eltwise import EltwiseParams
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_eltwise"]

HELPERS.define("Eltwise", '''
class Eltwise(nn.Module):
    """Caffe's Eltwise over its bottoms: SUM (times ``coeff``), PROD or MAX;
    ``in_place``: Caffe's CPU result when the top is bottom 0's blob (bottom 0 drops out
    of SUM and MAX)."""

    def __init__(self, operation: str = "SUM", coeff: tuple[float, ...] = (),
                 in_place: bool = False) -> None:
        super().__init__()
        self.operation = operation
        self.coeff = coeff
        self.in_place = in_place

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        if self.operation == "PROD":
            y = xs[0] * xs[1]
            for x in xs[2:]:
                y = y * x
            return y
        if self.operation == "MAX":
            first = torch.full_like(xs[0], -FLT_MAX) if self.in_place else xs[0]
            y = torch.where(first > xs[1], first, xs[1])
            for x in xs[2:]:
                y = torch.where(x > y, x, y)
            return y
        coeff = self.coeff or (1.0,) * len(xs)
        start = 1 if self.in_place else 0
        y = xs[start] * coeff[start] if coeff[start] != 1 else xs[start]
        for x, c in zip(xs[start + 1:], coeff[start + 1:]):
            y = y + (x * c if c != 1 else x)
        return y
''', needs=("FLT_MAX",))


@PYSOURCE.register("Eltwise")
def convert_eltwise(node: Node) -> Module:
    p: EltwiseParams = node.params
    extra: dict[str, object] = {}
    if p.operation != "SUM":
        extra["operation"] = p.operation
    elif any(c != 1 for c in p.coeff):
        extra["coeff"] = tuple(p.coeff)
    if node.outputs[0].blob == node.inputs[0].blob:
        extra["in_place"] = True
    return Module(call("Eltwise", **extra), (), ("Eltwise",))
