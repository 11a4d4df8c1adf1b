"""prototxt-compiler: Caffe network definitions to a graph IR, PyTorch and ONNX, and back.

The public API. Importing the package imports neither torch nor onnx: the functions that
need them import them when called.

- ``load(path, *, input_shapes=None, phase="TEST", weights=None, ...) -> Graph``: parse a
  prototxt (current or legacy) into the graph IR with Caffe's exact shapes (and, with
  ``weights``, a .caffemodel's blobs).
- ``init_weights(graph, seed=0)``: the parameter blobs from Caffe's fillers, as Caffe
  initialises a new net.
- ``layer_costs(graph)``: per-layer parameter and multiply-accumulate counts.
- ``check(graph, template="auto") -> Report``: the net against the ResNeXt/ResNet templates.
- ``load_torch(prototxt, weights=None, input_shapes=None, *, fold=False)``: an eval-mode
  ``torch.fx.GraphModule`` computing what Caffe computes; ``to_torch(graph)`` lowers a graph;
  ``layer_outputs(module, *inputs)`` gives every layer's output as ``{"LAYER:TOP": tensor}``.
- ``to_onnx(graph, path=None, opset=17)``: the graph as an ``onnx.ModelProto`` (no torch);
  ``compile_onnx(prototxt, output, weights)``: the ``compile`` command's whole job.
- ``from_onnx(model)``, ``from_torch(module, example_inputs)``: an ONNX or PyTorch model as a
  graph of BVLC layers; ``save_caffe(graph, prototxt, caffemodel)`` writes it for Caffe.
- ``generate(spec, output=None)``: a ResNeXt/ResNet spec as canonical prototxt;
  ``NetBuilder`` builds any net; ``to_prototxt(graph)`` writes a graph as prototxt.
"""
from __future__ import annotations

import os
from typing import Any

from .api import compile_onnx, generate, load, load_torch
from .backends import DEFAULT_OPSET
from .backends.prototxt import to_prototxt
from .checks import Report, check
from .errors import CompilerError
from .ir import Graph
from .ops.cost import LayerCost, layer_costs
from .spec import NetBuilder
from .to_caffe import from_onnx, from_torch, save_caffe
from .version import __version__

__all__ = ["CompilerError", "Graph", "LayerCost", "NetBuilder", "Report", "check",
           "compile_onnx", "from_onnx", "from_torch", "generate", "init_weights", "layer_costs",
           "layer_outputs", "load", "load_torch", "save_caffe", "to_onnx", "to_prototxt",
           "to_torch", "__version__"]


def init_weights(graph: Graph, *, seed: int = 0, budget: int | None = None) -> Graph:
    """Gives every layer that takes parameter blobs the blobs Caffe's fillers make for a new
    net (seeded: deterministic), with a note in ``graph.notes``; returns the graph. A net whose
    blobs need more than ``budget`` bytes (2 GiB when None) is refused before any
    allocation."""
    from .frontend.weights import init_weights as fill
    from .passes.infer_shapes import require_concrete_blobs

    require_concrete_blobs(graph)
    graph.notes += fill(graph, seed=seed, budget=budget)
    return graph


def to_torch(graph: Graph) -> Any:
    """The graph as an eval-mode ``torch.fx.GraphModule`` (see
    ``prototxt_compiler.backends.torch.to_torch``); imports torch."""
    from .backends.torch import to_torch as lower

    return lower(graph)


def to_onnx(graph: Graph, path: str | os.PathLike[str] | None = None,
            opset: int = DEFAULT_OPSET, *,
            static_batch: bool = False) -> Any:
    """The graph as an ``onnx.ModelProto`` of ``opset``, saved to ``path`` when given (see
    ``prototxt_compiler.backends.onnx.to_onnx``); imports onnx, not torch."""
    from .backends.onnx import to_onnx as lower

    return lower(graph, path, opset, static_batch=static_batch)


def layer_outputs(module: Any, *inputs: Any) -> Any:
    """Runs a module from ``to_torch``/``load_torch`` and returns every layer's output as
    ``{"LAYER:TOP": tensor}`` (see ``prototxt_compiler.backends.torch.layer_outputs``)."""
    from .backends.torch import layer_outputs as record

    return record(module, *inputs)
