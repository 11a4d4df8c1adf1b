"""The export's initializers as arrays, and their ONNX form: whole, or as a header whose
bytes are streamed.

An initializer stays a ``Tensor`` (its name and a numpy array, usually a view of the
weights) until the model is built in memory (``to_proto``: one ``TensorProto`` with
``raw_data``, as ``onnx.numpy_helper.from_array`` makes it) or written (``header``: the
``TensorProto`` without its data, then ``chunks`` of its bytes, little-endian in C order,
each at most ``CHUNK_BYTES``, a view where the array allows it, else a converted copy). A
folded weight still to be computed (``ir.deferred.RowScaled``) stands as the array until
then: its chunks are its product, a block at a time, and ``to_proto`` computes it whole.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from math import prod
from typing import Union

import numpy as np
from onnx import TensorProto, helper

from ...ir.deferred import RowScaled

__all__ = ["Tensor", "CHUNK_BYTES", "header", "to_proto", "pieces", "chunks",
           "external_header"]

#: The most bytes of a tensor copied at once while writing (a transposed or big-endian array
#: is converted block by block, so writing never holds a second copy of a big tensor).
CHUNK_BYTES = 16 << 20

Array = Union[np.ndarray, RowScaled]


@dataclass(frozen=True)
class Tensor:
    """One initializer: its ONNX name and its values."""

    name: str
    array: Array

    @property
    def nbytes(self) -> int:
        return prod(self.array.shape) * self.array.dtype.itemsize


def _data_type(array: Array) -> int:
    return helper.np_dtype_to_tensor_dtype(array.dtype.newbyteorder("="))


def header(tensor: Tensor) -> TensorProto:
    """The tensor's name, element type and dimensions, without its data."""
    proto = TensorProto()
    proto.name = tensor.name
    proto.data_type = _data_type(tensor.array)
    proto.dims.extend(int(d) for d in tensor.array.shape)
    return proto


def external_header(tensor: Tensor, location: str, offset: int) -> TensorProto:
    """The header of a tensor whose bytes lie in file ``location`` (relative to the model's
    folder) from ``offset``: ONNX's external-data form."""
    proto = header(tensor)
    proto.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", str(offset)),
                       ("length", str(tensor.nbytes))):
        entry = proto.external_data.add()
        entry.key, entry.value = key, value
    return proto


def to_proto(tensor: Tensor) -> TensorProto:
    """The whole tensor, its bytes in ``raw_data`` (one copy of the array, made here)."""
    proto = header(tensor)
    proto.raw_data = _onnx_layout(tensor.array).tobytes()
    return proto


def _little_endian(dtype: np.dtype) -> np.dtype:
    return dtype.newbyteorder("<")


def _onnx_layout(array: Array) -> np.ndarray:
    """The array itself when it is C-ordered and little-endian, else such a copy."""
    return np.ascontiguousarray(array, dtype=_little_endian(array.dtype))


def pieces(array: np.ndarray) -> Iterator[np.ndarray]:
    """The array in ONNX's layout (C order, little-endian) as 1-D pieces of at most
    ``CHUNK_BYTES`` (or one row where a row is larger): views of the array itself where it
    is already laid out so, else blocks of rows converted one at a time."""
    if array.size == 0:
        return
    if array.dtype == _little_endian(array.dtype) and array.flags.c_contiguous:
        flat = array.reshape(-1)
        step = max(1, CHUNK_BYTES // flat.itemsize)
        for start in range(0, flat.size, step):
            yield flat[start:start + step]
        return
    array = array.reshape(1) if array.ndim == 0 else array
    row_bytes = max(1, prod(array.shape[1:]) * array.dtype.itemsize)
    step = max(1, CHUNK_BYTES // row_bytes)
    for start in range(0, array.shape[0], step):
        yield _onnx_layout(array[start:start + step]).reshape(-1)


def chunks(array: Array) -> Iterator[memoryview]:
    """The array's bytes in ONNX's layout, in pieces (``pieces``); a ``RowScaled``'s product
    a block at a time (``RowScaled.blocks``). Write each piece before asking for the next:
    a piece may be a buffer the next one reuses."""
    if isinstance(array, RowScaled):
        yield from array.blocks()
        return
    for piece in pieces(array):
        yield piece.data.cast("B")
