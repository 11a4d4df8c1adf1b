"""Shape inference: every value's shape from its producer's Caffe rule (``ops``).

Walks the nodes in order (they are topological), binds each node's params to its bottom
shapes (``OpDef.bind``), and sets its tops' shapes (``OpDef.infer``). Graph inputs must have
shapes. Returns whether any shape or param changed.

A fragment's inputs may have symbolic dimensions (``ir.symbolic``). A rule that learns a
symbol's value raises ``SymbolBinding`` (an Eltwise summing the input with a blob of known
channels); so does a layer whose expected parameter blobs, where ``weights`` are given,
fix a symbol (a convolution's weight gives its input channels). The binding is substituted
in the inputs, the params are restored, and inference starts again: at most once per
symbol. A rule that needs a concrete size where there is a symbol fails with an error naming
the layer and the input to size.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import GraphError, LayerError, OpError
from ..ir import (
    Graph,
    Node,
    SymbolBinding,
    SymbolicShapeError,
    blob_too_big,
    format_shape,
    symbols_of,
)
from ..ir.symbolic import substitute, unify
from ..ops import OPS
from ..ops.base import symbolic_error

__all__ = ["infer_shapes", "layer_error", "require_concrete_blobs"]


def layer_error(node: Node, error: OpError) -> LayerError:
    return LayerError(error.message, layer=node.name, type=node.type, field=error.field,
                      location=node.location)


def infer_shapes(graph: Graph, *, errors: list[LayerError] | None = None,
                 weights: Mapping[str, Sequence[np.ndarray]] | None = None) -> bool:
    """With ``errors`` given, a layer whose rule fails is recorded there instead of raised,
    its tops left without shapes, and the layers that read them skipped (for ``check``,
    which explains such failures as deviations from a template). ``weights`` (layer name ->
    blobs) may fix the symbolic sizes of a fragment's inputs."""
    for value in graph.inputs:
        if value.shape is None:
            raise GraphError(f"graph input '{value.name}' has no shape")
        too_big = blob_too_big(value.shape)
        if too_big:
            raise GraphError(f"input '{value.blob}' {too_big}")
    originals = [(node, node.params) for node in graph.nodes]
    symbols = set().union(*(symbols_of(v.shape) for v in graph.inputs))
    for _ in range(len(symbols) + 1):
        found: list[LayerError] = []
        try:
            changed = _infer(graph, found if errors is not None else None, weights)
        except SymbolBinding as binding:
            data = sorted(n for n in binding.values if n not in symbols)
            if data:  # a size only the data decide (a Filter's count) cannot be fixed here
                raise GraphError(f"{binding.reason}, but {', '.join(data)} is decided by the "
                                 "data, known only when the net runs") from None
            for node, params in originals:
                node.params = params
            for name in binding.values:
                owners = [v.blob for v in graph.inputs if name in symbols_of(v.shape)]
                graph.notes.append(f"fragment input {', '.join(map(repr, owners))}: "
                                   f"{binding.reason}")
            for value in graph.inputs:
                value.shape = substitute(value.shape, binding.values)
            continue
        if errors is not None:
            errors.extend(found)
        return changed
    raise GraphError("the symbolic sizes of the fragment's inputs do not settle")


def _infer(graph: Graph, errors: list[LayerError] | None,
           weights: Mapping[str, Sequence[np.ndarray]] | None) -> bool:
    changed = False
    for node in graph.nodes:
        op = OPS[node.type]
        if errors is not None and any(v.shape is None for v in node.inputs):
            continue  # a layer before failed (check's mode): its tops have no shapes
        bottoms = node.input_shapes()
        try:
            params = op.bind(node.params, bottoms) if op.bind else node.params
            tops = op.infer(params, bottoms, len(node.outputs))
            if weights is not None and node.name in weights and any(map(symbols_of, bottoms)):
                _unify_blobs(node, op.blobs(params, bottoms), weights[node.name])
        except _Learned:
            raise
        except OpError as error:
            if errors is None:
                raise layer_error(node, error) from error
            errors.append(layer_error(node, error))
            continue
        except SymbolicShapeError as error:
            raise symbolic_error(graph, node, error) from error
        except SymbolBinding as binding:
            raise _Learned(binding.values, f"{_describe(binding.values)} from layer "
                           f"'{node.name}' ({node.type}): {binding.reason}") from None
        if len(tops) != len(node.outputs):
            raise LayerError(f"the shape rule gave {len(tops)} tops for {len(node.outputs)}",
                             layer=node.name, type=node.type, location=node.location)
        for value, shape in zip(node.outputs, tops):
            shape = tuple(d if symbols_of(d) else int(d) for d in shape)
            if any(isinstance(d, int) and d < 0 for d in shape):
                raise LayerError(f"top '{value.blob}' would have shape {format_shape(shape)}",
                                 layer=node.name, type=node.type, location=node.location)
            too_big = blob_too_big(shape)
            if too_big:
                raise LayerError(f"top '{value.blob}' {too_big}", layer=node.name,
                                 type=node.type, location=node.location)
            changed |= value.shape != shape
            value.shape = shape
        changed |= params != node.params
        node.params = params
    return changed


def _unify_blobs(node: Node, expected: Sequence[Any], found: Sequence[np.ndarray]) -> None:
    """Symbols of the expected parameter-blob shapes that the weights' shapes fix."""
    for i, (want, array) in enumerate(zip(expected, found)):
        have = tuple(int(d) for d in array.shape)
        want = tuple(want)
        while len(have) > len(want) and have[0] == 1:  # the legacy 4-D form (1, 1, N, K)
            have = have[1:]
        if len(want) != len(have) or not symbols_of(want):
            continue
        for w, h in zip(want, have):
            values = unify(w, h)
            if values:
                raise _Learned(values, f"{_describe(values)} from the weights of layer "
                                    f"'{node.name}' ({node.type}), blob {i} "
                                    f"{list(have)}")


class _Learned(SymbolBinding):
    """A binding with its layer named, on its way out of the walk."""


def _describe(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} = {value}" for name, value in values.items())


def require_concrete_blobs(graph: Graph) -> None:
    """Every layer's parameter blobs need concrete shapes (to be filled, or fitted to
    weights): the first that depends on a symbolic size is an error naming it."""
    for node in graph.nodes:
        shapes = OPS[node.type].blobs(node.params, node.input_shapes())
        dims = [d for s in shapes for d in s if symbols_of(d)]
        if dims:
            shown = ", ".join(format_shape(tuple(s)) for s in shapes)
            raise symbolic_error(graph, node, SymbolicShapeError(
                f"its parameter blobs would be {shown}", dims), "its parameter blobs")
