"""Parameter as an ONNX initializer (Input and the data layers are graph inputs, not nodes).

Caffe's Parameter layer has no bottom; its top is its one blob, shaped as
``parameter_param.shape`` says. Here the blob is the initializer ``LAYER.weight`` and the top
is ``Identity(LAYER.weight)``, so the value carries the top's name like every other layer's.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...errors import OpError
from ...ir import Node
from ...ops.inputs import ParameterParams
from .registry import ONNX, Emitter

__all__ = ["convert_parameter"]


@ONNX.register("Parameter")
def convert_parameter(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ParameterParams = node.params
    if len(blobs) != 1 or tuple(blobs[0].shape) != tuple(p.shape):
        got = [list(b.shape) for b in blobs]
        raise OpError(f"expected one blob of shape {list(p.shape)}, got {got}",
                      field="parameter_param.shape")
    emit.op("Identity", [emit.weight("weight", blobs[0])], [emit.output(0)])
