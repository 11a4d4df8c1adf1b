"""Caffe semantics, one module per layer family; importing this package registers every op.

No torch, no onnx here: each layer type's params (with caffe.proto's defaults), how they are
read and written back, its expected parameter blobs, output-shape rule and MAC count, as real
Caffe computes them. Every module of the package is imported (a new family is a new module,
listed nowhere else).
"""
from .base import OPS, OpDef, OpRegistry, import_modules

FAMILIES = import_modules(__name__, __path__)

__all__ = ["OPS", "OpDef", "OpRegistry", "FAMILIES"]
