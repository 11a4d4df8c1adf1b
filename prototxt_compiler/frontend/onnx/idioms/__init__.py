"""Idioms: the groups of ONNX nodes this project's backend writes for one Caffe layer, read
back as that layer (``registry`` for the matchers, ``groups`` for the grouping, ``verify``
for the check by the backend itself, ``take`` for the import). Importing the package
registers every family's matchers."""
from __future__ import annotations

from .groups import GroupSpan, group_nodes
from .registry import IDIOMS, Group, Proposal
from .take import take
from .verify import ExportedLayer, LayerExporter, verify

__all__ = ["IDIOMS", "Group", "Proposal", "GroupSpan", "group_nodes", "take", "verify",
           "ExportedLayer", "LayerExporter"]

# each family's module registers its matchers
from . import (  # noqa: E402,F401
    activation,
    channels,
    concat,
    conv,
    dense,
    eltwise,
    im2col,
    norm,
    pooling,
    recurrent,
    select,
    shape,
)
