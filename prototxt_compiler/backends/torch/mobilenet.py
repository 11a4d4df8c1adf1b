"""The MobileNet ports' layers as torch modules: the depthwise convolutions and ReLU6.

Both depthwise types are convolutions with bound ``ConvolutionParams`` (``ops.mobilenet``:
ConvolutionDepthwise bound to num_output = group = C), so they lower as Convolution does
(``backends.torch.conv``: a grouped ``nn.Conv2d`` with Caffe's blobs as its weights).
ReLU6 is ``min(max(x, 0), 6)`` as ``torch.clamp`` computes it (a NaN stays NaN, as in the
forks' ``std::min(std::max(x, 0), 6)``).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from ...ir import Node
from ...ops.mobilenet import RELU6_MAX
from .conv import convert_convolution
from .registry import TORCH

__all__ = ["CaffeReLU6", "convert_depthwise_convolution", "convert_relu6"]


@TORCH.register("ConvolutionDepthwise", "DepthwiseConvolution")
def convert_depthwise_convolution(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return convert_convolution(node, blobs)


class CaffeReLU6(nn.Module):
    """y = min(max(x, 0), 6)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, 0.0, RELU6_MAX)


@TORCH.register("ReLU6")
def convert_relu6(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    return CaffeReLU6()
