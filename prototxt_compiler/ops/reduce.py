"""Layers that work along axes: Reduction, ArgMax, Softmax (family "shape", like
``shape.py`` and ``concat.py``; split from them to keep files small).

Caffe's shape rules:
    Reduction  operation SUM | ASUM (sum of |x|) | SUMSQ (sum of x^2) | MEAN, times ``coeff``,
               over every axis from ``axis`` (default 0) to the last: top = bottom[:axis],
               so the default axis 0 gives a 0-axis (scalar) top.
    ArgMax     top_k >= 1. With ``axis``: top = bottom with shape[axis] = top_k (holding the
               indices, or the values when out_max_val), top_k <= shape[axis]. Without: each
               item of the batch is flattened, top_k <= count(bottom, 1), and the top has
               max(ndim, 3) axes, all 1 except [0] = N, [1] = 2 if out_max_val else 1,
               [2] = top_k (index and value rows when out_max_val).
    Softmax    top = bottom; normalised along ``axis`` (default 1).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, canonical_axis, count
from .writing import write_fields

__all__ = ["ReductionParams", "ArgMaxParams", "SoftmaxParams"]


@dataclass(frozen=True)
class ReductionParams:
    """``operation`` is "SUM", "ASUM", "SUMSQ" or "MEAN"."""

    operation: str = "SUM"
    axis: int = 0
    coeff: float = 1.0


@dataclass(frozen=True)
class ArgMaxParams:
    """``axis`` None: Caffe's per-item flattened arg-max (the field was not given)."""

    out_max_val: bool = False
    top_k: int = 1
    axis: int | None = None


@dataclass(frozen=True)
class SoftmaxParams:
    axis: int = 1


def read_reduction(layer: caffe_pb2.LayerParameter) -> ReductionParams:
    p = layer.reduction_param
    operation = caffe_pb2.ReductionParameter.ReductionOp.Name(p.operation)
    return ReductionParams(operation=operation, axis=p.axis, coeff=p.coeff)


def bind_reduction(p: ReductionParams, bottoms: Sequence[Shape]) -> ReductionParams:
    return replace(p, axis=canonical_axis(p.axis, len(bottoms[0]), "reduction_param.axis"))


def infer_reduction(p: ReductionParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_reduction(p, bottoms)
    return [tuple(bottoms[0][:p.axis])]


def read_argmax(layer: caffe_pb2.LayerParameter) -> ArgMaxParams:
    p = layer.argmax_param
    if p.top_k < 1:
        raise OpError(f"top_k is {p.top_k} (expected >= 1)", field="argmax_param.top_k")
    return ArgMaxParams(out_max_val=p.out_max_val, top_k=p.top_k,
                        axis=p.axis if p.HasField("axis") else None)


def bind_argmax(p: ArgMaxParams, bottoms: Sequence[Shape]) -> ArgMaxParams:
    if p.axis is None:
        return p
    return replace(p, axis=canonical_axis(p.axis, len(bottoms[0]), "argmax_param.axis"))


def infer_argmax(p: ArgMaxParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    p = bind_argmax(p, bottoms)
    shape = tuple(bottoms[0])
    if not shape:
        raise OpError("ArgMax takes a bottom with at least one axis, got a 0-axis (scalar) "
                      "blob (Caffe reads its values per item from axis 1)")
    if p.axis is not None:
        if p.top_k > shape[p.axis]:
            raise OpError(f"top_k {p.top_k} exceeds the size {shape[p.axis]} of axis "
                          f"{p.axis}", field="argmax_param.top_k")
        return [shape[:p.axis] + (p.top_k,) + shape[p.axis + 1:]]
    classes = count(shape, 1)
    if p.top_k > classes:
        raise OpError(f"top_k {p.top_k} exceeds the {classes} values per item of bottom "
                      f"{list(shape)}", field="argmax_param.top_k")
    top = [1] * max(len(shape), 3)
    top[0], top[1], top[2] = shape[0], 2 if p.out_max_val else 1, p.top_k
    return [tuple(top)]


def read_softmax(layer: caffe_pb2.LayerParameter) -> SoftmaxParams:
    return SoftmaxParams(axis=layer.softmax_param.axis)


def bind_softmax(p: SoftmaxParams, bottoms: Sequence[Shape]) -> SoftmaxParams:
    return replace(p, axis=canonical_axis(p.axis, len(bottoms[0]), "softmax_param.axis"))


def infer_softmax(p: SoftmaxParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    bind_softmax(p, bottoms)
    return [tuple(bottoms[0])]


def write_argmax(p: ArgMaxParams, q: caffe_pb2.ArgMaxParameter,
                 bottoms: Sequence[Shape]) -> None:
    """An axis is written whenever there is one, 0 included: without it Caffe flattens each
    item instead."""
    write_fields(p, q, skip=("axis",))
    if p.axis is not None:
        q.axis = p.axis


OPS.define("Reduction", family="reduce", read=read_reduction, bind=bind_reduction,
           infer=infer_reduction, param="reduction_param")
OPS.define("ArgMax", family="reduce", read=read_argmax, bind=bind_argmax, infer=infer_argmax,
           param="argmax_param", write=write_argmax)
OPS.define("Softmax", family="reduce", read=read_softmax, bind=bind_softmax,
           infer=infer_softmax, param="softmax_param")
