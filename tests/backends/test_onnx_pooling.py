"""Pooling, SPP and the dense layers in the ONNX backend: what the shared fixture test cannot
show. The shared tolerance is vacuous for a layer holding -FLT_MAX, so pooling tops are held
here to float32 rounding (NaN and -0 where Caffe has them); the exports are checked at the
lowest and a newer opset, at run-time batch sizes other than the prototxt's, and for the
refusal of STOCHASTIC pooling."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import load  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from prototxt_compiler.backends.onnx.lower import value_names  # noqa: E402
from prototxt_compiler.errors import LayerError  # noqa: E402
from tests.backends.test_onnx_vs_caffe import expose_everything, graph_of, run  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
FLT_MAX = 3.4028234663852886e38


def _layers(case: str, opset: int, feeds: dict[str, np.ndarray] | None = None
            ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every (LAYER:TOP) of the fixture run in onnxruntime, and the fixture's arrays."""
    path = NUMERIC / f"{case}.prototxt"
    graph = graph_of(path)
    model = to_onnx(graph, opset=opset)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    ref = dict(np.load(path.with_suffix(".npz")))
    if feeds is None:
        feeds = {v.blob: ref[f"input:{v.blob}"] for v in graph.inputs}
    keys = expose_everything(model, graph, value_names(graph))
    results = run(model, feeds, list(keys))
    return dict(zip(keys.values(), results)), ref


def _assert_caffe(ours: np.ndarray, ref: np.ndarray, what: str) -> None:
    assert ours.shape == ref.shape, what
    assert np.array_equal(np.isnan(ours), np.isnan(ref)), what
    assert np.array_equal(np.signbit(ours), np.signbit(ref)), what
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-6, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("opset", [13, 17, 21])
@pytest.mark.parametrize("case", ["pool_max_mask", "pool_past_input", "pool_clip",
                                  "pool_round_modes", "spp_pyramid"])
def test_pooling_matches_caffe_at_opsets(case: str, opset: int) -> None:
    ours, ref = _layers(case, opset)
    for key, value in ours.items():
        _assert_caffe(value, ref[f"layer:{key}"], key)


def test_empty_windows_are_caffe_values() -> None:
    ours, _ = _layers("pool_past_input", 17)
    top, mask = ours["max_past:max_past"], ours["max_past:max_past_mask"]
    assert np.all(top[..., 2, :] == -FLT_MAX) and np.all(top[..., :, 2] == -FLT_MAX)
    assert np.all(mask[..., 2, :] == -1.0) and np.all(mask[..., :, 2] == -1.0)
    assert np.all(np.isnan(ours["ave_past:ave_past"][..., 2, :]))  # 0 / 0


def test_mask_is_the_index_in_the_unpadded_plane() -> None:
    ours, ref = _layers("pool_max_mask", 17)
    x = ref["input:data"]
    for layer in ("m1", "m2", "m3"):
        top, mask = ours[f"{layer}:{layer}"], ours[f"{layer}:{layer}_mask"]
        flat = x.reshape(x.shape[0], x.shape[1], -1)
        picked = np.take_along_axis(flat, mask.astype(np.int64).reshape(*mask.shape[:2], -1), 2)
        assert np.array_equal(picked.reshape(top.shape), top), layer


@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("case", ["pool_max_mask", "pool_ave_pad", "spp_pyramid",
                                  "ip_axis_transpose", "embed_lookup"])
def test_symbolic_batch_gives_per_item_results(case: str, batch: int) -> None:
    ref = dict(np.load(NUMERIC / f"{case}.npz"))
    x = ref["input:data"]
    assert x.shape[0] == 2
    pick = np.arange(batch) % 2  # batch 1: item 0; batch 4: items 0, 1, 0, 1
    ours, _ = _layers(case, 17, {"data": x[pick]})
    for key, value in ours.items():
        _assert_caffe(value, ref[f"layer:{key}"][pick], key)


def test_caffe_compatible_pooling_is_one_node(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "plain.prototxt"
    path.write_text('name: "plain"\n'
                    'layer { name: "data" type: "Input" top: "data"\n'
                    '  input_param { shape { dim: 1 dim: 2 dim: 8 dim: 8 } } }\n'
                    'layer { name: "max" type: "Pooling" bottom: "data" top: "max"\n'
                    '  pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n'
                    'layer { name: "ave" type: "Pooling" bottom: "data" top: "ave"\n'
                    '  pooling_param { pool: AVE kernel_size: 3 stride: 1 pad: 1 } }\n'
                    'layer { name: "gap" type: "Pooling" bottom: "data" top: "gap"\n'
                    '  pooling_param { pool: AVE global_pooling: true } }\n')
    model = to_onnx(load(path))
    assert [n.op_type for n in model.graph.node] == ["MaxPool", "AveragePool",
                                                     "GlobalAveragePool"]
    assert [n.name for n in model.graph.node] == ["max", "ave", "gap"]


@pytest.mark.parametrize("layer", [
    'type: "Pooling" bottom: "data" top: "p" pooling_param { pool: STOCHASTIC kernel_size: 2 }',
    'type: "SPP" bottom: "data" top: "p" spp_param { pyramid_height: 2 pool: STOCHASTIC }'])
def test_stochastic_pooling_is_refused(tmp_path: pathlib.Path, layer: str) -> None:
    path = tmp_path / "stochastic.prototxt"
    path.write_text('name: "s"\nlayer { name: "data" type: "Input" top: "data"\n'
                    '  input_param { shape { dim: 1 dim: 2 dim: 8 dim: 8 } } }\n'
                    f'layer {{ name: "p" {layer} }}\n')
    with pytest.raises(LayerError, match="STOCHASTIC") as error:
        to_onnx(load(path))
    assert error.value.layer == "p" and error.value.field == "pooling_param.pool"
