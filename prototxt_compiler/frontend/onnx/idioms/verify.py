"""The check that makes a proposal safe: the backend, exporting the proposed layer alone,
must write the group's nodes again.

The proposed layer is put in a graph of its own whose inputs have the shapes Caffe gives
the bottoms here, its params bound and its tops shaped by Caffe's rules (``ops``), and
handed to the exporter (``LayerExporter``: this project's ONNX backend, given by the caller,
since the frontend does not import the backends). The nodes it writes must equal the
group's, in order: op type, domain, node name, every attribute (byte for byte), and each
input the same thing: the same bottom, the same output of the same earlier node, or a
constant of the same name, type, shape and bytes (the weights as the backend transforms
them, the small constants it makes; those only a subgraph reads, a Scan's body, by name and
bytes too). The exported graph's outputs must be the proposal's
tops, and every value of the group read after it must be one of them. Anything else (an
edited attribute or constant, a renamed or missing node, an inner value read elsewhere)
rejects the proposal.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ....errors import CompilerError
from ....ir import Graph
from ..context import Context, caffe_rules
from .registry import Group, Proposal

__all__ = ["ExportedLayer", "LayerExporter", "verify"]

_CHUNK = 1 << 20  # elements compared at once


@dataclass(frozen=True)
class ExportedLayer:
    """What the backend wrote for a one-layer graph: its nodes (``onnx.NodeProto``), its
    initializers by name, and the names of its graph inputs and outputs."""

    nodes: Sequence[Any]
    tensors: Mapping[str, np.ndarray]
    inputs: Sequence[str]
    outputs: Sequence[str]


#: (one-layer graph, opset) -> what the backend writes for it
LayerExporter = Callable[[Graph, int], ExportedLayer]


def one_layer(ctx: Context, group: Group, proposal: Proposal) -> Graph:
    """The proposed layer alone in a graph, shaped and bound (``OpError`` where Caffe
    refuses it, ``Refused`` where a bottom has no shape here)."""
    graph = Graph(group.name)
    values = {}
    for i, name in enumerate(dict.fromkeys(proposal.bottoms)):
        values[name] = graph.add_input(f"#bottom{i}", ctx.shape(name))
    bottoms = [values[name] for name in proposal.bottoms]
    tops = []
    for i in range(len(proposal.tops)):
        source = proposal.top_source(i)
        tops.append(bottoms[source].blob if source is not None else f"#top{i}")
    bound, shapes, expected = caffe_rules(proposal.type, proposal.params,
                                          [v.shape for v in bottoms], len(tops))
    blobs = [np.asarray(b) for b in proposal.blobs]
    if [tuple(b.shape) for b in blobs] != [tuple(s) for s in expected]:
        raise CompilerError(f"blobs {[b.shape for b in blobs]}, Caffe expects {expected}")
    node = graph.add_node(group.name, proposal.type, bound, bottoms, tops,
                          blobs=blobs or None)
    for value, shape in zip(node.outputs, shapes):
        value.shape = tuple(int(d) for d in shape)
    graph.outputs = list(node.outputs)
    return graph


def verify(ctx: Context, group: Group, proposal: Proposal, export: LayerExporter) -> bool:
    """Whether exporting the proposal alone writes the group's nodes (module docstring)."""
    try:
        graph = one_layer(ctx, group, proposal)
        exported = export(graph, ctx.opset)
    except CompilerError:
        return False
    return _same(exported, group, proposal, ctx)


def _same(exported: ExportedLayer, group: Group, proposal: Proposal, ctx: Context) -> bool:
    if len(exported.nodes) != len(group.nodes) or \
            len(exported.outputs) != len(proposal.tops):
        return False
    names: dict[str, str] = dict(zip(exported.inputs, dict.fromkeys(proposal.bottoms)))
    written: set[str] = set()
    for ours, theirs in zip(exported.nodes, group.nodes):
        if (ours.op_type, ours.domain or "", ours.name) != \
                (theirs.op_type, theirs.domain or "", theirs.name):
            return False
        if len(ours.input) != len(theirs.inputs) or len(ours.output) != len(theirs.outputs):
            return False
        if not _same_attributes(ours, theirs.proto):
            return False
        for a, b in zip(ours.input, theirs.inputs):
            if not _same_input(a, b, names, exported.tensors, written, ctx):
                return False
        for a, b in zip(ours.output, theirs.outputs):
            if (a == "") != (b == ""):
                return False
            names[a] = b
            written.add(b)
    tops = [names.get(name) for name in exported.outputs]
    return tops == list(proposal.tops) and set(group.outputs) <= set(proposal.tops) and \
        _same_outer_constants(exported, ctx)


def _same_outer_constants(exported: ExportedLayer, ctx: Context) -> bool:
    """The constants only a subgraph reads (a Scan body names them in its attribute, which
    is compared as bytes): the model's, of the same name, must hold the same."""
    read = {name for node in exported.nodes for name in node.input}
    for name, array in exported.tensors.items():
        if name in read:
            continue
        theirs = ctx.const(name)
        if theirs is None or not same_array(array, theirs):
            return False
    return True


def _same_input(a: str, b: str, names: Mapping[str, str], tensors: Mapping[str, np.ndarray],
                written: set[str], ctx: Context) -> bool:
    if a == "" or b == "":
        return a == b
    if a in names:
        return names[a] == b
    if a not in tensors or a != b or b in written:
        return False
    theirs = ctx.const(b)
    return theirs is not None and same_array(tensors[a], theirs)


def _attributes(node: Any) -> list[bytes]:
    return sorted(a.SerializeToString(deterministic=True) for a in node.attribute)


def _same_attributes(ours: Any, theirs: Any) -> bool:
    return theirs is not None and _attributes(ours) == _attributes(theirs)


def same_array(a: np.ndarray, b: np.ndarray) -> bool:
    """Same kind, size, shape and values (floats bit for bit: NaN payloads and the sign of
    zero included), a chunk at a time so that no copy of a big weight is made."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or (a.dtype.kind, a.dtype.itemsize) != (b.dtype.kind,
                                                                  b.dtype.itemsize):
        return False
    flat_a, flat_b = a.reshape(-1), b.reshape(-1)
    size = a.dtype.itemsize
    floats = a.dtype.kind == "f" and size in (2, 4, 8)
    for start in range(0, flat_a.size, _CHUNK):
        x, y = flat_a[start:start + _CHUNK], flat_b[start:start + _CHUNK]
        if floats:
            little = np.dtype(f"<f{size}")
            x = np.ascontiguousarray(x, dtype=little).view(f"<u{size}")
            y = np.ascontiguousarray(y, dtype=little).view(f"<u{size}")
        if not np.array_equal(x, y):
            return False
    return True
