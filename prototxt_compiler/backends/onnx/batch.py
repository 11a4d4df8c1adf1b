"""Which outputs of a graph follow its batch: ONNX declares the batch symbolic (``N``), so
an output's first dimension is ``N`` only where it really is the batch. A DetectionOutput's
``1 x 1 x K x 7`` or a PriorBox's ``1 x 2 x ...`` keep their 1 at any batch.

Found by running the shape rules (``ops``) once more with the inputs' batch a symbol: an
output whose dimension 0 is that symbol follows the batch, one whose dimension 0 is another
expression of it (a Reshape folding the batch into its rows) is unknown, one without it is
what the graph says. Where a rule cannot take a symbolic batch, every output whose
dimension 0 equals an input's batch is taken to follow it, as before.
"""
from __future__ import annotations

from typing import Any

from ...ir import Graph, SymDim, is_symbolic, symbols_of
from ...ops import OPS

__all__ = ["batch_dims"]

_BATCH = "__batch"


def batch_dims(graph: Graph) -> dict[int, str] | None:
    """Output value id -> "batch" (dimension 0 is the batch), "other" (an expression of
    it) or "fixed" (independent of it); None where the rules cannot tell."""
    batch = SymDim.symbol(_BATCH)
    shapes: dict[int, tuple[Any, ...]] = {}
    for value in graph.inputs:
        shape: tuple[Any, ...] = tuple(value.shape or ())
        if shape and not is_symbolic(shape[0]):
            shape = (batch,) + shape[1:]
        shapes[id(value)] = shape
    try:
        for node in graph.nodes:
            op = OPS[node.type]
            bottoms = [shapes[id(v)] for v in node.inputs]
            params = op.bind(node.unbound, bottoms) if op.bind else node.unbound
            for value, top in zip(node.outputs, op.infer(params, bottoms, len(node.outputs))):
                shapes[id(value)] = tuple(top)
    except Exception:  # a rule that needs the batch concrete: no answer, the old guess holds
        return None
    out: dict[int, str] = {}
    for value in graph.outputs:
        shape = shapes.get(id(value), ())
        first = shape[0] if shape else None
        if isinstance(first, SymDim) and first.name == _BATCH:
            out[id(value)] = "batch"
        elif first is not None and _BATCH in symbols_of(first):
            out[id(value)] = "other"
        else:
            out[id(value)] = "fixed"
    return out
