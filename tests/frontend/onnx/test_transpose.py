"""Transpose, DepthToSpace and SpaceToDepth from ONNX (``frontend.onnx.transpose``): BVLC
Slice, Reshape and Concat that move one axis at a time, so every value is a copy (inf and
NaN included); SSD's Permute with ``fork="ssd"``, the YOLO ports' Reorg with
``fork="yolo"``. Held to onnxruntime through the PyTorch backend; tests/fixtures/onnx's
``transpose``, ``depth_space`` and ``pixel_shuffle_sr`` hold the BVLC forms to real Caffe."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.frontend.onnx.transpose import MAX_MOVED_AXIS, plan_moves
from prototxt_compiler.to_caffe import from_onnx
from tests.frontend.onnx.against_ort import both_outputs
from tests.frontend.onnx.builder import Builder

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape", [(2, 3), (3, 2, 4), (2, 5, 3, 4), (2, 3, 2, 4, 3)])
def test_the_moves_of_every_permutation_make_numpys_transpose(shape: tuple[int, ...]) -> None:
    x = np.arange(np.prod(shape)).reshape(shape)
    for perm in itertools.permutations(range(len(shape))):
        moves = plan_moves(shape, perm)
        assert moves is not None
        y = x
        for axis, position in moves:
            y = np.moveaxis(y, axis, position)
        np.testing.assert_array_equal(y, x.transpose(perm), err_msg=str(perm))


def test_the_plan_keeps_the_largest_run_and_the_batch() -> None:
    # NCHW to NHWC: moving the 3 channels is 3 pieces, moving H and W would be 4 + 5
    assert plan_moves((2, 3, 4, 5), (0, 2, 3, 1)) == [(1, 3)]
    # 32 channels outweigh 4 + 5: H and W move in front of them
    assert plan_moves((2, 32, 4, 5), (0, 2, 3, 1)) == [(2, 1), (3, 2)]
    # the batch stays where the permutation leaves it, though it is the smallest axis
    assert all(axis != 0 for axis, _ in plan_moves((2, 8, 9), (0, 2, 1)))
    # an axis past MAX_MOVED_AXIS is never moved; none left to keep: no plan
    big = MAX_MOVED_AXIS + 1
    assert plan_moves((2, big, 3), (0, 2, 1)) == [(2, 1)]
    assert plan_moves((2, big, big), (0, 2, 1)) is None


def model_of(op: str, shape: tuple[int, ...], **attrs: object):  # noqa: ANN201
    b = Builder(op.lower(), 13)
    x = b.input("data", shape)
    b.output(b.node(op, [x], "out", **attrs))
    return b.model()


def non_finite(shape: tuple[int, ...]) -> np.ndarray:
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    flat = x.reshape(-1)
    flat[1], flat[len(flat) // 2], flat[-2] = np.inf, np.nan, -np.inf
    return x


def assert_as_onnxruntime(model, graph, x: np.ndarray) -> None:  # noqa: ANN001
    (got,), (want,) = both_outputs(model, graph, {"data": x})
    np.testing.assert_array_equal(got, want)


CASES = [
    ("Transpose", (2, 3, 4, 5), {"perm": [0, 2, 3, 1]}),
    ("Transpose", (2, 3, 4), {}),  # reversed
    ("Transpose", (1, 4, 1, 3, 2), {"perm": [0, 4, 2, 1, 3]}),  # axes of 1 left out
    ("DepthToSpace", (2, 12, 3, 2), {"blocksize": 2}),
    ("DepthToSpace", (2, 12, 3, 2), {"blocksize": 2, "mode": "CRD"}),
    ("DepthToSpace", (1, 9, 2, 2), {"blocksize": 3}),  # one channel: DCR is CRD
    ("SpaceToDepth", (2, 3, 4, 6), {"blocksize": 2}),
    ("SpaceToDepth", (2, 3, 8, 4), {"blocksize": 2}),  # H / 2 and W / 2 even: yolo's Reorg
]


@pytest.mark.parametrize("fork", [None, "ssd", "yolo"])
@pytest.mark.parametrize("op, shape, attrs", CASES)
def test_the_permutation_copies_every_value(op: str, shape: tuple[int, ...], attrs: dict,
                                           fork: str | None) -> None:
    model = model_of(op, shape, **attrs)
    graph = from_onnx(model, fork=fork)
    types = {n.type for n in graph.nodes}
    if fork == "ssd":
        assert "Permute" in types and "Slice" not in types
    elif fork == "yolo" and (op == "DepthToSpace" and attrs.get("mode", "DCR") == "DCR"
                             or op == "SpaceToDepth" and shape[2] % 4 == shape[3] % 4 == 0):
        assert "Reorg" in types and "Slice" not in types
    else:
        assert types <= {"Slice", "Reshape", "Concat", "Flatten"}, types
    assert_as_onnxruntime(model, graph, non_finite(shape))


def test_the_batch_reshapes_where_the_batch_axis_stays() -> None:
    graph = from_onnx(model_of("DepthToSpace", (2, 12, 3, 2), blocksize=2, mode="CRD"))
    reshapes = [n for n in graph.nodes if n.type == "Reshape"]
    assert reshapes and all(n.params.written[0] == 0 for n in reshapes)


def refusal(model, fork: str | None = None) -> str:  # noqa: ANN001
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model, fork=fork)
    [(_, _, why)] = caught.value.nodes
    return why


def test_an_axis_past_the_limit_is_refused_naming_the_fork_that_permutes() -> None:
    big = MAX_MOVED_AXIS + 1
    model = model_of("Transpose", (1, big, big, 2), perm=[0, 2, 1, 3])
    why = refusal(model)
    assert f"more than {MAX_MOVED_AXIS} elements" in why and "--fork ssd" in why
    assert "Permute" in {n.type for n in from_onnx(model, fork="ssd").nodes}


@pytest.mark.parametrize("op, shape, attrs, message", [
    ("DepthToSpace", (1, 6, 2, 2), {"blocksize": 2}, "C a multiple of 4"),
    ("SpaceToDepth", (1, 2, 5, 4), {"blocksize": 2}, "H and W multiples of 2"),
    ("DepthToSpace", (1, 8, 2, 2), {"blocksize": 2, "mode": "XYZ"}, "is not DCR or CRD"),
])
def test_blocks_that_do_not_divide_are_refused(op: str, shape: tuple[int, ...], attrs: dict,
                                              message: str) -> None:
    assert message in refusal(model_of(op, shape, **attrs), None)
