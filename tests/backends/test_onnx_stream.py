"""Streaming the ONNX export to disk: the file is the model built in memory, byte for byte
in meaning (``onnx.load`` gives an equal message); past the external-data threshold the
tensors (one big tensor as well as many) go to ``MODEL.onnx.data`` and onnxruntime still
computes what Caffe computed; the model returned refers to its bytes in the files; and
nothing is left behind when writing, checking or moving into place fails."""
from __future__ import annotations

import hashlib
import os
import pathlib

import numpy as np
import onnx
import pytest
from onnx import external_data_helper, numpy_helper

from prototxt_compiler.backends.onnx import export as export_module
from prototxt_compiler.backends.onnx import stream
from prototxt_compiler.backends.onnx.lower import emit_onnx, to_onnx
from prototxt_compiler.backends.onnx.pages import release
from prototxt_compiler.backends.onnx.tensors import Tensor, chunks, to_proto
from prototxt_compiler.errors import UsageError
from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm
from tests.backends.test_onnx_vs_caffe import graph_of
from tests.tolerance import mismatch

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
CASES = sorted(NUMERIC.glob("*.prototxt"))
SOME = [NUMERIC / f"{name}.prototxt" for name in ("net_inception", "net_resnext_seed",
                                                   "net_v1_alexnet_small")]


def _files(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _without_locations(model: onnx.ModelProto) -> onnx.ModelProto:
    """The model as onnx loads it, less the ``data_location: DEFAULT`` onnx leaves on each
    tensor it read from a data file (the in-memory model never sets the field)."""
    for tensor in model.graph.initializer:
        tensor.ClearField("data_location")
    return model


def _ort_outputs(path: pathlib.Path, graph, feeds: dict) -> list[np.ndarray]:  # noqa: ANN001
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run([o.name for o in onnx.load(path, load_external_data=False).graph.output],
                       feeds)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_the_written_file_is_the_model_built_in_memory(case: pathlib.Path,
                                                       tmp_path: pathlib.Path) -> None:
    graph = graph_of(case)
    whole = to_onnx(graph)
    path = tmp_path / "m.onnx"
    written = to_onnx(graph, path)
    assert onnx.load(path) == whole
    assert _files(tmp_path) == ["m.onnx"]
    # the model returned holds no big tensor, and reads back into the whole model
    assert all(len(t.raw_data) < stream.EXTERNAL_MIN_BYTES for t in written.graph.initializer)
    external_data_helper.load_external_data_for_model(written, str(tmp_path))
    assert _without_locations(written) == whole


@pytest.mark.parametrize("case", SOME, ids=lambda p: p.stem)
def test_external_data_computes_what_caffe_computed(case: pathlib.Path,
                                                    tmp_path: pathlib.Path) -> None:
    """The threshold lowered to 1 KiB: the same outputs as Caffe's from the two files."""
    graph = graph_of(case)
    path = tmp_path / "m.onnx"
    written = to_onnx(graph, path, external_bytes=1024)
    assert _files(tmp_path) == ["m.onnx", "m.onnx.data"]
    onnx.checker.check_model(str(path), full_check=True)
    assert _without_locations(onnx.load(path)) == to_onnx(graph)
    offsets = [int(e.value) for t in written.graph.initializer for e in t.external_data
               if e.key == "offset"]
    assert offsets and all(o % stream.ALIGN == 0 for o in offsets)
    ref = dict(np.load(case.with_suffix(".npz")))
    feeds = {v.blob: ref[f"input:{v.blob}"].reshape(v.shape) for v in graph.inputs}
    results = _ort_outputs(path, graph, feeds)
    problems = [p for v, ours in zip(graph.outputs, results)
                if (p := mismatch(ours, ref[f"output:{v.blob}"], v.blob))]
    assert problems == []


def _one_big_tensor_graph(tmp_path: pathlib.Path, outputs: int):  # noqa: ANN202
    from prototxt_compiler import load

    net = tmp_path / "ip.prototxt"
    net.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { '
                   'dim: 1 dim: 256 } } }\nlayer { name: "ip" type: "InnerProduct" bottom: '
                   f'"data" top: "ip" inner_product_param {{ num_output: {outputs} '
                   'bias_term: false } }\n')
    graph = load(net)
    net.unlink()
    weight = np.arange(outputs * 256, dtype=np.float32).reshape(outputs, 256) / 1e4
    graph.node("ip").blobs = (weight,)
    return graph


def test_one_tensor_past_the_threshold_goes_to_the_data_file(tmp_path: pathlib.Path) -> None:
    """A single tensor (here 1 MiB, the threshold 512 KiB: a model of one 2 GiB InnerProduct
    at full scale) goes to external data, as many smaller ones do."""
    graph = _one_big_tensor_graph(tmp_path, 1024)
    path = tmp_path / "m.onnx"
    written = to_onnx(graph, path, external_bytes=512 << 10)
    assert _files(tmp_path) == ["m.onnx", "m.onnx.data"]
    assert os.path.getsize(tmp_path / "m.onnx.data") == 1024 * 256 * 4
    assert os.path.getsize(path) < 4096
    [tensor] = written.graph.initializer
    assert tensor.data_location == onnx.TensorProto.EXTERNAL
    loaded = onnx.load(path)
    np.testing.assert_array_equal(numpy_helper.to_array(loaded.graph.initializer[0]),
                                  graph.node("ip").blobs[0])


def test_the_in_memory_model_is_refused_past_protobufs_limit_before_allocating(
        monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    graph = _one_big_tensor_graph(tmp_path, 1024)
    monkeypatch.setattr(export_module, "MAX_MODEL_BYTES", 512 << 10)
    with pytest.raises(UsageError, match="more than one protobuf message holds"):
        to_onnx(graph)
    assert to_onnx(graph, tmp_path / "m.onnx") is not None  # a file is the way


@pytest.mark.parametrize("external", [False, True], ids=["one file", "external data"])
def test_a_rejected_model_leaves_the_folder_as_it_was(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: pathlib.Path,
                                                      external: bool) -> None:
    graph = graph_of(NUMERIC / "net_inception.prototxt")
    old = {"m.onnx": b"old model", "m.onnx.data": b"old data"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)

    def reject(*_: object, **__: object) -> None:
        raise onnx.checker.ValidationError("rejected")

    monkeypatch.setattr(onnx.checker, "check_model", reject)
    with pytest.raises(onnx.checker.ValidationError):
        to_onnx(graph, tmp_path / "m.onnx", external_bytes=1024 if external else None)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old


def test_a_failed_rename_puts_the_old_data_file_back(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: pathlib.Path) -> None:
    graph = graph_of(NUMERIC / "net_inception.prototxt")
    old = {"m.onnx": b"old model", "m.onnx.data": b"old data"}
    for name, data in old.items():
        (tmp_path / name).write_bytes(data)
    real = os.replace

    def failing(src: str, dst: str) -> None:
        if os.fspath(dst).endswith("m.onnx"):
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(export_module.os, "replace", failing)
    with pytest.raises(UsageError, match="No space left"):
        to_onnx(graph, tmp_path / "m.onnx", external_bytes=1024)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old


def test_a_write_that_fails_midway_leaves_nothing(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: pathlib.Path) -> None:
    graph = graph_of(NUMERIC / "net_inception.prototxt")

    def broken(array: np.ndarray):  # noqa: ANN202
        yield memoryview(b"\0" * 8)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(stream, "chunks", broken)
    with pytest.raises(UsageError, match="Input/output error"):
        to_onnx(graph, tmp_path / "m.onnx", external_bytes=1024)
    assert _files(tmp_path) == []


def test_a_file_unlike_its_plan_is_caught(tmp_path: pathlib.Path) -> None:
    """The framing check reads the written file back: a tensor one value short is found."""
    graph = graph_of(NUMERIC / "net_inception.prototxt")
    export = emit_onnx(graph)
    layout = stream.plan_layout(export.skeleton, export.tensors, location="m.onnx.data")
    path = str(tmp_path / "m.onnx")
    stream.write_layout(layout, path, None)
    stream.verify_framing(layout, path, None)  # as planned
    data = bytes(pathlib.Path(path).read_bytes())
    last = layout.placements[-1]
    end = last.offset + last.tensor.nbytes
    pathlib.Path(path).write_bytes(data[:end - 4] + data[end:])
    with pytest.raises(RuntimeError, match="has 4 bytes less|bytes, expected"):
        stream.verify_framing(layout, path, None)
    # the same size, one letter of a tensor's name changed
    name = last.tensor.name.encode()
    at = data.rindex(name, 0, last.offset)
    pathlib.Path(path).write_bytes(data[:at] + b"#" + data[at + 1:])
    with pytest.raises(RuntimeError, match=f"initializer '{last.tensor.name}' is not as planned"):
        stream.verify_framing(layout, path, None)


@pytest.mark.parametrize("array", [
    np.arange(24, dtype=np.float32).reshape(4, 6).T,                  # transposed view
    np.arange(24, dtype=">f4").reshape(2, 3, 4),                       # big-endian
    np.float32(2.5) * np.ones((), np.float32),                         # a scalar
    np.zeros((0, 3), np.float32),                                      # empty
    np.array([[True, False], [False, True]]),                          # bool
    np.arange(5, dtype=np.int64)[::2],                                 # strided
], ids=["transposed", "big-endian", "scalar", "empty", "bool", "strided"])
def test_tensor_bytes_are_numpy_helpers(array: np.ndarray,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("prototxt_compiler.backends.onnx.tensors.CHUNK_BYTES", 8)
    reference = numpy_helper.from_array(np.asarray(array, array.dtype.newbyteorder("=")), "t")
    assert b"".join(bytes(c) for c in chunks(array)) == reference.raw_data
    assert to_proto(Tensor("t", array)) == reference


def test_giving_back_folded_weights_keeps_every_value(tmp_path: pathlib.Path) -> None:
    """``compile_onnx`` folds with ``replaced=release``: the same bits as the plain fold; the
    file on disk untouched; the old weights, their pages dropped, still read the file's
    values (fetched again); only whole pages inside an array are dropped."""
    case = NUMERIC / "net_resnext_seed.prototxt"
    weights = case.with_suffix(".caffemodel")
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    plain, released = graph_of(case), graph_of(case)
    old = {n.name: n.blobs[0] for n in released.nodes if n.type == "Convolution"}
    copies = {name: array.copy() for name, array in old.items()}
    given: list[np.ndarray] = []
    assert fold_batchnorm(plain) and fold_batchnorm(released, replaced=given.append)
    assert len(given) == len(old)
    for array in given:
        release(array)
    for a, b in zip(plain.nodes, released.nodes):
        assert a.name == b.name
        for x, y in zip(a.blobs or (), b.blobs or ()):
            assert x.dtype == y.dtype and x.tobytes() == y.tobytes()
    assert all(np.array_equal(old[name], copies[name]) for name in old)
    assert hashlib.sha256(weights.read_bytes()).hexdigest() == digest

    import mmap

    path = tmp_path / "values.bin"
    values = np.arange(5000, dtype=np.float32)  # 20,000 bytes: pages 1 to 3 wholly inside
    path.write_bytes(b"\0" * 100 + values.tobytes())
    with open(path, "rb") as stream:
        mapping = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_COPY)
    view = np.frombuffer(mapping, np.float32, count=5000, offset=100)
    assert float(view.sum()) == float(values.sum())
    assert release(view) == 4096 * ((100 + 20000) // 4096 - 1)
    assert np.array_equal(view, values)
    assert release(values) == 0  # not a view of a map
    del view
