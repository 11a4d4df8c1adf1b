"""Caffe semantics, one module per layer family; importing this package registers every op.

No torch, no onnx here: each layer type's params (with caffe.proto defaults), expected
parameter blobs, output-shape rule and MAC count, as real Caffe computes them.
"""
from . import activation, conv, dense, eltwise, inputs, norm, pooling, shape  # noqa: F401
from .base import OPS, OpDef, OpRegistry

__all__ = ["OPS", "OpDef", "OpRegistry"]
