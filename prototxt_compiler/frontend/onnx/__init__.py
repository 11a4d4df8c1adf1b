"""The ONNX frontend: an ONNX model into the graph IR, as BVLC Caffe layers that compute
exactly what the model computes (see ``convert`` for the flow and each family module for
its ops' Caffe forms). Importing this package registers every importer; onnx itself is
imported only when a model is read."""
from __future__ import annotations

from . import (  # noqa: F401
           activation,
           concat,
           conv,
           dense,
           eltwise,
           erf,
           norm,
           pad,
           pooling,
           reduce,
           resize,
           shape,
           transpose,
)
from .convert import UnsupportedNodesError, import_onnx
from .model import MIN_OPSET, OnnxModel, read_onnx
from .registry import IMPORTERS

__all__ = ["import_onnx", "read_onnx", "OnnxModel", "IMPORTERS", "UnsupportedNodesError",
           "MIN_OPSET"]
