"""Pooling and SPP in the torch backend: what the layer-by-layer fixture test cannot show.

The shared tolerance is vacuous for a layer holding -FLT_MAX (its bound scales with the largest
|value|), so the pooling fixtures are held to bit-exact equality here; the other tests check a
run-time batch size other than the prototxt's, tracing and export, and the refusal of
STOCHASTIC pooling as Caffe's CPU forward refuses it.
"""
from __future__ import annotations

import pathlib
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler import layer_outputs, load_torch  # noqa: E402
from prototxt_compiler.errors import CompilerError, LayerError  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
POOLING_CASES = sorted(p for p in NUMERIC.glob("*.prototxt")
                       if p.stem.startswith(("pool_", "spp_")))

SMALL_NET = """name: "small_pooling"
layer { name: "data" type: "Input" top: "data"
  input_param { shape { dim: 2 dim: 3 dim: 8 dim: 7 } } }
layer { name: "max" type: "Pooling" bottom: "data" top: "max" top: "mask"
  pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 } }
layer { name: "past" type: "Pooling" bottom: "data" top: "past"
  pooling_param { pool: MAX kernel_size: 1 stride: 3 } }
layer { name: "ave" type: "Pooling" bottom: "data" top: "ave"
  pooling_param { pool: AVE kernel_h: 3 kernel_w: 4 stride_h: 2 stride_w: 3 pad_h: 2 pad_w: 1 } }
layer { name: "spp" type: "SPP" bottom: "data" top: "spp" spp_param { pyramid_height: 3 } }
"""


def _load(path: pathlib.Path) -> torch.fx.GraphModule:
    weights = path.with_suffix(".caffemodel")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pooling has no weights to load
        return load_torch(path, weights if weights.exists() else None)


@pytest.fixture
def small_net(tmp_path: pathlib.Path) -> torch.fx.GraphModule:
    path = tmp_path / "small_pooling.prototxt"
    path.write_text(SMALL_NET)
    return _load(path)


@pytest.mark.parametrize("case", POOLING_CASES, ids=lambda p: p.stem)
def test_pooling_fixtures_bit_exact(case: pathlib.Path) -> None:
    module = _load(case)
    ref = dict(np.load(case.with_suffix(".npz")))
    inputs = [torch.from_numpy(ref[f"input:{name}"]) for name in module.input_names]
    ours = layer_outputs(module, *inputs)
    for layer, top in module.caffe_layers.values():
        for blob in top:
            expected = ref[f"layer:{layer}:{blob}"]
            got = ours[f"{layer}:{blob}"].numpy()
            assert np.array_equal(got, expected, equal_nan=True), f"{layer}:{blob}"


def test_empty_windows_are_caffe_values() -> None:
    module = _load(NUMERIC / "pool_past_input.prototxt")
    x = torch.randn(1, 2, 6, 5)
    out = layer_outputs(module, x)
    top, mask = out["max_past:max_past"], out["max_past:max_past_mask"]
    assert torch.all(top[..., 2, :] == -3.4028234663852886e38)
    assert torch.all(mask[..., :, 2] == -1.0)
    ave = out["ave_past:ave_past"]
    assert torch.all(torch.isnan(ave[..., 2, :]))  # 0 / 0: the window's height is 0


@pytest.mark.parametrize("batch", [1, 5])
def test_batch_size_at_run_time(small_net: torch.fx.GraphModule, batch: int) -> None:
    x = torch.randn(batch, 3, 8, 7)
    whole = layer_outputs(small_net, x)
    for i in range(batch):
        alone = layer_outputs(small_net, x[i:i + 1])
        for key, value in alone.items():
            assert torch.equal(whole[key][i:i + 1], value), key


def test_jit_trace(small_net: torch.fx.GraphModule) -> None:
    x = torch.randn(2, 3, 8, 7)
    traced = torch.jit.trace(small_net, (x,))
    y = torch.randn(4, 3, 8, 7)
    for got, expected in zip(traced(y), small_net(y)):
        assert torch.equal(got, expected)


def test_export_with_dynamic_batch(small_net: torch.fx.GraphModule) -> None:
    x = torch.randn(2, 3, 8, 7)
    batch = torch.export.Dim("batch", min=1, max=64)
    exported = torch.export.export(small_net, (x,), dynamic_shapes=({0: batch},))
    y = torch.randn(3, 3, 8, 7)
    for got, expected in zip(exported.module()(y), small_net(y)):
        assert torch.equal(got, expected)


def _stochastic(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "stochastic.prototxt"
    path.write_text(SMALL_NET.replace("pool: AVE", "pool: STOCHASTIC").replace(
        " pad_h: 2 pad_w: 1", ""))
    return path


def test_stochastic_pooling_is_refused(tmp_path: pathlib.Path) -> None:
    with pytest.raises(CompilerError, match="STOCHASTIC.*Not Implemented Yet"):
        _load(_stochastic(tmp_path))


def test_stochastic_pooling_error_names_the_layer(tmp_path: pathlib.Path) -> None:
    with pytest.raises(LayerError) as error:
        _load(_stochastic(tmp_path))
    assert error.value.layer == "ave" and error.value.field == "pooling_param.pool"


def test_stochastic_spp_is_refused(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "stochastic_spp.prototxt"
    path.write_text(SMALL_NET.replace("pyramid_height: 3", "pyramid_height: 2 pool: STOCHASTIC"))
    with pytest.raises(CompilerError, match="STOCHASTIC"):
        _load(path)
