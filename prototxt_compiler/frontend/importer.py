"""Importing an upgraded (V2) ``NetParameter`` into an ``ir.Graph``.

Keeps the layers of the chosen phase, reads each layer's params through its ``ops``
definition, turns Input and data layers into graph inputs, drops the layers a deploy graph
has no use for (losses, Accuracy, Silence) with a note, and wires bottoms to tops in SSA
form: an in-place layer writes a new version of its blob. Structural errors (a bottom no
layer produces, a top written twice, unsupported types) are collected and reported whole.
"""
from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

from ..errors import (
    GraphError,
    LayerError,
    Location,
    MissingInputShapeError,
    OpError,
    UnsupportedLayerError,
    UsageError,
)
from ..ir import Graph, Shape, SymDim, Value
from ..ops import OPS
from ..ops.base import LayerView
from ..ops.extras import EXTRA_FIELDS, LAYER
from ..proto import caffe_pb2
from .order import edit_distance, order_error
from .phase import NetState, keeps_layer
from .source import SourceMap

__all__ = ["import_net"]


def _locate(source: SourceMap | None, origin: tuple[str, int] | None) -> Location | None:
    if source is None or origin is None:
        return None
    return source.at(*origin)


def _check_types(layers: Sequence[tuple[caffe_pb2.LayerParameter, Location | None]]) -> None:
    unknown = [(layer.name, layer_type(layer), loc) for layer, loc in layers
               if layer_type(layer) not in OPS]
    if unknown:
        raise UnsupportedLayerError(unknown, hints={kind: _close_type(kind)
                                                    for _, kind, _ in unknown})


def _close_type(kind: str) -> str | None:
    """The known layer type ``kind`` most likely misspells: one that differs only in case
    (``Relu``), or the closest by difflib. A Python layer no plugin registers has none."""
    if kind.startswith("Python:"):
        return None
    by_case = [t for t in OPS.types() if t.lower() == kind.lower()]
    if by_case:
        return by_case[0]
    close = difflib.get_close_matches(kind, OPS.types(), n=1, cutoff=0.75)
    return close[0] if close else None


MAX_HINTS = 20  # blobs a "did you mean" is looked for, in one error
MAX_CANDIDATES = 2000  # blobs difflib compares one name with


def _deletions(name: str) -> set[str]:
    """``name`` and every string one deletion from it: two names within one edit share one."""
    return {name} | {name[:i] + name[i + 1:] for i in range(len(name))}


# data layers whose tops after the first are labels, which only losses read
_LABELLED = ("Data", "ImageData", "MemoryData", "WindowData", "HDF5Data")


def _check_counts(layer: caffe_pb2.LayerParameter, loc: Location | None) -> None:
    op = OPS[layer_type(layer)]
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
    graph.phase = phase
    kept: list[tuple[caffe_pb2.LayerParameter, Location | None]] = []
    extras: dict[int, dict[str, object]] = {}  # id(layer) -> its fork or plugin fields
    for layer, where in zip(net.layer, origin):
        loc = _locate(source, where)
        if keeps_layer(state, layer):
            kept.append((layer, loc))
            if source is not None and where is not None and where in source.extras:
                extras[id(layer)] = source.extras[where]
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
    _note_extras(graph, kept, extras)
    builder = _Builder(graph, given, extras)
    builder.build(kept)
    _apply_unnamed_shape(graph, given)
    unused = sorted(set(given) - builder.used_given - set(graph.removed_inputs) - {""})
    if unused:
        inputs = [v.blob for v in graph.inputs]
        close = difflib.get_close_matches(unused[0], inputs, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise UsageError(f"an input shape is given for '{unused[0]}', which is not an input of "
                         f"the net{hint}; its inputs: {', '.join(inputs) or 'none'}")
    return graph


def _apply_unnamed_shape(graph: Graph, given: Mapping[str, Shape]) -> None:
    """A shape given without a name (key ``""``) is the shape of the net's one input."""
    if "" not in given:
        return
    if len(graph.inputs) != 1:
        names = ", ".join(v.blob for v in graph.inputs) or "none"
        raise UsageError(f"an input shape without a name needs a net with one input; this net "
                         f"has {len(graph.inputs)} ({names}): give NAME=N,C,H,W")
    graph.inputs[0].shape = tuple(given[""])


def _note_extras(graph: Graph, kept: Sequence[tuple[caffe_pb2.LayerParameter, Location | None]],
                 extras: Mapping[int, Mapping[str, object]]) -> None:
    """One note naming the fork (or plugin) fields the layers carry, and whose they are."""
    used: dict[str, int] = {}
    for layer, _ in kept:
        for name in extras.get(id(layer), {}):
            used[name] = used.get(name, 0) + 1
    if not used:
        return
    parts = []
    for name, count in used.items():
        known = EXTRA_FIELDS.get(LAYER, name)
        whose = ", ".join(known.forks) if known is not None else "?"
        parts.append(f"{name} ({whose}; {count} layer{'s' * (count != 1)})")
    graph.notes.append("fields of Caffe forks read: " + "; ".join(parts))


def _note_readings(graph: Graph) -> None:
    """One note per reading of a layer type that has several (Upsample is YOLO's or SegNet's
    layer by its bottoms), where the op's params say it (``reading()``), naming the layers."""
    readings: dict[str, list[str]] = {}
    for node in graph.nodes:
        reading = getattr(node.params, "reading", None)
        if callable(reading):
            readings.setdefault(f"{node.type} read as {reading()}", []).append(node.name)
    for reading, names in readings.items():
        shown = ", ".join(f"'{n}'" for n in names[:4])
        more = f" and {len(names) - 4} more" if len(names) > 4 else ""
        graph.notes.append(f"{reading}: layer{'s' * (len(names) > 1)} {shown}{more}")


def layer_type(layer: caffe_pb2.LayerParameter) -> str:
    """The registry key of a layer's type: a Python layer is ``Python:MODULE.LAYER``, as its
    ``python_param`` names the class, which a plugin registers."""
    if layer.type == "Python" and (layer.python_param.module or layer.python_param.layer):
        return f"Python:{layer.python_param.module}.{layer.python_param.layer}"
    return layer.type


class _Builder:
    """Wires layers into the graph: the current version of every Caffe blob by name."""

    def __init__(self, graph: Graph, given: dict[str, Shape],
                 extras: Mapping[int, Mapping[str, object]] | None = None) -> None:
        self.graph = graph
        self.given = given
        self.extras = extras or {}
        self.used_given: set[str] = set()
        self.current: dict[str, Value] = {}
        self.writer: dict[str, str] = {}  # blob -> the layer that wrote it first
        self.first_write: dict[str, int] = {}  # blob -> index of the first layer writing it
        self.unwritten: dict[str, list[int]] = {}  # blob no layer writes -> its readers
        self.readers: dict[str, list[int]] = {}  # the same for every fragment input
        self.declared = False  # the net has Input or data layers
        self.labels: dict[str, str] = {}  # label tops of data layers -> the layer
        self._near: dict[str, list[str]] | None = None  # one-deletion variant -> blobs
        self.misordered: list[tuple[int, str]] = []  # (reader index, blob) read too early
        self.read_by_dropped: set[str] = set()
        self.declared_by: dict[str, str] = {}
        self.index = 0

    def build(self, layers: Sequence[tuple[caffe_pb2.LayerParameter, Location | None]]) -> None:
        self.layers = layers
        for i, (layer, _) in enumerate(layers):
            if OPS[layer_type(layer)].role != "train_only":
                for top in layer.top:
                    self.first_write.setdefault(top, i)
        for self.index, (layer, loc) in enumerate(layers):
            op = OPS[layer_type(layer)]
            view = LayerView(layer, self.extras.get(id(layer)), net_phase=self.graph.phase)
            try:
                params = op.read(view)
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
        if self.misordered:
            raise order_error(self.layers, self.misordered, self.first_write)
        self._resolve_unwritten()
        names = [layer.name for layer, _ in self.layers]
        for value in self.graph.inputs:
            if value.blob in self.readers:
                self.graph.fragment_inputs[value.blob] = [names[i]
                                                          for i in self.readers[value.blob]]
        self._set_outputs()
        _note_readings(self.graph)
        undeclared = {v.blob: self.declared_by[v.name] for v in self.graph.inputs
                      if v.shape is None and v.blob not in self.graph.fragment_inputs}
        if undeclared:
            raise MissingInputShapeError({}, undeclared)

    def _resolve_unwritten(self) -> None:
        """Blobs that layers read and no layer writes. In a net that declares its inputs they
        are errors (a typo, or a fragment input whose shape is needed); in a net that declares
        none they are the inputs of a fragment, unless one looks like a typo of a blob written
        before it is read."""
        if not self.unwritten:
            return
        names = [layer.name for layer, _ in self.layers]
        if self.declared:
            raise MissingInputShapeError(
                {blob: [names[i] for i in readers] for blob, readers in self.unwritten.items()},
                hints={blob: self._typo_of(blob, readers[0], strict=False)
                       for blob, readers in list(self.unwritten.items())[:MAX_HINTS]})
        for blob, readers in self.unwritten.items():
            typo = self._typo_of(blob, readers[0], strict=True)
            if typo is not None:
                layer, loc = self.layers[readers[0]]
                raise GraphError(
                    f"layer '{layer.name}' ({layer.type}) reads '{blob}', which no layer writes; "
                    f"did you mean '{typo}' (written by layer '{self.writer[typo]}')? A blob no "
                    "layer writes is an input of the fragment only where it resembles no blob "
                    "written before it", where=loc)
        for k, (blob, readers) in enumerate(self.unwritten.items()):
            value = self.current[blob]
            suffix = "" if k == 0 else str(k)
            value.shape = tuple(SymDim.symbol(s) for s in  # type: ignore[misc]
                                ("N", f"C{suffix}", f"H{suffix}", f"W{suffix}"))

    def _typo_of(self, blob: str, reader: int, *, strict: bool) -> str | None:
        """The blob written before layer ``reader`` that ``blob`` most likely misspells: one
        edit away (a letter missing, extra or changed) when ``strict``; else the closest by
        difflib among those of a similar length. Candidates come from an index of every
        written blob's one-deletion variants, so the search is linear in the net's size."""
        if self._near is None:
            self._near = {}
            for name in self.writer:
                for variant in _deletions(name):
                    self._near.setdefault(variant, []).append(name)
        found = {c for v in _deletions(blob) for c in self._near.get(v, ())}
        near = sorted((c for c in found if c != blob and self.first_write.get(c, reader) < reader
                       and edit_distance(c, blob, 1) <= 1), key=self.first_write.__getitem__)
        if near or strict:
            return near[0] if near else None
        before = [b for b, i in self.first_write.items() if i < reader and b in self.writer
                  and abs(len(b) - len(blob)) <= max(2, len(blob) // 3)][:MAX_CANDIDATES]
        close = difflib.get_close_matches(blob, before, n=1)
        return close[0] if close else None

    def _add_inputs(self, layer: caffe_pb2.LayerParameter, params: object,
                    loc: Location | None) -> None:
        shapes = OPS[layer_type(layer)].infer(params, [], len(layer.top))
        self.declared = True
        if layer.type in _LABELLED:
            self.labels.update((top, f"{layer.type} layer '{layer.name}'")
                               for top in layer.top[1:])
        for top, shape in zip(layer.top, shapes):
            self._check_new_top(layer, 0, top, loc)
            if top in self.given:
                self.used_given.add(top)
            value = self.graph.add_input(top, self.given.get(top, shape),
                                         layer=layer.name or "input")
            self.declared_by[value.name] = f"{layer.type} layer '{layer.name}'"
            self.current[top] = value
            self.writer[top] = layer.name

    def _bottom(self, layer: caffe_pb2.LayerParameter, blob: str) -> Value:
        if blob in self.current:
            value = self.current[blob]
            if blob in self.readers:
                self.readers[blob].append(self.index)
            return value
        if blob not in self.first_write:
            self.readers[blob] = [self.index]
        if blob in self.given:
            self.used_given.add(blob)
            value = self.graph.add_input(blob, self.given[blob])
            self.current[blob] = value
            self.writer[blob] = "(given shape)"
            return value
        if blob in self.first_write:  # a later layer writes it: reported after the walk
            self.misordered.append((self.index, blob))
            return Value(blob, blob)
        self.unwritten[blob] = self.readers[blob]
        value = self.graph.add_input(blob, None)  # its shape: see _resolve_unwritten
        self.current[blob] = value
        return value

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
        node = self.graph.add_node(layer.name, layer_type(layer), params, inputs, list(layer.top),
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
            if value.producer is None and (blob in self.read_by_dropped
                                           or blob in self.labels):
                graph.inputs.remove(value)
                graph.input_layers.pop(value.name, None)
                graph.removed_inputs.append(blob)
                why = ("read only by dropped layers" if blob in self.read_by_dropped else
                       f"a label top of {self.labels[blob]} that no layer reads")
                graph.notes.append(f"input '{blob}' is {why}: removed")
                continue
            graph.outputs.append(value)
