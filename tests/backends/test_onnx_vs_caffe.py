"""Every golden numeric fixture exported to ONNX and run in onnxruntime, against the outputs
real Caffe computed: every layer of the unfolded export (inner values are exposed as extra
outputs), and the net's outputs with BatchNorm folding on. onnx's full checker and shape
inference must pass on every export."""
from __future__ import annotations

import pathlib

import numpy as np
import onnx
import pytest

ort = pytest.importorskip("onnxruntime")

from prototxt_compiler import load  # noqa: E402
from prototxt_compiler.backends.onnx import to_onnx  # noqa: E402
from prototxt_compiler.backends.onnx.lower import value_names  # noqa: E402
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel  # noqa: E402
from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm  # noqa: E402
from prototxt_compiler.passes.remove_identity import remove_identity_layers  # noqa: E402
from tests.tolerance import mismatch  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
CASES = sorted(NUMERIC.glob("*.prototxt"))


def graph_of(case: pathlib.Path):
    graph = load(case)
    weights = case.with_suffix(".caffemodel")
    if weights.exists():
        attach_weights(graph, read_caffemodel(weights))
    return graph


def run(model: onnx.ModelProto, feeds: dict, outputs: list[str] | None = None) -> list:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return session.run(outputs, feeds)


def expose_everything(model: onnx.ModelProto, graph, names: dict) -> dict[str, str]:
    """Adds every layer's tops as graph outputs; returns ONNX name -> LAYER:TOP."""
    keys = {}
    present = {o.name for o in model.graph.output}
    for node in graph.nodes:
        for value in node.outputs:
            name = names[id(value)]
            keys[name] = f"{node.name}:{value.blob}"
            if name not in present:
                model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
                present.add(name)
    return keys


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_layer_matches_caffe(case: pathlib.Path) -> None:
    graph = graph_of(case)
    model = to_onnx(graph)
    onnx.checker.check_model(model, full_check=True)
    ref = dict(np.load(case.with_suffix(".npz")))
    # (Caffe may reshape an input blob in place, as MVN does: feed it in its declared shape)
    feeds = {v.blob: ref[f"input:{v.blob}"].reshape(v.shape) for v in graph.inputs}
    keys = expose_everything(model, graph, value_names(graph))
    names = list(keys)
    results = run(model, feeds, names)
    problems = [p for name, ours in zip(names, results)
                if (p := mismatch(ours, ref[f"layer:{keys[name]}"], keys[name]))]
    assert problems == []
    assert len(names) == sum(len(n.outputs) for n in graph.nodes)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_folded_outputs_match_caffe(case: pathlib.Path) -> None:
    graph = graph_of(case)
    fold_batchnorm(graph)
    remove_identity_layers(graph)
    model = to_onnx(graph)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    ref = dict(np.load(case.with_suffix(".npz")))
    # (Caffe may reshape an input blob in place, as MVN does: feed it in its declared shape)
    feeds = {v.blob: ref[f"input:{v.blob}"].reshape(v.shape) for v in graph.inputs}
    results = run(model, feeds)
    blobs = [v.blob for v in graph.outputs]
    problems = [p for blob, ours in zip(blobs, results)
                if (p := mismatch(ours, ref[f"output:{blob}"], blob))]
    assert problems == []
