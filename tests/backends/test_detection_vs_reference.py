"""The detection nets of tests/fixtures/detection (a 3-scale SSD head on a small trunk, a tiny
Faster R-CNN) through both backends, every layer against the references their maker stored:
real Caffe's outputs for the layers no fork layer precedes (on the BVLC twin that wrote the
weights) and OpenCV dnn's for every layer of the fork net, at the prototxt's input size and
at a second size (the SSD with batch 2, through the ONNX export's symbolic batch).

OpenCV's DetectionOutput differs from the fork's in two documented ways, which the
comparison undoes and nothing else: it pads its top to keep_top_k * N rows with zeros, and it
orders an image's detections by score over all classes (the fork: by label, then score).
The fork's order and its empty result are held by the hand-derived cases of
tests/ops/test_detection_cases.py."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import layer_outputs, load, to_torch  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from prototxt_compiler.backends.onnx.lower import value_names  # noqa: E402
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel  # noqa: E402
from tests.tolerance import mismatch  # noqa: E402

HERE = pathlib.Path(__file__).parents[1] / "fixtures" / "detection"
CASES = sorted(HERE.glob("*.prototxt"))


def graph_of(case: pathlib.Path, shapes: dict | None = None):
    graph = load(case, input_shapes=shapes)
    attach_weights(graph, read_caffemodel(case.with_suffix(".caffemodel")))
    return graph


def opencv_rows(rows: np.ndarray) -> np.ndarray:
    """OpenCV's detections without its zero padding, in the fork's order (image, label,
    score descending)."""
    rows = rows.reshape(-1, 7)
    rows = rows[(rows != 0).any(axis=1)]
    return rows[np.lexsort((-rows[:, 2], rows[:, 1], rows[:, 0]))]


def compare(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], prefix: str) -> int:
    """Asserts every ``prefix:LAYER:TOP`` reference; returns how many were compared."""
    problems = []
    compared = 0
    for key, expected in ref.items():
        if not key.startswith(prefix + ":"):
            continue
        name = key[len(prefix) + 1:]
        got = ours[name]
        if name.startswith("detection_out:") and prefix.startswith("opencv"):
            expected = opencv_rows(expected)
            assert np.all(np.diff(got.reshape(-1, 7)[:, 0]) >= 0)
            got = got.reshape(-1, 7)
            assert len(expected) > 0
        problem = mismatch(got, expected, key)
        compared += 1
        if problem:
            problems.append(problem)
    assert problems == []
    return compared


def torch_outputs(graph, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    module = to_torch(graph)
    inputs = [torch.from_numpy(feeds[name]) for name in module.input_names]
    return {k: v.numpy() for k, v in layer_outputs(module, *inputs).items()}


def onnx_outputs(graph, feeds: dict[str, np.ndarray], opset: int = 17) -> dict[str, np.ndarray]:
    model = to_onnx(graph, opset=opset)
    onnx.checker.check_model(model, full_check=True)
    names = value_names(graph)
    keys = {}
    present = {o.name for o in model.graph.output}
    for node in graph.nodes:
        for value in node.outputs:
            keys[names[id(value)]] = f"{node.name}:{value.blob}"
            if names[id(value)] not in present:
                model.graph.output.append(onnx.helper.make_empty_tensor_value_info(
                    names[id(value)]))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    results = session.run(list(keys), feeds)
    return {keys[name]: value for name, value in zip(keys, results)}


def feeds_of(ref: dict[str, np.ndarray], prefix: str = "input") -> dict[str, np.ndarray]:
    return {k.split(":", 1)[1]: v for k, v in ref.items() if k.startswith(prefix + ":")}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_torch_equals_caffe_and_opencv(case: pathlib.Path) -> None:
    ref = dict(np.load(case.with_suffix(".npz")))
    ours = torch_outputs(graph_of(case), feeds_of(ref))
    assert compare(ours, ref, "caffe") >= 10
    assert compare(ours, ref, "opencv") == sum(k.startswith("opencv:") for k in ref)


@pytest.mark.parametrize("opset", [13, 17, 21])
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_onnx_equals_caffe_and_opencv(case: pathlib.Path, opset: int) -> None:
    ref = dict(np.load(case.with_suffix(".npz")))
    ours = onnx_outputs(graph_of(case), feeds_of(ref), opset)
    assert compare(ours, ref, "caffe") >= 10
    assert compare(ours, ref, "opencv") == sum(k.startswith("opencv:") for k in ref)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_second_size_and_batch(case: pathlib.Path) -> None:
    """The net loaded at a second input size; the ONNX export (symbolic batch, declared
    batch 1) and torch run the second size's inputs (the SSD's a batch of 2)."""
    ref = dict(np.load(case.with_suffix(".npz")))
    feeds = feeds_of(ref, "input2")
    shapes = {blob: (1,) + array.shape[1:] for blob, array in feeds.items()}
    graph = graph_of(case, shapes)
    assert all(v.shape[0] == 1 for v in graph.inputs)
    compared = compare(onnx_outputs(graph, feeds), ref, "opencv2")
    assert compared == sum(k.startswith("opencv2:") for k in ref) >= 3
    compare(torch_outputs(graph, feeds), ref, "opencv2")


def test_the_batch_of_two_detects_in_both_images() -> None:
    """The SSD's second-size reference holds detections of both images: image ids 0 and 1."""
    ref = dict(np.load(HERE / "ssd_tiny.npz"))
    rows = opencv_rows(ref["opencv2:detection_out:detection_out"])
    assert set(rows[:, 0].tolist()) == {0.0, 1.0}
