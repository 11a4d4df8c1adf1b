"""Hostile .caffemodel files and nets too big to initialise: impossible blob shapes, declared
sizes the file cannot hold, unpacked and oddly encoded floats (read in bulk, equal to
protobuf's parse), names that are not UTF-8, and the fillers' memory budget. Memory is
measured with tracemalloc, never with wall-clock time."""
from __future__ import annotations

import pathlib
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

import prototxt_compiler as pc
from prototxt_compiler.errors import LayerError, UsageError, WeightsError
from prototxt_compiler.frontend import weights
from prototxt_compiler.frontend.weights import init_weights, read_caffemodel
from prototxt_compiler.limits import PARAM_BUDGET_BYTES
from prototxt_compiler.ops.fillers import Filler, fill
from prototxt_compiler.proto import caffe_pb2


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1  # negatives as protobuf writes int64
    while True:
        byte, value = value & 0x7F, value >> 7
        if not value:
            return bytes(out + bytes([byte]))
        out.append(byte | 0x80)


def _len(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _shape(*dims: int) -> bytes:
    return _len(7, b"".join(_varint(1 << 3) + _varint(d) for d in dims))


def _unpacked(values: np.ndarray) -> bytes:
    """Field 5 once per value with the one-byte tag 0x2D, as unpacking writers emit it."""
    rows = np.empty((values.size, 5), np.uint8)
    rows[:, 0] = 0x2D
    rows[:, 1:] = values.astype("<f4").view(np.uint8).reshape(-1, 4)
    return rows.tobytes()


def _model(tmp_path: pathlib.Path, blob: bytes, name: bytes = b"fc") -> pathlib.Path:
    path = tmp_path / "w.caffemodel"
    path.write_bytes(_len(100, _len(1, name) + _len(7, blob)))
    return path


def _peak(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _protobuf(path: pathlib.Path) -> np.ndarray:
    net = caffe_pb2.NetParameter.FromString(path.read_bytes())
    blob = net.layer[0].blobs[0]
    return np.asarray(blob.double_data if len(blob.double_data) else blob.data, np.float32)


# -- shapes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims, message", [
    ((2, -3), "a dimension below 0"),                     # once a ValueError from reshape
    ((0, 1 << 40), "above 2,147,483,647"),                # Caffe's dimensions are int
    ((1,) * 33, "33 axes; Caffe allows at most 32"),
], ids=["negative", "past-int", "too-many-axes"])
def test_impossible_shapes_are_refused(tmp_path, dims, message) -> None:
    path = _model(tmp_path, _shape(*dims))
    with pytest.raises(WeightsError, match=message):
        read_caffemodel(path)


def test_legacy_negative_shape_is_refused(tmp_path) -> None:
    legacy = b"".join(_varint(n << 3) + _varint(v) for n, v in ((1, 1), (2, -1), (3, 1), (4, 1)))
    with pytest.raises(WeightsError, match=r"\[1, -1, 1, 1\] has a dimension below 0"):
        read_caffemodel(_model(tmp_path, legacy))


def test_declared_size_beyond_the_file_is_refused_before_copying(tmp_path) -> None:
    values = np.arange(200_000, dtype=np.float32)
    path = _model(tmp_path, _shape(1 << 30, 1 << 20) + _unpacked(values))
    caught: list[WeightsError] = []

    def read() -> None:
        with pytest.raises(WeightsError) as error:
            read_caffemodel(path)
        caught.append(error.value)

    assert _peak(read) < 400_000  # nothing per value: not even half the 800 KB of values
    assert "holds 1,125,899,906,842,624 values but the file gives 200,000" in str(caught[0])


# -- unpacked values in bulk ----------------------------------------------------------------------
def test_unpacked_floats_are_read_in_bulk(tmp_path) -> None:
    # Once one tuple and one np.frombuffer view per value: 5e6 floats peaked at 3.2 GB.
    values = np.random.default_rng(0).standard_normal(1_000_000).astype(np.float32)
    path = _model(tmp_path, _shape(1000, 1000) + _unpacked(values))
    blobs: list = []
    peak = _peak(lambda: blobs.append(read_caffemodel(path)))
    np.testing.assert_array_equal(blobs[0]["fc"][0].ravel(), values)
    assert peak < 2 * values.nbytes  # the result and a bounded chunk


def test_mixed_encodings_equal_protobufs_parse(tmp_path) -> None:
    rng = np.random.default_rng(1)
    a, b, c, d = (rng.standard_normal(n).astype(np.float32) for n in (7, 100, 3, 30))
    odd_tag = b"".join(b"\xad\x00" + v.tobytes() for v in c.astype("<f4"))  # 2-byte tags
    packed = _len(5, b.astype("<f4").tobytes())
    blob = _shape(140) + _unpacked(a) + packed + odd_tag + _unpacked(d)
    path = _model(tmp_path, blob)
    ours = read_caffemodel(path)["fc"][0]
    np.testing.assert_array_equal(ours, _protobuf(path))
    np.testing.assert_array_equal(ours, np.concatenate([a, b, c, d]))


def test_unpacked_doubles_equal_protobufs_parse(tmp_path) -> None:
    values = np.random.default_rng(2).standard_normal(1000)
    rows = np.empty((values.size, 9), np.uint8)
    rows[:, 0] = 0x41  # field 8, wire type 1
    rows[:, 1:] = values.astype("<f8").view(np.uint8).reshape(-1, 8)
    path = _model(tmp_path, _shape(10, 100) + rows.tobytes())
    ours = read_caffemodel(path)["fc"][0]
    assert ours.dtype == np.float32 and ours.shape == (10, 100)
    np.testing.assert_array_equal(ours.ravel(), _protobuf(path))


def test_unpacked_value_cut_by_the_end_is_truncation(tmp_path) -> None:
    path = _model(tmp_path, _shape(2) + _unpacked(np.ones(2, np.float32))[:-2])
    with pytest.raises(WeightsError, match="truncated"):
        read_caffemodel(path)


def test_layer_name_not_utf8_is_an_error(tmp_path) -> None:
    path = _model(tmp_path, _shape(1) + _unpacked(np.ones(1, np.float32)), name=b"f\xffc")
    with pytest.raises(WeightsError, match="layer name at byte 5 is not valid UTF-8"):
        read_caffemodel(path)


def test_caffemodel_past_caffes_limit_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(weights.limits, "MAX_CAFFEMODEL_BYTES", 10)
    path = _model(tmp_path, _shape(1) + _unpacked(np.ones(1, np.float32)))
    with pytest.raises(WeightsError, match="Caffe reads at most 10"):
        read_caffemodel(path)


# -- the fillers' budget --------------------------------------------------------------------------
def _net(tmp_path: pathlib.Path, text: str) -> pc.ir.Graph:
    path = tmp_path / "net.prototxt"
    path.write_text(text)
    return pc.load(path)


HUGE_EMBED = """
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 4 } } }
layer { name: "small" type: "InnerProduct" bottom: "data" top: "small"
        inner_product_param { num_output: 3 } }
layer { name: "embed" type: "Embed" bottom: "data" top: "embed"
        embed_param { input_dim: 2000000000 num_output: 1000 } }
"""


def test_net_over_the_budget_is_refused_before_any_allocation(tmp_path) -> None:
    # Once the fillers allocated until MemoryError ("array is too big").
    graph = _net(tmp_path, HUGE_EMBED)
    caught: list[LayerError] = []

    def init() -> None:
        with pytest.raises(LayerError) as error:
            init_weights(graph)
        caught.append(error.value)

    assert _peak(init) < 1 << 20
    error = caught[0]
    assert (error.layer, error.type) == ("embed", "Embed")
    # 2e9 x 1000 weights + 1000 biases, 4 bytes each; 3 x 4 + 3 for "small"
    total = 4 * (2_000_000_000 * 1000 + 1000 + 15)
    assert f"{total // 4:,} float32 values" in error.message
    assert "7,450.6 GiB" in error.message and "budget of 2.0 GiB" in error.message
    assert all(not node.blobs for node in graph.nodes)


def test_budget_is_a_keyword(tmp_path) -> None:
    graph = _net(tmp_path, HUGE_EMBED.replace("2000000000", "10"))
    need = 4 * (4 * 3 + 3 + 10 * 1000 + 1000)  # InnerProduct 3x4 + 3, Embed 10x1000 + 1000
    with pytest.raises(LayerError, match="above the budget of"):
        init_weights(graph, budget=need - 1)
    init_weights(graph, budget=need)
    assert [b.shape for b in graph.node("embed").blobs] == [(10, 1000), (1000,)]
    assert PARAM_BUDGET_BYTES == 2 << 30


@pytest.mark.parametrize("filler", [
    Filler(type="uniform", min=0.0, max=float("inf")),     # once numpy's OverflowError
    Filler(type="uniform", min=-3e38, max=3e38),
    Filler(type="gaussian", mean=0.0, std=float("inf")),
], ids=["uniform-inf", "uniform-huge", "gaussian-inf"])
def test_fillers_with_extreme_bounds_give_values_not_exceptions(filler: Filler) -> None:
    out = fill(filler, (4, 5), np.random.default_rng(0))
    assert out.dtype == np.float32 and out.shape == (4, 5)


def test_fillers_draw_float32_without_a_float64_copy() -> None:
    shape = (1000, 1000)
    for kind in ("gaussian", "uniform", "xavier", "msra", "positive_unitball"):
        peak = _peak(lambda k=kind: fill(Filler(type=k), shape, np.random.default_rng(0)))
        assert peak < 1.5 * 4 * 1_000_000, kind


@pytest.mark.parametrize("seed", [-1, "x", 1.5, True])
def test_seed_that_numpy_refuses_is_a_usage_error(tmp_path, seed) -> None:
    # numpy's default_rng(-1) raised a ValueError, default_rng("x") a TypeError.
    graph = _net(tmp_path, HUGE_EMBED.replace("2000000000", "10"))
    with pytest.raises(UsageError, match="expected a non-negative integer"):
        init_weights(graph, seed=seed)


def test_budget_reaches_the_api_and_the_command_line(tmp_path) -> None:
    """compile and to-torch take --param-budget (a size like 4G); the API's loaders budget=."""
    from tests.conftest import run_cli

    net = tmp_path / "net.prototxt"
    net.write_text(HUGE_EMBED.replace("2000000000", "10"))
    need = 4 * (4 * 3 + 3 + 10 * 1000 + 1000)  # as above: 44,060 bytes
    with pytest.raises(LayerError, match="budget of 43.0 KiB"):
        pc.load_torch(net, budget=43 << 10)
    pc.load_torch(net, budget=need)
    out = tmp_path / "net.onnx"
    refused = run_cli("compile", str(net), "-o", str(out), "--param-budget", "43K")
    assert refused.returncode == 2 and "--param-budget" in refused.stderr
    assert not out.exists()
    assert run_cli("compile", str(net), "-o", str(out), "--param-budget", "1M",
                   "-q").returncode == 0
    bad = run_cli("to-torch", str(net), "-o", str(tmp_path / "m.py"), "--param-budget", "4x")
    assert bad.returncode == 2 and "'4x' is not a size" in bad.stderr


@pytest.mark.parametrize(("text", "size"), [("4G", 4 << 30), ("512M", 512 << 20),
                                            ("1000", 1000), ("2GiB", 2 << 30), ("8kb", 8 << 10)])
def test_sizes_as_the_command_line_reads_them(text: str, size: int) -> None:
    from prototxt_compiler.cli.common import byte_size

    assert byte_size(text) == size


def test_a_prototxt_given_as_weights_is_named_as_text(tmp_path) -> None:
    """The net and its weights swapped: the error says the file reads as a net definition."""
    from tests.conftest import run_cli

    net = tmp_path / "net.prototxt"
    net.write_text(HUGE_EMBED.replace("2000000000", "10"))
    for command in (["compile", str(net), "-o", str(tmp_path / "n.onnx"), "-w", str(net)],
                    ["inspect", str(net)]):
        result = run_cli(*command)
        assert result.returncode == 2, result.stderr
        assert "it reads as text: a .prototxt net?" in result.stderr
    with pytest.raises(WeightsError, match="reads as text"):
        read_caffemodel(net)
