"""Idioms of the activations (``backends.onnx.activation``): a leaky ReLU, BNLL, Power,
Exp, Log, Threshold, Clip and Swish as the nodes the backend writes for them.

    ReLU (slope s)  Relu, Min(x, 0), Mul(s), Add
    BNLL            Abs, Neg, Exp, Add(1), Log, Relu, Add
    Power           [Mul scale] [Add shift] Pow power | Identity (a lone Identity, which
                    Dropout writes too, is left to be removed); a constant output
                    (power * scale == 0) is Shape, ConstantOfShape(c): proposed as power 1,
                    scale 0, shift c (Caffe ignores the rest)
    Exp             [Mul inner] Exp [Mul outer]: inner = ln(base) scale, outer = base^shift
    Log             [Mul scale] [Add shift] Log [Mul 1 / ln(base)]
    Threshold       Greater(t), Cast;  Clip  Greater(max), Where, Less(min), Where
    Swish           [Mul beta] Sigmoid, Mul
Exp and Log hold fewer numbers than params: the bases a prototxt uses are tried, the
shortest decimals first.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ....ops.activation import (
    ClipParams,
    ExpParams,
    NeuronParams,
    PowerParams,
    ReLUParams,
    SwishParams,
    ThresholdParams,
)
from ..context import Context
from .reading import near, ops_are, scalar, short_first
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_leaky_relu", "match_bnll", "match_power", "match_exp", "match_log",
           "match_threshold", "match_clip", "match_swish"]

#: bases tried for Exp and Log (-1 is e), beside the one the constants give
BASES = (-1.0, 2.0, 10.0, 0.5, 0.1, 3.0, 4.0, 5.0, 8.0, 16.0, 100.0)


def _one(group: Group, type: str, params: object) -> Proposal:
    return Proposal(type, params, bottoms=(group.nodes[0].inputs[0],),
                    tops=(group.nodes[-1].outputs[0],))


@IDIOMS.register("Relu")
def match_leaky_relu(ctx: Context, group: Group) -> Iterator[Proposal]:
    if ops_are(group, ("Relu", "Min", "Mul", "Add")):
        slope = scalar(ctx, group.nodes[2].inputs[1])
        if slope is not None:
            yield _one(group, "ReLU", ReLUParams(negative_slope=slope))


@IDIOMS.register("Abs")
def match_bnll(ctx: Context, group: Group) -> Iterator[Proposal]:
    if ops_are(group, ("Abs", "Neg", "Exp", "Add", "Log", "Relu", "Add")):
        yield _one(group, "BNLL", NeuronParams())


def _affine(ctx: Context, group: Group, end: int) -> tuple[float, float, int] | None:
    """(scale, shift, index of the next node) from a leading [Mul] [Add]."""
    scale, shift, i = 1.0, 0.0, 0
    if i < end and group.nodes[i].op_type == "Mul":
        value = scalar(ctx, group.nodes[i].inputs[1])
        if value is None:
            return None
        scale, i = value, i + 1
    if i < end and group.nodes[i].op_type == "Add":
        value = scalar(ctx, group.nodes[i].inputs[1])
        if value is None:
            return None
        shift, i = value, i + 1
    return scale, shift, i


@IDIOMS.register("Mul", "Add", "Pow", "Identity", "Shape")
def match_power(ctx: Context, group: Group) -> Iterator[Proposal]:
    if ops_are(group, ("Shape", "ConstantOfShape")):
        fill = group.nodes[1].attr("value")
        if fill is not None and np.asarray(fill).size == 1:
            value = float(np.asarray(fill, np.float32).reshape(-1)[0])
            yield _one(group, "Power", PowerParams(power=1.0, scale=0.0, shift=value))
        return
    last = group.nodes[-1].op_type
    if last not in ("Pow", "Identity") or group.ops() == ("Identity",):
        return  # a lone Identity is a copy or a Dropout: no layer
    read = _affine(ctx, group, len(group.nodes) - 1)
    if read is None or read[2] != len(group.nodes) - 1:
        return
    scale, shift, _ = read
    power = scalar(ctx, group.nodes[-1].inputs[1]) if last == "Pow" else 1.0
    if power is not None:
        yield _one(group, "Power", PowerParams(power=power, scale=scale, shift=shift))


def _log_base(base: float) -> np.float32:
    return np.float32(1) if base == -1 else np.log(np.float32(base))


@IDIOMS.register("Mul", "Exp")
def match_exp(ctx: Context, group: Group) -> Iterator[Proposal]:
    ops = group.ops()
    if ops not in (("Exp",), ("Mul", "Exp"), ("Exp", "Mul"), ("Mul", "Exp", "Mul")):
        return
    inner = scalar(ctx, group.nodes[0].inputs[1]) if ops[0] == "Mul" else 1.0
    outer = scalar(ctx, group.nodes[-1].inputs[1]) if ops[-1] == "Mul" else 1.0
    if inner is None or outer is None or outer <= 0:
        return
    candidates = []
    for base in BASES:
        log_base = float(_log_base(base))
        shift = 0.0 if outer == 1 else float(np.log(np.float64(outer))) / log_base
        candidates += [(base, s, t) for s in near(inner / log_base) for t in near(shift)]
    for base, scale, shift in short_first(candidates):
        yield _one(group, "Exp", ExpParams(base=base, scale=scale, shift=shift))


@IDIOMS.register("Mul", "Add", "Log")
def match_log(ctx: Context, group: Group) -> Iterator[Proposal]:
    ops = group.ops()
    if "Log" not in ops:
        return
    at = ops.index("Log")
    read = _affine(ctx, group, at)
    if read is None or read[2] != at or ops[at + 1:] not in ((), ("Mul",)):
        return
    scale, shift, _ = read
    if at + 1 == len(ops):
        yield _one(group, "Log", ExpParams(base=-1.0, scale=scale, shift=shift))
        return
    base_scale = scalar(ctx, group.nodes[-1].inputs[1])
    if base_scale is None or base_scale == 0:
        return
    bases = [(b,) for b in BASES if b != -1] + [(b,) for b in near(np.exp(1 / base_scale))]
    for (base,) in short_first(bases):
        if base > 0 and base != 1:
            yield _one(group, "Log", ExpParams(base=base, scale=scale, shift=shift))


@IDIOMS.register("Greater")
def match_threshold(ctx: Context, group: Group) -> Iterator[Proposal]:
    if ops_are(group, ("Greater", "Cast")):
        threshold = scalar(ctx, group.nodes[0].inputs[1])
        if threshold is not None:
            yield _one(group, "Threshold", ThresholdParams(threshold=threshold))


@IDIOMS.register("Greater")
def match_clip(ctx: Context, group: Group) -> Iterator[Proposal]:
    if ops_are(group, ("Greater", "Where", "Less", "Where")):
        high = scalar(ctx, group.nodes[0].inputs[1])
        low = scalar(ctx, group.nodes[2].inputs[0])
        if high is not None and low is not None:
            yield _one(group, "Clip", ClipParams(min=low, max=high))


@IDIOMS.register("Mul", "Sigmoid")
def match_swish(ctx: Context, group: Group) -> Iterator[Proposal]:
    if ops_are(group, ("Sigmoid", "Mul")):
        yield _one(group, "Swish", SwishParams(beta=1.0))
    elif ops_are(group, ("Mul", "Sigmoid", "Mul")):
        beta = scalar(ctx, group.nodes[0].inputs[1])
        if beta is not None:
            yield _one(group, "Swish", SwishParams(beta=beta))
