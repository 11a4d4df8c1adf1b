"""A small typed builder of Caffe nets, in the spirit of Caffe's net_spec: blobs are
``Value``s, layers are methods, names come from the caller (a naming scheme), and
BatchNorm, Scale and ReLU work in place as Caffe nets write them.

    b = NetBuilder("net")
    x = b.input("data", (1, 3, 224, 224))
    y = b.conv(x, 64, kernel=7, stride=2, pad=3, bias=False, name="conv0")
    y = b.bn_scale(y, bn="bn0", scale="scale_bn0")
    y = b.relu(y, name="relu0")
    graph = b.graph                  # shapes come from passes.infer_shapes

Unknown keyword arguments are a TypeError (Python's own), never silently dropped.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import UsageError
from ..ir import Graph, Value
from ..ops.activation import ReLUParams
from ..ops.conv import ConvolutionParams
from ..ops.dense import InnerProductParams
from ..ops.eltwise import EltwiseParams
from ..ops.fillers import Filler
from ..ops.norm import BatchNormParams, ScaleParams
from ..ops.pooling import PoolingParams
from ..ops.reduce import SoftmaxParams

__all__ = ["NetBuilder"]


def _f32(x: float) -> float:
    """Caffe's float fields hold float32 values: store what a parse would give."""
    return float(np.float32(x))


class NetBuilder:
    def __init__(self, name: str) -> None:
        self.graph = Graph(name)
        self._names: set[str] = set()

    def _add(self, name: str, kind: str, params: object, inputs: Sequence[Value],
             top: str) -> Value:
        if name in self._names:
            raise UsageError(f"layer name '{name}' is used twice")
        self._names.add(name)
        node = self.graph.add_node(name, kind, params, list(inputs), [top])
        return node.outputs[0]

    def input(self, name: str, shape: Sequence[int]) -> Value:
        return self.graph.add_input(name, tuple(int(d) for d in shape), layer=name)

    def conv(self, x: Value, num_output: int, *, kernel: int, stride: int = 1, pad: int = 0,
             group: int = 1, bias: bool = True, name: str,
             weight_filler: Filler = Filler(), bias_filler: Filler = Filler()) -> Value:
        params = ConvolutionParams(num_output=num_output, kernel=(kernel,), stride=(stride,),
                                   pad=(pad,), group=group, bias_term=bias,
                                   weight_filler=weight_filler, bias_filler=bias_filler)
        return self._add(name, "Convolution", params, [x], name)

    def batch_norm(self, x: Value, *, eps: float = 1e-5, name: str,
                   top: str | None = None) -> Value:
        """In place unless ``top`` names a new blob (needed where others read ``x``)."""
        params = BatchNormParams(use_global_stats=True, eps=_f32(eps),
                                 moving_average_fraction=_f32(0.999))
        return self._add(name, "BatchNorm", params, [x], top or x.blob)

    def scale(self, x: Value, *, bias: bool = True, name: str) -> Value:
        return self._add(name, "Scale", ScaleParams(bias_term=bias), [x], x.blob)

    def bn_scale(self, x: Value, *, bn: str, scale: str, eps: float = 1e-5,
                 top: str | None = None) -> Value:
        return self.scale(self.batch_norm(x, eps=eps, name=bn, top=top), name=scale)

    def relu(self, x: Value, *, name: str) -> Value:
        return self._add(name, "ReLU", ReLUParams(), [x], x.blob)

    def max_pool(self, x: Value, *, kernel: int, stride: int, pad: int = 0, name: str) -> Value:
        params = PoolingParams(pool="MAX", kernel=(kernel, kernel), stride=(stride, stride),
                               pad=(pad, pad))
        return self._add(name, "Pooling", params, [x], name)

    def global_avg_pool(self, x: Value, *, name: str) -> Value:
        return self._add(name, "Pooling", PoolingParams(pool="AVE", global_pooling=True),
                         [x], name)

    def add(self, a: Value, b: Value, *, name: str) -> Value:
        return self._add(name, "Eltwise", EltwiseParams(operation="SUM"), [a, b], name)

    def fc(self, x: Value, num_output: int, *, name: str, weight_filler: Filler = Filler(),
           bias_filler: Filler = Filler()) -> Value:
        params = InnerProductParams(num_output=num_output, weight_filler=weight_filler,
                                    bias_filler=bias_filler)
        return self._add(name, "InnerProduct", params, [x], name)

    def softmax(self, x: Value, *, name: str) -> Value:
        return self._add(name, "Softmax", SoftmaxParams(), [x], name)

    def finish(self, *outputs: Value) -> Graph:
        """The graph with its outputs (Caffe's rule: unread blobs, sorted by name)."""
        self.graph.outputs = sorted(outputs, key=lambda v: v.blob)
        return self.graph
