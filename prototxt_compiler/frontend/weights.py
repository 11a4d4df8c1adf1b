"""Parameter blobs: reading a .caffemodel in place, attaching its blobs to a graph, or
initialising them with the layers' fillers as Caffe does when no weights are given.

Reading. A .caffemodel is a binary NetParameter: layers in ``layer`` (field 100) or, in old
files, V1 ``layers`` (field 2, possibly wrapping a V0 ``layer``), each with a name and
``blobs``. The file is memory-mapped (copy-on-write, so arrays are writable without touching
the file) and scanned with ``wire.fields``; a blob's packed float ``data`` becomes an
``np.frombuffer`` view of the mapping, so loading copies no parameter data and its memory
is the pages that are read. Unpacked floats and ``double_data`` are gathered into a new
float32 array. A blob's shape is its legacy num/channels/height/width when any of those is
set, else ``shape.dim``, as Caffe's ``Blob::FromProto`` reads it; ``double_data`` wins over
``data`` when both are present, as there.

Attaching follows Caffe's ``Net::CopyTrainedLayersFrom``: blobs go to the layer of the same
name; a layer of the file that the net lacks is ignored (with a note). Unlike Caffe, a layer
that expects blobs and is absent from the file is an error (Caffe would leave its random
init). A blob fits when its shape is the expected one up to leading 1s (the legacy 4-D form
(1, 1, N, K) of an InnerProduct weight (N, K); a (1,) for PReLU's scalar slope) and is then
reshaped to the expected shape, still a view.
"""
from __future__ import annotations

import mmap
import os
from collections.abc import Iterator, Mapping, Sequence
from math import prod

import numpy as np

from ..errors import CompilerError, LayerError, OpError, WeightsError
from ..ir import Graph, Node, Shape
from ..ops import OPS
from ..ops.fillers import fill
from .wire import (FIXED32, FIXED64, LENGTH, VARINT, Bytes, WireError, fields, read_varint,
                   signed32, signed64)

__all__ = ["read_caffemodel", "attach_weights", "init_weights"]

_F4, _F8 = np.dtype("<f4"), np.dtype("<f8")
# message -> (name field, blobs field, nested V0 layer field or None)
_V2_LAYER, _V1_LAYER, _V0_LAYER = (1, 7, None), (4, 6, 1), (1, 50, None)


# Reading

def read_caffemodel(path: str | os.PathLike[str]) -> dict[str, list[np.ndarray]]:
    """Layer name -> its parameter blobs (float32), in the file's layer order; views of a
    memory map of the file where the data is packed float (Caffe always writes it so)."""
    where = str(path)
    buf = _map(path)
    try:
        layers = dict(_scan_net(buf))
    except WireError as error:
        if error.truncated:
            raise WeightsError(f"the file is truncated or corrupt: {error}", where=where) from error
        raise WeightsError(f"not a Caffe .caffemodel (binary NetParameter): {error}",
                           where=where) from error
    except _BlobError as error:
        raise WeightsError(str(error), where=where) from error
    if not layers:
        raise WeightsError("not a Caffe .caffemodel: the file holds no layers", where=where)
    return layers


def _map(path: str | os.PathLike[str]) -> mmap.mmap:
    try:
        with open(path, "rb") as stream:
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_COPY)
    except ValueError as error:  # mmap refuses an empty file
        raise WeightsError("the file is empty, not a .caffemodel", where=str(path)) from error
    except OSError as error:
        raise WeightsError(f"cannot read the file: {error.strerror or error}",
                           where=str(path)) from error


class _BlobError(Exception):
    """A blob whose stated shape and data disagree."""


def _scan_net(buf: mmap.mmap) -> Iterator[tuple[str, list[np.ndarray]]]:
    for field in fields(buf, 0, len(buf)):
        if field.number == 100:
            yield _scan_layer(buf, _expect(field, LENGTH, "layer"), _V2_LAYER)
        elif field.number == 2:
            yield _scan_layer(buf, _expect(field, LENGTH, "layers"), _V1_LAYER)


def _expect(field: tuple[int, int, int, int], wire_type: int, name: str) -> tuple[int, int]:
    number, kind, start, stop = field
    if kind != wire_type:
        raise WireError(f"field {number} ({name}) has wire type {kind}, expected {wire_type}",
                        offset=start, truncated=False)
    return start, stop


def _scan_layer(buf: mmap.mmap, span: tuple[int, int],
                numbers: tuple[int, int, int | None]) -> tuple[str, list[np.ndarray]]:
    name_field, blobs_field, v0_field = numbers
    name, blobs = "", []
    for field in fields(buf, *span):
        if field.number == name_field:
            start, stop = _expect(field, LENGTH, "name")
            name = bytes(buf[start:stop]).decode("utf-8", errors="replace")
        elif field.number == blobs_field:
            blobs.append(_read_blob(buf, _expect(field, LENGTH, "blobs"), name, len(blobs)))
        elif field.number == v0_field:
            v0_name, v0_blobs = _scan_layer(buf, _expect(field, LENGTH, "layer"), _V0_LAYER)
            name, blobs = name or v0_name, blobs + v0_blobs
    return name, blobs


def _read_blob(buf: mmap.mmap, span: tuple[int, int], layer: str, index: int) -> np.ndarray:
    legacy: dict[int, int] = {}
    dims: list[int] = []
    floats: list[tuple[int, int, int]] = []
    doubles: list[tuple[int, int, int]] = []
    for field in fields(buf, *span):
        number, kind, start, stop = field
        if 1 <= number <= 4 and kind == VARINT:
            legacy[number] = signed32(start)
        elif number == 5:
            floats.append(_number_run(field, FIXED32, "data"))
        elif number == 8:
            doubles.append(_number_run(field, FIXED64, "double_data"))
        elif number == 7:
            dims += _read_dims(buf, _expect(field, LENGTH, "shape"))
    shape = tuple(legacy.get(i, 0) for i in (1, 2, 3, 4)) if legacy else tuple(dims)
    data = _gather(buf, doubles, _F8).astype(np.float32) if doubles else _gather(buf, floats, _F4)
    if data.size != prod(shape):
        raise _BlobError(f"layer '{layer}' blob {index}: its shape {list(shape)} holds "
                         f"{prod(shape)} values but the file gives {data.size}")
    return data.reshape(shape)


def _number_run(field: tuple[int, int, int, int], element: int,
                name: str) -> tuple[int, int, int]:
    """(start, stop, item size) of a packed run, or of one unpacked element."""
    number, kind, start, stop = field
    size = 4 if element == FIXED32 else 8
    if kind not in (element, LENGTH):
        raise WireError(f"field {number} ({name}) has wire type {kind}", offset=start,
                        truncated=False)
    if (stop - start) % size:
        raise WireError(f"packed {name} at byte {start} is {stop - start} bytes, not a "
                        f"multiple of {size}", offset=start, truncated=False)
    return start, stop, size


def _gather(buf: mmap.mmap, runs: list[tuple[int, int, int]], dtype: np.dtype) -> np.ndarray:
    """One run: a view of the mapping. Several (unpacked elements, split packed data): a copy."""
    parts = [np.frombuffer(buf, dtype, count=(stop - start) // size, offset=start)
             for start, stop, size in runs]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, dtype)


def _read_dims(buf: Bytes, span: tuple[int, int]) -> list[int]:
    dims = []
    for number, kind, start, stop in fields(buf, *span):
        if number != 1:
            continue
        if kind == VARINT:
            dims.append(signed64(start))
        elif kind == LENGTH:
            pos = start
            while pos < stop:
                value, pos = read_varint(buf, pos, stop)
                dims.append(signed64(value))
    return dims


# Attaching

def attach_weights(graph: Graph, blobs: Mapping[str, Sequence[np.ndarray]], *,
                   where: str | None = None) -> list[str]:
    """Sets ``node.blobs`` of every node that expects blobs from ``blobs`` (by layer name);
    returns notes. Every misfit (missing layer, wrong number of blobs, wrong shape) is
    listed in one ``WeightsError``; the graph is left untouched then."""
    problems: list[str] = []
    fitted: list[tuple[Node, tuple[np.ndarray, ...]]] = []
    for node in graph.nodes:
        expected = OPS[node.type].blobs(node.params, [v.shape for v in node.inputs])
        found = blobs.get(node.name)
        if not expected and not found:
            continue
        result = _fit(node, expected, found)
        if isinstance(result, str):
            problems.append(result)
        else:
            fitted.append((node, result))
    if problems:
        head = "" if len(problems) == 1 else f"{len(problems)} layers do not fit the net:\n  "
        raise WeightsError(head + "\n  ".join(problems), where=where)
    for node, arrays in fitted:
        node.blobs = arrays
    names = {node.name for node in graph.nodes}
    extra = [name for name, arrays in blobs.items() if len(arrays) and name not in names]
    if extra:
        return [f"weights for {len(extra)} layer(s) the net lacks were ignored: "
                f"{', '.join(extra)}"]
    return []


def _fit(node: Node, expected: Sequence[Shape],
         found: Sequence[np.ndarray] | None) -> tuple[np.ndarray, ...] | str:
    """The blobs reshaped to the expected shapes, or what is wrong with them."""
    layer = f"layer '{node.name}' ({node.type})"
    want = ", ".join(str(list(s)) for s in expected)
    if found is None:
        return f"{layer} expects {len(expected)} blob(s) [{want}] but the weights have no " \
               "layer of that name"
    if len(found) != len(expected):
        more = "too many" if len(found) > len(expected) else "too few"
        have = ", ".join(str(list(a.shape)) for a in found)
        return f"{layer} expects {len(expected)} blob(s) [{want}], the weights have " \
               f"{len(found)} [{have}] ({more})"
    arrays = []
    for i, (shape, array) in enumerate(zip(expected, found)):
        if _strip_ones(tuple(shape)) != _strip_ones(array.shape):
            return f"{layer} blob {i}: expected shape {list(shape)}, found " \
                   f"{list(array.shape)}"
        arrays.append(np.asarray(array, np.float32).reshape(shape))
    return tuple(arrays)


def _strip_ones(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape without leading 1s: (1, 1, N, K) and (N, K) hold the same numbers alike."""
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


# Initialising

def init_weights(graph: Graph, *, seed: int = 0) -> list[str]:
    """Fills every parameter blob with its layer's filler, as Caffe does for a net built
    without weights (a numpy Generator seeded by ``seed``, layers in order: deterministic).
    Returns a note saying so."""
    rng = np.random.default_rng(seed)
    layers = 0
    for node in graph.nodes:
        arrays = _fill_node(node, rng)
        if arrays is not None:
            node.blobs = arrays
            layers += 1
    return [f"no weights given: the parameters of {layers} layer(s) were initialised by "
            f"their fillers (seed {seed}), as Caffe does for a new net; they are not trained"]


def _fill_node(node: Node, rng: np.random.Generator) -> tuple[np.ndarray, ...] | None:
    op = OPS[node.type]
    bottoms = [v.shape for v in node.inputs]
    shapes = op.blobs(node.params, bottoms)
    if not shapes:
        return None
    try:
        if op.fillers is None:
            raise OpError(f"no fillers are known for layer type {node.type}")
        fillers = op.fillers(node.params, bottoms)
        return tuple(fill(f, tuple(s), rng) for f, s in zip(fillers, shapes, strict=True))
    except CompilerError as error:
        field = error.field if isinstance(error, OpError) else None
        raise LayerError(error.message, layer=node.name, type=node.type, field=field,
                         location=node.location) from error
