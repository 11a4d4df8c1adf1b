"""Importing an upgraded (V2) ``NetParameter`` into an ``ir.Graph``.

Keeps the layers of the chosen phase, reads each layer's params through its ``ops``
definition, turns Input and data layers into graph inputs, drops the layers a deploy graph
has no use for (losses, Accuracy, Silence) with a note, and wires bottoms to tops in SSA
form: an in-place layer writes a new version of its blob. Structural errors (a bottom no
layer produces, a top written twice, unsupported types) are collected and reported whole.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import (GraphError, LayerError, Location, MissingInputShapeError, OpError,
                      UnsupportedLayerError)
from ..ir import Graph, Shape, Value
from ..ops import OPS
from ..proto import caffe_pb2
from .phase import NetState, keeps_layer
from .source import SourceMap

__all__ = ["import_net"]


def _locate(source: SourceMap | None, origin: tuple[str, int] | None) -> Location | None:
    if source is None or origin is None:
        return None
    return source.at(*origin)


def _check_types(layers: Sequence[tuple[caffe_pb2.LayerParameter, Location | None]]) -> None:
    unknown = [(layer.name, layer.type, loc) for layer, loc in layers if layer.type not in OPS]
    if unknown:
        raise UnsupportedLayerError(unknown)


def _check_counts(layer: caffe_pb2.LayerParameter, loc: Location | None) -> None:
    op = OPS[layer.type]
    for what, have, (low, high) in (("bottoms", len(layer.bottom), op.bottoms),
                                    ("tops", len(layer.top), op.tops)):
        if have < low or (high is not None and have > high):
            expected = f"exactly {low}" if low == high else (
                f"at least {low}" if high is None else f"{low} to {high}")
            raise LayerError(f"has {have} {what}, expected {expected}", layer=layer.name,
                             type=layer.type, location=loc)
    if op.same_count and len(layer.bottom) != len(layer.top):
        raise LayerError(f"has {len(layer.bottom)} bottoms and {len(layer.top)} tops, "
                         "expected as many tops as bottoms", layer=layer.name,
                         type=layer.type, location=loc)


def import_net(net: caffe_pb2.NetParameter, *, source: SourceMap | None = None,
               origin: Sequence[tuple[str, int] | None] | None = None, phase: str = "TEST",
               stages: Sequence[str] | None = None,
               input_shapes: Mapping[str, Shape] | None = None) -> Graph:
    """Builds the graph of ``net`` (already upgraded to V2) for ``phase``; shapes of inputs
    come from the net's declarations, overridden by ``input_shapes`` (blob name -> shape),
    which also supplies the blobs a fragment reads without producing them."""
    if origin is None:
        origin = [("layer", i) for i in range(len(net.layer))]
    given = dict(input_shapes or {})
    state = NetState.of(net, phase, stages)
    graph = Graph(net.name)
    kept: list[tuple[caffe_pb2.LayerParameter, Location | None]] = []
    for layer, where in zip(net.layer, origin):
        loc = _locate(source, where)
        if keeps_layer(state, layer):
            kept.append((layer, loc))
        else:
            graph.notes.append(f"layer '{layer.name}' ({layer.type}) is not in the "
                               f"{phase} phase: left out")
            graph.dropped.append(layer.name)
    _check_types(kept)
    names: dict[str, Location | None] = {}
    for layer, loc in kept:
        if layer.name in names and layer.name:
            raise LayerError("a layer of this name is defined twice", layer=layer.name,
                             type=layer.type, location=loc)
        names[layer.name] = loc
        _check_counts(layer, loc)
    _Builder(graph, given).build(kept)
    return graph


class _Builder:
    """Wires layers into the graph: the current version of every Caffe blob by name."""

    def __init__(self, graph: Graph, given: dict[str, Shape]) -> None:
        self.graph = graph
        self.given = given
        self.current: dict[str, Value] = {}
        self.writer: dict[str, str] = {}  # blob -> the layer that wrote it first
        self.missing: dict[str, list[str]] = {}
        self.read_by_dropped: set[str] = set()
        self.declared_by: dict[str, str] = {}

    def build(self, layers: Sequence[tuple[caffe_pb2.LayerParameter, Location | None]]) -> None:
        self.layers = layers
        for layer, loc in layers:
            op = OPS[layer.type]
            try:
                params = op.read(layer)
            except OpError as error:
                raise LayerError(error.message, layer=layer.name, type=layer.type,
                                 field=error.field, location=loc) from error
            if op.role == "data":
                self._add_inputs(layer, params, loc)
            elif op.role == "train_only":
                self.graph.notes.append(f"layer '{layer.name}' ({layer.type}) has no place "
                                        "in a deploy graph: dropped")
                self.graph.dropped.append(layer.name)
                self.read_by_dropped.update(layer.bottom)
            else:
                self._add_node(layer, params, loc)
        self._check_order()
        self._set_outputs()
        undeclared = {v.blob: self.declared_by[v.name] for v in self.graph.inputs
                      if v.shape is None}
        if self.missing or undeclared:
            raise MissingInputShapeError(self.missing, undeclared)

    def _check_order(self) -> None:
        """A bottom that a *later* layer writes is an ordering error (Caffe needs layers in
        topological order; a net whose layers feed each other in a circle has none)."""
        order = [layer.name for layer, _ in self.layers]
        for blob, readers in self.missing.items():
            writers = [layer.name for layer, _ in self.layers if blob in layer.top]
            if writers:
                reader = readers[0]
                later = [w for w in writers if order.index(w) > order.index(reader)]
                raise GraphError(
                    f"layer '{reader}' reads '{blob}' before layer '{later[0]}' writes it: "
                    "layers must come in an order where every bottom is written first "
                    "(a cycle has no such order)")

    def _add_inputs(self, layer: caffe_pb2.LayerParameter, params: object,
                    loc: Location | None) -> None:
        shapes = OPS[layer.type].infer(params, [], len(layer.top))
        for top, shape in zip(layer.top, shapes):
            self._check_new_top(layer, 0, top, loc)
            value = self.graph.add_input(top, self.given.get(top, shape),
                                         layer=layer.name or "input")
            self.declared_by[value.name] = f"{layer.type} layer '{layer.name}'"
            self.current[top] = value
            self.writer[top] = layer.name

    def _bottom(self, layer: caffe_pb2.LayerParameter, blob: str) -> Value | None:
        if blob in self.current:
            return self.current[blob]
        if blob in self.given:
            value = self.graph.add_input(blob, self.given[blob])
            self.current[blob] = value
            self.writer[blob] = "(given shape)"
            return value
        self.missing.setdefault(blob, []).append(layer.name)
        return None

    def _check_new_top(self, layer: caffe_pb2.LayerParameter, index: int, top: str,
                       loc: Location | None) -> None:
        """Caffe's rule: top i is in place only when it names bottom i; any other top whose
        blob exists is written twice. An in-place write must also be the only reader of the
        blob's current version: Caffe would give other readers a split copy, and the
        in-place top would then be a second writer of the blob."""
        if top not in self.current:
            return
        in_place = index < len(layer.bottom) and layer.bottom[index] == top
        if not in_place:
            raise GraphError(f"layer '{layer.name}' ({layer.type}) writes top '{top}', which "
                             f"layer '{self.writer[top]}' already produced; only an in-place "
                             f"layer (naming '{top}' as bottom {index} too) may write it again",
                             where=loc)
        others = [n.name for n in self.current[top].uses]
        if others:
            raise GraphError(f"layer '{layer.name}' ({layer.type}) writes '{top}' in place, "
                             f"but layer '{others[0]}' also reads that version of it; Caffe "
                             "would split the blob and see two writers (give the in-place "
                             "layer a new top)", where=loc)

    def _add_node(self, layer: caffe_pb2.LayerParameter, params: object,
                  loc: Location | None) -> None:
        inputs = [self._bottom(layer, blob) for blob in layer.bottom]
        for index, top in enumerate(layer.top):
            self._check_new_top(layer, index, top, loc)
        if any(v is None for v in inputs):
            return  # reported whole at the end, with every other missing blob
        node = self.graph.add_node(layer.name, layer.type, params, inputs, list(layer.top),
                                   location=loc)
        for value in node.outputs:
            self.writer.setdefault(value.blob, layer.name)
            self.current[value.blob] = value

    def _set_outputs(self) -> None:
        """Caffe's net outputs: the blobs no later layer reads, by name (Caffe keeps them in
        a sorted set). Inputs that only dropped layers read (a label, once the losses are
        gone) are removed instead, with a note."""
        graph = self.graph
        for blob in sorted(self.current):
            value = self.current[blob]
            if value.uses:
                continue
            if value.producer is None and blob in self.read_by_dropped:
                graph.inputs.remove(value)
                graph.input_layers.pop(value.name, None)
                graph.removed_inputs.append(blob)
                graph.notes.append(f"input '{blob}' is read only by dropped layers: removed")
                continue
            graph.outputs.append(value)
