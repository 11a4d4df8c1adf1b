"""prototxt-compiler: Caffe network definitions to a graph IR, PyTorch and ONNX, and back.

The public API (torch is imported only by the three torch functions):

- ``load(path, input_shapes=None, phase="TEST", allow_unknown_fields=False) -> Graph``:
  parse a prototxt (current or legacy) into the graph IR with Caffe's exact shapes.
- ``layer_costs(graph)``: per-layer parameter and multiply-accumulate counts.
- ``check(graph, template="auto") -> Report``: the net against the ResNeXt/ResNet templates.
- ``load_torch(prototxt, weights=None, input_shapes=None, *, fold=False)``: an eval-mode
  ``torch.fx.GraphModule`` computing what Caffe computes; ``to_torch(graph)`` lowers a graph;
  ``layer_outputs(module, *inputs)`` gives every layer's output as ``{"LAYER:TOP": tensor}``.
- ``to_onnx(graph, path=None, opset=17)``: the graph as an ``onnx.ModelProto`` (no torch).
"""
from __future__ import annotations

from typing import Any

from .api import load
from .checks import Report, check
from .errors import CompilerError
from .ir import Graph
from .ops.cost import LayerCost, layer_costs

__version__ = "0.1.0"
__all__ = ["CompilerError", "Graph", "Report", "check", "LayerCost", "layer_costs", "layer_outputs", "load",
           "load_torch", "to_onnx", "to_torch", "__version__"]


def load_torch(*args: Any, **kwargs: Any) -> Any:
    """See ``prototxt_compiler.api.load_torch``."""
    from .api import load_torch as impl

    return impl(*args, **kwargs)


def to_torch(graph: Graph) -> Any:
    """See ``prototxt_compiler.backends.torch.to_torch``."""
    from .backends.torch import to_torch as impl

    return impl(graph)


def to_onnx(graph: Graph, path: Any = None, opset: int = 17, *,
            static_batch: bool = False) -> Any:
    """See ``prototxt_compiler.backends.onnx.to_onnx``."""
    from .backends.onnx import to_onnx as impl

    return impl(graph, path, opset, static_batch=static_batch)


def layer_outputs(module: Any, *inputs: Any) -> Any:
    """See ``prototxt_compiler.backends.torch.layer_outputs``."""
    from .backends.torch import layer_outputs as impl

    return impl(module, *inputs)
