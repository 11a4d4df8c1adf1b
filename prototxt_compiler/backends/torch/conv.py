"""Convolution and Deconvolution as torch modules.

Caffe's blobs map one to one: Convolution's weight [num_output, C/group, *kernel] is
torch's ConvNd weight; Deconvolution's [C, num_output/group, *kernel] is
ConvTransposeNd's. Output sizes agree with Caffe's rules (``ops.conv``) with the same
stride/pad/dilation, so no cropping is needed. 1-D to 3-D spatial convolutions use torch's
modules; ``axis`` other than 1 (channels not right after the batch axes) moves the axes. A
bottom with no spatial axes (N x C: Caffe's kernel spans none, each group an InnerProduct)
is a kernel-1 Conv1d over one added axis, its weight Caffe's with that axis appended.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ...errors import OpError
from ...ir import Node
from ...ops.conv import ConvolutionParams, overhang
from .registry import TORCH

__all__ = ["CaffeConvolution", "convert_convolution"]

_CONV = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
_DECONV = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}


class CaffeConvolution(nn.Module):
    """A torch convolution; for ``axis`` > 1 the leading axes are folded into the batch."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, conv: nn.Module, axis: int) -> None:
        super().__init__()
        self.conv = conv
        self.axis = axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.axis == 1:
            return self.conv(x)
        lead = x.shape[:self.axis]
        y = self.conv(x.reshape((-1,) + tuple(x.shape[self.axis:])))
        return y.reshape(tuple(lead) + tuple(y.shape[1:]))


@TORCH.register("Convolution", "Deconvolution")
def convert_convolution(node: Node, blobs: Sequence[np.ndarray]) -> nn.Module:
    p: ConvolutionParams = node.params
    spatial = len(p.kernel)
    if spatial not in _CONV and spatial != 0:
        raise OpError(f"{spatial} spatial axes: torch convolves 0 to 3")
    channels = node.input_shapes()[0][p.axis]
    kinds = _DECONV if node.type == "Deconvolution" else _CONV
    torch_conv: Any = kinds[max(spatial, 1)]  # the ConvNd types take a tuple per axis
    if spatial == 0:
        conv = torch_conv(channels, p.num_output, 1, groups=p.group, bias=p.bias_term)
    else:
        conv = torch_conv(channels, p.num_output, p.kernel, stride=p.stride, padding=p.pad,
                          dilation=p.dilation, groups=p.group, bias=p.bias_term)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(blobs[0]).reshape(conv.weight.shape))
        if p.bias_term:
            conv.bias.copy_(torch.tensor(blobs[1]))
    extra = overhang(p, node.input_shapes()[0]) if node.type == "Convolution" else ()
    module: nn.Module = conv
    if any(extra):  # an input shorter than the kernel: zeros past the padding, as Caffe
        module = _EndPadded(module, extra)
    if spatial == 0:
        module = _NoSpatialAxes(module)
    if p.axis == 1 and len(node.inputs) == 1:
        return module
    module = CaffeConvolution(module, p.axis)
    return module if len(node.inputs) == 1 else _Shared(module, len(node.inputs))


class _EndPadded(nn.Module):
    """A convolution of an input zero-padded at the end of each spatial axis by ``extra``
    first (``ops.conv.overhang``)."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, conv: nn.Module, extra: tuple[int, ...]) -> None:
        super().__init__()
        self.conv = conv
        self.pad = tuple(v for more in reversed(extra) for v in (0, more))  # F.pad: last first

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.pad(x, self.pad))


class _NoSpatialAxes(nn.Module):
    """A kernel-1 Conv1d of an N x C bottom over one added, then removed, axis."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, conv: nn.Module) -> None:
        super().__init__()
        self.conv = conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.unsqueeze(-1)).squeeze(-1)


class _Shared(nn.Module):
    """Caffe's several bottoms through one set of weights, one top each."""

    fresh_output = True  # returns new storage (see lower.writable)

    def __init__(self, module: nn.Module, count: int) -> None:
        super().__init__()
        self.module = module
        self.count = count

    def forward(self, *xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(self.module(x) for x in xs)
