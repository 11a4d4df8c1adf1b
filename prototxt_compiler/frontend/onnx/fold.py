"""Constant folding: a node whose inputs are all constants is evaluated, not converted.

Exporters compute shapes at run time (``Shape -> Gather -> Unsqueeze -> Concat -> Reshape``
for a flatten, ``Constant`` nodes for every attribute-like input). Every Caffe value has a
shape known at conversion time, so ``Shape`` and ``Size`` of one are constants, and a node
reading only constants is evaluated with onnx's reference implementation (``onnx.reference``,
numpy), in the model's opset. Nodes are visited in graph order, so a whole constant chain is
folded before the node that consumes it. Random generators are never folded.

No constant is made larger than ``MAX_MADE_VALUES`` (the ops that grow their input, such
as ConstantOfShape, Expand, Tile and Range, are sized before they run): a hostile model
cannot make the converter allocate without bound.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Shape
from .model import OnnxNode
from .registry import Refused

__all__ = ["foldable", "fold", "shape_of", "MAX_MADE_VALUES", "check_size"]

#: The most values of any array the converter makes (a folded constant, an expanded
#: broadcast, a divisor map): 2**28 float32 values, 1 GiB, more than any real net needs.
MAX_MADE_VALUES = 1 << 28


def check_size(count: int, what: str) -> None:
    if count > MAX_MADE_VALUES:
        raise Refused(f"it would make {what} of {count:,} values (more than "
                      f"{MAX_MADE_VALUES:,})")


def _output_count(node: OnnxNode, inputs: Sequence[np.ndarray | None]) -> int | None:
    """The number of values the growing ops would make, before they run."""
    values = [np.asarray(a) if a is not None else None for a in inputs]
    try:
        if node.op_type == "ConstantOfShape":
            return int(np.prod(values[0].astype(np.int64)))  # type: ignore[union-attr]
        if node.op_type == "Expand":
            shape = np.broadcast_shapes(values[0].shape,  # type: ignore[union-attr]
                                        tuple(int(d) for d in values[1]))  # type: ignore[union-attr]
            return int(np.prod(shape))
        if node.op_type == "Tile":
            return int(values[0].size * np.prod(values[1].astype(np.int64)))  # type: ignore[union-attr]
        if node.op_type == "Range":
            start, limit, delta = (float(v) for v in values)  # type: ignore[arg-type]
            return max(0, int(np.ceil((limit - start) / delta))) if delta else None
    except (ValueError, TypeError, OverflowError):
        return None
    return None

NEVER = frozenset({"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                   "Multinomial", "Bernoulli", "If", "Loop", "Scan"})


def foldable(node: OnnxNode, constants: dict[str, np.ndarray]) -> bool:
    if node.op_type in NEVER or node.domain not in ("", "ai.onnx"):
        return False
    return all(not name or name in constants for name in node.inputs)


def fold(node: OnnxNode, inputs: Sequence[np.ndarray | None], opset: int) -> list[np.ndarray]:
    """The node's outputs, evaluated on constant ``inputs`` (None for an omitted one)."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator

    count = _output_count(node, inputs)
    if count is not None:
        check_size(count, "a constant")

    names = [f"in{i}" if array is not None else "" for i, array in enumerate(inputs)]
    proto = helper.make_node(node.op_type, names, [f"out{i}" for i in range(len(node.outputs))],
                             domain=node.domain)
    if node.proto is not None:
        proto.attribute.extend(node.proto.attribute)
    else:
        for key, value in node.attrs.items():
            proto.attribute.append(helper.make_attribute(key, value))
    feeds = {name: array for name, array in zip(names, inputs) if name}
    value_infos = [helper.make_tensor_value_info(
        name, helper.np_dtype_to_tensor_dtype(np.asarray(feeds[name]).dtype), None)
        for name in names if name]
    graph = helper.make_graph([proto], "fold", value_infos,
                              [helper.make_empty_tensor_value_info(o) for o in proto.output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    try:
        results = ReferenceEvaluator(model).run(None, {k: np.asarray(v) for k, v in feeds.items()})
    except Exception as error:  # the reference implementation's own errors
        raise Refused(f"its inputs are constants, but evaluating it failed: {error}") from error
    return [np.asarray(r) for r in results]


def shape_of(node: OnnxNode, shape: Shape) -> np.ndarray:
    """``Shape`` (with opset 15's ``start``/``end``) or ``Size`` of a value of ``shape``."""
    if node.op_type == "Size":
        return np.asarray(int(np.prod(shape, dtype=np.int64)), dtype=np.int64)
    rank = len(shape)
    start = int(node.attr("start", 0))
    end = node.attr("end")
    start = max(0, min(rank, start + rank if start < 0 else start))
    stop = rank if end is None else max(0, min(rank, int(end) + rank if int(end) < 0 else int(end)))
    return np.asarray(shape[start:stop], dtype=np.int64)
