"""The prototxt backend: the graph IR as canonical Caffe prototxt text."""
from __future__ import annotations

from . import (activation, concat, conv, dense, eltwise, inputs, norm,  # noqa: F401
               pooling, reduce, shape)
from .lower import to_net_parameter, to_prototxt
from .registry import PROTOTXT

__all__ = ["PROTOTXT", "to_net_parameter", "to_prototxt"]
