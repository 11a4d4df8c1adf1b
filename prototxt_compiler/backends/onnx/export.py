"""An emitted model before it exists as one message: the model without initializers and
the initializers as arrays. From it, the model in memory (``to_model``), the checker's pass
on the model without the tensors' data (``check``), or the files (``save``: written,
checked, then moved into place, or nothing).

Memory. ``save`` streams every tensor from its array into the file (``stream``), so the
export holds the weights once (as the graph does) plus at most ``tensors.CHUNK_BYTES``;
``to_model`` holds them twice (the arrays and the message) and refuses, before allocating
anything, a model past protobuf's limit, which no ONNX reader could parse from one message.

Checking. ``onnx.checker`` (full check: strict shape inference) runs on the model whose
tensors of at least ``EXTERNAL_MIN_BYTES`` are replaced by graph inputs of the same name,
type and shape: the structure, the ops, their attributes and every shape are checked as
they would be on the whole model, without parsing the weights again; the tensors'
encoding is then checked in the written file itself (``stream.verify_framing``).

Deferred weights. A folded weight that is an ``ir.deferred.RowScaled`` is computed as it is
written; afterwards ``settle`` puts in its place, in the graph, a copy-on-write map of its
bytes in the written file, so the graph holds arrays again, at no cost in memory.
"""
from __future__ import annotations

import mmap
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import helper

from ...errors import UsageError
from ...ir import Graph
from ...ir.deferred import RowScaled
from .stream import (
    EXTERNAL_MIN_BYTES,
    PROTOBUF_LIMIT,
    plan_layout,
    verify_framing,
    write_layout,
    written_model,
)
from .tensors import Tensor, header, to_proto

__all__ = ["Export", "MAX_MODEL_BYTES", "settle"]

#: Largest model built as one message in memory (protobuf's limit).
MAX_MODEL_BYTES = PROTOBUF_LIMIT


def _bytes(count: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count} bytes"


@dataclass(frozen=True)
class Export:
    """``skeleton``: the model with every field but the initializers; ``tensors``: the
    initializers in the order they were emitted."""

    skeleton: onnx.ModelProto
    tensors: tuple[Tensor, ...]

    @property
    def nbytes(self) -> int:
        return sum(t.nbytes for t in self.tensors)

    def to_model(self) -> onnx.ModelProto:
        """The whole model in memory, as ``onnx.helper`` would build it."""
        size = self.nbytes + self.skeleton.ByteSize()
        if size > MAX_MODEL_BYTES:
            largest = max(self.tensors, key=lambda t: t.nbytes)
            raise UsageError(
                f"the model's tensors need {_bytes(size)} (the largest, '{largest.name}', "
                f"{_bytes(largest.nbytes)}), more than one protobuf message holds "
                f"({_bytes(MAX_MODEL_BYTES)}); nothing was allocated: write it to a file "
                "(compile -o MODEL.onnx; Python: to_onnx(graph, path)), whose tensors then "
                "go to MODEL.onnx.data")
        model = onnx.ModelProto()
        model.CopyFrom(self.skeleton)
        for tensor in self.tensors:
            model.graph.initializer.append(to_proto(tensor))
        return model

    def check(self) -> None:
        """``onnx.checker``'s full check of the model, its large tensors standing as graph
        inputs (see the module docstring)."""
        model = onnx.ModelProto()
        model.CopyFrom(self.skeleton)
        for tensor in self.tensors:
            if tensor.nbytes < EXTERNAL_MIN_BYTES:
                model.graph.initializer.append(to_proto(tensor))
            else:
                model.graph.input.append(helper.make_tensor_value_info(
                    tensor.name, header(tensor).data_type, list(tensor.array.shape)))
        onnx.checker.check_model(model, full_check=True)

    def save(self, path: str | os.PathLike[str], *, data_name: str | None = None,
             external_bytes: int = PROTOBUF_LIMIT,
             progress: Callable[[str], None] | None = None,
             written: Callable[[np.ndarray], object] | None = None) -> onnx.ModelProto:
        """Writes the model to ``path``, its tensors in ``data_name`` (by default the file's
        name + ``.data``, beside it) when the model would pass ``external_bytes``; checks
        it; then moves the files into place. On any error no file of it remains and the
        files it would replace are untouched. Returns the model as written: its tensors
        of at least ``EXTERNAL_MIN_BYTES`` refer to their bytes in the files (ONNX's
        external-data form; ``onnx.load(path)`` reads the whole model). ``written`` is
        called with each piece of a tensor's array (``tensors.pieces``) once it is in the
        file (``compile_onnx`` gives back the mapped pages of the weights there)."""
        step = progress or (lambda _: None)
        target = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(target))
        name = os.path.basename(target)
        location = data_name or name + ".data"
        if os.path.basename(location) != location or location in ("", ".", ".."):
            raise UsageError(f"data file name {location!r}: expected a file name beside "
                             "the model, with no folder")
        layout = plan_layout(self.skeleton, self.tensors, location=location,
                             external_bytes=external_bytes)
        with _Staging(folder) as staging:
            model_tmp = staging.new(name)
            data_tmp = staging.new(location) if layout.location is not None else None
            step("writing")
            try:
                write_layout(layout, model_tmp, data_tmp, written=written)
            except OSError as error:
                raise UsageError(f"cannot write {target}: {error.strerror or error}"
                                 ) from error
            step("checking the model")
            self.check()
            verify_framing(layout, model_tmp, data_tmp)
            moves = [(model_tmp, target)]
            if data_tmp is not None:
                moves.insert(0, (data_tmp, os.path.join(folder, location)))
            staging.commit(moves)
        return written_model(self.skeleton, layout, name)


class _Staging:
    """Temporary files beside the outputs, removed unless committed; ``commit`` renames
    them over their targets (side files first, the model last), giving each the mode of
    the file it replaces (or what the umask leaves of 0666), and puts back the old side
    files should a later rename fail."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.temps: list[str] = []

    def __enter__(self) -> _Staging:
        return self

    def new(self, target_name: str) -> str:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix="-" + target_name,
                                       dir=self.folder)
        except (OSError, ValueError) as error:  # ValueError: a NUL byte in the path
            raise UsageError(f"cannot write {os.path.join(self.folder, target_name)}: "
                             f"{getattr(error, 'strerror', None) or error}") from error
        os.close(fd)
        self.temps.append(tmp)
        return tmp

    def commit(self, moves: Sequence[tuple[str, str]]) -> None:
        placed: list[str] = []  # side files moved into place
        backups: dict[str, str] = {}  # target -> the old file, set aside
        try:
            for tmp, target in moves:
                os.chmod(tmp, _mode_for(target))
            for tmp, target in moves[:-1]:
                if os.path.exists(target):
                    backups[target] = self.new(os.path.basename(target))
                    os.replace(target, backups[target])
                os.replace(tmp, target)
                placed.append(target)
            os.replace(*moves[-1])
        except OSError as error:
            for target in placed:
                os.remove(target)
            for target, backup in backups.items():
                os.replace(backup, target)
            raise UsageError(f"cannot write {moves[-1][1]}: {error.strerror or error}"
                             ) from error

    def __exit__(self, *exc: object) -> None:
        for tmp in self.temps:
            if os.path.exists(tmp):
                os.remove(tmp)


def _mode_for(target: str) -> int:
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _external(proto: onnx.TensorProto) -> tuple[str, int, int] | None:
    entries = {e.key: e.value for e in proto.external_data}
    if proto.data_location != onnx.TensorProto.EXTERNAL or "location" not in entries:
        return None
    return entries["location"], int(entries.get("offset", "0")), int(entries["length"])


def _map(path: str) -> mmap.mmap | None:
    """The written file, mapped copy-on-write; None where it cannot be (a file system that
    maps nothing): its weights are then computed instead."""
    try:
        with open(path, "rb") as stream:
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_COPY)
    except (OSError, ValueError):
        return None


def settle(graph: Graph, export: Export, model: onnx.ModelProto,
           path: str | os.PathLike[str]) -> int:
    """After ``export`` was saved to ``path`` as ``model``: every ``RowScaled`` blob of the
    graph becomes a copy-on-write map of its bytes in the written file(s) (one that no
    tensor was written from, or in a file that cannot be mapped, is computed). Returns how
    many blobs were replaced."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    where = {t.name: _external(t) for t in model.graph.initializer}
    maps: dict[str, mmap.mmap | None] = {}
    views: dict[int, np.ndarray] = {}
    for tensor in export.tensors:
        placed = where.get(tensor.name)
        if not isinstance(tensor.array, RowScaled) or placed is None:
            continue
        base, (location, offset, length) = tensor.array.base, placed
        if length != base.nbytes:
            raise RuntimeError(f"initializer '{tensor.name}' was written with {length} "
                               f"bytes, expected {base.nbytes}")
        if location not in maps:
            maps[location] = _map(os.path.join(folder, location))
        mapping = maps[location]
        if mapping is not None:
            views[id(base)] = np.frombuffer(mapping, "<f4", base.size, offset).astype(
                np.float32, copy=False).reshape(base.shape)
    replaced = 0
    for node in graph.nodes:
        if node.blobs is None or not any(isinstance(b, RowScaled) for b in node.blobs):
            continue
        blobs = []
        for blob in node.blobs:
            if isinstance(blob, RowScaled):
                view = views.get(id(blob.base))
                blob = blob.materialize() if view is None else view.reshape(blob.shape)
                replaced += 1
            blobs.append(blob)
        node.blobs = tuple(blobs)
    return replaced
