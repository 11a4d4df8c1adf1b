"""Reading a net definition file into a ``NetParameter``: prototxt text or binary protobuf.

Text goes through our position-tracking parser (``textformat``), so every later error can
point at FILE:LINE:COL. Binary (a .caffemodel or a binary NetParameter) is recognised by
its content, not its name:

- a file with no control byte in its first 4 KB (tab, newline, carriage return, vertical tab
  and form feed are white space) is text;
- otherwise it is read as text first, and a valid prototxt prefix wins: when the text parser
  reads tokens up to a stray control byte and stops there, the file is text with a bad byte,
  reported at its line and column;
- anything else is read as binary; when that fails too, the interpretation that got further
  is reported (a file that is mostly printable is text that starts badly).

Binary input is decoded as Caffe would: every string field (names, types, sources) as UTF-8,
where bytes that are not UTF-8 are an error naming the field. The file's size, the number of
layers and, for text, the nesting depth and number of fields are bounded (``limits``).
"""
from __future__ import annotations

import os
import stat

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

from ..errors import CompilerError, ParseError, UsageError
from ..limits import MAX_BINARY_BYTES, MAX_LAYERS, MAX_TEXT_BYTES
from ..proto import caffe_pb2
from .forks import check_fork, read_fork_fields
from .source import SourceMap
from .textformat import parse_text_bytes
from .tokens import ControlByteError

__all__ = ["read_net", "read_net_binary", "looks_binary", "read_limited", "file_name"]

_HEAD = 4096
_WHITE = b"\t\n\r\x0b\x0c"
_CONTROL = bytes(b for b in range(0x20) if b not in _WHITE)
_MOSTLY_TEXT = 0.95  # share of printable bytes in the head of a text file


def looks_binary(data: bytes) -> bool:
    """Whether the head of ``data`` holds a control byte (prototxt text has none outside
    strings and comments; a serialized NetParameter's tags and lengths are such bytes)."""
    return any(b < 0x20 and b not in _WHITE for b in data[:_HEAD])


def text_not_weights(head: bytes) -> str:
    """A hint for a weights reader given ``head`` (the file's first bytes): where they read
    as text, the file is likely a net definition given where its .caffemodel goes."""
    if head and not looks_binary(head):
        return (" (it reads as text: a .prototxt net? give it as the net, and its "
                ".caffemodel as the weights)")
    return ""


def file_name(path: object) -> str:
    """``path`` as messages name it; a path that is no path at all is a UsageError."""
    try:
        name = os.fspath(path)  # type: ignore[call-overload]
    except TypeError:
        raise UsageError(f"expected a file path (str or os.PathLike), got "
                         f"{type(path).__name__}") from None
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if "\x00" in name:
        raise UsageError(f"the path {name!r} holds a NUL byte; no file can have that name")
    return name


def read_limited(path: object, limit: int, what: str, *,
                 stream_limit: int | None = None) -> bytes:
    """The bytes of the file at ``path``, refused (before reading) past ``limit`` bytes. A
    pipe or device is read up to ``stream_limit`` bytes (``MAX_TEXT_BYTES`` when None), never
    further, and opening a pipe that nobody writes to does not wait."""
    name = file_name(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise ParseError(f"cannot read the file: {error.strerror or error}",
                         where=name) from error
    try:
        info = os.fstat(fd)
        regular = stat.S_ISREG(info.st_mode)
        if stat.S_ISDIR(info.st_mode):
            raise ParseError("is a directory, not a file", where=name)
        if regular and info.st_size > limit:
            raise ParseError(f"the file is {info.st_size:,} bytes; {what} larger than "
                             f"{limit:,} bytes are refused", where=name)
        if not regular:
            os.set_blocking(fd, True)
            limit = min(limit, MAX_TEXT_BYTES if stream_limit is None else stream_limit)
        data = _read_up_to(fd, limit + 1, info.st_size if regular else 0)
    except OSError as error:
        raise ParseError(f"cannot read the file: {error.strerror or error}",
                         where=name) from error
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ParseError(f"more than {limit:,} bytes; {what} larger than that are refused",
                         where=name)
    return data


def _read_up_to(fd: int, size: int, expected: int) -> bytes:
    """At most ``size`` bytes from ``fd``, read into one buffer sized by ``expected`` (the
    file's size, or 0 for a stream), which grows by doubling when more comes."""
    buf = bytearray(min(size, expected + 1 if expected else 1 << 16))
    n = 0
    with open(fd, "rb", buffering=0, closefd=False) as stream:
        while n < size:
            if n == len(buf):
                buf.extend(bytes(min(len(buf), size - n)))
            with memoryview(buf) as view:
                got = stream.readinto(view[n:])
            if not got:
                break
            n += got
    del buf[n:]
    return buf  # type: ignore[return-value]  # a bytearray: no copy of a large file


def read_net_binary(data: bytes, filename: str) -> caffe_pb2.NetParameter:
    net = caffe_pb2.NetParameter()
    try:
        net.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as error:
        raise ParseError(f"not a binary Caffe NetParameter ({error})", where=filename) from error
    layers = len(net.layer) + len(net.layers)
    if layers > MAX_LAYERS:
        raise ParseError(f"the net has {layers:,} layers; at most {MAX_LAYERS:,} are allowed",
                         where=filename)
    bad = _non_utf8_field(net, "")
    if bad is not None:
        raise ParseError(f"string field {bad} is not valid UTF-8 (Caffe's names, types and "
                         "paths are UTF-8 text)", where=filename)
    return net


def _non_utf8_field(message: Message, prefix: str) -> str | None:
    """The dotted path of the first string field holding bytes that are not UTF-8 (protobuf
    hands those back as ``bytes``), or None."""
    for field, value in message.ListFields():
        name = f"{prefix}{field.name}"
        repeated = _is_repeated(field)
        if field.type == FieldDescriptor.TYPE_STRING:
            values = list(value) if repeated else [value]
            for i, item in enumerate(values):
                if isinstance(item, bytes):
                    return f"{name}[{i}]" if repeated else name
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            for i, sub in enumerate(value if repeated else [value]):
                found = _non_utf8_field(sub, f"{name}[{i}]." if repeated else f"{name}.")
                if found is not None:
                    return found
    return None


def _is_repeated(field: FieldDescriptor) -> bool:
    repeated = getattr(field, "is_repeated", None)  # protobuf >= 5; older ones have `label`
    return repeated if repeated is not None else field.label == FieldDescriptor.LABEL_REPEATED


def _mostly_text(data: bytes) -> bool:
    head = data[:_HEAD]
    return sum(b in _CONTROL for b in head) <= (1 - _MOSTLY_TEXT) * len(head)


def read_net(path: str | os.PathLike[str], *, allow_unknown_fields: bool = False,
             fork: str | None = None) -> tuple[caffe_pb2.NetParameter, SourceMap]:
    """Reads ``path`` as prototxt text or binary NetParameter; returns it with its source map
    (for binary input: no positions, and the fields of ``fork`` read by its numbers)."""
    check_fork(fork)
    filename = file_name(path)
    _refuse_large_text(filename)
    data = read_limited(filename, MAX_BINARY_BYTES, "net definitions")
    if not looks_binary(data):
        return _read_text(data, filename, allow_unknown_fields)
    try:
        return _read_text(data, filename, allow_unknown_fields)
    except ControlByteError as error:
        if error.after_tokens:
            raise
        text_error: CompilerError = error
    except CompilerError as error:
        text_error = error
    try:
        net = read_net_binary(data, filename)
        source = SourceMap(filename)
        read_fork_fields(net, fork, source)
        return net, source
    except ParseError as binary_error:
        if _mostly_text(data):
            raise text_error from binary_error
        raise


def _refuse_large_text(filename: str) -> None:
    """A regular file past the text limit whose head reads as text is refused before the
    rest of it is read (binary may be larger; it is read up to its own limit)."""
    try:
        if os.stat(filename).st_size <= MAX_TEXT_BYTES or not os.path.isfile(filename):
            return
        with open(filename, "rb") as stream:
            head = stream.read(_HEAD)
    except OSError:
        return  # read_limited reports it
    if not looks_binary(head):
        raise ParseError(f"the file is {os.stat(filename).st_size:,} bytes of text; prototxt "
                         f"text larger than {MAX_TEXT_BYTES:,} bytes is refused", where=filename)


def _read_text(data: bytes, filename: str,
               allow_unknown_fields: bool) -> tuple[caffe_pb2.NetParameter, SourceMap]:
    if len(data) > MAX_TEXT_BYTES:
        raise ParseError(f"the file is {len(data):,} bytes of text; prototxt text larger than "
                         f"{MAX_TEXT_BYTES:,} bytes is refused", where=filename)
    net = caffe_pb2.NetParameter()
    source = parse_text_bytes(data, net, filename=filename,
                              allow_unknown_fields=allow_unknown_fields)
    return net, source
