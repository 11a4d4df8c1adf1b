"""Semantic fuzzing against real Caffe: a few hundred random small nets over the BVLC layer
registry (tests/fixtures/fuzz/semantic.npz, made by make_semantic_fixtures.py with the Caffe
oracle). For a net Caffe ran, every backend (torch, ONNX in onnxruntime, and to-torch's
model.py, written, imported and run) must give every layer's every top within the project's
tolerance; for a net Caffe refused, the compiler must refuse it too (a CompilerError from
loading or from any backend), never answer it.

``KNOWN`` lists the nets where we disagree with Caffe today, each with why; they are marked
xfail (strict, so a fix shows up) and listed in the report of the work that found them."""
from __future__ import annotations

import pathlib
import tempfile

import numpy as np
import pytest

from prototxt_compiler.errors import CompilerError
from tests.shape_compare import CAFFE_SPLIT
from tests.tolerance import mismatch

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

import onnx  # noqa: E402

from prototxt_compiler import layer_outputs, load, to_onnx, to_torch  # noqa: E402
from prototxt_compiler.backends.onnx.lower import value_names  # noqa: E402
from prototxt_compiler.backends.pysource import to_python_source  # noqa: E402
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel  # noqa: E402
from tests.backends.test_pysource import record_layers, write_graph  # noqa: E402

ARCHIVE = pathlib.Path(__file__).parents[1] / "fixtures" / "fuzz" / "semantic.npz"
DATA = np.load(ARCHIVE)
NETS = sorted({key.split("/")[0] for key in DATA.files})

#: net -> why we disagree with Caffe (filled from the runs; each is a finding to fix). None
#: today: the last, a Convolution or Deconvolution of a 2-axis blob (N, C), which Caffe runs
#: as a per-group InnerProduct (nets 042, 234, 263), is computed since.
KNOWN: dict[str, str] = {}


def _record(net: str) -> dict[str, np.ndarray]:
    prefix = f"{net}/"
    return {k[len(prefix):]: DATA[k] for k in DATA.files if k.startswith(prefix)}


def _graph(record: dict[str, np.ndarray], folder: pathlib.Path):
    path = folder / "net.prototxt"
    path.write_bytes(record["prototxt"].tobytes())
    graph = load(path)
    if "caffemodel" in record:
        weights = folder / "net.caffemodel"
        weights.write_bytes(record["caffemodel"].tobytes())
        attach_weights(graph, read_caffemodel(weights))
    return graph


def _torch_outputs(graph, ref: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    module = to_torch(graph)
    inputs = [torch.from_numpy(ref[f"input:{name}"].copy()) for name in module.input_names]
    return {k: v.detach().numpy() for k, v in layer_outputs(module, *inputs).items()}


def _source_outputs(graph, ref: dict[str, np.ndarray],
                    folder: pathlib.Path) -> dict[str, np.ndarray]:
    """Every layer's output from to-torch's model.py, written, imported and run."""
    model = write_graph(graph, folder, "model")
    record, handles = record_layers(model, graph)
    with torch.no_grad():
        model(*[torch.from_numpy(ref[f"input:{v.blob}"].reshape(v.shape).copy())
                for v in graph.inputs])
    for handle in handles:
        handle.remove()
    return record


def _onnx_outputs(graph, ref: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    model = to_onnx(graph)
    names = value_names(graph)
    keys: dict[str, str] = {}
    present = {o.name for o in model.graph.output}
    for node in graph.nodes:
        for value in node.outputs:
            keys[names[id(value)]] = f"{node.name}:{value.blob}"
            if names[id(value)] not in present:
                model.graph.output.append(
                    onnx.helper.make_empty_tensor_value_info(names[id(value)]))
                present.add(names[id(value)])
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    feeds = {v.blob: ref[f"input:{v.blob}"].reshape(v.shape) for v in graph.inputs}
    results = session.run(list(keys), feeds)
    return {keys[name]: value for name, value in zip(keys, results, strict=True)}


def _compare(ours: dict[str, np.ndarray], ref: dict[str, np.ndarray], graph,
             backend: str) -> list[str]:
    problems, compared = [], 0
    for key, expected in ref.items():
        if not key.startswith("layer:"):
            continue
        name = key[len("layer:"):]
        layer = name.split(":")[0]
        if CAFFE_SPLIT.match(name) or layer in graph.dropped or layer == "data":
            continue
        if name not in ours:
            problems.append(f"{backend} {name}: missing from our outputs")
        elif (problem := mismatch(ours[name], expected, name)) is not None:
            problems.append(f"{backend} {problem}")
        compared += 1
    if not compared and graph.nodes:
        problems.append(f"{backend}: no layer of ours had a Caffe output to compare with")
    return problems


def _refuses(record: dict[str, np.ndarray], folder: pathlib.Path) -> list[str]:
    """What each stage of ours made of a net Caffe refused: empty when we refuse it."""
    try:
        graph = _graph(record, folder)
    except CompilerError:
        return []
    answered = []
    for backend, lower in (("torch", to_torch), ("onnx", to_onnx),
                           ("model.py", to_python_source)):
        try:
            lower(graph)
            answered.append(backend)
        except CompilerError:
            pass
    return answered


@pytest.mark.parametrize("net", [pytest.param(n, marks=pytest.mark.xfail(
    reason=KNOWN[n], strict=True)) if n in KNOWN else n for n in NETS])
def test_net_equals_caffe_or_is_refused(net: str) -> None:
    record = _record(net)
    text = record["prototxt"].tobytes().decode()
    with tempfile.TemporaryDirectory() as tmp:
        folder = pathlib.Path(tmp)
        if "refused" in record:
            answered = _refuses(record, folder)
            assert not answered, (f"Caffe refused it ({record['refused'].tobytes().decode()}) "
                                  f"but {' and '.join(answered)} answered:\n{text}")
            return
        try:
            graph = _graph(record, folder)
        except CompilerError as error:
            pytest.fail(f"Caffe ran it, we refused it ({error}):\n{text}")
        ref = {k: v for k, v in record.items() if k.startswith(("layer:", "input:"))}
        problems = _compare(_torch_outputs(graph, ref), ref, graph, "torch")
        problems += _compare(_onnx_outputs(graph, ref), ref, graph, "onnx")
        problems += _compare(_source_outputs(graph, ref, folder), ref, graph, "model.py")
        assert problems == [], "\n".join(problems) + "\n" + text


def test_archive_holds_enough_nets_of_both_kinds() -> None:
    refused = [n for n in NETS if f"{n}/refused" in DATA.files]
    assert len(NETS) >= 200 and 0 < len(refused) < len(NETS)
