"""The PyTorch backend: the graph IR as an eval-mode ``torch.fx.GraphModule``.

Importing this package imports torch; the rest of prototxt_compiler works without it.
"""
from __future__ import annotations

from . import (activation, concat, conv, dense, eltwise, inputs, norm,  # noqa: F401
               pooling, reduce, shape)
from .lower import layer_outputs, to_torch
from .registry import TORCH

__all__ = ["TORCH", "layer_outputs", "to_torch"]
