"""The PyTorch backend: the graph IR as an eval-mode ``torch.fx.GraphModule``.

Importing this package imports torch; the rest of prototxt_compiler works without it.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence

from torch import fx

from ...frontend.load import load
from ...frontend.weights import attach_weights, init_weights, read_caffemodel
from ...passes.fold_batchnorm import fold_batchnorm
from ...passes.remove_identity import remove_identity_layers
from . import (activation, concat, conv, dense, eltwise, inputs, norm,  # noqa: F401
               pooling, reduce, shape)
from .lower import layer_outputs, to_torch
from .registry import TORCH

__all__ = ["TORCH", "layer_outputs", "load_torch", "to_torch"]


def load_torch(prototxt: str | os.PathLike[str], weights: str | os.PathLike[str] | None = None,
               input_shapes: Mapping[str, Sequence[int]] | None = None, *,
               phase: str = "TEST", seed: int = 0, fold: bool = False) -> fx.GraphModule:
    """Parses ``prototxt``, loads ``weights`` (a .caffemodel) and returns the eval-mode module.

    Without weights the parameters are initialised by the layers' fillers as Caffe would
    (deterministic for a given ``seed``), and a warning says they are not trained. With
    ``fold``, BatchNorm/Scale pairs are folded into the convolutions before them and Dropout
    and Split removed (``passes``): the same results, fewer layers, faster; the module is
    then no longer one-to-one with the Caffe layers."""
    graph = load(prototxt, input_shapes=input_shapes, phase=phase)
    if weights is not None:
        graph.notes += attach_weights(graph, read_caffemodel(weights), where=str(weights))
    else:
        notes = init_weights(graph, seed=seed)
        graph.notes += notes
        for note in notes:
            warnings.warn(note, stacklevel=2)
    if fold:
        fold_batchnorm(graph)
        remove_identity_layers(graph)
    return to_torch(graph)
