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
try:
    from .textformat import parse_text
except ImportError:  # TEMPORARY until the position-tracking parser lands
    from google.protobuf import text_format as _tf

    def parse_text(text, message, *, filename, allow_unknown_fields=False):  # type: ignore
        try:
            _tf.Parse(text, message, allow_unknown_field=allow_unknown_fields)
        except _tf.ParseError as error:
            raise ParseError(str(error), where=filename) from error
        return SourceMap(filename)

__all__ = ["read_net", "read_net_binary", "looks_binary"]


def looks_binary(data: bytes) -> bool:
    """Text prototxt is UTF-8 without NUL bytes; a serialized NetParameter almost never is."""
    if b"\x00" in data[:4096]:
        return True
    try:
        data[:4096].decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start < 4090  # a multi-byte character cut at the edge is still text
    return False


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
    source = parse_text(data.decode("utf-8"), net, filename=filename,
                        allow_unknown_fields=allow_unknown_fields)
    return net, source
