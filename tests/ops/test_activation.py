"""The activation family's ops read, bound and inferred directly (no graph): params with
caffe.proto's defaults, PReLU's blobs, and the refusals Caffe makes (golden shapes from real
Caffe are in tests/fixtures/shapes/act_*)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import OpError
from prototxt_compiler.ir import Shape
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.fillers import Filler
from prototxt_compiler.proto import caffe_pb2


def layer(text: str) -> caffe_pb2.LayerParameter:
    return text_format.Parse(text, caffe_pb2.LayerParameter())


def run(text: str, bottoms: Sequence[Shape]) -> tuple[Any, list[Shape], list[Shape]]:
    """read -> bind -> infer -> blobs, as the importer does; returns (params, tops, blobs)."""
    param = layer(text)
    op = OPS[param.type]
    p = op.read(param)
    if op.bind is not None:
        p = op.bind(p, bottoms)
    return p, op.infer(p, bottoms, len(param.top)), op.blobs(p, bottoms)


ACTIVATIONS = ["ReLU", "PReLU", "ELU", "Sigmoid", "TanH", "AbsVal", "Power", "Exp", "Log",
               "BNLL", "Threshold", "Clip", "Swish", "Dropout"]


@pytest.mark.parametrize("kind", ACTIVATIONS)
@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4, 5)], ids=["2d", "4d"])
def test_top_has_bottom_shape(kind: str, shape: Shape) -> None:
    _, tops, _ = run(f'type: "{kind}" bottom: "x" top: "y"', [shape])
    assert tops == [shape]
    assert OPS[kind].family == "activation"
    assert OPS[kind].bottoms == (1, 1) and OPS[kind].tops == (1, 1)


@pytest.mark.parametrize("text, expected", [
    ('type: "ReLU"', {"negative_slope": 0.0}),
    ('type: "ReLU" relu_param { negative_slope: 0.25 }', {"negative_slope": 0.25}),
    ('type: "ELU"', {"alpha": 1.0}),
    ('type: "Power" power_param { power: 2 shift: 1 }', {"power": 2.0, "scale": 1.0, "shift": 1.0}),
    ('type: "Exp"', {"base": -1.0, "scale": 1.0, "shift": 0.0}),
    ('type: "Log" log_param { base: 10 scale: 0.5 }', {"base": 10.0, "scale": 0.5, "shift": 0.0}),
    ('type: "Threshold" threshold_param { threshold: 0.5 }', {"threshold": 0.5}),
    ('type: "Clip" clip_param { min: -1 max: 6 }', {"min": -1.0, "max": 6.0}),
    ('type: "Clip"', {"min": 0.0, "max": 0.0}),
    ('type: "Swish"', {"beta": 1.0}),
    ('type: "Dropout"', {"dropout_ratio": 0.5}),
    ('type: "Dropout" dropout_param { dropout_ratio: 0.2 }', {"dropout_ratio": pytest.approx(0.2)}),
], ids=lambda v: v if isinstance(v, str) else "")
def test_params_and_defaults(text: str, expected: dict[str, float]) -> None:
    p = OPS[layer(text).type].read(layer(text))
    assert {k: getattr(p, k) for k in expected} == expected


@pytest.mark.parametrize("text, shape, blob", [
    ('type: "PReLU"', (2, 6, 4, 5), (6,)),
    ('type: "PReLU"', (3, 7), (7,)),
    ('type: "PReLU" prelu_param { channel_shared: true }', (2, 6, 4, 5), ()),
], ids=["per-channel", "2d", "shared"])
def test_prelu_blobs(text: str, shape: Shape, blob: Shape) -> None:
    _, _, blobs = run(text, [shape])
    assert blobs == [blob]


def test_prelu_filler_defaults_to_constant_quarter() -> None:
    assert OPS["PReLU"].read(layer('type: "PReLU"')).filler == Filler(value=0.25)
    given = OPS["PReLU"].read(layer('type: "PReLU" prelu_param { filler { type: "gaussian" } }'))
    assert given.filler.type == "gaussian" and given.filler.value == 0.0


@pytest.mark.parametrize("shape", [(5,), (1, 2, 3, 2, 2)], ids=["1d", "5d"])
def test_prelu_refuses_bottoms_outside_2_to_4_axes(shape: Shape) -> None:
    with pytest.raises(OpError, match="PReLU needs 2 to 4"):
        run('type: "PReLU"', [shape])


@pytest.mark.parametrize("text, field", [
    ('type: "Exp" exp_param { base: -2 }', "exp_param.base"),
    ('type: "Exp" exp_param { base: 0 }', "exp_param.base"),
    ('type: "Log" log_param { base: -0.5 }', "log_param.base"),
    ('type: "Clip" clip_param { min: 0 }', "clip_param.max"),
    ('type: "Clip" clip_param { max: 0 }', "clip_param.min"),
], ids=["exp-negative", "exp-zero", "log-negative", "clip-no-max", "clip-no-min"])
def test_refusals_name_their_field(text: str, field: str) -> None:
    with pytest.raises(OpError) as info:
        OPS[layer(text).type].read(layer(text))
    assert info.value.field == field


def test_absval_refuses_in_place_but_relu_does_not() -> None:
    with pytest.raises(OpError, match="in place"):
        OPS["AbsVal"].read(layer('type: "AbsVal" bottom: "x" top: "x"'))
    OPS["ReLU"].read(layer('type: "ReLU" bottom: "x" top: "x"'))
