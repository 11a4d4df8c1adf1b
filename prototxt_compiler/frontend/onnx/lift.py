"""1-D convolutions and pools (``nn.Conv1d``, ``nn.MaxPool1d``...) as Caffe's 2-D layers.

Caffe's Convolution and Pooling take (N, C, H, W). An ONNX node over (N, C, L) is imported
as the same node over (N, C, L, 1): its input read as (N, C, L, 1) (a Reshape), its kernel,
strides, dilations and pads given a second axis of 1, 1, 1 and 0 (a weight (O, I, K) becomes
(O, I, K, 1)), then its output read back as (N, C', L') (a Reshape). On an axis of size 1
with a kernel of 1, no stride and no pad, every 2-D window is the 1-D window, so each output
is the same sum (or maximum) of the same elements: exact. Where one lifted node reads
another's output directly, it reads the 2-D blob itself (no Flatten and Reshape between).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .context import Context, View
from .model import OnnxNode
from .registry import Refused

__all__ = ["is_one_d", "lifted"]

#: attribute -> what the second (added) axis takes
_AXIS_ATTRS = {"kernel_shape": 1, "strides": 1, "dilations": 1, "output_padding": 0}


def is_one_d(ctx: Context, node: OnnxNode) -> bool:
    """Whether ``node`` reads an (N, C, L) input."""
    return len(ctx.shape(node.inputs[0]) or ()) == 3


def lifted(ctx: Context, node: OnnxNode, convert: Callable[[Context, OnnxNode], None],
           weight: bool) -> None:
    """``convert`` run on ``node`` lifted to (N, C, L, 1) (module docstring); ``weight``:
    input 1 is a weight (O, I, K) to lift too."""
    if node.attr("output_shape") is not None:
        raise Refused("its output_shape is given; a 1-D ConvTranspose is imported with pads")
    if node.attr("auto_pad", "NOTSET") not in ("", "NOTSET", "VALID"):
        raise Refused(f"it is 1-D with auto_pad {node.attr('auto_pad')}; imported are "
                      "explicit pads")
    name = node.name or node.outputs[0]
    flat = f"{node.inputs[0]}/as_2d@{name}"
    meaning = ctx.peek(node.inputs[0])
    if isinstance(meaning, View) and tuple(meaning.base.shape or ()) == (*meaning.shape, 1):
        ctx.alias(flat, meaning.base)  # the 2-D output of a lifted node before it: no Reshape
    else:
        x = ctx.value(node.inputs[0])
        n, c, length = x.shape  # type: ignore[misc]
        ctx.alias(flat, View(base=x, shape=(n, c, length, 1),
                             node=replace(node, name=f"{name}/to_2d")))
    inputs = [flat]
    if weight:
        array = np.asarray(ctx.constant(node, 1, "weight"), np.float32)
        if array.ndim != 3:
            raise Refused(f"its weight has shape {list(array.shape)}; a 1-D one is (O, I, K)")
        lifted_weight = f"{node.input(1)}/as_2d@{name}"
        ctx.alias(lifted_weight, array[..., None])
        inputs.append(lifted_weight)
        inputs += list(node.inputs[2:])
    else:
        inputs += list(node.inputs[1:])
    attrs = dict(node.attrs)
    for key, added in _AXIS_ATTRS.items():
        if key in attrs:
            attrs[key] = [*attrs[key], added]
    if "pads" in attrs:
        begin, end = attrs["pads"]
        attrs["pads"] = [begin, 0, end, 0]
    out = f"{node.outputs[0]}/2d"
    two_d = replace(node, inputs=tuple(inputs), outputs=(out, *node.outputs[1:]), attrs=attrs)
    convert(ctx, two_d)
    y = ctx.value(out)
    back = tuple(y.shape[:3])  # type: ignore[index]
    if y.shape[3] != 1:  # type: ignore[index]
        raise Refused(f"its 2-D form gives {list(y.shape or ())}, not a width of 1")
    ctx.alias(node.outputs[0], View(base=y, shape=back, node=replace(node, name=f"{name}/to_1d")))
