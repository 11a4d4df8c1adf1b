"""Blobs of no elements, and of no axes, through both backends: the shapes Caffe gives them.

A Reshape to no axes was run by real Caffe (1.0): the top is a 0-axis blob holding the
bottom's one value. Caffe itself aborts on a forward that reads a blob of 0 elements (its
data was never allocated), so for those the expectation is only the top's shape, as Caffe's
Reshape sets it, with no elements to differ; the export must still pass onnx.checker and run.
"""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

import prototxt_compiler as pc

ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")


def _both(tmp_path: pathlib.Path, text: str, x: np.ndarray) -> tuple[list, list]:
    net = tmp_path / "net.prototxt"
    net.write_text(text)
    model, graph, _ = pc.compile_onnx(net, static_batch=True)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    onnx_out = session.run(None, {"data": x})
    module = pc.load_torch(net)
    with torch.no_grad():
        out = module(torch.from_numpy(x))
    torch_out = [t.numpy() for t in (out if isinstance(out, tuple) else (out,))]
    return onnx_out, torch_out


def test_reshape_to_no_axes_keeps_the_value(tmp_path: pathlib.Path) -> None:
    text = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 } } }
layer { name: "flat" type: "Reshape" bottom: "data" top: "flat" reshape_param { axis: 0 } }
layer { name: "again" type: "Reshape" bottom: "flat" top: "again" reshape_param { } }
"""
    x = np.array([1.6243454], np.float32)
    for out in _both(tmp_path, text, x):
        assert out[0].shape == ()  # Caffe: shape:again = [], value 1.6243454
        assert out[0] == x[0]


@pytest.mark.parametrize(("layer", "shape"), [
    ('type: "MVN" mvn_param { normalize_variance: true }', (0, 0, 1, 1)),
    ('type: "MVN" mvn_param { across_channels: true }', (0, 0, 1, 1)),
    ('type: "ArgMax" argmax_param { top_k: 2 out_max_val: true }', (0, 2, 2)),
    ('type: "ArgMax" argmax_param { axis: 1 }', (0, 1)),
])
def test_empty_batch_gives_an_empty_top(tmp_path: pathlib.Path, layer: str,
                                       shape: tuple[int, ...]) -> None:
    dims = "dim: 0 dim: 3" if "ArgMax" in layer else "dim: 0 dim: 0"
    text = f"""
layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ {dims} }} }} }}
layer {{ name: "l" bottom: "data" top: "l" {layer} }}
"""
    x = np.zeros([0, 3] if "ArgMax" in layer else [0, 0], np.float32)
    for out in _both(tmp_path, text, x):
        assert out[0].shape == shape
