"""The shape-family ONNX converters (Concat, Slice, Split, Flatten, Reshape, Crop, Tile,
Reduction, ArgMax, Softmax) beyond test_onnx_vs_caffe.py's default opset: the golden fixtures
at the oldest and newest opsets held to real Caffe, a model exported at the prototxt's batch run
at other batches against the net declared at that batch, and ArgMax's tie order."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import load  # noqa: E402
from prototxt_compiler.backends.onnx import max_opset, to_onnx  # noqa: E402
from prototxt_compiler.backends.onnx.lower import value_names  # noqa: E402
from tests.backends.test_onnx_vs_caffe import expose_everything, graph_of, run  # noqa: E402
from tests.tolerance import assert_close, mismatch  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
CASES = ["concat_axes", "slice_points", "split_tops", "flatten_axes", "reshape_rules",
         "crop_axes", "tile_axes", "reduction_ops", "softmax_axes"]
OPSETS = [13, min(21, max_opset())]
# cases whose every layer runs at any batch (slice_points cuts the batch in two equal parts)
BATCH_CASES = {"reshape_rules": [1, 4], "flatten_axes": [1, 4], "softmax_axes": [1, 4],
               "reduction_ops": [1, 4], "crop_axes": [1, 4], "tile_axes": [1, 4],
               "concat_axes": [1, 4], "slice_points": [4, 6]}


def _checked(model: onnx.ModelProto) -> onnx.ModelProto:
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    return model


def _every_layer(model: onnx.ModelProto, graph, feeds: dict) -> dict[str, np.ndarray]:
    """LAYER:TOP -> the value ONNX Runtime computes for it."""
    keys = expose_everything(model, graph, value_names(graph))
    names = list(keys)
    return {keys[name]: value for name, value in zip(names, run(model, feeds, names))}


@pytest.mark.parametrize("opset", OPSETS, ids=lambda o: f"opset{o}")
@pytest.mark.parametrize("case", CASES)
def test_fixture_matches_caffe_at_opset(case: str, opset: int) -> None:
    graph = graph_of(NUMERIC / f"{case}.prototxt")
    model = _checked(to_onnx(graph, opset=opset))
    ref = dict(np.load(NUMERIC / f"{case}.npz"))
    feeds = {v.blob: ref[f"input:{v.blob}"] for v in graph.inputs}
    got = _every_layer(model, graph, feeds)
    problems = [p for key, ours in got.items() if (p := mismatch(ours, ref[f"layer:{key}"], key))]
    assert problems == []


def test_reduce_axes_follow_the_opset() -> None:
    """ReduceMean takes its axes as an attribute before opset 18 and as an input from 18."""
    graph = graph_of(NUMERIC / "reduction_ops.prototxt")
    old = [n for n in to_onnx(graph, opset=13).graph.node if n.op_type == "ReduceMean"]
    new = [n for n in to_onnx(graph, opset=18).graph.node if n.op_type == "ReduceMean"]
    assert old and all(len(n.input) == 1 and n.attribute[0].name == "axes" for n in old)
    assert new and all(len(n.input) == 2 for n in new)


@pytest.mark.parametrize("case,batch", [(c, b) for c, bs in BATCH_CASES.items() for b in bs],
                         ids=lambda v: str(v))
def test_symbolic_batch_runs_any_batch_as_caffe(case: str, batch: int) -> None:
    """Exported at the prototxt's batch 2 and run at ``batch``: every top equals that of the
    net declared at ``batch`` (exported with a static batch)."""
    prototxt = NUMERIC / f"{case}.prototxt"
    ref = np.load(prototxt.with_suffix(".npz"))
    rng = np.random.default_rng(batch)
    feeds = {k[len("input:"):]: rng.standard_normal((batch,) + ref[k].shape[1:])
             .astype(np.float32) for k in ref.files if k.startswith("input:")}
    ours_graph = load(prototxt)
    theirs_graph = load(prototxt, input_shapes={k: v.shape for k, v in feeds.items()})
    ours = _every_layer(_checked(to_onnx(ours_graph)), ours_graph, feeds)
    theirs = _every_layer(_checked(to_onnx(theirs_graph, static_batch=True)), theirs_graph,
                          feeds)
    assert ours.keys() == theirs.keys()
    for key, expected in theirs.items():
        assert ours[key].shape == expected.shape, f"{key} (batch {batch})"
        assert_close(ours[key], expected, f"{key} (batch {batch})")


TIES = """
name: "ties"
layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 2 dim: 3 dim: 2 } } }
layer { name: "xx" type: "Concat" bottom: "x" bottom: "x" top: "xx" concat_param { axis: 2 } }
layer { name: "flat" type: "ArgMax" bottom: "xx" top: "flat" argmax_param { top_k: 5
  out_max_val: true } }
layer { name: "on2" type: "ArgMax" bottom: "xx" top: "on2" argmax_param { axis: 2 top_k: 3 } }
layer { name: "on0" type: "ArgMax" bottom: "xx" top: "on0" argmax_param { axis: 0 top_k: 2 } }
"""


def _caffe_rank(x: np.ndarray, axis: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Caffe's order: descending values, equal values by descending index."""
    x = np.moveaxis(x, axis, -1)
    order = np.argsort(-x[..., ::-1], axis=-1, kind="stable")[..., :k]
    index = x.shape[-1] - 1 - order
    values = np.take_along_axis(x, index, -1)
    return np.moveaxis(values, -1, axis), np.moveaxis(index.astype(np.float32), -1, axis)


@pytest.mark.parametrize("opset", OPSETS, ids=lambda o: f"opset{o}")
def test_argmax_ties_rank_the_larger_index_first(tmp_path: pathlib.Path, opset: int) -> None:
    (tmp_path / "ties.prototxt").write_text(TIES)
    graph = load(tmp_path / "ties.prototxt")
    x = np.round(np.random.default_rng(0).standard_normal((2, 3, 2)), 1).astype(np.float32)
    x[1] = x[0]  # ties along the batch axis too
    xx = np.concatenate([x, x], axis=2)
    got = _every_layer(_checked(to_onnx(graph, opset=opset)), graph, {"x": x})
    values, index = _caffe_rank(xx.reshape(2, -1), 1, 5)
    assert_close(got["flat:flat"], np.stack([index, values], 1), "flat")
    assert_close(got["on2:on2"], _caffe_rank(xx, 2, 3)[1], "on2")
    assert_close(got["on0:on0"], _caffe_rank(xx, 0, 2)[1], "on0")
    assert got["on0:on0"][0].tolist() == np.ones((3, 4)).tolist()  # equal items: index 1 first
