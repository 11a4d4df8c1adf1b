"""Concat, Slice, Split, Flatten, Reshape, Crop, Tile, Reduction, ArgMax and Softmax read,
bound and inferred directly (no graph). The expected shapes below are those real Caffe gave
(tests/fixtures/shapes/{concat,slice,...}_*.json); here they also check the bound params that
backends read."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import OpError
from prototxt_compiler.ir import Shape
from prototxt_compiler.ops import OPS
from prototxt_compiler.proto import caffe_pb2

X = (2, 6, 4, 5)


def run(text: str, bottoms: Sequence[Shape]) -> tuple[Any, list[Shape]]:
    """read -> bind -> infer, as the importer does; returns (bound params, tops)."""
    param = text_format.Parse(text, caffe_pb2.LayerParameter())
    op = OPS[param.type]
    p = op.read(param)
    if op.bind is not None:
        p = op.bind(p, bottoms)
    return p, op.infer(p, bottoms, len(param.top))


def tops(text: str, *bottoms: Shape) -> list[Shape]:
    return run(text, bottoms or (X,))[1]


def refused(text: str, *bottoms: Shape) -> OpError:
    with pytest.raises(OpError) as info:
        run(text, bottoms or (X,))
    return info.value


@pytest.mark.parametrize("text, bottoms, expected", [
    ('type: "Concat"', [(2, 3, 4), (2, 5, 4)], (2, 8, 4)),
    ('type: "Concat" concat_param { axis: -1 }', [(2, 3, 4)] * 2, (2, 3, 8)),
    ('type: "Concat" concat_param { concat_dim: 0 }', [(2, 8, 4)] * 2, (4, 8, 4)),
    ('type: "Concat"', [(2, 5, 4)], (2, 5, 4)),
], ids=["default", "negative", "concat_dim", "one-bottom"])
def test_concat(text: str, bottoms: list[Shape], expected: Shape) -> None:
    assert run(text, bottoms)[1] == [expected]


def test_concat_refusals() -> None:
    assert "every axis but 1" in refused('type: "Concat"', (2, 3, 4), (2, 5, 5)).message
    assert "axes" in refused('type: "Concat"', (2, 3, 4), (2, 3)).message
    assert refused('type: "Concat" concat_param { axis: 1 concat_dim: 1 }', X, X).field == \
        "concat_param.concat_dim"
    assert refused('type: "Concat" concat_param { concat_dim: 4 }', X, X).field == \
        "concat_param.concat_dim"


SLICE = 'type: "Slice" bottom: "x" '


@pytest.mark.parametrize("text, points, expected", [
    ('top: "a" top: "b" top: "c" slice_param { slice_point: 1 slice_point: 4 }', (1, 4),
     [(2, 1, 4, 5), (2, 3, 4, 5), (2, 2, 4, 5)]),
    ('top: "a" top: "b" slice_param { axis: -1 slice_point: 2 }', (2,),
     [(2, 6, 4, 2), (2, 6, 4, 3)]),
    ('top: "a" top: "b" top: "c"', (2, 4), [(2, 2, 4, 5)] * 3),
    ('top: "a" top: "b" slice_param { slice_dim: 2 }', (2,), [(2, 6, 2, 5)] * 2),
    ('top: "a"', (), [X]),
], ids=["points", "negative-axis", "equal", "slice_dim", "one-top"])
def test_slice(text: str, points: tuple[int, ...], expected: list[Shape]) -> None:
    p, shapes = run(SLICE + text, [X])
    assert p.slice_point == points and p.axis >= 0
    assert shapes == expected


@pytest.mark.parametrize("text, message", [
    ('top: "a" top: "b" top: "c" slice_param { slice_point: 3 slice_point: 2 }', "increasing"),
    ('top: "a" top: "b" slice_param { slice_point: 0 }', "increasing"),
    ('top: "a" top: "b" top: "c" top: "d"', "divide"),
    ('top: "a" top: "b" slice_param { slice_point: 2 slice_point: 4 }', "expected 1"),
    ('top: "a" top: "b" slice_param { slice_point: 6 }', "empty"),
    ('top: "a" top: "b" slice_param { axis: 1 slice_dim: 1 }', "not both"),
], ids=["unordered", "zero", "not-dividing", "count", "at-end", "axis-and-dim"])
def test_slice_refusals(text: str, message: str) -> None:
    assert message in refused(SLICE + text).message


def test_split() -> None:
    assert tops('type: "Split" bottom: "x" top: "a" top: "b" top: "c"') == [X] * 3
    assert "in place" in refused('type: "Split" bottom: "x" top: "x"').message


@pytest.mark.parametrize("params, expected", [
    ("", (2, 120)),
    ("axis: 0", (240,)),
    ("axis: -3 end_axis: -2", (2, 24, 5)),
    ("axis: 2 end_axis: 2", X),
    ("axis: 2 end_axis: 1", (2, 6, 1, 4, 5)),
], ids=["default", "axis0", "negative", "one-axis", "insert-1"])
def test_flatten(params: str, expected: Shape) -> None:
    assert tops(f'type: "Flatten" flatten_param {{ {params} }}') == [expected]


def test_flatten_refusals() -> None:
    assert refused('type: "Flatten" flatten_param { axis: 3 end_axis: 1 }').field == \
        "flatten_param.end_axis"
    assert "in place" in refused('type: "Flatten" bottom: "x" top: "x"').message


@pytest.mark.parametrize("params, expected, bound", [
    ("shape { dim: 0 dim: -1 dim: 5 }", (2, 24, 5), ((2, 24, 5), 0, 4)),
    ("shape { dim: 3 dim: 2 } axis: 1 num_axes: 1", (2, 3, 2, 4, 5), ((3, 2), 1, 1)),
    ("shape { dim: 1 dim: 1 } axis: -1 num_axes: 0", X + (1, 1), ((1, 1), 4, 0)),
    ("shape { dim: 1 } axis: -5 num_axes: 0", (1,) + X, ((1,), 0, 0)),
    ("shape { } axis: 1 num_axes: 0", X, ((), 1, 0)),
    ("shape { dim: -1 } axis: 1 num_axes: 0", (2, 1, 6, 4, 5), ((1,), 1, 0)),
    ("shape { dim: 0 dim: 0 } axis: 2", X, ((4, 5), 2, 2)),
    ("shape { dim: 0 dim: -1 dim: 0 }", (2, 30, 4), ((2, 30, 4), 0, 4)),
    ("shape { dim: 0 dim: -1 } axis: 3", X + (1,), ((5, 1), 3, 1)),
    ("shape { dim: -1 } axis: 1 num_axes: 2", (2, 24, 5), ((24,), 1, 2)),
], ids=["copy-infer", "sub-range", "append", "prepend", "empty", "insert", "copy-mid",
        "copy-both-sides", "zero-then-infer", "merge"])
def test_reshape(params: str, expected: Shape, bound: tuple[Shape, int, int]) -> None:
    p, shapes = run(f'type: "Reshape" reshape_param {{ {params} }}', [X])
    assert shapes == [expected]
    assert (p.shape, p.axis, p.num_axes) == bound


@pytest.mark.parametrize("params, field", [
    ("shape { dim: 0 dim: -1 dim: -1 }", "reshape_param.shape"),
    ("shape { dim: 0 dim: 7 dim: 20 }", "reshape_param.shape"),
    ("shape { dim: 0 dim: 7 dim: -1 }", "reshape_param.shape"),
    ("shape { dim: 0 dim: 0 dim: 0 dim: 0 dim: 0 }", "reshape_param.shape"),
    ("shape { dim: 0 dim: -2 dim: -60 }", "reshape_param.shape"),
    ("shape { dim: 1 } axis: 5 num_axes: 0", "reshape_param.axis"),
    ("shape { dim: 1 } axis: -6 num_axes: 0", "reshape_param.axis"),
    ("shape { dim: -1 } axis: 2 num_axes: 3", "reshape_param.num_axes"),
    ("shape { dim: -1 } num_axes: -2", "reshape_param.num_axes"),
    ("axis: 0", "reshape_param.shape"),
], ids=["two-inferred", "count", "not-divisible", "zero-past-end", "negative-dim",
        "axis-high", "axis-low", "num-axes-past-end", "num-axes-negative", "no-shape"])
def test_reshape_refusals(params: str, field: str) -> None:
    assert refused(f'type: "Reshape" reshape_param {{ {params} }}').field == field


REF = (1, 1, 2, 3)


@pytest.mark.parametrize("params, expected, offset", [
    ("", (2, 6, 2, 3), (0, 0)),
    ("axis: 1 offset: 5 offset: 2 offset: 2", (2, 1, 2, 3), (5, 2, 2)),
    ("axis: -1 offset: 2", (2, 6, 4, 3), (2,)),
    ("axis: 0", REF, (0, 0, 0, 0)),
    ("offset: 1", (2, 6, 2, 3), (1, 1)),
], ids=["default", "per-axis", "negative-axis", "axis0", "one-offset"])
def test_crop(params: str, expected: Shape, offset: tuple[int, ...]) -> None:
    p, shapes = run(f'type: "Crop" crop_param {{ {params} }}', [X, REF])
    assert shapes == [expected] and p.offset == offset


def test_crop_refusals() -> None:
    assert refused('type: "Crop" crop_param { offset: 3 }', X, REF).field == "crop_param.offset"
    assert refused('type: "Crop" crop_param { axis: 1 offset: 1 offset: 1 }', X, REF).field == \
        "crop_param.offset"
    assert refused('type: "Crop"', X, (1, 1, 5, 3)).field == "crop_param.offset"
    assert "numbers of axes" in refused('type: "Crop" crop_param { axis: 1 }', X, (1, 2, 3)).message


def test_tile() -> None:
    assert tops('type: "Tile" tile_param { tiles: 3 }') == [(2, 18, 4, 5)]
    assert tops('type: "Tile" tile_param { tiles: 2 axis: -1 }') == [(2, 6, 4, 10)]
    assert refused('type: "Tile"').field == "tile_param.tiles"
    assert refused('type: "Tile" tile_param { tiles: 0 }').field == "tile_param.tiles"
    assert refused('type: "Tile" tile_param { tiles: 2 axis: 4 }').field == "tile_param.axis"


@pytest.mark.parametrize("params, expected", [
    ("", ()),
    ("operation: MEAN axis: 1", (2,)),
    ("operation: SUMSQ axis: -1 coeff: 2", (2, 6, 4)),
    ("operation: ASUM axis: 2", (2, 6)),
], ids=["default-scalar", "mean", "sumsq-negative", "asum"])
def test_reduction(params: str, expected: Shape) -> None:
    assert tops(f'type: "Reduction" reduction_param {{ {params} }}') == [expected]


@pytest.mark.parametrize("params, bottom, expected", [
    ("", X, (2, 1, 1, 1)),
    ("top_k: 3 out_max_val: true", X, (2, 2, 3, 1)),
    ("top_k: 2", (3, 7), (3, 1, 2)),
    ("out_max_val: true", (3, 7), (3, 2, 1)),
    ("", (7,), (7, 1, 1)),
    ("top_k: 2", (2, 3, 2, 2, 2), (2, 1, 2, 1, 1)),
    ("axis: 2 top_k: 2 out_max_val: true", X, (2, 6, 2, 5)),
    ("axis: -3", X, (2, 1, 4, 5)),
    ("top_k: 120", X, (2, 1, 120, 1)),
], ids=["4d", "4d-topk-val", "2d", "2d-val", "1d", "5d", "axis", "negative-axis", "all"])
def test_argmax(params: str, bottom: Shape, expected: Shape) -> None:
    assert tops(f'type: "ArgMax" argmax_param {{ {params} }}', bottom) == [expected]


def test_argmax_refusals() -> None:
    for params in ("top_k: 0", "top_k: 121", "axis: 1 top_k: 7"):
        assert refused(f'type: "ArgMax" argmax_param {{ {params} }}').field == "argmax_param.top_k"


def test_softmax() -> None:
    p, shapes = run('type: "Softmax" softmax_param { axis: -1 }', [X])
    assert shapes == [X] and p.axis == 3
    assert refused('type: "Softmax" softmax_param { axis: 4 }').field == "softmax_param.axis"


@pytest.mark.parametrize("kind, bottoms, tops_", [
    ("Concat", (1, None), (1, 1)), ("Slice", (1, 1), (1, None)), ("Split", (1, 1), (1, None)),
    ("Flatten", (1, 1), (1, 1)), ("Reshape", (1, 1), (1, 1)), ("Crop", (2, 2), (1, 1)),
    ("Tile", (1, 1), (1, 1)), ("Reduction", (1, 1), (1, 1)), ("ArgMax", (1, 1), (1, 1)),
    ("Softmax", (1, 1), (1, 1)),
])
def test_counts(kind: str, bottoms: tuple[int, int | None], tops_: tuple[int, int | None]) -> None:
    assert (OPS[kind].bottoms, OPS[kind].tops) == (bottoms, tops_)
