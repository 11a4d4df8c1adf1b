"""A small builder of ONNX test models with onnx.helper: named inputs, seeded constants,
nodes whose single output takes the node's name, at a chosen opset."""
from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def ir_version(opset: int) -> int:
    """The IR version of the first onnx release whose default opset reaches ``opset``."""
    for _, version, default_opset, *_ in helper.VERSION_TABLE:
        if default_opset >= opset:
            return int(version)
    return int(onnx.IR_VERSION)


class Builder:
    def __init__(self, name: str, opset: int) -> None:
        self.name = name
        self.opset = opset
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[str] = []
        self._count = 0

    def input(self, name: str, shape: Sequence[int | str]) -> str:
        self.inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
        return name

    def const(self, name: str, array: Any, dtype: Any = np.float32) -> str:
        self.inits.append(numpy_helper.from_array(np.asarray(array, dtype), name))
        return name

    def ints(self, name: str, values: Sequence[int]) -> str:
        return self.const(name, np.asarray(values, np.int64), np.int64)

    def normal(self, name: str, shape: Sequence[int], std: float = 1.0) -> str:
        return self.const(name, self.rng.normal(0.0, std, shape))

    def weight(self, name: str, shape: Sequence[int]) -> str:
        """He-scaled, as trained convolutions are."""
        fan_in = int(np.prod(shape[1:])) or 1
        return self.normal(name, shape, float(np.sqrt(2.0 / fan_in)))

    def uniform(self, name: str, shape: Sequence[int], low: float, high: float) -> str:
        return self.const(name, self.rng.uniform(low, high, shape))

    def node(self, op: str, inputs: Sequence[str], name: str | None = None, *,
             outputs: int | Sequence[str] = 1, **attrs: Any) -> Any:
        """Adds a node named ``name`` (``op`` + a count when None); a single output takes
        the node's name, several are NAME_0, NAME_1... Returns the output name(s)."""
        if name is None:
            self._count += 1
            name = f"{op.lower()}{self._count}"
        if isinstance(outputs, int):
            outs = [name] if outputs == 1 else [f"{name}_{i}" for i in range(outputs)]
        else:
            outs = list(outputs)
        self.nodes.append(helper.make_node(op, list(inputs), outs, name=name, **attrs))
        return outs[0] if len(outs) == 1 else outs

    def output(self, *names: str) -> None:
        self.outputs.extend(names)

    def model(self) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, self.name, self.inputs,
                                  [helper.make_empty_tensor_value_info(o) for o in self.outputs],
                                  self.inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="prototxt-compiler tests")
        model.ir_version = ir_version(self.opset)
        return model
