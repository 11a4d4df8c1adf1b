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
from prototxt_compiler.backends.onnx.registry import takes_deferred
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
        yield np.zeros(8, np.uint8)
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(stream, "pieces", broken)
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


def _eager_fold(case: pathlib.Path):  # noqa: ANN202
    from prototxt_compiler.passes.remove_identity import remove_identity_layers

    graph = graph_of(case)
    fold_batchnorm(graph)
    remove_identity_layers(graph)
    return graph


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_compile_computes_folded_weights_as_it_writes_them(case: pathlib.Path,
                                                           tmp_path: pathlib.Path) -> None:
    """``compile_onnx`` with an output folds deferred (``ir.deferred.RowScaled``, the product
    computed as it is written): the file is byte for byte the eager fold's export, the
    graph returned holds arrays again (maps of the written file), equal to the eager fold's,
    and onnxruntime on the file computes what Caffe computed."""
    from prototxt_compiler import api
    from prototxt_compiler.ir.deferred import RowScaled

    weights = case.with_suffix(".caffemodel")
    if not weights.exists():
        pytest.skip("no Caffe-written weights")
    ours, theirs = tmp_path / "deferred.onnx", tmp_path / "eager.onnx"
    _, graph, _ = api.compile_onnx(case, ours, weights)
    eager = _eager_fold(case)
    to_onnx(eager, theirs)
    assert ours.read_bytes() == theirs.read_bytes()
    assert [n.name for n in graph.nodes] == [n.name for n in eager.nodes]
    for a, b in zip(graph.nodes, eager.nodes):
        assert len(a.blobs or ()) == len(b.blobs or ())
        for x, y in zip(a.blobs or (), b.blobs or ()):
            assert isinstance(x, np.ndarray) and not isinstance(x, RowScaled)
            assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    ref = dict(np.load(case.with_suffix(".npz")))
    feeds = {v.blob: ref[f"input:{v.blob}"].reshape(v.shape) for v in graph.inputs}
    problems = [p for v, out in zip(graph.outputs, _ort_outputs(ours, graph, feeds))
                if (p := mismatch(out, ref[f"output:{v.blob}"], v.blob))]
    assert problems == []


def test_deferred_weights_settle_as_maps_of_the_data_file(tmp_path: pathlib.Path) -> None:
    """With external data (threshold 1 KiB), each deferred weight of 1 KiB or more becomes a
    map of its bytes in ``MODEL.onnx.data`` (a smaller one, inline, is computed); the old
    weights were given back once each was written."""
    import mmap

    from prototxt_compiler.backends.onnx.lower import write_onnx
    from prototxt_compiler.ir.deferred import RowScaled

    case = NUMERIC / "net_resnext_seed.prototxt"
    graph = graph_of(case)
    given: list[np.ndarray] = []
    assert fold_batchnorm(graph, replaced=given.append, deferred=takes_deferred)
    deferred = {n.name for n in graph.nodes if isinstance((n.blobs or (None,))[0], RowScaled)}
    assert deferred == {n.name for n in graph.nodes if n.type == "Convolution"}
    assert given == []  # nothing is computed, nor given back, before it is written
    export = emit_onnx(graph)
    path = tmp_path / "m.onnx"
    model = write_onnx(export, path, external_bytes=1024)
    assert len(given) == len(deferred)
    assert export_module.settle(graph, export, model, path) == len(deferred)
    eager = _eager_fold(case)
    for name in deferred:
        mine, wanted = graph.node(name).blobs[0], eager.node(name).blobs[0]
        owner = mine
        while isinstance(owner, (np.ndarray, memoryview)):
            owner = owner.base if isinstance(owner, np.ndarray) else owner.obj
        mapped = wanted.nbytes >= stream.EXTERNAL_MIN_BYTES
        assert isinstance(owner, mmap.mmap) == mapped and mine.tobytes() == wanted.tobytes()
    assert _without_locations(onnx.load(path)) == to_onnx(eager)


def test_a_deferred_weight_no_tensor_was_written_from_is_computed(tmp_path: pathlib.Path
                                                                  ) -> None:
    """A converter that reads a deferred weight as an array (``np.asarray``) gets its
    values; ``settle`` then computes the graph's blob itself rather than map it."""
    from prototxt_compiler.ir.deferred import RowScaled

    case = NUMERIC / "net_resnext_seed.prototxt"
    graph = graph_of(case)
    fold_batchnorm(graph, deferred=takes_deferred)
    export = emit_onnx(graph)
    name = next(n.name for n in graph.nodes if n.type == "Convolution")
    # the model as if that weight had been emitted as a computed array: not a RowScaled
    tensors = tuple(Tensor(t.name, np.asarray(t.array)) if t.name == f"{name}.weight" else t
                    for t in export.tensors)
    export = export_module.Export(export.skeleton, tensors)
    path = tmp_path / "m.onnx"
    model = export.save(path)
    assert export_module.settle(graph, export, model, path) == \
        sum(n.type == "Convolution" for n in graph.nodes)
    assert not any(isinstance(b, RowScaled) for n in graph.nodes for b in n.blobs or ())
    eager = _eager_fold(case)
    assert graph.node(name).blobs[0].tobytes() == eager.node(name).blobs[0].tobytes()


def test_only_converters_that_stream_a_folded_weight_get_one_deferred() -> None:
    """The convolutions' converters take a ``RowScaled``; an InnerProduct's (which reads
    its weight as an array) and any converter not marked (a plugin's) get arrays."""
    from prototxt_compiler.ir import Graph
    from prototxt_compiler.ir.deferred import RowScaled

    graph = Graph("kinds")
    kinds = {kind: graph.add_node(kind.lower(), kind, None, [], [kind.lower()])
             for kind in ("Convolution", "ConvolutionDepthwise", "DepthwiseConvolution",
                          "InnerProduct", "Scale", "NoSuchType")}
    assert {kind for kind, node in kinds.items() if takes_deferred(node)} == \
        {"Convolution", "ConvolutionDepthwise", "DepthwiseConvolution"}
    folded = graph_of(NUMERIC / "net_resnext_seed.prototxt")
    fold_batchnorm(folded, deferred=lambda node: node.name == "conv0")
    assert [n.name for n in folded.nodes if isinstance((n.blobs or (None,))[0], RowScaled)] \
        == ["conv0"]


def test_the_files_blocks_are_reserved_before_writing(tmp_path: pathlib.Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``reserve`` allocates blocks without growing the file (a short write still shows in
    its size); a disk too full to reserve them fails the write before it starts, as the
    UsageError naming the file, and leaves nothing behind."""
    import errno
    import sys

    path = tmp_path / "r.bin"
    with open(path, "wb") as out:
        reserved = stream.reserve(out.fileno(), 1 << 20)
        assert os.fstat(out.fileno()).st_size == 0
        if sys.platform.startswith("linux"):
            assert reserved and os.fstat(out.fileno()).st_blocks * 512 >= 1 << 20
    with open(path, "rb") as again:
        assert stream.reserve(again.fileno(), 0) is False  # nothing to reserve

    def full(fd: int, size: int) -> bool:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(stream, "reserve", full)
    graph = graph_of(NUMERIC / "net_resnext_seed.prototxt")
    with pytest.raises(UsageError, match="cannot write .*m.onnx: No space left on device"):
        to_onnx(graph, tmp_path / "m.onnx")
    assert _files(tmp_path) == ["r.bin"]


def test_each_written_piece_of_a_weight_is_handed_back(tmp_path: pathlib.Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """``written`` sees every tensor's bytes once they are in the file, in pieces of at most
    ``CHUNK_BYTES`` that are views of an array laid out as ONNX wants (so that
    ``compile_onnx`` can give back a big weight's mapped pages as it goes); the file is the
    same as without it."""
    from prototxt_compiler.backends.onnx import tensors
    from prototxt_compiler.backends.onnx.lower import write_onnx

    monkeypatch.setattr(tensors, "CHUNK_BYTES", 4096)
    graph = _one_big_tensor_graph(tmp_path, 64)  # a 64 x 256 float32 weight: 64 KiB
    weight = graph.node("ip").blobs[0]
    seen: list[np.ndarray] = []
    export = emit_onnx(graph)
    write_onnx(export, tmp_path / "a.onnx", written=seen.append)
    to_onnx(graph, tmp_path / "b.onnx")
    assert (tmp_path / "a.onnx").read_bytes() == (tmp_path / "b.onnx").read_bytes()
    pieces = [p for p in seen if np.shares_memory(p, weight)]
    assert len(pieces) == weight.nbytes // 4096 and all(p.nbytes == 4096 for p in pieces)
    assert b"".join(p.tobytes() for p in pieces) == weight.tobytes()
    others = [p for p in seen if not np.shares_memory(p, weight)]
    assert len(others) == len(export.tensors) - 1


def test_deferred_weights_are_computed_where_the_file_cannot_be_mapped(
        tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file system that maps nothing: ``compile_onnx`` still returns the folded graph,
    its weights computed (the eager fold's bits), and the file as written."""
    import mmap

    from prototxt_compiler import api

    def refuse(*args: object, **kwargs: object) -> mmap.mmap:
        raise OSError(19, "No such device")

    import types

    # the export's own maps refused, the .caffemodel's still mapped
    monkeypatch.setattr(export_module, "mmap",
                        types.SimpleNamespace(mmap=refuse, ACCESS_COPY=mmap.ACCESS_COPY))
    case = NUMERIC / "net_resnext_seed.prototxt"
    _, graph, _ = api.compile_onnx(case, tmp_path / "m.onnx", case.with_suffix(".caffemodel"))
    eager = _eager_fold(case)
    for a, b in zip(graph.nodes, eager.nodes):
        for x, y in zip(a.blobs or (), b.blobs or ()):
            assert isinstance(x, np.ndarray) and x.tobytes() == y.tobytes()
    assert _without_locations(onnx.load(tmp_path / "m.onnx")) == to_onnx(eager)
