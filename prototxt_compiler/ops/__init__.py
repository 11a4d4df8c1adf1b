"""Caffe semantics, one module per layer family; importing this package registers every op.

No torch, no onnx here: each layer type's params (with caffe.proto defaults), expected
parameter blobs, output-shape rule and MAC count, as real Caffe computes them.
"""
from . import (activation, concat, conv, dense, eltwise, inputs, norm, pooling,  # noqa: F401
               reduce, shape)
from .base import OPS, OpDef, OpRegistry

__all__ = ["OPS", "OpDef", "OpRegistry"]
