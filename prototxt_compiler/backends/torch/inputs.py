"""Parameter as a torch module (Input and the data layers are graph inputs, not modules).

Caffe's Parameter layer has no bottom; its top shares the data of its one blob, shaped as
``parameter_param.shape`` says. Here the blob is the module's parameter ``weight`` and the
top is a clone of it: the same numbers, trainable through the clone, and under
``torch.no_grad`` a tensor that asks for no gradient, as every other layer's output (a view
of a parameter would still ask for one).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...errors import OpError
from ...ir import Node
from ...ops.inputs import ParameterParams
from .registry import TORCH

__all__ = ["CaffeParameter", "convert_parameter"]


class CaffeParameter(nn.Module):
    """Returns its blob ``weight`` (a clone: same values, gradients flow back)."""

    def __init__(self, blob: np.ndarray) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.from_numpy(np.array(blob, dtype=np.float32)))

    def forward(self) -> torch.Tensor:
        return self.weight.clone()

    def extra_repr(self) -> str:
        return f"shape={list(self.weight.shape)}"


@TORCH.register("Parameter")
def convert_parameter(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ParameterParams = node.params
    if len(blobs) != 1 or tuple(blobs[0].shape) != tuple(p.shape):
        got = [list(b.shape) for b in blobs]
        raise OpError(f"expected one blob of shape {list(p.shape)}, got {got}",
                      field="parameter_param.shape")
    return CaffeParameter(blobs[0])
