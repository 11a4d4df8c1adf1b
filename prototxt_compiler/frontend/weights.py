"""Parameter blobs: reading a .caffemodel, attaching its blobs to a graph's layers.

(First version: protobuf parse. To be replaced by a zero-copy reader.)
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from ..errors import WeightsError
from ..ir import Graph
from ..ops import OPS
from ..proto import caffe_pb2
from .reader import read_net_binary

__all__ = ["read_caffemodel", "attach_weights"]


def _blob_array(blob: caffe_pb2.BlobProto) -> np.ndarray:
    if len(blob.shape.dim):
        shape = tuple(int(d) for d in blob.shape.dim)
    else:
        shape = tuple(int(d) for d in (blob.num, blob.channels, blob.height, blob.width))
    data = blob.double_data if len(blob.double_data) else blob.data
    return np.asarray(data, dtype=np.float32).reshape(shape)


def read_caffemodel(path: str | os.PathLike[str]) -> dict[str, list[np.ndarray]]:
    with open(path, "rb") as stream:
        net = read_net_binary(stream.read(), str(path))
    blobs: dict[str, list[np.ndarray]] = {}
    for layer in list(net.layer) + list(net.layers):
        if len(layer.blobs):
            blobs[layer.name] = [_blob_array(b) for b in layer.blobs]
    return blobs


def attach_weights(graph: Graph, blobs: Mapping[str, Sequence[np.ndarray]]) -> list[str]:
    notes = []
    for node in graph.nodes:
        expected = OPS[node.type].blobs(node.params, [v.shape for v in node.inputs])
        found = list(blobs.get(node.name, ()))
        if not expected and not found:
            continue
        if len(found) != len(expected):
            raise WeightsError(f"layer '{node.name}' ({node.type}) expects {len(expected)} "
                               f"blobs, the weights have {len(found)}")
        for i, (want, have) in enumerate(zip(expected, found)):
            if int(np.prod(want)) != have.size:
                raise WeightsError(f"layer '{node.name}' ({node.type}) blob {i}: expected "
                                   f"shape {list(want)}, found {list(have.shape)}")
        node.blobs = tuple(np.asarray(h, np.float32).reshape(w) for w, h in zip(expected, found))
    extra = sorted(set(blobs) - {n.name for n in graph.nodes})
    if extra:
        notes.append(f"weights for layers the net lacks were ignored: {', '.join(extra)}")
    return notes
