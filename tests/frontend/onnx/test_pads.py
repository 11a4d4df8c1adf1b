"""Pads that from-onnx writes as layers copy every value exactly, infinities and NaN
included, and write their zeros rather than compute them: the explicit zero pad (Slice,
Power of scale 0, Tile, Concat), reflection and edge padding (Slice, Concat). Held to
onnxruntime through the PyTorch backend (itself held to Caffe's Slice, Power, Tile and
Concat) and, where real Caffe is set up, in Caffe."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from prototxt_compiler.to_caffe import caffe_oracle, from_onnx, save_caffe
from tests.frontend.onnx.builder import Builder

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


def padded(mode: str, pads: list[int], value: float = 0.0):  # noqa: ANN201
    b = Builder("pads", 13)
    x = b.input("data", (1, 2, 3, 4))
    inputs = [x, b.ints("pads", pads)] + ([b.const("value", value)] if value else [])
    b.output(b.node("Pad", inputs, "pad", mode=mode))
    return b.model()


def non_finite() -> np.ndarray:
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    x[0, 0, 1, 1], x[0, 1, 0, 3], x[0, 1, 2, 0] = np.inf, np.nan, -np.inf
    return x


CASES = [("constant", [0, 0, 1, 0, 0, 0, 0, 2], 0.0),
         ("constant", [0, 0, 2, 1, 0, 0, 1, 3], 0.0),
         ("constant", [0, 0, 1, 2, 0, 0, 2, 1], -np.inf),  # before a max pooling
         ("constant", [0, 0, 0, 1, 0, 0, 1, 0], 2.5),
         ("reflect", [0, 0, 2, 3, 0, 0, 1, 2], 0.0), ("edge", [0, 0, 3, 0, 0, 0, 1, 4], 0.0)]


@pytest.mark.parametrize("mode, pads, value", CASES)
def test_pads_copy_inf_and_nan_where_onnx_puts_them(mode: str, pads: list[int],
                                                    value: float) -> None:
    model = padded(mode, pads, value)
    graph = from_onnx(model)
    if mode == "constant":  # not folded into anything: the explicit pad layer
        assert "Deconvolution" not in {n.type for n in graph.nodes}
        assert {"Slice", "Power", "Concat"} <= {n.type for n in graph.nodes}
    x = non_finite()
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (want,) = session.run(None, {"data": x})
    from prototxt_compiler import to_torch

    with torch.inference_mode():
        got = to_torch(graph)(torch.from_numpy(x)).numpy()
    np.testing.assert_array_equal(got, want)


def test_pads_in_real_caffe(tmp_path) -> None:
    oracle = caffe_oracle()
    if oracle is None:
        pytest.skip("real Caffe (caffe-oracle) is not set up here")
    x = non_finite()
    np.save(tmp_path / "x.npy", x)
    for i, (mode, pads, value) in enumerate(CASES):
        model = padded(mode, pads, value)
        graph = from_onnx(model)
        net, weights = tmp_path / f"net{i}.prototxt", tmp_path / f"net{i}.caffemodel"
        save_caffe(graph, net, weights)
        out = tmp_path / f"out{i}.npz"
        subprocess.run([sys.executable, oracle, "forward", str(net), "--input",
                        f"data={tmp_path / 'x.npy'}", "--out", str(out)]
                       + (["--weights", str(weights)] if weights.exists() and
                          weights.stat().st_size else []), check=True, capture_output=True)
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        (want,) = session.run(None, {"data": x})
        caffe = np.load(out)
        value = graph.outputs[0]
        np.testing.assert_array_equal(caffe[f"layer:{value.producer.name}:{value.blob}"], want)
