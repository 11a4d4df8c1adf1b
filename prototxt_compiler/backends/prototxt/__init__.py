"""The prototxt backend: the graph IR as canonical Caffe prototxt text (and .caffemodel)."""
from __future__ import annotations

from .lower import to_net_parameter, to_prototxt

__all__ = ["to_net_parameter", "to_prototxt"]
