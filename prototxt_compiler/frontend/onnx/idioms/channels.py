"""Idioms of fork layers that move data (``backends.onnx.channels``, ``backends.onnx.resample``),
proposed only where ``fork=`` names a fork that has them (``fork_layers``):

    ShuffleChannel  Reshape to (0, g, C/g, rest...), Transpose (0, 2, 1, ...), Reshape to
                    (0, C, rest...): group g            (shufflenet)
    Upsample        Resize nearest (asymmetric, floor) by scales (1, 1, f, f), f an
                    integer: nearest, scale f           (yolo)
    Axpy            [Reshape of a to (0, 0, 1, ...)], Mul(a, x), Add(a x, y): a x + y,
                    a per channel                       (senet)
Without the fork, the node by node import writes the shuffle as BVLC copies, the Upsample
as a BVLC grouped Deconvolution of unit weights and the Axpy as a Scale of two bottoms and
an Eltwise SUM.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ....ops.broadcast import AxpyParams
from ....ops.channels import ShuffleChannelParams
from ....ops.resample import UpsampleParams
from ..context import Context
from .reading import ops_are
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_shuffle_channel", "match_upsample", "match_axpy"]


@IDIOMS.register("Reshape", layer="ShuffleChannel")
def match_shuffle_channel(ctx: Context, group: Group) -> Iterator[Proposal]:
    if not ops_are(group, ("Reshape", "Transpose", "Reshape")):
        return
    view = ctx.const(group.nodes[0].input(1))
    if view is None or view.size < 3:
        return
    groups = int(np.asarray(view).reshape(-1)[1])
    if groups > 0:
        yield Proposal("ShuffleChannel", ShuffleChannelParams(group=groups),
                       bottoms=(group.nodes[0].inputs[0],), tops=(group.nodes[-1].outputs[0],))


@IDIOMS.register("Resize", layer="Upsample")
def match_upsample(ctx: Context, group: Group) -> Iterator[Proposal]:
    if not ops_are(group, ("Resize",)):
        return
    scales = ctx.const(group.nodes[0].input(2))
    if scales is None or scales.size != 4:
        return
    factor = float(np.asarray(scales).reshape(-1)[2])
    if factor >= 1 and factor == int(factor):
        yield Proposal("Upsample", UpsampleParams(mode="nearest", scale=int(factor)),
                       bottoms=(group.nodes[0].inputs[0],), tops=(group.nodes[0].outputs[0],))


@IDIOMS.register("Mul", "Reshape", layer="Axpy")
def match_axpy(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    if ops_are(group, ("Mul", "Add")):
        scale = nodes[0].inputs[0]
    elif ops_are(group, ("Reshape", "Mul", "Add")) and nodes[1].inputs[0] == nodes[0].outputs[0]:
        scale = nodes[0].inputs[0]
    else:
        return
    mul, add = nodes[-2], nodes[-1]
    if len(mul.inputs) == 2 and add.inputs[0] == mul.outputs[0] and len(add.inputs) == 2:
        yield Proposal("Axpy", AxpyParams(), bottoms=(scale, mul.inputs[1], add.inputs[1]),
                       tops=(add.outputs[0],))
