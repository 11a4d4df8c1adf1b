"""The default module computes a BatchNorm and the Scale after it in one pass (as torch's
own BatchNorm does), keeping one submodule per Caffe layer: the same names, types and
state_dict keys, blobs read at run time, ``layer_outputs`` layer by layer; and it fuses only
where that is exact (the BatchNorm's top read by the Scale alone, global statistics, a
learned per-channel Scale)."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler import layer_outputs, load, load_torch, to_torch  # noqa: E402
from prototxt_compiler.backends.torch import fused, norm  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
NET = NUMERIC / "net_resnext_seed.prototxt"


def _fused_calls(module) -> list:  # noqa: ANN001
    return [n for n in module.graph.nodes
            if n.op == "call_function" and n.target is fused.batch_norm_scale]


def test_every_batchnorm_scale_pair_runs_as_one_pass_and_keeps_its_modules() -> None:
    graph = load(NET, weights=NET.with_suffix(".caffemodel"))
    module = to_torch(graph)
    pairs = [n for n in graph.nodes if n.type == "Scale"
             and n.inputs[0].producer is not None and n.inputs[0].producer.type == "BatchNorm"]
    assert len(_fused_calls(module)) == len(pairs) > 10
    called = {n.target for n in module.graph.nodes if n.op == "call_module"}
    for scale in pairs:
        bn = scale.inputs[0].producer
        assert type(module.get_submodule(bn.name)) is norm.CaffeBatchNorm
        assert type(module.get_submodule(scale.name)) is norm.CaffeScale
        assert bn.name not in called and scale.name not in called
    keys = list(module.state_dict())
    assert keys == [f"{name}.{k}" for name, sub in module.named_children()
                    for k in sub.state_dict()]
    assert {"bn0.mean", "bn0.variance", "bn0.factor", "scale_bn0.weight",
            "scale_bn0.bias"} <= set(keys)


def test_layer_outputs_still_sees_each_layer_as_caffe_did() -> None:
    module = load_torch(NET, NET.with_suffix(".caffemodel"))
    ref = dict(np.load(NET.with_suffix(".npz")))
    outs = layer_outputs(module, torch.from_numpy(ref["input:data"]))
    for key in ("bn0:conv0", "scale_bn0:conv0", "stage1_unit1_bn1:stage1_unit1_conv1",
                "scale_stage1_unit1_bn1:stage1_unit1_conv1"):
        assert_close(outs[key].numpy(), ref[f"layer:{key}"], key)
    with torch.inference_mode():
        assert_close(module(torch.from_numpy(ref["input:data"])).numpy(), ref["output:prob"],
                     "prob")


def _bn_scale_net(tmp_path: pathlib.Path, extra: str = "", bn_param: str = "") -> pathlib.Path:
    path = tmp_path / "net.prototxt"
    path.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 '
                    'dim: 2 dim: 1 dim: 2 } } }\n'
                    f'layer {{ name: "bn" type: "BatchNorm" bottom: "data" top: "x" {bn_param} }}\n'
                    'layer { name: "sc" type: "Scale" bottom: "x" top: "y" '
                    'scale_param { bias_term: true } }\n' + extra)
    return path


def _set(module, factor: float) -> None:  # noqa: ANN001
    with torch.no_grad():
        module.bn.mean.copy_(torch.tensor([2.0, -4.0]))
        module.bn.variance.copy_(torch.tensor([6.0, 2.0]))
        module.bn.factor.copy_(torch.tensor([factor]))
        module.sc.weight.copy_(torch.tensor([3.0, 0.5]))
        module.sc.bias.copy_(torch.tensor([1.0, -1.0]))


def test_the_fused_pass_reads_the_blobs_at_run_time(tmp_path: pathlib.Path) -> None:
    """factor 2: mean (1, -2), variance (3, 1); eps 1e-5.
    channel 0: (x - 1) / sqrt(3 + 1e-5) * 3 + 1; channel 1: (x + 2) / sqrt(1 + 1e-5) * 0.5 - 1.
    factor 0: statistics 0, so y = x / sqrt(1e-5) * gamma + beta."""
    module = to_torch(_filled(_bn_scale_net(tmp_path)))
    assert len(_fused_calls(module)) == 1
    x = torch.tensor([[[[1.0, 4.0]], [[-2.0, 0.0]]]])
    _set(module, 2.0)
    expected = torch.tensor([[[[1.0, 1.0 + 9.0 / (3 + 1e-5) ** 0.5]],
                              [[-1.0, -1.0 + 1.0 / (1 + 1e-5) ** 0.5]]]])
    torch.testing.assert_close(module(x), expected, rtol=1e-6, atol=1e-6)
    _set(module, 0.0)
    root = (1e-5) ** 0.5
    expected = torch.tensor([[[[3.0 / root + 1.0, 12.0 / root + 1.0]],
                              [[-1.0 / root - 1.0, -1.0]]]])
    torch.testing.assert_close(module(x), expected, rtol=1e-5, atol=1e-5)
    recorded = layer_outputs(module, x)
    torch.testing.assert_close(recorded["sc:y"], expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(recorded["bn:x"], x / root, rtol=1e-5, atol=1e-5)


def _filled(path: pathlib.Path):  # noqa: ANN202
    from prototxt_compiler import init_weights

    graph = load(path)
    init_weights(graph, seed=0)
    return graph


@pytest.mark.parametrize("extra,bn_param", [
    ('layer { name: "other" type: "ReLU" bottom: "x" top: "z" }\n', ""),
    ("", "batch_norm_param { use_global_stats: false }"),
], ids=["bn-top-read-twice", "batch-statistics"])
def test_no_fusion_where_it_would_not_be_exact(tmp_path: pathlib.Path, extra: str,
                                               bn_param: str) -> None:
    graph = _filled(_bn_scale_net(tmp_path, extra, bn_param))
    module = to_torch(graph)
    assert _fused_calls(module) == []
    x = torch.randn(1, 2, 1, 2)
    outs = layer_outputs(module, x)
    got = module(x)
    got = got if isinstance(got, tuple) else (got,)
    for value, tensor in zip(graph.outputs, got):
        torch.testing.assert_close(tensor, outs[f"{value.producer.name}:{value.blob}"])


def test_the_fused_module_moves_and_converts_like_any(tmp_path: pathlib.Path) -> None:
    module = to_torch(_filled(_bn_scale_net(tmp_path)))
    _set(module, 2.0)
    x = torch.randn(3, 2, 1, 2)
    expected = module(x)
    double = module.double()
    got = double(x.double())
    assert got.dtype == torch.float64
    torch.testing.assert_close(got.float(), expected, rtol=1e-6, atol=1e-6)
