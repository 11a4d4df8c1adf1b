"""Reading a net definition file into a ``NetParameter``: prototxt text or binary protobuf.

Text goes through our position-tracking parser (``textformat``), so every later error can
point at FILE:LINE:COL. Binary (a .caffemodel or a binary NetParameter) is recognised by
its content, not its name.
"""
from __future__ import annotations

import os
import pathlib

from google.protobuf.message import DecodeError

from ..errors import ParseError
from ..proto import caffe_pb2
from .source import SourceMap
from .textformat import parse_text_bytes

__all__ = ["read_net", "read_net_binary", "looks_binary"]


def looks_binary(data: bytes) -> bool:
    """Prototxt text has no control bytes but tab, newline, carriage return and form feeds;
    a serialized NetParameter starts with field tags and lengths, which are."""
    head = data[:4096]
    return any(b < 0x20 and b not in b"\t\n\r\x0b\x0c" for b in head)


def read_net_binary(data: bytes, filename: str) -> caffe_pb2.NetParameter:
    net = caffe_pb2.NetParameter()
    try:
        net.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as error:
        raise ParseError(f"not a binary Caffe NetParameter ({error})", where=filename) from error
    return net


def read_net(path: str | os.PathLike[str], *,
             allow_unknown_fields: bool = False) -> tuple[caffe_pb2.NetParameter, SourceMap]:
    """Reads ``path`` as prototxt text or binary NetParameter; returns it with its source map
    (empty for binary input)."""
    filename = str(path)
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError as error:
        raise ParseError(f"cannot read the file: {error.strerror or error}",
                         where=filename) from error
    if looks_binary(data):
        return read_net_binary(data, filename), SourceMap(filename)
    net = caffe_pb2.NetParameter()
    source = parse_text_bytes(data, net, filename=filename,
                              allow_unknown_fields=allow_unknown_fields)
    return net, source
