"""What each layer of a shaped graph costs: learned parameters (from its expected blob shapes;
BatchNorm's statistics are not parameters) and multiply-accumulates of one forward pass (from
its op's ``macs`` rule). In a fragment whose inputs keep symbolic sizes, a count may be a
``SymDim`` (``73,728*N*H*W`` multiply-accumulates)."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any

from ..ir import Graph, Shape, is_symbolic
from .base import OPS

__all__ = ["LayerCost", "layer_costs"]


@dataclass(frozen=True)
class LayerCost:
    name: str
    type: str
    bottoms: tuple[str, ...]
    tops: tuple[str, ...]
    shapes: tuple[Shape, ...]
    params: Any  # an int, or a SymDim where it depends on a symbolic size
    macs: Any


def layer_costs(graph: Graph) -> list[LayerCost]:
    """One entry per node, in graph order; the graph must have its shapes inferred."""
    costs = []
    for node in graph.nodes:
        op = OPS[node.type]
        bottoms = [v.shape or () for v in node.inputs]
        tops = [v.shape or () for v in node.outputs]
        params = sum(prod(s) for i, s in enumerate(op.blobs(node.params, bottoms))
                     if op.is_learned(i))
        macs = op.macs(node.params, bottoms, tops)
        costs.append(LayerCost(node.name, node.type, tuple(v.blob for v in node.inputs),
                               tuple(v.blob for v in node.outputs), tuple(tops), params,
                               macs if is_symbolic(macs) else int(macs)))
    return costs
