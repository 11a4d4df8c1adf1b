"""From a file to a shaped graph: read, upgrade legacy forms, import, infer shapes."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from ..errors import UsageError
from ..ir import Graph, Shape
from ..passes.infer_shapes import infer_shapes
from .importer import import_net
from .reader import read_net
from .upgrade import upgrade_net

__all__ = ["load"]


def load(path: str | os.PathLike[str], *, input_shapes: Mapping[str, Sequence[int]] | None = None,
         phase: str = "TEST", stages: Sequence[str] | None = None,
         allow_unknown_fields: bool = False) -> Graph:
    """Parses a Caffe net definition (prototxt text or binary; current or legacy V0/V1
    format) and returns its graph with every blob's shape as Caffe computes it.

    ``input_shapes`` maps blob names to shapes: it overrides declared input shapes (a new
    batch size, say) and gives the shapes of blobs a fragment reads but does not produce.
    ``phase`` ("TEST" or "TRAIN") and ``stages`` select layers by their include/exclude rules.
    Parse notes (upgrades done, fork fields read, fields ignored, layers dropped) are in
    ``graph.notes``.
    """
    if phase not in ("TEST", "TRAIN"):
        raise UsageError(f"phase is {phase!r}, expected 'TEST' or 'TRAIN'")
    shapes: dict[str, Shape] = {}
    for name, shape in (input_shapes or {}).items():
        dims = tuple(int(d) for d in shape)
        if not dims or any(d <= 0 for d in dims):
            raise UsageError(f"input shape for '{name}' is {list(dims)}, expected positive "
                             "dimensions")
        shapes[name] = dims
    net, source = read_net(path, allow_unknown_fields=allow_unknown_fields)
    upgraded = upgrade_net(net, filename=str(path))
    graph = import_net(upgraded.net, source=source, origin=upgraded.origin, phase=phase,
                       stages=stages, input_shapes=shapes)
    graph.notes[:0] = list(source.notes) + [str(f) for f in source.ignored] + list(upgraded.notes)
    infer_shapes(graph)
    return graph
