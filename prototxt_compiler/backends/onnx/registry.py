"""The ONNX backend's converter registry and the emitter converters write through.

A converter appends the ONNX nodes that compute one Caffe layer:

    @ONNX.register("Convolution")
    def convert_convolution(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
        emit.op("Conv", [emit.input(0), emit.weight("weight", blobs[0])], [emit.output(0)],
                kernel_shape=[3, 3], ...)

``node.params`` are bound and every value has its Caffe shape; dimension 0 (the batch) is
symbolic at run time unless the export is static, so never bake it into a Reshape or an
Expand: use 0 (copy) or -1 there. Where an op cannot be expressed in ``emit.opset``, raise
``OpError`` naming the opset that would work.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from onnx import helper

from ...ir import Node, Shape
from ...ir.deferred import RowScaled
from ..registry import ConverterRegistry
from .tensors import Tensor

__all__ = ["ONNX", "Emitter", "streams_folded_weight", "takes_deferred"]

ONNX = ConverterRegistry("onnx")

F = TypeVar("F", bound=Callable[..., Any])


def streams_folded_weight(converter: F) -> F:
    """Marks a converter that hands its first blob to ``Emitter.weight`` untouched but for a
    ``reshape`` keeping axis 0: its layers' folded weights may stay ``ir.deferred.RowScaled``
    until written (``takes_deferred``). Any other converter gets arrays."""
    converter.streams_folded_weight = True  # type: ignore[attr-defined]
    return converter


def takes_deferred(node: Node) -> bool:
    """Whether ``node``'s converter takes a deferred folded weight (``fold_batchnorm``'s
    ``deferred``, as ``compile_onnx`` folds for a file)."""
    return node.type in ONNX and getattr(ONNX[node.type], "streams_folded_weight", False)


class Emitter:
    """What one converter sees: its node's value names, and ways to add nodes and tensors."""

    def __init__(self, node: Node, inputs: Sequence[str], outputs: Sequence[str], opset: int,
                 nodes: list[Any], initializers: list[Tensor], taken: set[str]) -> None:
        self.node = node
        self.opset = opset
        self._inputs = list(inputs)
        self._outputs = list(outputs)
        self._nodes = nodes
        self._initializers = initializers
        self._taken = taken
        self._count = 0

    def input(self, i: int) -> str:
        return self._inputs[i]

    def output(self, i: int) -> str:
        return self._outputs[i]

    def input_shape(self, i: int) -> Shape:
        return self.node.inputs[i].shape  # type: ignore[return-value]

    def output_shape(self, i: int) -> Shape:
        return self.node.outputs[i].shape  # type: ignore[return-value]

    def unique(self, name: str) -> str:
        candidate, i = name, 1
        while candidate in self._taken:
            candidate, i = f"{name}_{i}", i + 1
        self._taken.add(candidate)
        return candidate

    def temp(self, hint: str) -> str:
        """A fresh name for an intermediate value inside this layer: ``LAYER/hint``."""
        return self.unique(f"{self.node.name}/{hint}")

    def weight(self, suffix: str, array: np.ndarray, dtype: Any = np.float32) -> str:
        """An initializer named ``LAYER.suffix`` (``conv1.weight``). The array is kept as
        given (a view of the weights, not a copy; a folded ``ir.deferred.RowScaled``, not
        computed) until the model is built or written."""
        name = self.unique(f"{self.node.name}.{suffix}")
        if isinstance(array, RowScaled) and np.dtype(dtype) == array.dtype:
            self._initializers.append(Tensor(name, array))  # computed as it is written
        else:
            self._initializers.append(Tensor(name, np.asarray(array, dtype)))
        return name

    def const(self, hint: str, values: Any, dtype: Any = np.int64) -> str:
        """A small constant (shapes, axes, scalars) as an initializer ``LAYER/hint``."""
        name = self.temp(hint)
        self._initializers.append(Tensor(name, np.asarray(values, dtype)))
        return name

    def op(self, op_type: str, inputs: Sequence[str], outputs: Sequence[str] | None = None,
           **attrs: Any) -> list[str]:
        """Appends a node; without ``outputs`` it gets one fresh intermediate output. The
        layer's first node is named as the Caffe layer, the next ``LAYER/op_type``."""
        outs = list(outputs) if outputs is not None else [self.temp(op_type.lower())]
        name = self.node.name if self._count == 0 else self.temp(op_type)
        if self._count == 0:
            self._taken.add(name)
        self._count += 1
        self._nodes.append(helper.make_node(op_type, list(inputs), outs, name=name, **attrs))
        return outs

