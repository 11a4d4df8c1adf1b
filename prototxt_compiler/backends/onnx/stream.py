"""Writing a model to disk with its tensors streamed from their arrays: the file is
protobuf's encoding of the ``ModelProto``, but the tensors' bytes go straight from the
arrays (views of the weights) to the file, so writing holds no second copy of them and no
protobuf message bigger than the model without its data is ever built.

The encoding. A message is a sequence of fields, each a key (``number << 3 | wire type``, a
varint) and, for length-delimited fields (wire type 2: messages, strings, bytes), a varint
length and that many bytes; fields may come in any order, and the entries of a repeated
field are read in the order they come. So the file is

    ModelProto's fields but the graph (ir_version, opset_import, producer, ...)
    key(graph = 7), length, GraphProto's fields but the initializers (nodes, inputs, ...)
        then for each initializer: key(initializer = 5), length,
            TensorProto's dims, data_type, name, then key(raw_data = 9), length, the bytes

which ``onnx.load`` and onnxruntime parse as the model built in memory would be. When the
file would pass ``PROTOBUF_LIMIT`` (the most protobuf parses, and so the most any ONNX
reader reads in one file), every tensor of at least ``EXTERNAL_MIN_BYTES`` keeps its bytes
in a data file instead (ONNX's external data: ``location``, ``offset``, ``length`` in the
tensor, offsets aligned to ``ALIGN``), one big tensor as well as many.

After writing, ``verify_framing`` reads the written file's keys and lengths back (skipping
the tensors' bytes) and checks them against the plan: every initializer in order, with its
header and the length of its data, the data file's size.
"""
from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, Union

import numpy as np
import onnx

from ...ir.deferred import RowScaled
from ...proto.wire import WireError, fields, length_key
from .tensors import Tensor, chunks, external_header, header, pieces, to_proto

__all__ = ["PROTOBUF_LIMIT", "EXTERNAL_MIN_BYTES", "ALIGN", "Layout", "plan_layout",
           "write_layout", "verify_framing", "written_model"]

PROTOBUF_LIMIT = (1 << 31) - 1
EXTERNAL_MIN_BYTES = 1024  # as onnx.save_model's size_threshold
ALIGN = 4096  # page-aligned offsets let readers map a tensor in place

Buffer = Union[bytes, bytearray, "_FileBytes"]
_GRAPH, _INITIALIZER, _RAW_DATA = 7, 5, 9


@dataclass(frozen=True)
class Placement:
    """Where one tensor's bytes go: after ``prefix`` in the model file (inline), or at
    ``offset`` of the data file (then ``prefix`` is its whole initializer field)."""

    tensor: Tensor
    prefix: bytes
    inline: bool
    offset: int  # in the data file; for inline data, where the bytes start in the model file


@dataclass(frozen=True)
class Layout:
    head: bytes  # ModelProto's fields but the graph, then the graph's key and length
    graph: bytes  # GraphProto's fields but the initializers
    placements: tuple[Placement, ...]
    location: str | None  # the data file's name, when tensors go there
    model_bytes: int
    data_bytes: int


def _inlinelength_key(tensor: Tensor) -> bytes:
    body = header(tensor).SerializeToString()
    raw = length_key(_RAW_DATA, tensor.nbytes)
    return length_key(_INITIALIZER, len(body) + len(raw) + tensor.nbytes) + body + raw


def _head(skeleton: onnx.ModelProto) -> bytes:
    rest = onnx.ModelProto()
    rest.CopyFrom(skeleton)
    rest.ClearField("graph")
    return rest.SerializeToString()


def plan_layout(skeleton: onnx.ModelProto, tensors: Sequence[Tensor], *,
                location: str, external_bytes: int = PROTOBUF_LIMIT) -> Layout:
    """Where everything goes. ``skeleton`` is the model without initializers; the tensors
    go to the data file ``location`` when the model would pass ``external_bytes``."""
    head, graph = _head(skeleton), skeleton.graph.SerializeToString()
    prefixes = [_inlinelength_key(t) for t in tensors]
    graph_bytes = len(graph) + sum(len(p) + t.nbytes for p, t in zip(prefixes, tensors))
    total = len(head) + len(length_key(_GRAPH, graph_bytes)) + graph_bytes
    if total <= external_bytes:
        start = len(head) + len(length_key(_GRAPH, graph_bytes)) + len(graph)
        placements = []
        for tensor, prefix in zip(tensors, prefixes):
            placements.append(Placement(tensor, prefix, True, start + len(prefix)))
            start += len(prefix) + tensor.nbytes
        return Layout(head + length_key(_GRAPH, graph_bytes), graph, tuple(placements), None,
                      total, 0)
    placements, offset = [], 0
    for tensor, prefix in zip(tensors, prefixes):
        if tensor.nbytes < EXTERNAL_MIN_BYTES:
            placements.append(Placement(tensor, prefix, True, -1))
            continue
        offset = -(-offset // ALIGN) * ALIGN
        body = external_header(tensor, location, offset).SerializeToString()
        placements.append(Placement(tensor, length_key(_INITIALIZER, len(body)) + body, False,
                                    offset))
        offset += tensor.nbytes
    graph_bytes = len(graph) + sum(len(p.prefix) + (p.tensor.nbytes if p.inline else 0)
                                   for p in placements)
    head += length_key(_GRAPH, graph_bytes)
    return Layout(head, graph, tuple(placements), location,
                  len(head) + graph_bytes, offset)


def write_layout(layout: Layout, model_path: str, data_path: str | None, *,
                 written: Callable[[np.ndarray], object] | None = None) -> None:
    """Writes the model file (and the data file, when the layout has one), each file's
    blocks reserved first (``reserve``); ``written`` is called with each piece of a
    tensor's array (``tensors.pieces``: views of it where it is laid out as ONNX wants) once
    the piece is written (not for a ``RowScaled``: it gives back its own source)."""
    with open(model_path, "wb") as model:
        reserve(model.fileno(), layout.model_bytes)
        model.write(layout.head)
        model.write(layout.graph)
        for placement in layout.placements:
            model.write(placement.prefix)
            if placement.inline:
                _write_bytes(model, placement.tensor, written)
    if layout.location is None:
        return
    if data_path is None:
        raise RuntimeError("a data file is needed but has no path")
    with open(data_path, "wb") as data:
        reserve(data.fileno(), layout.data_bytes)
        for placement in layout.placements:
            if not placement.inline:
                data.write(b"\0" * (placement.offset - data.tell()))
                _write_bytes(data, placement.tensor, written)


_FALLOC_FL_KEEP_SIZE = 1
_NOT_SUPPORTED = {errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL, errno.ENODEV, errno.EPERM}


def reserve(fd: int, size: int) -> bool:
    """Asks the file system for ``size`` bytes of blocks for the file before it is written
    (Linux ``fallocate`` with ``FALLOC_FL_KEEP_SIZE``: the file's size still grows only as
    it is written, so a short write still shows). A disk that is too full says so here,
    before anything is written (OSError ENOSPC); and on ext4 the writes that follow fill
    blocks already allocated, which took a 318 MiB model's write from 0.116 s to 0.092 s
    (``benchmarks/README.md``; tmpfs allocates its pages ahead instead, within 0.01 s of
    writing them alone). Where the system or the file system has no such call, nothing
    happens; returns whether blocks were reserved."""
    if size <= 0 or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fallocate = libc.fallocate
    except (OSError, AttributeError):
        return False
    fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fallocate.restype = ctypes.c_int
    if fallocate(fd, _FALLOC_FL_KEEP_SIZE, 0, size) == 0:
        return True
    code = ctypes.get_errno()
    if code in _NOT_SUPPORTED:
        return False
    raise OSError(code, os.strerror(code))


def _write_bytes(stream: BinaryIO, tensor: Tensor,
                 written: Callable[[np.ndarray], object] | None) -> None:
    if isinstance(tensor.array, RowScaled):  # gives back its own source (``after``)
        for chunk in chunks(tensor.array):
            stream.write(chunk)
        return
    for piece in pieces(tensor.array):
        stream.write(piece.data.cast("B"))
        if written is not None:  # a big weight's pages can go as its first pieces are written
            written(piece)


def written_model(skeleton: onnx.ModelProto, layout: Layout, model_name: str) -> onnx.ModelProto:
    """The model as written, without holding its data: every tensor of at least
    ``EXTERNAL_MIN_BYTES`` refers to its bytes where they lie (ONNX's external-data form: in
    the data file, or inside the model file ``model_name`` itself), smaller ones whole."""
    model = onnx.ModelProto()
    model.CopyFrom(skeleton)
    for placement in layout.placements:
        tensor = placement.tensor
        if tensor.nbytes < EXTERNAL_MIN_BYTES:
            model.graph.initializer.append(to_proto(tensor))
        else:
            where = model_name if placement.inline else (layout.location or model_name)
            model.graph.initializer.append(external_header(tensor, where, placement.offset))
    return model


class _FileBytes:
    """A file read as a bytes-like, ``WINDOW`` bytes at a time where it is indexed (no map:
    a map would take address space for the whole file)."""

    WINDOW = 1 << 16

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size
        self.start, self.data = 0, b""

    def __len__(self) -> int:
        return self.size

    def _window(self, at: int) -> None:
        if not self.start <= at < self.start + len(self.data):
            self.start, self.data = at, os.pread(self.fd, self.WINDOW, at)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return os.pread(self.fd, index.stop - index.start, index.start)
        self._window(index)
        return self.data[index - self.start]


def verify_framing(layout: Layout, model_path: str, data_path: str | None) -> None:
    """Reads the written file's structure back and checks it against ``layout`` (a window
    at a time: only the parts holding keys and headers are read, never the tensors');
    a difference is a bug of ours (a RuntimeError: the command's internal error), never
    the input's."""
    size = os.path.getsize(model_path)
    try:
        if size != layout.model_bytes:
            raise ValueError(f"the model file has {size} bytes, expected "
                             f"{layout.model_bytes}")
        with open(model_path, "rb") as stream:
            _verify(layout, _FileBytes(stream.fileno(), size))
        if layout.location is not None and (data_path is None or
                                            os.path.getsize(data_path) != layout.data_bytes):
            raise ValueError(f"the data file does not hold the {layout.data_bytes} bytes "
                             "planned")
    except (ValueError, WireError) as error:
        raise RuntimeError(f"the written model is not what was planned: {error}") from error


def _verify(layout: Layout, buf: Buffer) -> None:
    size = len(buf)
    graphs = [f for f in fields(buf, 0, size) if f.number == _GRAPH]
    if len(graphs) != 1 or graphs[0].stop != size:
        raise ValueError("expected one graph, at the end of the file")
    expected = iter(layout.placements)
    for f in fields(buf, graphs[0].start, size):
        if f.number != _INITIALIZER:
            continue
        placement = next(expected, None)
        if placement is None:
            raise ValueError("more initializers than were written")
        proto, raw = _header_of(buf, f.start, f.stop)
        _check_tensor(placement, proto, raw, layout.location)
    if next(expected, None) is not None:
        raise ValueError("fewer initializers than were written")


def _header_of(buf: Buffer, at: int, stop: int
               ) -> tuple[onnx.TensorProto, tuple[int, int] | None]:
    """An initializer's fields but its raw data, and where its raw data lies."""
    kept, raw, pos = bytearray(), None, at
    for f in fields(buf, at, stop):
        if f.number == _RAW_DATA:
            raw = (f.start, f.stop)
        else:
            kept += buf[pos:f.stop]  # the field with its key: from where the last one ended
        pos = f.stop
    return onnx.TensorProto.FromString(bytes(kept)), raw


def _check_tensor(placement: Placement, proto: onnx.TensorProto,
                  raw: tuple[int, int] | None, location: str | None) -> None:
    tensor = placement.tensor
    if placement.inline:
        wanted = header(tensor)
        ok = raw is not None and raw[1] - raw[0] == tensor.nbytes and \
            (placement.offset < 0 or raw[0] == placement.offset)
    else:
        wanted = external_header(tensor, location or "", placement.offset)
        ok = raw is None
    if not ok or proto != wanted:
        raise ValueError(f"initializer '{tensor.name}' is not as planned")
