"""The PyTorch backend: the graph IR as an eval-mode ``torch.fx.GraphModule``.

Importing this package imports torch; the rest of prototxt_compiler works without it.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence

from torch import fx

from ...frontend.load import load
from ...frontend.weights import attach_weights, read_caffemodel
from . import (activation, concat, conv, dense, eltwise, inputs, norm,  # noqa: F401
               pooling, reduce, shape)
from .lower import layer_outputs, to_torch
from .registry import TORCH

__all__ = ["TORCH", "layer_outputs", "load_torch", "to_torch"]


def load_torch(prototxt: str | os.PathLike[str], weights: str | os.PathLike[str] | None = None,
               input_shapes: Mapping[str, Sequence[int]] | None = None, *,
               phase: str = "TEST") -> fx.GraphModule:
    """Parses ``prototxt``, loads ``weights`` (a .caffemodel) and returns the eval-mode module."""
    graph = load(prototxt, input_shapes=input_shapes, phase=phase)
    if weights is not None:
        graph.notes += attach_weights(graph, read_caffemodel(weights))
    else:
        warnings.warn("no weights given: parameters are not initialised yet", stacklevel=2)
    return to_torch(graph)
