"""One ``BlobProto`` of a memory-mapped .caffemodel -> a float32 numpy array, in bulk.

A blob is a shape (``shape.dim``, field 7, or the legacy num/channels/height/width, fields
1-4) and its values: ``data`` (field 5, float) or ``double_data`` (field 8, double), each
either packed (one length-delimited run, as Caffe writes it) or unpacked (one field per
value, as some other writers emit). Caffe's ``Blob::FromProto`` takes the legacy shape when
any of its fields is set, and ``double_data`` over ``data`` when both are present.

Nothing here costs a Python object per value. A packed run becomes an ``np.frombuffer`` view
of the mapping (no copy). A stretch of unpacked values written with one-byte tags (how every
writer writes fields 5 and 8) is found by looking at every 5th (or 9th) byte with numpy, in
probes that grow fourfold, so finding it costs time linear in its length, and it is then
copied out as one strided view; only a value with an unusual tag encoding is stepped over
alone (its offset kept in an int64 array). The shape is checked before any value is copied:
every dimension at least 0, at most ``MAX_BLOB_AXES`` axes, and exactly as many values as
the file holds (so a declared size is never allocated beyond what the file really contains).
"""
from __future__ import annotations

from array import array
from collections.abc import Iterator
from math import prod
from typing import NamedTuple

import numpy as np

from ..limits import MAX_BLOB_AXES
from ..proto.wire import (
    FIXED32,
    FIXED64,
    LENGTH,
    VARINT,
    Bytes,
    WireError,
    fields,
    read_varint,
    signed32,
    signed64,
)

__all__ = ["BlobError", "read_blob"]

_F4, _F8, _U8 = np.dtype("<f4"), np.dtype("<f8"), np.dtype("u1")
_DATA, _DOUBLE = 5, 8
_ONE_BYTE_TAG = {_DATA: _DATA << 3 | FIXED32, _DOUBLE: _DOUBLE << 3 | FIXED64}  # 0x2D, 0x41
_TAGS = {tag: number for number, tag in _ONE_BYTE_TAG.items()}
_SIZE = {_DATA: 4, _DOUBLE: 8}
_FIRST_PROBE = 16
_CHUNK = 1 << 16  # values copied at a time out of unpacked data
_MAX_DIM = (1 << 31) - 1


class BlobError(Exception):
    """A blob whose stated shape is impossible or disagrees with its data."""


class _Segment(NamedTuple):
    """Values of one field number in file order: ``length`` values from ``start`` every
    ``stride`` bytes (stride = value size for packed data), or at the ``offsets``."""

    start: int
    length: int
    stride: int
    offsets: array | None = None


def read_blob(buf: Bytes, start: int, end: int, layer: str, index: int) -> np.ndarray:
    """The blob in ``buf[start:end]`` as a float32 array of its shape (a view of ``buf``
    when its data is one packed float run)."""
    legacy: dict[int, int] = {}
    dims: list[int] = []
    runs: dict[int, list[_Segment]] = {_DATA: [], _DOUBLE: []}
    for number, kind, a, b in _blob_fields(buf, start, end, runs):
        if 1 <= number <= 4 and kind == VARINT:
            legacy[number] = signed32(a)
        elif number == 7:
            if kind != LENGTH:
                raise WireError(f"field 7 (shape) has wire type {kind}, expected {LENGTH}",
                                offset=a, truncated=False)
            dims += _read_dims(buf, a, b)
    shape = tuple(legacy.get(i, 0) for i in (1, 2, 3, 4)) if legacy else tuple(dims)
    what = f"layer '{layer}' blob {index}"
    if len(shape) > MAX_BLOB_AXES:
        raise BlobError(f"{what}: its shape has {len(shape)} axes; Caffe allows at most "
                        f"{MAX_BLOB_AXES}")
    if any(not 0 <= d <= _MAX_DIM for d in shape):
        raise BlobError(f"{what}: its shape {list(shape)} has a dimension below 0 or above "
                        f"{_MAX_DIM:,} (Caffe's blob dimensions are int)")
    number = _DOUBLE if runs[_DOUBLE] else _DATA
    have = sum(s.length for s in runs[number])
    if prod(shape) != have:  # checked before any value is copied
        raise BlobError(f"{what}: its shape {list(shape)} holds {prod(shape):,} values but "
                        f"the file gives {have:,}")
    data = _gather(buf, runs[number], number)
    return data.reshape(shape)


def _blob_fields(buf: Bytes, start: int, end: int,
                 runs: dict[int, list[_Segment]]) -> Iterator[tuple[int, int, int, int]]:
    """The blob's fields other than data and double_data, which go to ``runs``."""
    pos = start
    while pos < end:
        number = _TAGS.get(buf[pos])
        if number is not None:  # a stretch of unpacked values with one-byte tags
            stride = 1 + _SIZE[number]
            count = _stretch(buf, pos, end, buf[pos], stride)
            if count == 0:  # the first value runs past the end
                raise WireError(f"field {number} at byte {pos} needs {_SIZE[number]} bytes "
                                f"but only {end - pos - 1} remain", offset=pos, truncated=True)
            runs[number].append(_Segment(pos + 1, count, stride))
            pos += count * stride
            continue
        field = next(fields(buf, pos, end))
        pos = field.stop
        if field.number not in runs:
            yield field
            continue
        size = _SIZE[field.number]
        wanted = FIXED32 if field.number == _DATA else FIXED64
        if field.wire_type == LENGTH:  # packed
            if (field.stop - field.start) % size:
                raise WireError(f"packed field {field.number} at byte {field.start} is "
                                f"{field.stop - field.start} bytes, not a multiple of {size}",
                                offset=field.start, truncated=False)
            count = (field.stop - field.start) // size
            if count:
                runs[field.number].append(_Segment(field.start, count, size))
        elif field.wire_type == wanted:  # one value with an unusual tag encoding
            _add_scattered(runs[field.number], field.start)
        else:
            raise WireError(f"field {field.number} has wire type {field.wire_type}",
                            offset=field.start, truncated=False)


def _add_scattered(segments: list[_Segment], offset: int) -> None:
    last = segments[-1] if segments else None
    if last is not None and last.offsets is not None:
        last.offsets.append(offset)
        segments[-1] = last._replace(length=last.length + 1)
    else:
        segments.append(_Segment(offset, 1, 0, array("q", [offset])))


def _stretch(buf: Bytes, pos: int, end: int, tag: int, stride: int) -> int:
    """How many values in a row, from ``pos``, start with ``tag`` every ``stride`` bytes and
    fit before ``end``: probes of 16, 64, 256... values, so the cost follows the length."""
    limit = (end - pos) // stride
    count, probe = 0, _FIRST_PROBE
    while count < limit:
        n = min(probe, limit - count)
        tags = np.frombuffer(buf, _U8, count=n * stride, offset=pos + count * stride)[::stride]
        differ = np.flatnonzero(tags != tag)
        if differ.size:
            return count + int(differ[0])
        count += n
        probe *= 4
    return count


def _gather(buf: Bytes, segments: list[_Segment], number: int) -> np.ndarray:
    """The values of ``segments``, in order, as float32: a view for one packed float run."""
    dtype = _F4 if number == _DATA else _F8
    size = _SIZE[number]
    if len(segments) == 1 and segments[0].stride == size and number == _DATA:
        return np.frombuffer(buf, _F4, count=segments[0].length, offset=segments[0].start)
    out = np.empty(sum(s.length for s in segments), np.float32)
    raw = np.frombuffer(buf, _U8)
    at = 0
    for seg in segments:
        for i in range(0, seg.length, _CHUNK):  # bounded temporaries, whatever the size
            n = min(_CHUNK, seg.length - i)
            if seg.offsets is not None:
                starts = np.frombuffer(seg.offsets, np.int64, count=n, offset=8 * i)
                rows = raw[starts[:, None] + np.arange(size)]
            else:
                first = seg.start + i * seg.stride
                rows = np.lib.stride_tricks.as_strided(
                    raw[first:first + (n - 1) * seg.stride + size], shape=(n, size),
                    strides=(seg.stride, 1), writeable=False).copy()
            out[at + i:at + i + n] = rows.view(dtype).ravel()
        at += seg.length
    return out


def _read_dims(buf: Bytes, start: int, end: int) -> list[int]:
    dims = []
    for number, kind, a, b in fields(buf, start, end):
        if number != 1:
            continue
        if kind == VARINT:
            dims.append(signed64(a))
        elif kind == LENGTH:
            pos = a
            while pos < b:
                value, pos = read_varint(buf, pos, b)
                dims.append(signed64(value))
    return dims
