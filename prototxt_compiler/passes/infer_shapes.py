"""Shape inference: every value's shape from its producer's Caffe rule (``ops``).

Walks the nodes in order (they are topological), binds each node's params to its bottom
shapes (``OpDef.bind``), and sets its tops' shapes (``OpDef.infer``). Graph inputs must have
shapes. Returns whether any shape or param changed.
"""
from __future__ import annotations

from ..errors import GraphError, LayerError, OpError
from ..ir import Graph, Node, format_shape
from ..ops import OPS

__all__ = ["infer_shapes", "layer_error"]


def layer_error(node: Node, error: OpError) -> LayerError:
    return LayerError(error.message, layer=node.name, type=node.type, field=error.field,
                      location=node.location)


def infer_shapes(graph: Graph, *, errors: list[LayerError] | None = None) -> bool:
    """With ``errors`` given, a layer whose rule fails is recorded there instead of raised,
    its tops left without shapes, and the layers that read them skipped (for ``check``,
    which explains such failures as deviations from a template)."""
    for value in graph.inputs:
        if value.shape is None:
            raise GraphError(f"graph input '{value.name}' has no shape")
    changed = False
    for node in graph.nodes:
        op = OPS[node.type]
        bottoms = [v.shape for v in node.inputs]
        if errors is not None and any(b is None for b in bottoms):
            continue
        try:
            params = op.bind(node.params, bottoms) if op.bind else node.params
            tops = op.infer(params, bottoms, len(node.outputs))
        except OpError as error:
            if errors is None:
                raise layer_error(node, error) from error
            errors.append(layer_error(node, error))
            continue
        if len(tops) != len(node.outputs):
            raise LayerError(f"the shape rule gave {len(tops)} tops for {len(node.outputs)}",
                             layer=node.name, type=node.type, location=node.location)
        for value, shape in zip(node.outputs, tops):
            shape = tuple(int(d) for d in shape)
            if any(d < 0 for d in shape):
                raise LayerError(f"top '{value.blob}' would have shape {format_shape(shape)}",
                                 layer=node.name, type=node.type, location=node.location)
            changed |= value.shape != shape
            value.shape = shape
        changed |= params != node.params
        node.params = params
    return changed
