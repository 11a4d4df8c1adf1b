"""Parameter in the generated file (Input and the data layers are the forward's arguments).

Caffe's Parameter layer has no bottom; its top is its one blob, shaped as
``parameter_param.shape`` says: the written-out ``Parameter`` returns a clone of its
``weight`` (the same numbers; gradients flow back to it).
"""
from __future__ import annotations

import numpy as np

from ...errors import OpError
from ...ir import Node
from ...ops.inputs import ParameterParams
from .registry import HELPERS, PYSOURCE, Module, call

__all__ = ["convert_parameter"]

HELPERS.define("Parameter", '''
class Parameter(nn.Module):
    """Caffe's Parameter layer: its blob ``weight`` as its top (a clone)."""

    def __init__(self, *shape: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(shape))

    def forward(self) -> torch.Tensor:
        return self.weight.clone()
''')


@PYSOURCE.register("Parameter")
def convert_parameter(node: Node) -> Module:
    p: ParameterParams = node.params
    blobs = node.blobs or ()
    if len(blobs) != 1 or tuple(blobs[0].shape) != tuple(p.shape):
        got = [list(b.shape) for b in blobs]
        raise OpError(f"expected one blob of shape {list(p.shape)}, got {got}",
                      field="parameter_param.shape")
    return Module(call("Parameter", *p.shape), (("weight", np.asarray(blobs[0], np.float32)),),
                  ("Parameter",))
