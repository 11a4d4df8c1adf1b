"""Idioms of the normalisation family (``backends.onnx.norm``): BatchNorm with the batch's
statistics, Scale and Bias along any run of axes (one bottom or two), LRN within a channel
and in place across channels, MVN.

    BatchNorm (batch stats)  ReduceMean, Sub, Mul, ReduceMean, Add(eps), Sqrt, Div; its
                             statistics blobs, which Caffe does not read then, come back as
                             mean 0, variance 1, factor 1
    Scale                    Mul(x, B) [Add(., bias)]: B is LAYER.weight shaped (axes) +
                             (1,) * trailing, or bottom 1 [Unsqueeze-d on trailing axes]
    Bias                     Add(x, B), B as for Scale
    LRN WITHIN_CHANNEL       Mul(x, x), AveragePool(n x n), Mul(alpha), Add(1), Pow(-beta),
                             Mul(x, .) (k, which Caffe ignores there, comes back as 1)
    LRN in place (ACROSS)    Mul(x, x), Unsqueeze, AveragePool(n, 1, 1), Squeeze, Mul(alpha),
                             Add(k), Pow(-2 beta)
    MVN                      Reshape to rows, ReduceMean, Sub [Mul, ReduceMean, Sqrt,
                             Add(eps), Div], Reshape
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ....ops.norm import BatchNormParams, BiasParams, LRNParams, MVNParams, ScaleParams
from ..context import Context
from .reading import near, ops_are, scalar
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_batch_norm", "match_scale", "match_bias", "match_lrn", "match_mvn"]


@IDIOMS.register("ReduceMean")
def match_batch_norm(ctx: Context, group: Group) -> Iterator[Proposal]:
    if not ops_are(group, ("ReduceMean", "Sub", "Mul", "ReduceMean", "Add", "Sqrt", "Div")):
        return
    eps = scalar(ctx, group.nodes[4].inputs[1])
    x = group.nodes[0].inputs[0]
    channels = ctx.shape(x)[1]
    if eps is None:
        return
    blobs = (np.zeros(channels, np.float32), np.ones(channels, np.float32),
             np.ones(1, np.float32))
    params = BatchNormParams(use_global_stats=False, eps=eps,
                             moving_average_fraction=float(np.float32(0.999)))
    yield Proposal("BatchNorm", params,
                   bottoms=(x,), tops=(group.nodes[-1].outputs[0],), blobs=blobs)


def _layouts(rank: int, stored: tuple[int, ...]) -> Iterator[tuple[int, int, tuple[int, ...]]]:
    """(axis, num_axes, blob shape) for a blob stored as ``shape + (1,) * trailing`` that
    broadcasts over a blob of ``rank`` axes, fewest axes first."""
    for num_axes in range(len(stored) + 1):
        if all(d == 1 for d in stored[num_axes:]):
            axis = rank - len(stored)
            if axis >= 0:
                yield axis, num_axes, stored[:num_axes]


def _affine(ctx: Context, group: Group, op_type: str) -> tuple[str, str, int, bool] | None:
    """(x, B, trailing axes, B is bottom 1) of a group ``[Unsqueeze] op_type [Add]``."""
    nodes = group.nodes
    trailing, i = 0, 0
    given = None
    if nodes[0].op_type == "Unsqueeze":
        axes = ctx.const(nodes[0].input(1))
        if axes is None:
            return None
        trailing, given, i = int(np.asarray(axes).size), nodes[0].inputs[0], 1
    if i >= len(nodes) or nodes[i].op_type != op_type:
        return None
    x, b = nodes[i].inputs
    if given is not None and b != nodes[0].outputs[0]:
        return None
    return x, given if given is not None else b, trailing, given is not None or \
        ctx.const(b) is None


@IDIOMS.register("Mul", "Unsqueeze")
def match_scale(ctx: Context, group: Group) -> Iterator[Proposal]:
    read = _affine(ctx, group, "Mul")
    if read is None:
        return
    x, b, trailing, two = read
    ops = group.ops()[1 if group.nodes[0].op_type == "Unsqueeze" else 0:]
    if ops not in (("Mul",), ("Mul", "Add")):
        return
    bias = ctx.const(group.nodes[-1].inputs[1]) if ops[-1] == "Add" else None
    if ops[-1] == "Add" and bias is None:
        return
    top = (group.nodes[-1].outputs[0],)
    rank = len(ctx.shape(x))
    if two:
        shape = tuple(ctx.shape(b))
        axis = rank - len(shape) - trailing
        blobs: tuple[np.ndarray, ...] = () if bias is None else (
            np.asarray(bias).reshape(shape),)
        yield Proposal("Scale", ScaleParams(axis=axis, bias_term=bias is not None),
                       bottoms=(x, b), tops=top, blobs=blobs)
        return
    weight = np.asarray(ctx.const(b))
    for axis, num_axes, shape in _layouts(rank, tuple(weight.shape)):
        blobs = (weight.reshape(shape),) + (() if bias is None else
                                            (np.asarray(bias).reshape(shape),))
        yield Proposal("Scale", ScaleParams(axis=axis, num_axes=num_axes,
                                            bias_term=bias is not None),
                       bottoms=(x,), tops=top, blobs=blobs)


@IDIOMS.register("Add", "Unsqueeze")
def match_bias(ctx: Context, group: Group) -> Iterator[Proposal]:
    read = _affine(ctx, group, "Add")
    if read is None or group.ops()[-1] != "Add" or len(group.nodes) > 2:
        return
    x, b, trailing, two = read
    top = (group.nodes[-1].outputs[0],)
    rank = len(ctx.shape(x))
    if two:
        axis = rank - len(ctx.shape(b)) - trailing
        yield Proposal("Bias", BiasParams(axis=axis), bottoms=(x, b), tops=top)
        return
    bias = np.asarray(ctx.const(b))
    for axis, num_axes, shape in _layouts(rank, tuple(bias.shape)):
        yield Proposal("Bias", BiasParams(axis=axis, num_axes=num_axes), bottoms=(x,),
                       tops=top, blobs=(bias.reshape(shape),))


@IDIOMS.register("Mul", layer="LRN")
def match_lrn(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    x = nodes[0].inputs[0]
    top = (nodes[-1].outputs[0],)
    if ops_are(group, ("Mul", "AveragePool", "Mul", "Add", "Pow", "Mul")):
        alpha, exponent = scalar(ctx, nodes[2].inputs[1]), scalar(ctx, nodes[4].inputs[1])
        size = (nodes[1].attr("kernel_shape") or [0])[0]
        if alpha is not None and exponent is not None:
            yield Proposal("LRN", LRNParams(local_size=size, alpha=alpha, beta=-exponent,
                                            norm_region="WITHIN_CHANNEL"),
                           bottoms=(x,), tops=top)
    elif ops_are(group, ("Mul", "Unsqueeze", "AveragePool", "Squeeze", "Mul", "Add", "Pow")):
        alpha, k = scalar(ctx, nodes[4].inputs[1]), scalar(ctx, nodes[5].inputs[1])
        exponent = scalar(ctx, nodes[6].inputs[1])
        size = (nodes[2].attr("kernel_shape") or [0])[0]
        if alpha is None or k is None or exponent is None:
            return
        for beta in near(-exponent / 2):
            yield Proposal("LRN", LRNParams(local_size=size, alpha=alpha, beta=beta, k=k),
                           bottoms=(x,), tops=top, in_place=(0,))


@IDIOMS.register("Reshape", layer="MVN")
def match_mvn(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    short = ("Reshape", "ReduceMean", "Sub", "Reshape")
    full = ("Reshape", "ReduceMean", "Sub", "Mul", "ReduceMean", "Sqrt", "Add", "Div",
            "Reshape")
    if not ops_are(group, short, full):
        return
    rows = ctx.const(nodes[0].input(1))
    if rows is None:
        return
    across = int(np.asarray(rows).size) == 2
    eps = scalar(ctx, nodes[6].inputs[1]) if len(nodes) == len(full) else \
        float(np.float32(1e-9))  # Caffe's default, which it only reads to normalise
    if eps is not None:
        yield Proposal("MVN", MVNParams(normalize_variance=len(nodes) == len(full),
                                        across_channels=across, eps=eps),
                       bottoms=(nodes[0].inputs[0],), tops=(nodes[-1].outputs[0],))
