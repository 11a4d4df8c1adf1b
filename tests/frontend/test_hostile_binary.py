"""Hostile binary NetParameters and paths: string fields that are not UTF-8 (in V2, V1 and V0
layers and the input fields), too many layers, a V0 padding layer read by another, a negative
V0 int32 moved to a uint32, and paths that name no readable file. Each is a CompilerError
naming the field, layer or file, never a Python exception of another kind, never a wait."""
from __future__ import annotations

import os
import pathlib

import pytest

import prototxt_compiler as pc
from prototxt_compiler.errors import CompilerError, ParseError, UpgradeError, UsageError
from prototxt_compiler.frontend import reader
from prototxt_compiler.frontend.reader import read_net, read_net_binary
from prototxt_compiler.frontend.upgrade import upgrade_net
from prototxt_compiler.frontend.weights import read_caffemodel
from prototxt_compiler.proto import caffe_pb2

BAD = b"\xff\xfe"  # never UTF-8


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if not value:
            return bytes(out + bytes([byte]))
        out.append(byte | 0x80)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _v2_layer(name: bytes, type_: bytes = b"ReLU", bottom: bytes = b"data",
              top: bytes = b"data") -> bytes:
    return _field(100, _field(1, name) + _field(2, type_) + _field(3, bottom) + _field(4, top))


def _input() -> bytes:
    """An Input layer with top "data" of shape 1x2x3x3."""
    dims = b"".join(_varint(1 << 3) + _varint(d) for d in (1, 2, 3, 3))
    param = _field(143, _field(1, dims))
    return _field(100, _field(1, b"data") + _field(2, b"Input") + _field(4, b"data") + param)


CASES = {
    "v2-name": _input() + _v2_layer(BAD),
    "v2-type": _input() + _v2_layer(b"relu", type_=BAD),
    "v2-bottom": _input() + _v2_layer(b"relu", bottom=BAD),
    "v2-top": _input() + _v2_layer(b"relu", top=BAD),
    "net-name": _field(1, BAD) + _input(),
    "input": _field(3, BAD) + _varint(4 << 3) + _varint(1),
    "v1-name": _field(2, _field(4, BAD) + _varint(5 << 3) + _varint(18)),        # RELU
    "v1-bottom": _field(2, _field(4, b"r") + _field(2, BAD) + _varint(5 << 3) + _varint(18)),
    "v0-name": _field(2, _field(1, _field(1, BAD) + _field(2, b"relu"))),
    "v0-type": _field(2, _field(1, _field(1, b"r") + _field(2, BAD))),
    "v0-source": _field(2, _field(1, _field(1, b"d") + _field(2, b"data") + _field(16, BAD))),
}
FIELDS = {
    "v2-name": "layer[1].name", "v2-type": "layer[1].type", "v2-bottom": "layer[1].bottom[0]",
    "v2-top": "layer[1].top[0]", "net-name": "name", "input": "input[0]",
    "v1-name": "layers[0].name", "v1-bottom": "layers[0].bottom[0]",
    "v0-name": "layers[0].layer.name", "v0-type": "layers[0].layer.type",
    "v0-source": "layers[0].layer.source",
}


@pytest.mark.parametrize("case", CASES, ids=CASES.keys())
def test_string_field_not_utf8_names_the_field(tmp_path: pathlib.Path, case: str) -> None:
    # Once a UnicodeDecodeError in the upgrade, or a TypeError sorting bytes with str names.
    path = tmp_path / "net.bin"
    path.write_bytes(CASES[case])
    with pytest.raises(ParseError) as caught:
        pc.load(path)
    assert f"string field {FIELDS[case]} is not valid UTF-8" in caught.value.message
    assert caught.value.where == str(path)


def test_valid_utf8_names_load(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "net.bin"
    path.write_bytes(_input() + _v2_layer("rélu".encode()))
    graph = pc.load(path)
    assert [n.name for n in graph.nodes] == ["rélu"]


def test_binary_with_too_many_layers_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(reader, "MAX_LAYERS", 3)
    data = b"".join(_v2_layer(b"r%d" % i) for i in range(4))
    read_net_binary(data[:len(data) * 3 // 4], "net.bin")
    with pytest.raises(ParseError, match="4 layers; at most 3"):
        read_net_binary(data, "net.bin")


# -- V0 upgrade -------------------------------------------------------------------------------
def _v0(*layers: tuple[str, str, list[str], list[str], dict]) -> caffe_pb2.NetParameter:
    net = caffe_pb2.NetParameter(name="v0", input=["data"], input_dim=[1, 1, 5, 5])
    for name, kind, bottoms, tops, fields in layers:
        entry = net.layers.add(bottom=bottoms, top=tops)
        entry.layer.name, entry.layer.type = name, kind
        for key, value in fields.items():
            setattr(entry.layer, key, value)
    return net


def test_padding_read_by_padding_is_refused_as_caffe_refuses_it() -> None:
    # Caffe: "Check failed: ... Padding layer input to non-convolutional / non-pooling layer
    # type padding" (caffe-oracle upgrade). Once an IndexError: no layer kept yet.
    net = _v0(("pad1", "padding", ["data"], ["pad1"], {"pad": 1}),
              ("pad2", "padding", ["pad1"], ["pad2"], {"pad": 1}),
              ("conv", "conv", ["pad2"], ["conv"], {"num_output": 2, "kernelsize": 3}))
    with pytest.raises(UpgradeError, match="padding layer 'pad1' feeds layer 'pad2'"):
        upgrade_net(net)


def test_negative_v0_int32_wraps_into_uint32_as_caffe_does() -> None:
    # caffe-oracle upgrade of new_height: -1, new_width: -2 writes 4294967295 and 4294967294.
    net = caffe_pb2.NetParameter(name="v0")
    entry = net.layers.add(top=["data", "label"])
    entry.layer.name, entry.layer.type, entry.layer.source = "img", "images", "/x"
    entry.layer.batchsize, entry.layer.new_height, entry.layer.new_width = 1, -1, -2
    param = upgrade_net(net).net.layer[0].image_data_param
    assert (param.new_height, param.new_width) == (4294967295, 4294967294)


# -- paths ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["net\x00.prototxt", b"net\x00.prototxt", 3, None, 1.5],
                         ids=["nul-str", "nul-bytes", "int", "none", "float"])
def test_paths_that_name_no_file(path: object) -> None:
    # Once a ValueError (embedded null byte); an int would have opened a file descriptor.
    with pytest.raises(UsageError):
        pc.load(path)  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        read_caffemodel(path)  # type: ignore[arg-type]


def test_directory_and_missing_file(tmp_path: pathlib.Path) -> None:
    for path in (tmp_path, tmp_path / "absent.prototxt"):
        with pytest.raises(CompilerError) as caught:
            read_net(path)
        assert caught.value.where == str(path)
        with pytest.raises(CompilerError):
            read_caffemodel(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_pipe_nobody_writes_is_read_without_waiting(tmp_path: pathlib.Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    net, _ = read_net(fifo)  # an empty definition, at once
    assert net == caffe_pb2.NetParameter()
    with pytest.raises(CompilerError, match="not a regular file"):
        read_caffemodel(fifo)


def test_pipe_is_read_up_to_its_limit(tmp_path: pathlib.Path, monkeypatch) -> None:
    monkeypatch.setattr(reader, "MAX_TEXT_BYTES", 100)
    with pytest.raises(ParseError, match="more than 100 bytes"):
        reader.read_limited("/dev/zero", 10_000, "net definitions")
