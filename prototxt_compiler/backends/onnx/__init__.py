"""The ONNX backend: the graph IR emitted directly as an ``onnx.ModelProto`` (no torch)."""
from __future__ import annotations

from . import (activation, concat, conv, dense, eltwise, inputs, norm,  # noqa: F401
               pooling, reduce, shape)
from .lower import MIN_OPSET, max_opset, save, to_onnx
from .registry import ONNX, Emitter

__all__ = ["ONNX", "Emitter", "MIN_OPSET", "max_opset", "save", "to_onnx"]
