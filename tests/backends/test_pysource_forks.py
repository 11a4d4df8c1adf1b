"""The generated model.py of the fork nets (tests/fixtures/fork_nets) and the detection nets
(tests/fixtures/detection), imported from its own file with its saved state_dict, held to
the same references as the torch and ONNX backends: every layer against the fork nets'
references (their twins' Caffe outputs, the forks' loops, OpenCV dnn), every detection
layer against real Caffe's and OpenCV dnn's outputs at the prototxt's size and at a second
size (the SSD with a batch of 2); every output equal to ``load_torch``'s; no tensor outside
parameters and buffers, none made on the default device; torch.export takes the fork
nets' files."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")  # the detection references' module imports it

from prototxt_compiler import to_torch  # noqa: E402
from tests.backends import test_detection_vs_reference as detection  # noqa: E402
from tests.backends.test_fork_layers import NETS, reference  # noqa: E402
from tests.backends.test_pysource import (  # noqa: E402
    assert_no_loose_tensors_and_none_on_the_default_device,
    record_layers,
    write_graph,
)
from tests.tolerance import mismatch  # noqa: E402


def run(model, graph, feeds: dict[str, np.ndarray]):  # noqa: ANN001, ANN201
    """Every layer's every top (``LAYER:TOP``) and the outputs, as numpy arrays."""
    record, _ = record_layers(model, graph)
    with torch.no_grad():
        out = model(*[torch.from_numpy(feeds[v.blob]) for v in graph.inputs])
    out = out if isinstance(out, tuple) else (out,)
    return record, [t.numpy() for t in out]


def same_as_load_torch(graph, feeds: dict[str, np.ndarray], outputs: list[np.ndarray]) -> None:  # noqa: ANN001
    module = to_torch(graph)
    with torch.no_grad():
        theirs = module(*[torch.from_numpy(feeds[n]) for n in module.input_names])
    theirs = theirs if isinstance(theirs, tuple) else (theirs,)
    assert len(outputs) == len(theirs) == len(graph.outputs)
    for value, a, b in zip(graph.outputs, outputs, theirs):
        assert mismatch(a, b.numpy(), value.blob) is None


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_fork_nets_every_layer_matches_the_reference(path: pathlib.Path, tmp_path) -> None:
    graph, ref = reference(path)
    model = write_graph(graph, tmp_path, path.stem)
    feeds = {v.blob: ref[f"input:{v.blob}"] for v in graph.inputs}
    record, outputs = run(model, graph, feeds)
    assert len(record) == sum(len(n.outputs) for n in graph.nodes)
    problems = [p for key, value in record.items()
                if (p := mismatch(value, ref[f"layer:{key}"], key))]
    assert problems == []
    same_as_load_torch(graph, feeds, outputs)
    assert_no_loose_tensors_and_none_on_the_default_device(
        model, [torch.from_numpy(feeds[v.blob]) for v in graph.inputs])


@pytest.mark.parametrize("path", NETS, ids=lambda p: p.stem)
def test_torch_export_takes_the_fork_nets_files(path: pathlib.Path, tmp_path) -> None:
    graph, ref = reference(path)
    model = write_graph(graph, tmp_path, path.stem)
    inputs = tuple(torch.from_numpy(ref[f"input:{v.blob}"]) for v in graph.inputs)
    with torch.no_grad():
        want = model(*inputs)
        got = torch.export.export(model, inputs).module()(*inputs)
    for a, b in zip(got if isinstance(got, tuple) else (got,),
                    want if isinstance(want, tuple) else (want,)):
        assert torch.equal(a, b)


@pytest.mark.parametrize("case", detection.CASES, ids=lambda p: p.stem)
def test_detection_nets_equal_caffe_and_opencv(case: pathlib.Path, tmp_path) -> None:
    ref = dict(np.load(case.with_suffix(".npz")))
    graph = detection.graph_of(case)
    model = write_graph(graph, tmp_path, case.stem)
    feeds = detection.feeds_of(ref)
    record, outputs = run(model, graph, feeds)
    assert len(record) == sum(len(n.outputs) for n in graph.nodes)
    assert detection.compare(record, ref, "caffe") >= 10
    assert detection.compare(record, ref, "opencv") == sum(k.startswith("opencv:") for k in ref)
    same_as_load_torch(graph, feeds, outputs)
    assert_no_loose_tensors_and_none_on_the_default_device(
        model, [torch.from_numpy(feeds[v.blob]) for v in graph.inputs])


@pytest.mark.parametrize("case", detection.CASES, ids=lambda p: p.stem)
def test_detection_nets_at_a_second_size_and_batch(case: pathlib.Path, tmp_path) -> None:
    """Written for batch 1 at the second size; run on the second size's inputs (the SSD's a
    batch of 2, with detections in both images)."""
    ref = dict(np.load(case.with_suffix(".npz")))
    feeds = detection.feeds_of(ref, "input2")
    shapes = {blob: (1,) + array.shape[1:] for blob, array in feeds.items()}
    graph = detection.graph_of(case, shapes)
    model = write_graph(graph, tmp_path, case.stem)
    record, outputs = run(model, graph, feeds)
    assert detection.compare(record, ref, "opencv2") == \
        sum(k.startswith("opencv2:") for k in ref) >= 3
    same_as_load_torch(graph, feeds, outputs)
