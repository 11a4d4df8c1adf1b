"""Reading what a .caffemodel holds in place (layers, types, blob shapes, dtypes, format),
held to protobuf's own parse of every Caffe-written fixture and of hand-built V1/V0 files,
and matching it against a net definition."""
from __future__ import annotations

import pathlib
from math import prod

import numpy as np
import pytest

import prototxt_compiler as pc
from prototxt_compiler.errors import WeightsError
from prototxt_compiler.frontend.caffemodel_info import read_caffemodel_info
from prototxt_compiler.frontend.caffemodel_match import match_caffemodel
from prototxt_compiler.proto import caffe_pb2

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
CAFFEMODELS = sorted(NUMERIC.glob("*.caffemodel"))


def _protobuf_view(path: pathlib.Path) -> list[tuple[str, str, list[tuple[int, ...]]]]:
    net = caffe_pb2.NetParameter.FromString(path.read_bytes())
    out = []
    for layer in net.layer:
        shapes = [tuple(b.shape.dim) if not b.HasField("num") else
                  (b.num, b.channels, b.height, b.width) for b in layer.blobs]
        out.append((layer.name, layer.type, shapes))
    return out


@pytest.mark.parametrize("path", CAFFEMODELS, ids=lambda p: p.stem)
def test_every_caffe_written_file_reads_as_protobuf_parses_it(path: pathlib.Path) -> None:
    info = read_caffemodel_info(path)
    assert info.format == "V2"  # Caffe 1.0 writes V2 layers
    ours = [(layer.name, layer.type, [b.shape for b in layer.blobs]) for layer in info.layers]
    assert ours == _protobuf_view(path)
    assert all(b.dtype == "float32" and b.packed for layer in info.layers for b in layer.blobs)
    assert info.count == sum(prod(s) for _, _, shapes in ours for s in shapes)
    assert info.nbytes == 4 * info.count
    assert info.file_bytes == path.stat().st_size


def _blob(shape: tuple[int, ...], *, legacy: bool = False, double: bool = False,
          packed: bool = True) -> caffe_pb2.BlobProto:
    blob = caffe_pb2.BlobProto()
    if legacy:
        blob.num, blob.channels, blob.height, blob.width = shape
    else:
        blob.shape.dim.extend(shape)
    values = np.arange(prod(shape), dtype=np.float64).tolist()
    (blob.double_data if double else blob.data).extend(values)
    if not packed:  # one field per value, as some non-Caffe writers emit
        return _unpacked(blob, values, double)
    return blob


def _unpacked(blob: caffe_pb2.BlobProto, values: list[float], double: bool) -> bytes:
    import struct

    head = caffe_pb2.BlobProto()
    head.CopyFrom(blob)
    head.ClearField("double_data" if double else "data")
    tag, fmt = (bytes([8 << 3 | 1]), "<d") if double else (bytes([5 << 3 | 5]), "<f")
    return head.SerializeToString() + b"".join(tag + struct.pack(fmt, v) for v in values)


def _v1_file(tmp_path: pathlib.Path) -> pathlib.Path:
    net = caffe_pb2.NetParameter(name="old")
    conv = net.layers.add(name="conv1", type=caffe_pb2.V1LayerParameter.CONVOLUTION)
    conv.blobs.extend([_blob((4, 3, 3, 3), legacy=True), _blob((1, 1, 1, 4), legacy=True)])
    fc = net.layers.add(name="fc", type=caffe_pb2.V1LayerParameter.INNER_PRODUCT)
    fc.blobs.extend([_blob((1, 1, 5, 36), legacy=True, double=True)])
    net.layers.add(name="relu", type=caffe_pb2.V1LayerParameter.RELU)
    wrapped = net.layers.add()
    wrapped.layer.name, wrapped.layer.type = "old_scale", "scale"
    wrapped.layer.blobs.extend([_blob((2,))])
    path = tmp_path / "old.caffemodel"
    path.write_bytes(net.SerializeToString())
    return path


def test_v1_layers_with_legacy_shapes_doubles_and_a_wrapped_v0_layer(tmp_path) -> None:
    info = read_caffemodel_info(_v1_file(tmp_path))
    assert info.format == "V1" and info.name == "old"
    rows = [(layer.name, layer.type, layer.stored_type, layer.format,
             [(b.shape, b.dtype, b.legacy_shape) for b in layer.blobs]) for layer in info.layers]
    assert rows == [
        ("conv1", "Convolution", "CONVOLUTION", "V1",
         [((4, 3, 3, 3), "float32", True), ((1, 1, 1, 4), "float32", True)]),
        ("fc", "InnerProduct", "INNER_PRODUCT", "V1", [((1, 1, 5, 36), "float64", True)]),
        ("relu", "ReLU", "RELU", "V1", []),
        ("old_scale", "scale", "scale", "V0", [((2,), "float32", False)]),
    ]
    # 108 + 4 + 180 + 2 values; the doubles take 8 bytes each
    assert info.count == 294 and info.nbytes == 4 * (108 + 4 + 2) + 8 * 180


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def test_unpacked_values_are_read_and_said_to_be_unpacked(tmp_path) -> None:
    layer = caffe_pb2.LayerParameter(name="w", type="Convolution").SerializeToString()
    blob = _unpacked(_blob((2, 3)), list(range(6)), double=False)
    path = tmp_path / "unpacked.caffemodel"
    path.write_bytes(_field(100, layer + _field(7, blob)))  # layer { ... blobs { ... } }
    (blob,) = read_caffemodel_info(path).layers[0].blobs
    assert (blob.shape, blob.dtype, blob.packed) == ((2, 3), "float32", False)


@pytest.mark.parametrize("damage", ["truncated", "text", "empty", "bad_shape", "folder"])
def test_a_damaged_file_is_a_weights_error_naming_it(tmp_path, damage: str) -> None:
    good = (NUMERIC / "conv_group_dilation.caffemodel").read_bytes()
    path = tmp_path / "w.caffemodel"
    if damage == "truncated":
        path.write_bytes(good[:len(good) // 2])
    elif damage == "text":
        path.write_text('name: "not binary"\n')
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "bad_shape":
        net = caffe_pb2.NetParameter()
        blob = net.layer.add(name="c", type="Convolution").blobs.add()
        blob.shape.dim.extend([2, 2])
        blob.data.extend([1.0, 2.0, 3.0])
        path.write_bytes(net.SerializeToString())
    else:
        path = tmp_path
    with pytest.raises(WeightsError) as caught:
        read_caffemodel_info(path)
    assert str(path) in str(caught.value)
    if damage == "bad_shape":
        assert "layer 'c' blob 0" in str(caught.value)


def test_matching_a_net_names_missing_differing_and_extra_layers(tmp_path) -> None:
    text = (NUMERIC / "net_resnext_seed.prototxt").read_text()
    weights = read_caffemodel_info(NUMERIC / "net_resnext_seed.caffemodel")
    own = match_caffemodel(weights, pc.load(NUMERIC / "net_resnext_seed.prototxt"))
    with_blobs = [layer.name for layer in weights.with_blobs]
    assert own.fits and [m.name for m in own.of("match")] == with_blobs
    # conv0 renamed: missing from the weights, and the file's conv0 is extra;
    # the classifier given 7 outputs instead of 10: it differs
    changed = text.replace('name: "conv0"', 'name: "conv_stem"')
    assert '"fc1"' in changed and "num_output: 10" in changed
    changed = changed.replace("num_output: 10", "num_output: 7")
    path = tmp_path / "net.prototxt"
    path.write_text(changed)
    match = match_caffemodel(weights, pc.load(path), net=str(path))
    assert not match.fits
    assert [m.name for m in match.of("missing")] == ["conv_stem"]
    assert [(m.name, m.expected, m.found) for m in match.of("differs")] == [
        ("fc1", ((7, 64), (7,)), ((10, 64), (10,)))]
    assert [m.name for m in match.of("extra")] == ["conv0"]
    assert match.summary() == (f"against {path}: {len(with_blobs) - 2} of the net's "
                               f"{len(with_blobs)} layer(s) with parameters match; 1 missing "
                               "from the weights; 1 differ in shape; 1 layer(s) of the weights "
                               "are not in the net (ignored)")
