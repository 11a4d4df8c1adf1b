"""The torch converters of the norm, activation and eltwise families, for what the Caffe
fixtures cannot show: state_dict names and round trips, BatchNorm with a zero moving-average
factor worked out by hand, inputs left untouched, and batch sizes other than the prototxt's."""
from __future__ import annotations

import pathlib
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch import fx  # noqa: E402

from prototxt_compiler import (  # noqa: E402
    layer_outputs,
    load,  # noqa: E402
    load_torch,
    to_torch,
)
from prototxt_compiler.frontend.weights import read_caffemodel  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
FAMILY_CASES = sorted(p.stem for p in NUMERIC.glob("*.prototxt")
                      if p.stem.startswith(("bn_", "scale_", "bias_", "lrn_", "mvn_", "act_",
                                            "eltwise_")))
# cases whose every layer treats each batch item on its own (no batch statistics, no
# Parameter tops without a batch axis)
PER_ITEM_CASES = [c for c in FAMILY_CASES
                  if c not in ("bn_batch_stats", "scale_two_bottoms", "bias_forms")]


def _module(case: str) -> fx.GraphModule:
    return load_torch(NUMERIC / f"{case}.prototxt", NUMERIC / f"{case}.caffemodel")


def _inputs(case: str, module: fx.GraphModule) -> list[torch.Tensor]:
    ref = np.load(NUMERIC / f"{case}.npz")
    return [torch.from_numpy(ref[f"input:{name}"]) for name in module.input_names]


def test_state_dict_keys_follow_caffe_layer_and_blob_names() -> None:
    shapes = {k: tuple(v.shape) for k, v in _module("bn_scale_inplace").state_dict().items()}
    assert shapes["bn1.mean"] == (5,) and shapes["bn1.variance"] == (5,)
    assert shapes["bn1.factor"] == (1,)
    assert shapes["scale1.weight"] == (5,) and shapes["scale1.bias"] == (5,)
    assert shapes["scale2.weight"] == (5,) and "scale2.bias" not in shapes
    prelu = {k: tuple(v.shape) for k, v in _module("act_relu_prelu").state_dict().items()}
    assert prelu["prelu.weight"] == (3,) and prelu["prelu_shared.weight"] == ()
    bias = {k: tuple(v.shape) for k, v in _module("bias_forms").state_dict().items()}
    assert bias["b_c.bias"] == (3,) and bias["b_hw.bias"] == (4, 5) and bias["b_0.bias"] == ()
    assert not any(k.startswith(("b_ch.", "b_given0.")) for k in bias)  # bottom 1 is B
    scale = {k: tuple(v.shape) for k, v in _module("scale_two_bottoms").state_dict().items()}
    assert scale["s_ch.bias"] == (3, 4) and scale["s_0.bias"] == ()
    assert "s_c.weight" not in scale


def test_state_dict_holds_the_caffemodel_blobs() -> None:
    blobs = read_caffemodel(NUMERIC / "bn_scale_inplace.caffemodel")
    state = _module("bn_scale_inplace").state_dict()
    for key, (layer, i) in {"bn1.mean": ("bn1", 0), "bn1.variance": ("bn1", 1),
                            "bn1.factor": ("bn1", 2), "scale1.weight": ("scale1", 0),
                            "scale1.bias": ("scale1", 1), "bn2.factor": ("bn2", 2)}.items():
        np.testing.assert_array_equal(state[key].numpy(), blobs[layer][i].reshape(-1))


@pytest.mark.parametrize("case", ["bn_scale_inplace", "bn_2d_eps", "scale_axes",
                                  "scale_two_bottoms", "bias_forms", "act_relu_prelu"])
def test_state_dict_round_trip_is_used_at_run_time(case: str) -> None:
    original = _module(case)
    inputs = _inputs(case, original)
    expected = original(*inputs)
    other = _module(case)
    with torch.no_grad():
        for tensor in list(other.parameters()) + list(other.buffers()):
            tensor.mul_(1.5).add_(0.25)
    changed = other(*inputs)
    assert not all(torch.equal(a, b) for a, b in zip(_tuple(changed), _tuple(expected)))
    other.load_state_dict(original.state_dict())
    for a, b in zip(_tuple(other(*inputs)), _tuple(expected)):
        torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True)


def _tuple(x: Any) -> tuple[torch.Tensor, ...]:
    return x if isinstance(x, tuple) else (x,)


BN_NET = """name: "bn"
layer { name: "data" type: "Input" top: "data"
  input_param { shape { dim: 1 dim: 2 dim: 1 dim: 2 } } }
layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" batch_norm_param { eps: 0.25 } }
"""


def _batch_norm(tmp_path: pathlib.Path, factor: float) -> fx.GraphModule:
    path = tmp_path / "bn.prototxt"
    path.write_text(BN_NET)
    graph = load(path)
    (node,) = [n for n in graph.nodes if n.type == "BatchNorm"]
    node.blobs = (np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32),
                  np.array([factor], np.float32))
    return to_torch(graph)


def test_batch_norm_with_factor_zero_uses_zero_statistics(tmp_path: pathlib.Path) -> None:
    # factor 0: Caffe's scale factor is 0, so mean = 0 and variance = 0, and
    # y = (x - 0) / sqrt(0 + 0.25) = x / 0.5 = 2 x, whatever the stored blobs hold.
    module = _batch_norm(tmp_path, 0.0)
    x = torch.tensor([[[[1.0, -3.0]], [[0.5, 8.0]]]])
    expected = torch.tensor([[[[2.0, -6.0]], [[1.0, 16.0]]]])
    torch.testing.assert_close(module(x), expected, rtol=0, atol=1e-6)


def test_batch_norm_divides_statistics_by_factor(tmp_path: pathlib.Path) -> None:
    # factor 2: mean = (1, 2) / 2 = (0.5, 1), variance = (3, 4) / 2 = (1.5, 2);
    # channel 0: (x - 0.5) / sqrt(1.5 + 0.25) = (x - 0.5) / sqrt(1.75)
    # channel 1: (x - 1) / sqrt(2 + 0.25) = (x - 1) / 1.5
    module = _batch_norm(tmp_path, 2.0)
    x = torch.tensor([[[[1.0, -3.0]], [[0.5, 8.0]]]])
    root = 1.75 ** 0.5
    expected = torch.tensor([[[[0.5 / root, -3.5 / root]], [[-0.5 / 1.5, 7.0 / 1.5]]]])
    torch.testing.assert_close(module(x), expected, rtol=0, atol=1e-6)


class _InputGuard(fx.Interpreter):
    """Runs a module and fails if a submodule changes a tensor it was given, except one the
    lowering marked writable (read by that layer alone, made by a layer, no graph output)."""

    def call_module(self, target: Any, args: Any, kwargs: Any) -> Any:
        submodule = self.fetch_attr(target)
        writable = getattr(submodule, "writable_inputs", ())
        before = [a.clone() for a in args if isinstance(a, torch.Tensor)]
        result = super().call_module(target, args, kwargs)
        after = [a for a in args if isinstance(a, torch.Tensor)]
        for i, (old, new) in enumerate(zip(before, after)):
            if i < len(writable) and writable[i]:
                continue
            torch.testing.assert_close(new, old, rtol=0, atol=0, equal_nan=True,
                                       msg=f"{target} changed its input")
        return result


@pytest.mark.parametrize("case", FAMILY_CASES)
def test_no_layer_modifies_its_input(case: str) -> None:
    module = _module(case)
    inputs = _inputs(case, module)
    copies = [x.clone() for x in inputs]
    with torch.no_grad():
        _InputGuard(module).run(*inputs)
    for x, copy in zip(inputs, copies):
        assert torch.equal(x, copy)


@pytest.mark.parametrize("case", PER_ITEM_CASES)
def test_a_batch_size_other_than_the_prototxts(case: str) -> None:
    module = _module(case)
    inputs = _inputs(case, module)
    bigger = [torch.cat([x, x.flip(0), x[:1]]) for x in inputs]
    whole = layer_outputs(module, *bigger)
    first = layer_outputs(module, *[x[:1] for x in inputs])
    for key, value in first.items():
        assert_close(whole[key][:1].numpy(), value.numpy(), f"{key} (first item)")
        assert_close(whole[key][-1:].numpy(), value.numpy(), f"{key} (last item)")


@pytest.mark.parametrize("backend", ["torch", "onnx", "fold"])
def test_unset_global_stats_follow_the_phase(backend: str, tmp_path: pathlib.Path) -> None:
    """Caffe's BatchNorm without use_global_stats uses the batch's statistics in TRAIN and
    its stored ones in TEST. The TRAIN twin of bn_batch_stats (the field removed) must give
    what Caffe gave that net (use_global_stats false), and in TEST it must not."""
    import prototxt_compiler as pc
    from prototxt_compiler.api import fold_graph

    text = (NUMERIC / "bn_batch_stats.prototxt").read_text()
    net = tmp_path / "train.prototxt"
    net.write_text(text.replace("use_global_stats: false", ""))
    ref = np.load(NUMERIC / "bn_batch_stats.npz")
    inputs = [ref["input:data"], ref["input:seq"]]
    results = {}
    for phase in ("TRAIN", "TEST"):
        graph = pc.init_weights(pc.load(net, phase=phase), seed=0)
        assert graph.node("bn").params.global_stats is (phase == "TEST")
        if backend == "onnx":
            ort = pytest.importorskip("onnxruntime")
            session = ort.InferenceSession(pc.to_onnx(graph).SerializeToString(),
                                           providers=["CPUExecutionProvider"])
            results[phase] = session.run(None, {"data": inputs[0], "seq": inputs[1]})[0]
        else:
            if backend == "fold":
                fold_graph(graph)  # a batch-statistics BatchNorm must not fold away
            module = pc.to_torch(graph)
            with torch.inference_mode():
                results[phase] = module(*map(torch.from_numpy, inputs))[0].numpy()
    assert_close(results["TRAIN"], ref["layer:bn:bn"], "bn:bn (TRAIN)")
    assert np.abs(results["TEST"] - ref["layer:bn:bn"]).max() > 1e-2
