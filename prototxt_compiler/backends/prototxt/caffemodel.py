"""Writing a graph's parameter blobs as a Caffe .caffemodel, streamed.

The file is a binary V2 ``NetParameter``: the net's name, then one ``layer`` (field 100) per
layer in graph order, Input layers first, each the canonical ``LayerParameter`` of the
prototxt emitter (name, type, bottoms, tops, params) with its ``blobs`` (field 7), every
blob a ``BlobProto`` with ``shape`` (field 7, packed int64 dims) and ``data`` (field 5,
packed little-endian float32), as Caffe's ``Net::ToProto`` writes them. Layers are written
one at a time and each blob's values straight from its array (in chunks where it must be
converted), so the writer holds no copy of the weights and has no 2 GB limit (its lengths
are varints of any size; note that Caffe itself reads at most 2 GB, protobuf's limit).

The bytes are protobuf's own serialization of that message (fields in number order: a
layer's fields below 7, its blobs, its fields above 7), so a test can compare them with
``NetParameter.SerializeToString()``.

A fork layer (an ``Upsample`` from ``from-onnx --fork yolo``) is written without its fork's
params field (``upsample_param``): BVLC's NetParameter has no such field, and forks number
one name differently. Nothing is lost: Caffe and its forks load a .caffemodel's blobs by
layer name (``Net::CopyTrainedLayersFrom``) and take every param from the prototxt, which
holds them.

BatchNorm's third blob (the moving-average factor f that divides mean and variance) is
written as 1, with mean and variance multiplied by 1/f in float32 (0 when f is 0), which is
what Caffe computes from them: the same normalisation, and a file that tools expecting a
factor of 1 read right.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import BinaryIO

import numpy as np

from ...errors import LayerError
from ...ir import Graph, Node
from ...ops import OPS
from ...proto import caffe_pb2
from ...proto.wire import length_key, varint
from .lower import to_net_parameter

__all__ = ["write_caffemodel", "caffemodel_blobs"]

_NET_NAME, _NET_LAYER = 1, 100
_LAYER_BLOBS = 7
_BLOB_DATA, _BLOB_SHAPE = 5, 7
_CHUNK = 1 << 22  # values per write when a blob must be converted


def caffemodel_blobs(node: Node) -> tuple[np.ndarray, ...]:
    """The blobs of ``node`` as they are written (BatchNorm's factor made 1)."""
    blobs = tuple(node.blobs or ())
    if node.type != "BatchNorm" or len(blobs) != 3:
        return blobs
    factor = np.float32(np.asarray(blobs[2], np.float32).reshape(-1)[0])
    if factor == 1:
        return blobs
    scale = np.float32(0) if factor == 0 else np.float32(1) / factor
    mean = (np.asarray(blobs[0], np.float32) * scale).astype(np.float32)
    variance = (np.asarray(blobs[1], np.float32) * scale).astype(np.float32)
    return mean, variance, np.ones(np.shape(blobs[2]), np.float32)


def _check(node: Node, blobs: Sequence[np.ndarray]) -> None:
    """Every blob the layer expects, of the shape Caffe checks on loading."""
    expected = OPS[node.type].blobs(node.params, node.input_shapes())
    found = [tuple(np.shape(b)) for b in blobs]
    if found != [tuple(s) for s in expected]:
        raise LayerError(f"the layer holds blobs {[list(s) for s in found]}, Caffe expects "
                         f"{[list(s) for s in expected]}", layer=node.name, type=node.type)


def _shape_bytes(shape: Sequence[int]) -> bytes:
    dims = b"".join(varint(int(d) & 0xFFFFFFFFFFFFFFFF) for d in shape)
    inner = (length_key(1, len(dims)) + dims) if dims else b""
    return length_key(_BLOB_SHAPE, len(inner)) + inner


def _blob_header(blob: np.ndarray) -> tuple[bytes, bytes, int]:
    """(the bytes before the data, the shape field, the data's length in bytes)."""
    size = int(np.size(blob)) * 4
    data_head = length_key(_BLOB_DATA, size) if size else b""
    shape = _shape_bytes(np.shape(blob))
    return data_head, shape, size


def _write_data(out: BinaryIO, blob: np.ndarray) -> None:
    array = np.asarray(blob)
    if array.dtype == np.dtype("<f4") and array.flags.c_contiguous:
        out.write(array.reshape(-1).data.cast("B"))
        return
    flat = array.reshape(-1)
    for start in range(0, flat.size, _CHUNK):
        out.write(np.ascontiguousarray(flat[start:start + _CHUNK], dtype="<f4").tobytes())


def _split_layer(layer: caffe_pb2.LayerParameter) -> tuple[bytes, bytes]:
    """The layer's serialized fields numbered below 7 and above 7 (it has no blobs)."""
    low, high = caffe_pb2.LayerParameter(), caffe_pb2.LayerParameter()
    low.CopyFrom(layer)
    high.CopyFrom(layer)
    for field, _ in layer.ListFields():
        (high if field.number < _LAYER_BLOBS else low).ClearField(field.name)
    return low.SerializeToString(), high.SerializeToString()


def write_caffemodel(graph: Graph, path: str | os.PathLike[str]) -> int:
    """Writes every layer with its blobs to ``path``; returns the number of bytes. A layer
    that expects blobs and has none (or of other shapes) is a LayerError, raised before
    anything is written."""
    net = to_net_parameter(graph, fork_params=False)
    nodes = {node.name: node for node in graph.nodes}
    plan = []
    for layer in net.layer:
        node = nodes.get(layer.name)
        blobs: tuple[np.ndarray, ...] = ()
        if node is not None and OPS[node.type].blobs(node.params, node.input_shapes()):
            if not node.blobs:
                raise LayerError("the layer has no parameter blobs to write (load weights "
                                 "or initialise them first)", layer=node.name, type=node.type)
            blobs = caffemodel_blobs(node)
            _check(node, blobs)
        plan.append((layer, blobs))
    written = 0
    with open(path, "wb") as out:
        if net.name:
            name = net.name.encode("utf-8")
            head = length_key(_NET_NAME, len(name)) + name
            out.write(head)
            written += len(head)
        for layer, blobs in plan:
            low, high = _split_layer(layer)
            parts = []
            for blob in blobs:
                data_head, shape, size = _blob_header(blob)
                body = len(data_head) + size + len(shape)
                parts.append((length_key(_LAYER_BLOBS, body) + data_head, blob, shape, size))
            length = len(low) + len(high) + sum(len(p[0]) + p[3] + len(p[2]) for p in parts)
            head = length_key(_NET_LAYER, length) + low
            out.write(head)
            for prefix, blob, shape, size in parts:
                out.write(prefix)
                if size:
                    _write_data(out, blob)
                out.write(shape)
            out.write(high)
            written += len(head) + length - len(low)
    return written
