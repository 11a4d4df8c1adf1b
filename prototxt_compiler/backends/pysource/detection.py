"""PriorBox and DetectionOutput: not written as plain source yet.

DetectionOutput's torch form runs Caffe's greedy NMS through an operator of this package's
torch backend (``torch.ops.prototxt_compiler``), which a file importing only torch cannot
call; PriorBox's box rule is not written out yet. Each converter says so, naming the
layer (``converting`` adds it), and points at ``load_torch``.
"""
from __future__ import annotations

from ...errors import OpError
from ...ir import Node
from .registry import PYSOURCE, Module

__all__ = ["convert_detection", "not_written_yet"]


def not_written_yet(node: Node, why: str) -> OpError:
    return OpError(f"layer type {node.type} cannot be written as plain PyTorch source yet "
                   f"({why}); load the net with prototxt_compiler.load_torch instead")


_WHY = {"DetectionOutput": "its NMS runs on an operator of the torch backend",
        "PriorBox": "its box rule is not written out in source form"}


@PYSOURCE.register(*_WHY)
def convert_detection(node: Node) -> Module:
    raise not_written_yet(node, _WHY[node.type])
