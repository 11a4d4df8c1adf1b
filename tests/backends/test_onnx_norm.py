"""The ONNX converters of the norm, activation and eltwise families, for what the shared
fixture test does not show: the oldest and a newer opset (ReduceMean's axes move from an
attribute to an input at 18), initializer names and shapes, BatchNorm's factor worked out by
hand, and a symbolic batch run at batch sizes other than the fixtures'."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import load  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
# cases whose every layer treats each batch item on its own (inputs of one batch size)
PER_ITEM_CASES = ["act_exp_log", "act_nan", "act_power", "act_smooth", "act_threshold_clip",
                  "bn_2d_eps", "bn_scale_apart", "bn_scale_inplace", "eltwise_inplace",
                  "eltwise_ops", "lrn_across", "lrn_inplace", "lrn_within", "scale_axes"]
OPSET_CASES = ["bn_scale_inplace", "lrn_inplace", "lrn_within", "eltwise_inplace",
               "act_exp_log", "act_threshold_clip", "scale_axes"]


def _graph(case: str):
    graph = load(NUMERIC / f"{case}.prototxt")
    attach_weights(graph, read_caffemodel(NUMERIC / f"{case}.caffemodel"))
    return graph


def _run(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in model.graph.output]
    return dict(zip(names, session.run(names, feeds)))


def _checked(model: onnx.ModelProto) -> onnx.ModelProto:
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    return model


@pytest.mark.parametrize("opset", [13, 21])
@pytest.mark.parametrize("case", OPSET_CASES)
def test_fixture_outputs_at_other_opsets(case: str, opset: int) -> None:
    graph = _graph(case)
    model = _checked(to_onnx(graph, opset=opset))
    assert model.opset_import[0].version == opset
    ref = dict(np.load(NUMERIC / f"{case}.npz"))
    ours = _run(model, {v.blob: ref[f"input:{v.blob}"] for v in graph.inputs})
    for name, value in ours.items():
        assert_close(value, ref[f"output:{name}"], f"{case}@{opset}:{name}")


@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("case", PER_ITEM_CASES)
def test_symbolic_batch_gives_per_item_results(case: str, batch: int) -> None:
    graph = _graph(case)
    model = _checked(to_onnx(graph))
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"
    ref = dict(np.load(NUMERIC / f"{case}.npz"))
    inputs = {v.blob: ref[f"input:{v.blob}"] for v in graph.inputs}
    (given,) = {x.shape[0] for x in inputs.values()}
    items = (np.arange(batch) % given)[::-1].copy()  # item i of ours is Caffe's items[i]
    ours = _run(model, {name: x[items] for name, x in inputs.items()})
    for name, result in ours.items():
        assert result.shape[0] == batch
        assert_close(result, ref[f"output:{name}"][items], f"{case}@{batch}:{name}")


def _net(tmp_path: pathlib.Path, body: str, shape: tuple[int, ...]):
    dims = " ".join(f"dim: {d}" for d in shape)
    path = tmp_path / "net.prototxt"
    path.write_text(f'layer {{ name: "data" type: "Input" top: "data" '
                    f'input_param {{ shape {{ {dims} }} }} }}\n{body}')
    return load(path)


def _batch_norm_model(tmp_path: pathlib.Path, factor: float) -> onnx.ModelProto:
    graph = _net(tmp_path, 'layer { name: "bn" type: "BatchNorm" bottom: "data" top: "y" '
                           'batch_norm_param { eps: 0.25 } }', (2, 2, 3))
    (node,) = [n for n in graph.nodes if n.type == "BatchNorm"]
    node.blobs = (np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32),
                  np.array([factor], np.float32))
    return _checked(to_onnx(graph))


def test_batch_norm_with_factor_zero_uses_zero_statistics(tmp_path: pathlib.Path) -> None:
    # factor 0: mean 0 and variance 0, so y = x / sqrt(0.25) = 2 x
    model = _batch_norm_model(tmp_path, 0.0)
    x = np.random.default_rng(0).standard_normal((3, 2, 3)).astype(np.float32)
    assert_close(_run(model, {"data": x})["y"], 2 * x, "bn")
    stored = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    np.testing.assert_array_equal(stored["bn.mean"], [0, 0])
    np.testing.assert_array_equal(stored["bn.variance"], [0, 0])


def test_batch_norm_divides_statistics_by_factor(tmp_path: pathlib.Path) -> None:
    model = _batch_norm_model(tmp_path, 2.0)
    x = np.random.default_rng(1).standard_normal((2, 2, 3)).astype(np.float32)
    mean = np.array([0.5, 1.0]).reshape(1, 2, 1)
    variance = np.array([1.5, 2.0]).reshape(1, 2, 1)
    assert_close(_run(model, {"data": x})["y"], (x - mean) / np.sqrt(variance + 0.25), "bn")


BATCH_STATS = ('layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" '
               'batch_norm_param { use_global_stats: false eps: 0.01 } }\n'
               'layer { name: "mvn" type: "MVN" bottom: "data" top: "mvn" '
               'mvn_param { eps: 0.5 } }\n'
               'layer { name: "mvn_across" type: "MVN" bottom: "data" top: "mvn_across" '
               'mvn_param { across_channels: true } }\n')


@pytest.mark.parametrize("opset", [13, 17, 18, 21])
def test_reductions_at_every_axes_form(tmp_path: pathlib.Path, opset: int) -> None:
    graph = _net(tmp_path, BATCH_STATS, (3, 2, 4))
    model = _checked(to_onnx(graph, opset=opset))
    x = np.random.default_rng(2).standard_normal((3, 2, 4)).astype(np.float32) * 3 + 1
    ours = _run(model, {"data": x})
    m = x.mean(axis=(0, 2), keepdims=True)
    v = ((x - m) ** 2).mean(axis=(0, 2), keepdims=True)
    assert_close(ours["bn"], (x - m) / np.sqrt(v + 0.01), "bn")
    d = x - x.mean(axis=2, keepdims=True)
    mvn = d / (np.sqrt((d ** 2).mean(axis=2, keepdims=True)) + 0.5)
    assert_close(ours["mvn"], mvn.reshape(3, 2, 4, 1), "mvn")
    rows = x.reshape(3, -1)
    d = rows - rows.mean(axis=1, keepdims=True)
    across = d / (np.sqrt((d ** 2).mean(axis=1, keepdims=True)) + 1e-9)
    assert_close(ours["mvn_across"], across.reshape(3, 2, 4, 1), "mvn_across")


def test_initializers_are_named_and_shaped_to_broadcast() -> None:
    model = to_onnx(_graph("bn_scale_inplace"))
    shapes = {t.name: tuple(t.dims) for t in model.graph.initializer}
    assert shapes["bn1.mean"] == (5,) and shapes["bn1.variance"] == (5,)
    assert shapes["scale1.weight"] == (5, 1, 1) and shapes["scale1.bias"] == (5, 1, 1)
    assert "scale2.bias" not in shapes
    assert {n.name for n in model.graph.node} >= {"bn1", "scale1", "scale2"}
