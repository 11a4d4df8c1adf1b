"""Which dimensions of a graph's outputs follow its batch: ONNX declares the batch symbolic
(``N``), so an output's dimension is ``N`` only where it really is the batch, wherever it
stands. A DetectionOutput's ``1 x 1 x K x 7`` or a PriorBox's ``1 x 2 x ...`` keep their 1
at any batch; a Reshape that puts an axis of 1 in front gives ``1 x N x ...``.

Found by running the shape rules (``ops``) once more with the inputs' batch a symbol: a
dimension that is that symbol follows the batch, one that is another expression of it (a
Reshape folding the batch into its rows) is unknown, one without it is what the graph says.
Where a rule cannot take a symbolic batch, every output whose dimension 0 equals an input's
batch is taken to follow it there, as before.
"""
from __future__ import annotations

from typing import Any

from ...ir import Graph, SymDim, is_symbolic, symbols_of
from ...ops import OPS

__all__ = ["batch_dims"]

_BATCH = "__batch"


def batch_dims(graph: Graph) -> dict[int, tuple[str, ...]] | None:
    """Output value id -> for each of its dimensions "batch" (it is the batch), "other" (an
    expression of it) or "fixed" (independent of it); None where the rules cannot tell."""
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
    out: dict[int, tuple[str, ...]] = {}
    for value in graph.outputs:
        out[id(value)] = tuple(
            "batch" if isinstance(dim, SymDim) and dim.name == _BATCH else
            "other" if _BATCH in symbols_of(dim) else "fixed"
            for dim in shapes.get(id(value), ()))
    return out
