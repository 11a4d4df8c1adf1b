"""prototxt-compiler: Caffe network definitions to a graph IR, PyTorch and ONNX, and back.

The public API:

- ``load(path, input_shapes=None, phase="TEST", allow_unknown_fields=False) -> Graph``:
  parse a prototxt (current or legacy) into the graph IR with Caffe's exact shapes.
- ``layer_costs(graph)``: per-layer parameter and multiply-accumulate counts.
"""
from .errors import CompilerError
from .frontend.load import load
from .ir import Graph
from .ops.cost import LayerCost, layer_costs

__version__ = "0.1.0"
__all__ = ["CompilerError", "Graph", "LayerCost", "layer_costs", "load", "__version__"]
