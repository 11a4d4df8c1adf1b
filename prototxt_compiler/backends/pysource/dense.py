"""InnerProduct and Embed in the generated file.

InnerProduct: top = bottom flattened from ``axis`` @ weight.T + bias, weight (N, K). On a
2-D bottom with axis 1 that is ``nn.Linear(K, N)``; otherwise the written-out
``InnerProduct`` (an ``nn.Linear`` that flattens from its axis first, as Caffe does). Caffe
stores the weight (K, N) when ``transpose``; the state_dict holds it as (N, K).

Embed: each bottom value, truncated to an integer as Caffe's static_cast<int> does, indexes
the rows of weight (input_dim, num_output), plus bias: the written-out ``Embed``.
"""
from __future__ import annotations

import numpy as np

from ...ir import Node
from ...ops.dense import EmbedParams, InnerProductParams
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_inner_product", "convert_embed"]

HELPERS.define("InnerProduct", '''
class InnerProduct(nn.Linear):
    """Caffe's InnerProduct: the bottom's axes from ``axis`` on flattened into K, then
    x @ weight.T + bias; the axes before ``axis`` are kept."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 axis: int = 1) -> None:
        super().__init__(in_features, out_features, bias=bias)
        self.axis = axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x.flatten(self.axis), self.weight, self.bias)
''')

HELPERS.define("Embed", '''
class Embed(nn.Module):
    """Caffe's Embed: every bottom value, truncated to an integer, picks a row of
    ``weight`` (input_dim, num_output); plus ``bias`` (num_output,)."""

    def __init__(self, input_dim: int, num_output: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(input_dim, num_output))
        self.bias = nn.Parameter(torch.zeros(num_output)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        top = F.embedding(x.to(torch.int64), self.weight)
        return top if self.bias is None else top + self.bias
''')


@PYSOURCE.register("InnerProduct")
def convert_inner_product(node: Node) -> Module:
    p: InnerProductParams = node.params
    blobs = node.blobs or ()
    weight = np.ascontiguousarray(blobs[0].T if p.transpose else blobs[0], np.float32)
    n, k = weight.shape
    state = [("weight", weight)]
    if p.bias_term:
        state.append(("bias", np.asarray(blobs[1], np.float32)))
    extra: dict[str, object] = {} if p.bias_term else {"bias": False}
    if p.axis == 1 and len(node.input_shapes()[0]) == 2:
        return Module(call("nn.Linear", k, n, **extra), tuple(state))
    if p.axis != 1:
        extra["axis"] = p.axis
    return Module(call("InnerProduct", k, n, **extra), tuple(state), ("InnerProduct",))


@PYSOURCE.register("Embed")
def convert_embed(node: Node) -> Module:
    p: EmbedParams = node.params
    blobs = node.blobs or ()
    state = [("weight", np.asarray(blobs[0], np.float32))]
    if p.bias_term:
        state.append(("bias", np.asarray(blobs[1], np.float32)))
    extra = {} if p.bias_term else {"bias": False}
    return Module(call("Embed", p.input_dim, p.num_output, **extra), tuple(state), ("Embed",))
