"""The protobuf wire format, read and written by hand where the files are large: scanning
a .caffemodel or an .onnx in place, streaming one out (``varint``, ``length_key``).

The protobuf encoding is a sequence of fields, each a varint tag ``number << 3 | wire_type``
followed by its payload: wire type 0 a varint, 1 eight bytes, 2 a varint length and that
many bytes (strings, sub-messages, packed repeated numbers), 5 four bytes. Wire types 3 and 4
(groups) are deprecated and never used by Caffe; 6 and 7 do not exist.

``fields`` walks one message between two offsets of a buffer (an ``mmap`` of the file) and
yields each field's position without copying anything, so a length-delimited payload of
hundreds of megabytes is stepped over in constant time. Errors are ``WireError`` carrying
the byte offset and whether the bytes ran out (a truncated file) or made no sense.
"""
from __future__ import annotations

import mmap
from collections.abc import Iterator
from typing import NamedTuple, Protocol, Union

__all__ = ["WireError", "Field", "fields", "read_varint", "VARINT", "FIXED64", "LENGTH",
           "FIXED32", "Bytes", "Indexed", "signed32", "signed64", "varint", "length_key"]

Bytes = Union[bytes, bytearray, memoryview, mmap.mmap]


class Indexed(Protocol):
    """Anything whose bytes read one at a time by index (a file read in windows, say)."""

    def __getitem__(self, index: int, /) -> int: ...

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
_SIZES = {FIXED64: 8, FIXED32: 4}


class WireError(Exception):
    """Bytes that are not protobuf. ``truncated`` is True when a field runs past the end of
    its enclosing message or of the file, False for an impossible tag or varint."""

    def __init__(self, message: str, *, offset: int, truncated: bool) -> None:
        super().__init__(message)
        self.offset = offset
        self.truncated = truncated


class Field(NamedTuple):
    """One field: for ``VARINT`` the value is in ``start`` (and ``stop`` is the next
    offset); for the others ``buf[start:stop]`` is the payload."""

    number: int
    wire_type: int
    start: int
    stop: int


def read_varint(buf: Bytes | Indexed, pos: int, end: int) -> tuple[int, int]:
    """Decodes the varint at ``pos`` (at most 10 bytes); returns (value, next offset)."""
    value = shift = 0
    start = pos
    while True:
        if pos >= end:
            raise WireError(f"a varint at byte {start} runs past byte {end}",
                            offset=start, truncated=True)
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift >= 70:
            raise WireError(f"a varint at byte {start} is longer than 10 bytes",
                            offset=start, truncated=False)


def fields(buf: Bytes | Indexed, start: int, end: int) -> Iterator[Field]:
    """The fields of the message in ``buf[start:end]``, in file order."""
    pos = start
    while pos < end:
        at = pos
        tag, pos = read_varint(buf, pos, end)
        number, wire_type = tag >> 3, tag & 7
        if number == 0:
            raise WireError(f"field number 0 at byte {at}", offset=at, truncated=False)
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos, end)
            yield Field(number, wire_type, value, pos)
            continue
        if wire_type == LENGTH:
            size, pos = read_varint(buf, pos, end)
            stop = pos + size
        elif wire_type in _SIZES:
            stop = pos + _SIZES[wire_type]
        else:
            raise WireError(f"wire type {wire_type} (field {number}) at byte {at} is not "
                            "used by Caffe", offset=at, truncated=False)
        if stop > end:
            raise WireError(f"field {number} at byte {at} needs {stop - pos} bytes but only "
                            f"{end - pos} remain", offset=at, truncated=True)
        yield Field(number, wire_type, pos, stop)
        pos = stop


def signed32(value: int) -> int:
    """An int32 field's varint (negatives are sign-extended to 64 bits) as a Python int."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def signed64(value: int) -> int:
    """An int64 field's varint as a Python int."""
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value


def varint(value: int) -> bytes:
    """The varint encoding of a non-negative ``value`` (an int64's negatives: ``value &
    0xFFFFFFFFFFFFFFFF`` first)."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def length_key(number: int, length: int | None = None) -> bytes:
    """The tag of length-delimited field ``number``, and its payload's length when given."""
    key = varint(number << 3 | LENGTH)
    return key if length is None else key + varint(length)
