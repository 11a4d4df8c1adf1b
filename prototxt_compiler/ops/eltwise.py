"""Eltwise: elementwise SUM, PROD or MAX of two or more bottoms of one shape.

Caffe's rules: at least 2 bottoms, exactly 1 top (MAX keeps its argmax mask internally, never
as a second top), every bottom the same shape as bottom 0 (all axes), top = that shape.
``coeff`` is either absent or one per bottom; PROD refuses coefficients; SUM weighs each bottom
by its coefficient (y = sum_i coeff_i * x_i); MAX accepts coefficients and ignores them.
Bound params hold one coefficient per bottom for SUM (1.0 where none were given).
``stable_prod_grad`` only changes PROD's backward pass.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS, unify_dims

__all__ = ["EltwiseParams"]


@dataclass(frozen=True)
class EltwiseParams:
    """``operation`` is "SUM", "PROD" or "MAX"."""

    operation: str = "SUM"
    coeff: tuple[float, ...] = ()
    stable_prod_grad: bool = True


def read_eltwise(layer: caffe_pb2.LayerParameter) -> EltwiseParams:
    p = layer.eltwise_param
    operation = caffe_pb2.EltwiseParameter.EltwiseOp.Name(p.operation)
    if operation == "PROD" and len(p.coeff):
        raise OpError("coefficients are only taken for SUM (and ignored for MAX), not PROD",
                      field="eltwise_param.coeff")
    return EltwiseParams(operation=operation, coeff=tuple(p.coeff),
                         stable_prod_grad=p.stable_prod_grad)


def _check_coeff_count(p: EltwiseParams, num_bottoms: int) -> None:
    if p.coeff and len(p.coeff) != num_bottoms:
        raise OpError(f"{len(p.coeff)} coefficients for {num_bottoms} bottoms "
                      f"(expected none or one per bottom)", field="eltwise_param.coeff")


def bind_eltwise(p: EltwiseParams, bottoms: Sequence[Shape]) -> EltwiseParams:
    _check_coeff_count(p, len(bottoms))
    if p.operation == "SUM" and not p.coeff:
        return replace(p, coeff=(1.0,) * len(bottoms))
    return p


def infer_eltwise(p: EltwiseParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    _check_coeff_count(p, len(bottoms))
    first = tuple(bottoms[0])
    for i, shape in enumerate(bottoms[1:], 1):
        unify_dims(first, shape, f"its bottoms 0 and {i} must have one shape")
        if tuple(shape) != first:
            raise OpError(f"all bottoms must have the same shape: bottom 0 is {list(first)}, "
                          f"bottom {i} is {list(shape)}")
    return [first]


def write_eltwise(p: EltwiseParams, q: caffe_pb2.EltwiseParameter,
                  bottoms: Sequence[Shape]) -> None:
    """SUM's bound coefficients are one per bottom (1.0 where none were given): written only
    when some differ from 1. MAX keeps the coefficients it was given (it ignores them), so
    they are written back as they are."""
    if p.operation != "SUM":
        q.operation = caffe_pb2.EltwiseParameter.EltwiseOp.Value(p.operation)
    if p.operation != "SUM" or any(c != 1.0 for c in p.coeff):
        q.coeff.extend(p.coeff)
    if not p.stable_prod_grad:
        q.stable_prod_grad = False


OPS.define("Eltwise", family="eltwise", read=read_eltwise, bind=bind_eltwise,
           infer=infer_eltwise, bottoms=(2, None), tops=(1, 1), param="eltwise_param",
           write=write_eltwise)
