"""Eltwise read, bound and inferred directly: operations, coefficients made concrete for SUM,
and Caffe's refusals (golden shapes from real Caffe are in tests/fixtures/shapes/eltwise_*)."""
from __future__ import annotations

from collections.abc import Sequence

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import OpError
from prototxt_compiler.ir import Shape
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.eltwise import EltwiseParams
from prototxt_compiler.proto import caffe_pb2

OP = OPS["Eltwise"]


def bound(params: str, bottoms: Sequence[Shape]) -> tuple[EltwiseParams, list[Shape]]:
    param = text_format.Parse(f'type: "Eltwise" eltwise_param {{ {params} }}',
                              caffe_pb2.LayerParameter())
    p = OP.bind(OP.read(param), bottoms)
    return p, OP.infer(p, bottoms, 1)


def test_counts() -> None:
    assert OP.bottoms == (2, None) and OP.tops == (1, 1)


@pytest.mark.parametrize("params, operation, coeff", [
    ("", "SUM", (1.0, 1.0, 1.0)),
    ("coeff: 1 coeff: -1 coeff: 0.5", "SUM", (1.0, -1.0, 0.5)),
    ("operation: PROD", "PROD", ()),
    ("operation: MAX coeff: 2 coeff: 3 coeff: 4", "MAX", (2.0, 3.0, 4.0)),
], ids=["sum-default", "sum-coeff", "prod", "max-coeff-ignored"])
def test_operations(params: str, operation: str, coeff: tuple[float, ...]) -> None:
    p, tops = bound(params, [(2, 3, 4)] * 3)
    assert (p.operation, p.coeff, tops) == (operation, coeff, [(2, 3, 4)])


def test_stable_prod_grad() -> None:
    assert bound("", [(2,), (2,)])[0].stable_prod_grad is True
    prod = bound("operation: PROD stable_prod_grad: false", [(2,), (2,)])[0]
    assert prod.stable_prod_grad is False


@pytest.mark.parametrize("params, bottoms, message", [
    ("", [(2, 3, 4), (2, 3, 5)], "same shape"),
    ("", [(2, 3, 4), (2, 3, 4, 1)], "same shape"),
    ("coeff: 1 coeff: 2 coeff: 3", [(2, 3)] * 2, "3 coefficients for 2 bottoms"),
    ("operation: PROD coeff: 1 coeff: 2", [(2, 3)] * 2, "not PROD"),
], ids=["dim", "ndim", "coeff-count", "prod-coeff"])
def test_refusals(params: str, bottoms: list[Shape], message: str) -> None:
    with pytest.raises(OpError, match=message):
        bound(params, bottoms)
