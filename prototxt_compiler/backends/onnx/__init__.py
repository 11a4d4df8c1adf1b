"""The ONNX backend: the graph IR emitted directly as an ``onnx.ModelProto`` (no torch).

Every module of the package is imported, so each family's converters register themselves.
"""
from __future__ import annotations

from ...ops.base import import_modules
from .lower import MIN_OPSET, max_opset, save, to_onnx
from .registry import ONNX, Emitter

import_modules(__name__, __path__)

__all__ = ["ONNX", "Emitter", "MIN_OPSET", "max_opset", "save", "to_onnx"]
