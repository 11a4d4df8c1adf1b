"""ShuffleChannel and Reorg as ONNX Reshape / Transpose / Reshape (``ops.channels``).

ShuffleChannel: Reshape to (0, g, C/g, rest...), Transpose axes 1 and 2, Reshape to
(0, C, rest...). Reorg: ``ops.channels.reorg_plan``'s view, permutation and top, the batch
axis copied (0) in both Reshapes.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ...ir import Node
from ...ops.channels import ReorgParams, ShuffleChannelParams, reorg_plan
from .registry import ONNX, Emitter

__all__ = ["convert_shuffle_channel", "convert_reorg"]


def _move(emit: Emitter, view: Sequence[int], perm: Sequence[int], top: Sequence[int]) -> None:
    grouped = emit.op("Reshape", [emit.input(0), emit.const("view", [0, *view])])[0]
    moved = emit.op("Transpose", [grouped], perm=list(perm))[0]
    emit.op("Reshape", [moved, emit.const("top", [0, *top])], [emit.output(0)])


@ONNX.register("ShuffleChannel")
def convert_shuffle_channel(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ShuffleChannelParams = node.params
    shape = emit.input_shape(0)
    c, rest = int(shape[1]), [int(d) for d in shape[2:]]
    perm = [0, 2, 1] + list(range(3, len(shape) + 1))
    _move(emit, [p.group, c // p.group, *rest], perm, [c, *rest])


@ONNX.register("Reorg")
def convert_reorg(node: Node, blobs: Sequence[np.ndarray], emit: Emitter) -> None:
    p: ReorgParams = node.params
    plan = reorg_plan(p, emit.input_shape(0))
    _move(emit, [int(d) for d in plan.view[1:]], plan.perm, [int(d) for d in plan.top[1:]])
