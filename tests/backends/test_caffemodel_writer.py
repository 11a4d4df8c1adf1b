"""The streaming .caffemodel writer: its bytes are protobuf's own serialization of the
NetParameter (layers with blobs, ``shape`` and packed float ``data``), the reader reads back
every blob, BatchNorm's factor is written as 1 with the statistics it divides, and the net
still computes what Caffe computed from its own .caffemodel (in real Caffe where it is set
up, else the PyTorch backend)."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import numpy as np
import pytest

from prototxt_compiler import load
from prototxt_compiler.backends.prototxt import caffemodel as writer
from prototxt_compiler.backends.prototxt import to_net_parameter
from prototxt_compiler.backends.prototxt.caffemodel import caffemodel_blobs, write_caffemodel
from prototxt_compiler.errors import LayerError
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel
from prototxt_compiler.proto import caffe_pb2
from prototxt_compiler.to_caffe import caffe_oracle, save_caffe
from tests.tolerance import mismatch

NUMERIC = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "numeric"
WEIGHTED = sorted(p.stem for p in NUMERIC.glob("*.caffemodel"))


def graph_of(stem: str):
    graph = load(NUMERIC / f"{stem}.prototxt")
    attach_weights(graph, read_caffemodel(NUMERIC / f"{stem}.caffemodel"))
    return graph


def expected_bytes(graph) -> bytes:
    net = to_net_parameter(graph)
    nodes = {n.name: n for n in graph.nodes}
    for layer in net.layer:
        node = nodes.get(layer.name)
        for blob in caffemodel_blobs(node) if node is not None else ():
            proto = layer.blobs.add()
            proto.shape.SetInParent()
            proto.shape.dim.extend(np.shape(blob))
            proto.data.extend(np.asarray(blob, np.float32).reshape(-1).tolist())
    return net.SerializeToString()


@pytest.mark.parametrize("stem", WEIGHTED)
def test_bytes_are_protobufs_serialization(stem: str, tmp_path: pathlib.Path) -> None:
    graph = graph_of(stem)
    path = tmp_path / "net.caffemodel"
    size = write_caffemodel(graph, path)
    data = path.read_bytes()
    assert size == len(data)
    assert data == expected_bytes(graph)
    back = read_caffemodel(path)
    for node in graph.nodes:
        for ours, theirs in zip(back.get(node.name, ()), caffemodel_blobs(node)):
            np.testing.assert_array_equal(ours, theirs)


def test_batchnorm_factor_is_one_and_divides_the_statistics(tmp_path: pathlib.Path) -> None:
    graph = graph_of("bn_scale_inplace")
    node = next(n for n in graph.nodes if n.type == "BatchNorm")
    mean, variance, factor = (np.asarray(b, np.float32) for b in node.blobs)
    assert factor.reshape(-1)[0] != 1  # Caffe wrote a factor of its own
    write_caffemodel(graph, tmp_path / "net.caffemodel")
    written = read_caffemodel(tmp_path / "net.caffemodel")[node.name]
    scale = np.float32(1) / factor.reshape(-1)[0]
    np.testing.assert_array_equal(written[0], mean * scale)
    np.testing.assert_array_equal(written[1], variance * scale)
    np.testing.assert_array_equal(written[2], np.ones(1, np.float32))


@pytest.mark.parametrize("stem", ["bn_scale_inplace", "net_resnext_seed", "net_inception"])
def test_the_written_weights_compute_what_caffe_computed(stem: str,
                                                          tmp_path: pathlib.Path) -> None:
    save_caffe(graph_of(stem), tmp_path / "net.prototxt", tmp_path / "net.caffemodel")
    ref = np.load(NUMERIC / f"{stem}.npz")
    graph = load(tmp_path / "net.prototxt")
    oracle = caffe_oracle()
    if oracle is not None:
        args = [sys.executable, oracle, "forward", str(tmp_path / "net.prototxt"),
                "--weights", str(tmp_path / "net.caffemodel"), "--out",
                str(tmp_path / "out.npz")]
        for v in graph.inputs:
            np.save(tmp_path / f"{v.blob}.npy", ref[f"input:{v.blob}"])
            args += ["--input", f"{v.blob}={tmp_path / v.blob}.npy"]
        subprocess.run(args, check=True, capture_output=True)
        outs = np.load(tmp_path / "out.npz")
        got = {v.blob: outs[f"output:{v.blob}"] for v in graph.outputs}
    else:
        torch = pytest.importorskip("torch")
        from prototxt_compiler.api import load_torch

        module = load_torch(tmp_path / "net.prototxt", tmp_path / "net.caffemodel")
        result = module(*[torch.from_numpy(ref[f"input:{v.blob}"]) for v in graph.inputs])
        result = result if isinstance(result, tuple) else (result,)
        got = {name: r.detach().numpy() for name, r in zip(module.output_names, result)}
    problems = [p for v in graph.outputs
                if (p := mismatch(got[v.blob], ref[f"output:{v.blob}"], v.blob))]
    assert problems == []


def test_blobs_that_need_converting_are_streamed_in_chunks(tmp_path: pathlib.Path,
                                                           monkeypatch) -> None:
    graph = graph_of("ip_axis_transpose")
    expected = expected_bytes(graph)
    for node in graph.nodes:  # float64, transposed views: converted chunk by chunk
        if node.blobs:
            node.blobs = tuple(np.asfortranarray(np.asarray(b, np.float64)) for b in node.blobs)
    monkeypatch.setattr(writer, "_CHUNK", 7)
    write_caffemodel(graph, tmp_path / "net.caffemodel")
    assert (tmp_path / "net.caffemodel").read_bytes() == expected


def test_a_layer_without_its_blobs_writes_nothing(tmp_path: pathlib.Path) -> None:
    graph = load(NUMERIC / "net_resnext_seed.prototxt")
    with pytest.raises(LayerError, match="no parameter blobs to write"):
        save_caffe(graph, tmp_path / "net.prototxt", tmp_path / "net.caffemodel")
    assert list(tmp_path.iterdir()) == []


def test_the_file_parses_as_a_netparameter(tmp_path: pathlib.Path) -> None:
    graph = graph_of("net_resnet_kaiming")
    write_caffemodel(graph, tmp_path / "net.caffemodel")
    net = caffe_pb2.NetParameter.FromString((tmp_path / "net.caffemodel").read_bytes())
    assert [layer.name for layer in net.layer] == [layer.name for layer in
                                                    to_net_parameter(graph).layer]
    conv = next(layer for layer in net.layer if layer.type == "Convolution")
    assert list(conv.blobs[0].shape.dim) == list(graph.node(conv.name).blobs[0].shape)


@pytest.mark.slow
def test_a_model_over_2gb_streams_and_reads_back(tmp_path: pathlib.Path) -> None:
    """A 2.2 GB InnerProduct weight: written without a copy, read back in place."""
    from prototxt_compiler.ir import Graph
    from prototxt_compiler.ops.dense import InnerProductParams

    graph = Graph("big")
    x = graph.add_input("data", (1, 5500), layer="data")
    node = graph.add_node("fc", "InnerProduct", InnerProductParams(num_output=100_000,
                                                                   bias_term=False, bound=True),
                          [x], ["fc"])
    node.outputs[0].shape = (1, 100_000)
    weight = np.lib.stride_tricks.as_strided(np.arange(5500, dtype=np.float32),
                                             (100_000, 5500), (0, 4))
    node.blobs = (weight,)
    import mmap

    from prototxt_compiler.proto.wire import fields

    path = tmp_path / "big.caffemodel"
    size = write_caffemodel(graph, path)
    assert size == path.stat().st_size > 2 ** 31  # past Caffe's own reading limit
    with open(path, "rb") as stream:  # walk it as protobuf: net -> layer "fc" -> blob
        buf = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    layers = [f for f in fields(buf, 0, len(buf)) if f.number == 100]
    fc = layers[-1]
    blob = next(f for f in fields(buf, fc.start, fc.stop) if f.number == 7)
    data = next(f for f in fields(buf, blob.start, blob.stop) if f.number == 5)
    values = np.frombuffer(buf, np.float32, count=(data.stop - data.start) // 4,
                           offset=data.start).reshape(100_000, 5500)
    np.testing.assert_array_equal(values[[0, 77_777, 99_999]], weight[[0, 77_777, 99_999]])


FORK_NET = """name: "fork"
input: "data" input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }
layer { name: "norm" type: "Normalize" bottom: "data" top: "norm"
        norm_param { across_spatial: false channel_shared: false
                     scale_filler { type: "constant" value: 20 } } }
layer { name: "up" type: "Upsample" bottom: "norm" top: "up" upsample_param { scale: 2 } }
layer { name: "conv" type: "Convolution" bottom: "up" top: "conv"
        convolution_param { num_output: 2 kernel_size: 1 weight_filler { type: "gaussian" } } }
"""


def test_fork_layers_are_written_with_their_blobs_and_without_their_fork_params(
        tmp_path: pathlib.Path) -> None:
    # BVLC's NetParameter has no norm_param or upsample_param, and Caffe reads a
    # .caffemodel's blobs by layer name: the layers go in with name, type, bottoms, tops
    # and blobs, nothing BVLC's schema would not know
    from google.protobuf.unknown_fields import UnknownFieldSet

    from prototxt_compiler import init_weights

    net = tmp_path / "fork.prototxt"
    net.write_text(FORK_NET)
    graph = init_weights(load(net), seed=3)
    save_caffe(graph, tmp_path / "out.prototxt", tmp_path / "out.caffemodel")
    data = (tmp_path / "out.caffemodel").read_bytes()
    parsed = caffe_pb2.NetParameter.FromString(data)
    assert all(len(UnknownFieldSet(layer)) == 0 for layer in parsed.layer)
    assert len(UnknownFieldSet(parsed)) == 0  # every byte a field BVLC's schema knows
    assert [(layer.name, layer.type) for layer in parsed.layer] == [
        ("input", "Input"), ("norm", "Normalize"), ("up", "Upsample"), ("conv", "Convolution")]
    norm = parsed.layer[1]
    assert {f.name for f, _ in norm.ListFields()} == {"name", "type", "bottom", "top", "blobs"}
    assert {f.name for f, _ in parsed.layer[2].ListFields()} == {"name", "type", "bottom", "top"}
    assert parsed.layer[3].convolution_param.num_output == 2
    again = load(tmp_path / "out.prototxt")  # the text keeps the fork params
    attach_weights(again, read_caffemodel(tmp_path / "out.caffemodel"))
    for name in ("norm", "conv"):
        for a, b in zip(again.node(name).blobs, graph.node(name).blobs):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.node("norm").blobs[0], np.full(3, 20, np.float32))
    assert again.node("up").params == graph.node("up").params
