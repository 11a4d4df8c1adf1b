"""Convolution and Deconvolution in the generated file.

Caffe's convolution is torch's: the same cross-correlation, output size rule, groups and
dilation, with Caffe's weight [num_output, C/group, *kernel] as ConvNd's weight and
Deconvolution's [C, num_output/group, *kernel] as ConvTransposeNd's. So a layer with
channels on axis 1 and one bottom is ``nn.Conv2d`` (1-D: Conv1d, 3-D: Conv3d). Channels on
a later axis, or several bottoms through one set of weights, use the written-out
``Convolution``, which folds the leading axes into the batch and applies the one torch
convolution to every bottom. A bottom with no spatial axes (N x C) is
``nn.Sequential(nn.Unflatten(1, (C, 1)), nn.Conv1d(C, O, 1), nn.Flatten(1))``, the weight
Caffe's with a kernel axis of 1 appended.
"""
from __future__ import annotations

import numpy as np

from ...errors import OpError
from ...ir import Node
from ...ops.conv import ConvolutionParams, overhang
from .registry import HELPERS, PYSOURCE, Module, call, literal

__all__ = ["convert_convolution"]

HELPERS.define("Convolution", '''
class Convolution(nn.Module):
    """Caffe's Convolution (or Deconvolution) with channels on ``axis`` > 1, or several
    bottoms: the axes before ``axis`` are folded into the batch for the torch
    convolution ``conv``, and every bottom goes through the same weights (one top
    each)."""

    def __init__(self, conv: nn.Module, axis: int = 1) -> None:
        super().__init__()
        self.conv = conv
        self.axis = axis

    def one(self, x: torch.Tensor) -> torch.Tensor:
        if self.axis == 1:
            return self.conv(x)
        lead = x.shape[:self.axis]
        y = self.conv(x.reshape((-1,) + tuple(x.shape[self.axis:])))
        return y.reshape(tuple(lead) + tuple(y.shape[1:]))

    def forward(self, *xs: torch.Tensor):
        tops = tuple(self.one(x) for x in xs)
        return tops[0] if len(tops) == 1 else tops
''')

_KINDS = {("Convolution", 1): "nn.Conv1d", ("Convolution", 2): "nn.Conv2d",
          ("Convolution", 3): "nn.Conv3d", ("Deconvolution", 1): "nn.ConvTranspose1d",
          ("Deconvolution", 2): "nn.ConvTranspose2d", ("Deconvolution", 3): "nn.ConvTranspose3d"}


def _spatial(values: tuple[int, ...]) -> object:
    """One number where every axis has it (kernel_size=3), else the tuple."""
    return values[0] if len(set(values)) == 1 else values


def torch_convolution(node: Node) -> str:
    """The torch module that computes the layer's convolution of one bottom."""
    p: ConvolutionParams = node.params
    spatial = len(p.kernel)
    family = "Deconvolution" if node.type == "Deconvolution" else "Convolution"
    kind = _KINDS.get((family, max(spatial, 1)))
    if kind is None:
        raise OpError(f"{spatial} spatial axes: torch convolves 0 to 3")
    channels = int(node.input_shapes()[0][p.axis])
    extra: dict[str, object] = {}
    if set(p.stride) - {1}:
        extra["stride"] = _spatial(p.stride)
    if set(p.pad) - {0}:
        extra["padding"] = _spatial(p.pad)
    if set(p.dilation) - {1}:
        extra["dilation"] = _spatial(p.dilation)
    if p.group != 1:
        extra["groups"] = p.group
    if not p.bias_term:
        extra["bias"] = False
    if spatial == 0:
        return (f"nn.Sequential(nn.Unflatten(1, ({channels}, 1)), "
                f"{call(kind, channels, p.num_output, 1, **extra)}, nn.Flatten(1))")
    return call(kind, channels, p.num_output, _spatial(p.kernel), **extra)


@PYSOURCE.register("Convolution", "Deconvolution")
def convert_convolution(node: Node) -> Module:
    p: ConvolutionParams = node.params
    blobs = node.blobs or ()
    conv = torch_convolution(node)
    simple = p.axis == 1 and len(node.inputs) == 1
    prefix = "" if simple else "conv."
    extra = overhang(p, node.input_shapes()[0]) if node.type == "Convolution" else ()
    if any(extra):  # an input shorter than the kernel: zeros past the padding, as Caffe
        pads = tuple(v for more in reversed(extra) for v in (0, more))  # F.pad: last first
        pad = f"nn.ConstantPad{len(extra)}d({literal(pads)}, 0.0)"
        conv = f"nn.Sequential({pad}, {conv})"
        prefix += "1."
    weight = np.asarray(blobs[0], np.float32)
    if not p.kernel:  # no spatial axes: the Conv1d inside nn.Sequential, kernel axis added
        prefix += "1."
        weight = weight.reshape(weight.shape + (1,))
    state = [(f"{prefix}weight", weight)]
    if p.bias_term:
        state.append((f"{prefix}bias", np.asarray(blobs[1], np.float32)))
    if simple:
        return Module(conv, tuple(state))
    code = f"Convolution({conv}" + (f", axis={literal(p.axis)})" if p.axis != 1 else ")")
    return Module(code, tuple(state), ("Convolution",))
