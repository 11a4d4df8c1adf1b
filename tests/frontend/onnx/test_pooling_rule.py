"""The pooling rule over a grid of ONNX poolings (sizes, kernels, strides, begin and end
pads, ceil_mode, count_include_pad, MAX and AVE): every configuration the rule converts
computes onnxruntime's output in the Caffe layers it writes (run in the PyTorch backend,
itself held to Caffe's pooling; the branches are also run in real Caffe by
test_ops_vs_caffe), AVE is never refused, and MAX only where no round mode gives ONNX's
size. Outside CI, with real Caffe set up, the same grid runs in Caffe (slow)."""
from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.frontend.onnx.pooling_rule import OnnxPool, onnx_size, plan_pooling
from prototxt_compiler.frontend.onnx.registry import Refused
from prototxt_compiler.ops.pooling import pooled_hw
from prototxt_compiler.to_caffe import caffe_oracle, from_onnx, save_caffe
from tests.frontend.onnx.builder import Builder
from tests.tolerance import mismatch

ort = pytest.importorskip("onnxruntime")


def grid() -> list[tuple[int, int, int, int, int, bool, bool, bool]]:
    """(size, kernel, stride, begin, end, ceil, include_pad, max) with pads below the kernel
    (onnxruntime's rule) and at least one output."""
    out = []
    for n, k, s, b, e, ceil, include, is_max in itertools.product(
            (4, 5, 7, 8), (1, 2, 3), (1, 2, 3), (0, 1, 2), (0, 1, 2), (False, True),
            (False, True), (False, True)):
        if b >= k or e >= k or n + b + e < k or (is_max and include):
            continue
        out.append((n, k, s, b, e, ceil, include, is_max))
    return out


GRID = grid()


def expected_refusal(n: int, k: int, s: int, b: int, e: int, ceil: bool, is_max: bool) -> bool:
    """Whether a window is all padding, or (MAX) no Caffe round mode gives ONNX's size."""
    out = onnx_size(n, k, s, b, e, ceil)
    if any(min(i * s - b + k, n) - max(i * s - b, 0) <= 0 for i in range(out)):
        return True
    if not is_max:
        return False
    from prototxt_compiler.ops.pooling import PoolingParams

    for mode in ("CEIL", "FLOOR"):
        if b and b >= k:
            continue
        p = PoolingParams(pool="MAX", kernel=(k, 1), stride=(s, 1), pad=(b, 0), round_mode=mode)
        if pooled_hw(p, n, 1)[0] == out:
            return False
    return True


def build(configs: list[tuple], opset: int = 11):
    b = Builder("grid", opset)
    sizes = sorted({c[0] for c in configs})
    for n in sizes:
        b.input(f"x{n}", (1, 2, n, n + 1))
    names = []
    for i, (n, k, s, pb, pe, ceil, include, is_max) in enumerate(configs):
        attrs = dict(kernel_shape=[k, 2], strides=[s, 1], pads=[pb, 0, pe, 0],
                     ceil_mode=int(ceil))
        if not is_max:
            attrs["count_include_pad"] = int(include)
        names.append(b.node("MaxPool" if is_max else "AveragePool", [f"x{n}"], f"p{i}",
                            **attrs))
    b.output(*names)
    return b.model()


def test_the_rule_refuses_only_what_it_must() -> None:
    for n, k, s, b, e, ceil, include, is_max in GRID:
        pool = OnnxPool(max=is_max, kernel=(k, 1), stride=(s, 1), begin=(b, 0), end=(e, 0),
                        ceil=ceil, count_include_pad=include)
        try:
            plan = plan_pooling(pool, n, 3)
        except Refused:
            assert expected_refusal(n, k, s, b, e, ceil, is_max), (n, k, s, b, e, ceil)
            continue
        assert not expected_refusal(n, k, s, b, e, ceil, is_max), (n, k, s, b, e, ceil)
        padded = n + (b + e if plan.pad_begin is not None else 0)
        assert pooled_hw(plan.params, padded, 3)[0] == onnx_size(n, k, s, b, e, ceil)


def converted_configs() -> list[tuple]:
    return [c for c in GRID if not expected_refusal(*c[:6], c[7])]


def run_onnx(model, feeds):
    options = ort.SessionOptions()
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"]).run(None, feeds)


def inputs_of(model) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {i.name: rng.standard_normal([d.dim_value for d in i.type.tensor_type.shape.dim])
            .astype(np.float32) for i in model.graph.input}


def test_every_converted_pooling_computes_onnxruntime() -> None:
    torch = pytest.importorskip("torch")
    from prototxt_compiler.backends.torch import layer_outputs, to_torch

    model = build(converted_configs())
    graph = from_onnx(model)
    feeds = inputs_of(model)
    expected = run_onnx(model, feeds)
    with torch.inference_mode():
        outs = layer_outputs(to_torch(graph), *[torch.from_numpy(feeds[v.blob])
                                                for v in graph.inputs])
    problems = [p for value, ref in zip(graph.outputs, expected)
                if (p := mismatch(outs[f"{value.producer.name}:{value.blob}"].numpy(), ref,
                                  value.blob))]
    assert problems == []
    assert len(expected) > 300


def test_refused_max_poolings_name_node_and_sizes() -> None:
    refused = [c for c in GRID if c[7] and expected_refusal(*c[:6], True)]
    assert refused
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(build(refused))
    assert len(caught.value.nodes) == len(refused)
    for name, op, why in caught.value.nodes:
        assert op == "MaxPool" and name.startswith("p")
        assert "ONNX pools" in why or "only padding" in why


@pytest.mark.slow
def test_the_grid_in_real_caffe(tmp_path) -> None:
    oracle = caffe_oracle()
    if oracle is None:
        pytest.skip("real Caffe (caffe-oracle) is not set up here")
    model = build(converted_configs())
    graph = from_onnx(model)
    save_caffe(graph, tmp_path / "grid.prototxt", tmp_path / "grid.caffemodel")
    feeds = inputs_of(model)
    args = [sys.executable, oracle, "forward", str(tmp_path / "grid.prototxt"), "--weights",
            str(tmp_path / "grid.caffemodel"), "--out", str(tmp_path / "out.npz")]
    for name, array in feeds.items():
        np.save(tmp_path / f"{name}.npy", array)
        args += ["--input", f"{name}={tmp_path / name}.npy"]
    subprocess.run(args, check=True, capture_output=True)
    caffe = np.load(tmp_path / "out.npz")
    problems = [p for value, ref in zip(graph.outputs, run_onnx(model, feeds))
                if (p := mismatch(caffe[f"layer:{value.producer.name}:{value.blob}"], ref,
                                  value.blob))]
    assert problems == []
