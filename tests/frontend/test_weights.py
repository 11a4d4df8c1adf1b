"""Reading .caffemodel files in place and attaching their blobs: against protobuf's own parse
of Caffe-written files, views not copies, and every misfit as a WeightsError."""
from __future__ import annotations

import mmap
import pathlib
import re

import numpy as np
import pytest

import prototxt_compiler as pc
from prototxt_compiler.errors import WeightsError
from prototxt_compiler.frontend.weights import attach_weights, init_weights, read_caffemodel
from prototxt_compiler.ops import OPS
from prototxt_compiler.proto import caffe_pb2
from tests.conftest import ROOT, corpus_path

NUMERIC = ROOT / "tests" / "fixtures" / "numeric"
CORPUS_PAIRS = {  # prototxt -> (its Caffe-written weights, input shapes)
    "seed_stage1_unit2": {"stage1_unit1_plus": (1, 256, 56, 56)},
    "mobilenet_v1": None,
    "squeezenet_v1.1": None,
}


def _reference(path: pathlib.Path) -> dict[str, list[tuple[tuple[int, ...], np.ndarray]]]:
    """protobuf's parse: layer -> [(shape as Caffe's FromProto reads it, float32 data)]."""
    net = caffe_pb2.NetParameter.FromString(path.read_bytes())
    out = {}
    for layer in list(net.layer) + list(net.layers):
        blobs = []
        for blob in layer.blobs:
            legacy = any(blob.HasField(f) for f in ("num", "channels", "height", "width"))
            shape = ((blob.num, blob.channels, blob.height, blob.width) if legacy
                     else tuple(blob.shape.dim))
            data = blob.double_data if len(blob.double_data) else blob.data
            blobs.append((shape, np.asarray(data, np.float32)))
        out[layer.name] = blobs
    return out


def _caffemodels() -> list[pathlib.Path]:
    found = sorted(NUMERIC.glob("*.caffemodel"))
    ref = ROOT.parent / "shared" / "corpus" / "ref"
    return found + sorted(ref.glob("*.caffemodel"))


def _is_view_of_map(array: np.ndarray) -> bool:
    base = array
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    if isinstance(base, memoryview):
        base = base.obj
    return isinstance(base, mmap.mmap)


@pytest.mark.parametrize("path", _caffemodels(), ids=lambda p: p.name)
def test_blobs_equal_protobuf_parse(path: pathlib.Path) -> None:
    ours, ref = read_caffemodel(path), _reference(path)
    assert list(ours) == list(ref)
    for name, blobs in ref.items():
        assert len(ours[name]) == len(blobs), name
        for array, (shape, data) in zip(ours[name], blobs):
            assert array.dtype == np.float32 and array.shape == shape, name
            np.testing.assert_array_equal(array.ravel(), data)
            assert _is_view_of_map(array), f"{name}: packed float data was copied"


def test_corpus_caffemodels_present() -> None:
    ref = corpus_path() / "ref"
    for stem in CORPUS_PAIRS:
        assert (ref / f"{stem}.caffemodel").is_file(), stem


@pytest.mark.parametrize("stem", list(CORPUS_PAIRS))
def test_attach_corpus_weights(stem: str) -> None:
    corpus = corpus_path()
    graph = pc.load(corpus / f"{stem}.prototxt", input_shapes=CORPUS_PAIRS[stem])
    blobs = read_caffemodel(corpus / "ref" / f"{stem}.caffemodel")
    assert attach_weights(graph, blobs) == []
    for node in graph.nodes:
        expected = OPS[node.type].blobs(node.params, [v.shape for v in node.inputs])
        if not expected:
            continue
        assert [b.shape for b in node.blobs] == [tuple(s) for s in expected], node.name
        for have, stored in zip(node.blobs, blobs[node.name]):
            assert np.shares_memory(have, stored), node.name


@pytest.mark.parametrize("path", sorted(NUMERIC.glob("*.caffemodel")), ids=lambda p: p.stem)
def test_attach_numeric_fixture(path: pathlib.Path) -> None:
    graph = pc.load(path.with_suffix(".prototxt"))
    attach_weights(graph, read_caffemodel(path))


# Hand-built files

def _blob(shape: tuple[int, ...] | None, values: np.ndarray, *,
          legacy: tuple[int, int, int, int] | None = None,
          double: bool = False) -> caffe_pb2.BlobProto:
    blob = caffe_pb2.BlobProto()
    if shape is not None:
        blob.shape.dim.extend(shape)
    if legacy is not None:
        blob.num, blob.channels, blob.height, blob.width = legacy
    (blob.double_data if double else blob.data).extend(values.ravel().tolist())
    return blob


def _write(tmp_path: pathlib.Path, layers: dict[str, list[caffe_pb2.BlobProto]], *,
           v1: bool = False) -> pathlib.Path:
    net = caffe_pb2.NetParameter(name="hand")
    for name, blobs in layers.items():
        layer = net.layers.add(name=name) if v1 else net.layer.add(name=name, type="X")
        layer.blobs.extend(blobs)
    path = tmp_path / "w.caffemodel"
    path.write_bytes(net.SerializeToString())
    return path


IP_NET = """
input: "data" input_shape { dim: 2 dim: 3 dim: 2 dim: 2 }
layer { name: "fc" type: "InnerProduct" bottom: "data" top: "fc"
        inner_product_param { num_output: 5 } }
layer { name: "prelu" type: "PReLU" bottom: "fc" top: "fc" prelu_param { channel_shared: true } }
"""
W = np.arange(60, dtype=np.float32).reshape(5, 12)
B = np.arange(5, dtype=np.float32)
SLOPE = np.array([0.5], np.float32)


@pytest.fixture
def ip_graph(tmp_path: pathlib.Path) -> pc.ir.Graph:
    path = tmp_path / "ip.prototxt"
    path.write_text(IP_NET)
    return pc.load(path)


def _good() -> dict[str, list[caffe_pb2.BlobProto]]:
    return {"fc": [_blob((5, 12), W), _blob((5,), B)], "prelu": [_blob((1,), SLOPE)]}


def _attached(graph: pc.ir.Graph) -> dict[str, tuple[np.ndarray, ...]]:
    return {n.name: n.blobs for n in graph.nodes if n.blobs}


def test_attach_reshapes_scalar_and_notes_extra(tmp_path, ip_graph) -> None:
    layers = {**_good(), "fc_old": [_blob((2,), np.ones(2, np.float32))], "relu": []}
    notes = attach_weights(ip_graph, read_caffemodel(_write(tmp_path, layers)))
    blobs = _attached(ip_graph)
    np.testing.assert_array_equal(blobs["fc"][0], W)
    assert blobs["prelu"][0].shape == () and blobs["prelu"][0] == np.float32(0.5)
    assert len(notes) == 1 and "fc_old" in notes[0] and "relu" not in notes[0]


def test_v1_layers_and_legacy_shape(tmp_path, ip_graph) -> None:
    layers = {"fc": [_blob(None, W, legacy=(1, 1, 5, 12)), _blob(None, B, legacy=(1, 1, 1, 5))],
              "prelu": [_blob(None, SLOPE, legacy=(1, 1, 1, 1))]}
    blobs = read_caffemodel(_write(tmp_path, layers, v1=True))
    assert blobs["fc"][0].shape == (1, 1, 5, 12)
    attach_weights(ip_graph, blobs)
    attached = _attached(ip_graph)
    assert attached["fc"][0].shape == (5, 12) and attached["fc"][1].shape == (5,)
    np.testing.assert_array_equal(attached["fc"][0], W)


def test_double_data_is_read_as_float32(tmp_path) -> None:
    values = np.array([0.1, -2.5, 3e10], np.float64)
    blobs = read_caffemodel(_write(tmp_path, {"a": [_blob((3,), values, double=True)]}))
    assert blobs["a"][0].dtype == np.float32
    np.testing.assert_array_equal(blobs["a"][0], values.astype(np.float32))


def test_unpacked_floats_are_read(tmp_path) -> None:
    # data (field 5) as three unpacked fixed32 elements, shape (3,) in field 7.
    values = np.array([1.5, -2.0, 7.0], "<f4")
    blob = b"".join(b"\x2d" + v.tobytes() for v in values) + b"\x3a\x02\x08\x03"
    layer = b"\x0a\x01a" + b"\x3a" + bytes([len(blob)]) + blob
    path = tmp_path / "u.caffemodel"
    path.write_bytes(b"\xa2\x06" + bytes([len(layer)]) + layer)  # field 100, wire type 2
    np.testing.assert_array_equal(read_caffemodel(path)["a"][0], values)


@pytest.mark.parametrize("layers, message", [
    ({"fc": [_blob((12, 5), W), _blob((5,), B)], "prelu": [_blob((1,), SLOPE)]},
     "layer 'fc' (InnerProduct) blob 0: expected shape [5, 12], found [12, 5]"),
    ({"fc": [_blob((5, 12), W), _blob((5,), B)]},
     "layer 'prelu' (PReLU) expects 1 blob(s) [[]] but the weights have no layer"),
    ({"fc": [_blob((5, 12), W)], "prelu": [_blob((1,), SLOPE)]},
     "layer 'fc' (InnerProduct) expects 2 blob(s) [[5, 12], [5]], the weights have 1 [[5, 12]]"
     " (too few)"),
    ({"fc": [_blob((5, 12), W), _blob((5,), B)], "prelu": [_blob((1,), SLOPE)] * 2},
     "(too many)"),
    ({"fc": [], "prelu": [_blob((1,), SLOPE)]}, "expects 2 blob(s) [[5, 12], [5]], the weights "
     "have 0"),
], ids=["wrong-shape", "missing", "too-few", "too-many", "none-in-layer"])
def test_misfits(tmp_path, ip_graph, layers, message) -> None:
    path = _write(tmp_path, layers)
    with pytest.raises(WeightsError, match=re.escape(message)) as info:
        attach_weights(ip_graph, read_caffemodel(path), where=str(path))
    assert info.value.where == str(path)
    assert not _attached(ip_graph), "the graph must be untouched on error"


def test_shape_and_data_disagree(tmp_path) -> None:
    path = _write(tmp_path, {"a": [_blob((4,), np.ones(3, np.float32))]})
    with pytest.raises(WeightsError, match=r"blob 0: its shape \[4\] holds 4 values but the "
                                           r"file gives 3"):
        read_caffemodel(path)


def _real() -> pathlib.Path:
    return NUMERIC / "net_resnext_seed.caffemodel"


@pytest.mark.parametrize("cut", [1, 100, 1000, -1, -5000])
def test_truncated(tmp_path, cut) -> None:
    data = _real().read_bytes()
    path = tmp_path / "cut.caffemodel"
    path.write_bytes(data[:cut])
    with pytest.raises(WeightsError, match="truncated") as info:
        read_caffemodel(path)
    assert info.value.where == str(path)


@pytest.mark.parametrize("garbage", [
    b"\xff" * 64,
    b'name: "a prototxt, not a caffemodel"\nlayer { name: "x" }\n',
    np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
    b"\x07" * 16,
], ids=["ff", "text", "random", "wire-type-7"])
def test_not_a_caffemodel(tmp_path, garbage) -> None:
    path = tmp_path / "bad.caffemodel"
    path.write_bytes(garbage)
    with pytest.raises(WeightsError, match="not a Caffe|truncated"):
        read_caffemodel(path)


def test_flipped_bytes(tmp_path) -> None:
    data = bytearray(_real().read_bytes())
    data[:8] = b"\xff" * 8
    path = tmp_path / "flip.caffemodel"
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="not a Caffe"):
        read_caffemodel(path)


def test_empty_and_missing_files(tmp_path) -> None:
    (tmp_path / "empty.caffemodel").write_bytes(b"")
    with pytest.raises(WeightsError, match="empty"):
        read_caffemodel(tmp_path / "empty.caffemodel")
    with pytest.raises(WeightsError, match="cannot read"):
        read_caffemodel(tmp_path / "absent.caffemodel")


def test_init_weights_then_attach_are_alike(ip_graph) -> None:
    notes = init_weights(ip_graph, seed=3)
    assert "initialised by their fillers" in notes[0] and "not trained" in notes[0]
    blobs = _attached(ip_graph)
    assert [b.shape for b in blobs["fc"]] == [(5, 12), (5,)]
    np.testing.assert_array_equal(blobs["fc"][1], 0)  # bias_filler: constant 0
    assert blobs["prelu"][0].shape == () and blobs["prelu"][0] == np.float32(0.25)


@pytest.mark.parametrize("phase, global_stats, noted", [
    ("TEST", "", True), ("TEST", "use_global_stats: true", True),
    ("TEST", "use_global_stats: false", False), ("TRAIN", "", False)])
def test_fresh_batchnorm_statistics_are_noted(tmp_path, phase, global_stats, noted) -> None:
    # Caffe's fillers leave a BatchNorm's mean, variance and factor 0; with its stored
    # statistics it computes (x - 0) / sqrt(0 + eps): 1 / sqrt(1e-5) = 316.23 times x
    path = tmp_path / "bn.prototxt"
    path.write_text('input: "data" input_shape { dim: 1 dim: 2 dim: 3 dim: 3 }\n'
                    'layer { name: "bn" type: "BatchNorm" bottom: "data" top: "bn" '
                    f'batch_norm_param {{ {global_stats} }} }}\n'
                    'layer { name: "bn2" type: "BatchNorm" bottom: "bn" top: "bn2" '
                    f'batch_norm_param {{ {global_stats} eps: 1e-5 }} }}\n')
    graph = pc.load(path, phase=phase)
    notes = init_weights(graph)
    fresh = [n for n in notes if "stored statistics" in n]
    if not noted:
        assert fresh == []
        return
    assert fresh == ["the 2 BatchNorm layer(s) use their stored statistics, which a new net "
                     "holds as zeros: each multiplies its input by 1/sqrt(eps) (x316), and a "
                     "deep net's outputs reach inf and NaN, as they do in Caffe; trained "
                     "weights (-w) carry real statistics"]
    torch = pytest.importorskip("torch")
    x = torch.randn(1, 2, 3, 3)
    with torch.no_grad():
        y = pc.to_torch(graph)(x)
    torch.testing.assert_close(y, x * 316.2278 ** 2, rtol=1e-4, atol=0)
