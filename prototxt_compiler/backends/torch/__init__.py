"""The PyTorch backend: the graph IR as an eval-mode ``torch.fx.GraphModule``.

Importing this package imports torch; the rest of prototxt_compiler works without it. Every
module of the package is imported, so each family's converters register themselves.
"""
from __future__ import annotations

from ...ops.base import import_modules
from .lower import layer_outputs, to_torch
from .registry import TORCH

import_modules(__name__, __path__)

__all__ = ["TORCH", "layer_outputs", "to_torch"]
