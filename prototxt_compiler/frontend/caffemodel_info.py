"""What a .caffemodel holds, read in place: its layers, their types and blobs, and its format.

A .caffemodel is a binary NetParameter. Its layers are V2 ``layer`` messages (field 100:
name 1, type 2 as a string, blobs 7) or, in files written before 2015, V1 ``layers``
(field 2: name 4, type 5 as an enum, blobs 6), which may wrap a V0 ``layer`` (field 1: name
1, type 2 as a string, blobs 50). Each blob is a BlobProto whose values are ``data`` (field
5, float32) or ``double_data`` (field 8, float64), packed (as Caffe writes them) or one field
per value, and whose shape is ``shape`` (field 7) or the legacy num/channels/height/width
(fields 1-4).

The file is memory-mapped and walked with ``wire.fields``; each blob's shape and values are
checked by ``blobs.read_blob`` (a view of the mapping for packed float data, so nothing is
copied), which also rejects a shape that disagrees with the values the file holds, as
loading the weights does. Only the facts are kept: names, types, shapes, the stored dtype,
value counts and byte sizes.
"""
from __future__ import annotations

import mmap
import os
from dataclasses import dataclass
from math import prod

from ..errors import WeightsError
from ..proto import caffe_pb2
from ..proto.wire import FIXED32, FIXED64, LENGTH, VARINT, WireError, fields
from .blobs import BlobError, read_blob
from .reader import file_name, text_not_weights
from .upgrade import V1_TYPES
from .weights import map_caffemodel

__all__ = ["BlobInfo", "LayerInfo", "CaffemodelInfo", "read_caffemodel_info"]

_V2, _V1, _V0 = "V2", "V1", "V0"
_DATA, _DOUBLE = 5, 8


@dataclass(frozen=True)
class BlobInfo:
    """One parameter blob: its shape as stored, the stored value type, and its size."""

    shape: tuple[int, ...]
    dtype: str  # "float32" (data) or "float64" (double_data), as the file stores the values
    packed: bool  # one packed run per value field, as Caffe writes them
    legacy_shape: bool  # num/channels/height/width rather than BlobShape

    @property
    def count(self) -> int:
        return prod(self.shape)

    @property
    def nbytes(self) -> int:
        """The bytes the values take in the file (without tags and lengths)."""
        return self.count * (8 if self.dtype == "float64" else 4)


@dataclass(frozen=True)
class LayerInfo:
    """One layer of the file: its name, its type as stored (a V1 enum's name, e.g.
    ``CONVOLUTION``) and as Caffe upgrades it (``Convolution``), its format and blobs."""

    name: str
    type: str
    stored_type: str
    format: str  # "V2", "V1" or "V0" (a V0 layer wrapped in a V1 one)
    blobs: tuple[BlobInfo, ...]

    @property
    def count(self) -> int:
        return sum(b.count for b in self.blobs)

    @property
    def nbytes(self) -> int:
        return sum(b.nbytes for b in self.blobs)


@dataclass(frozen=True)
class CaffemodelInfo:
    """The file: the net's name, every layer in file order, its format and its size."""

    path: str
    name: str
    layers: tuple[LayerInfo, ...]
    file_bytes: int

    @property
    def format(self) -> str:
        """"V2", "V1" (V1 layers, some wrapping V0 ones: reported as V1) or "mixed"."""
        kinds = {_V1 if layer.format == _V0 else layer.format for layer in self.layers}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def with_blobs(self) -> tuple[LayerInfo, ...]:
        return tuple(layer for layer in self.layers if layer.blobs)

    @property
    def count(self) -> int:
        return sum(layer.count for layer in self.layers)

    @property
    def nbytes(self) -> int:
        return sum(layer.nbytes for layer in self.layers)

    @property
    def blob_count(self) -> int:
        return sum(len(layer.blobs) for layer in self.layers)


def read_caffemodel_info(path: str | os.PathLike[str]) -> CaffemodelInfo:
    """The layers and blobs of the .caffemodel at ``path``: a regular, non-empty file of at
    most Caffe's 2 GB, protobuf throughout, holding layers; a damaged field, blob or layer
    name is an error saying where."""
    where = file_name(path)
    buf = map_caffemodel(where, copy=False)
    try:
        name, layers = _scan_net(buf)
    except WireError as error:
        what = "truncated or corrupt" if error.truncated else \
            "not a Caffe .caffemodel (binary NetParameter)"
        raise WeightsError(f"the file is {what}: {error}" + text_not_weights(bytes(buf[:4096])),
                           where=where) from error
    except BlobError as error:
        raise WeightsError(str(error), where=where) from error
    except UnicodeDecodeError as error:
        raise WeightsError(f"a name at byte {error.start} is not valid UTF-8 (Caffe's names "
                           "are UTF-8 text)", where=where) from error
    finally:
        size = len(buf)
        buf.close()
    if not layers:
        raise WeightsError("not a Caffe .caffemodel: the file holds no layers", where=where)
    return CaffemodelInfo(path=where, name=name, layers=tuple(layers), file_bytes=size)


def _scan_net(buf: mmap.mmap) -> tuple[str, list[LayerInfo]]:
    name, layers = "", []
    for field in fields(buf, 0, len(buf)):
        if field.number == 1 and field.wire_type == LENGTH:
            name = bytes(buf[field.start:field.stop]).decode("utf-8")
        elif field.number == 100 and field.wire_type == LENGTH:
            layers.append(_layer(buf, field.start, field.stop, _V2))
        elif field.number == 2 and field.wire_type == LENGTH:
            layers.append(_layer(buf, field.start, field.stop, _V1))
    return name, layers


# format -> (name field, type field, blobs field, nested V0 layer field)
_NUMBERS = {_V2: (1, 2, 7, None), _V1: (4, 5, 6, 1), _V0: (1, 2, 50, None)}


def _layer(buf: mmap.mmap, start: int, stop: int, form: str) -> LayerInfo:
    name_field, type_field, blobs_field, v0_field = _NUMBERS[form]
    name, stored = "", ""
    blobs: list[BlobInfo] = []
    inner: LayerInfo | None = None
    for field in fields(buf, start, stop):
        if field.number == name_field and field.wire_type == LENGTH:
            name = bytes(buf[field.start:field.stop]).decode("utf-8")
        elif field.number == type_field and field.wire_type == LENGTH:
            stored = bytes(buf[field.start:field.stop]).decode("utf-8")
        elif field.number == type_field and field.wire_type == VARINT:
            stored = _v1_name(field.start)
        elif field.number == blobs_field and field.wire_type == LENGTH:
            blobs.append(_blob(buf, field.start, field.stop, name, len(blobs)))
        elif field.number == v0_field and field.wire_type == LENGTH:
            inner = _layer(buf, field.start, field.stop, _V0)
    if inner is not None:  # a V1 layer wrapping a V0 one: Caffe takes the V0 layer's fields
        name, stored = name or inner.name, stored or inner.stored_type
        blobs, form = blobs + list(inner.blobs), _V0
    return LayerInfo(name=name, type=_upgraded_type(stored, form), stored_type=stored,
                     format=form, blobs=tuple(blobs))


def _v1_name(value: int) -> str:
    try:
        return caffe_pb2.V1LayerParameter.LayerType.Name(value)
    except ValueError:
        return f"<V1 type {value}>"


def _upgraded_type(stored: str, form: str) -> str:
    if form != _V1:
        return stored
    number = caffe_pb2.V1LayerParameter.LayerType.Value(stored) \
        if stored in caffe_pb2.V1LayerParameter.LayerType.keys() else None
    return V1_TYPES.get(number, stored) if number is not None else stored


def _blob(buf: mmap.mmap, start: int, stop: int, layer: str, index: int) -> BlobInfo:
    array = read_blob(buf, start, stop, layer, index)  # checks shape against the values
    kinds, packed, legacy = _value_fields(buf, start, stop)
    dtype = "float64" if _DOUBLE in kinds else "float32"
    return BlobInfo(shape=tuple(int(d) for d in array.shape), dtype=dtype, packed=packed,
                    legacy_shape=legacy)


def _value_fields(buf: mmap.mmap, start: int, stop: int) -> tuple[set[int], bool, bool]:
    """Which value fields the blob uses, whether they are packed, and whether its shape is
    the legacy one. Unpacked values are one field each: the walk stops at the first of them
    (its number says which kind it is), so a blob of millions of unpacked values costs no
    walk over all of them; writers emit fields in number order, so the legacy shape (fields
    1-4) has been seen by then."""
    kinds: set[int] = set()
    packed, legacy = True, False
    for field in fields(buf, start, stop):
        if field.number in (_DATA, _DOUBLE):
            kinds.add(field.number)
            if field.wire_type in (FIXED32, FIXED64):
                packed = False
                break
        elif 1 <= field.number <= 4 and field.wire_type == VARINT:
            legacy = True
    return kinds, packed, legacy
