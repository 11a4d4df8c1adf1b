"""Value, Node and Graph: the compiler's graph IR.

Nodes are kept in Caffe's layer order, which is topological. Every ``Value`` is written once
(SSA): an in-place Caffe layer (``top == bottom``) makes a new value whose ``blob`` is still
the Caffe blob name, and whose ``name`` carries a version suffix (``conv1``, ``conv1@1``, ...).
Node parameters are frozen dataclasses from ``ops``; parameter blobs are numpy arrays.
Change the graph through its methods only: they keep the use lists right.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .. import limits
from ..errors import GraphError, Location
from .symbolic import SymDim

__all__ = ["Shape", "Value", "Node", "Graph", "format_shape", "format_dim", "blob_too_big"]

Shape = tuple[int, ...]
"""A blob's dimensions. In a fragment whose inputs the net does not size, a dimension may be
a ``SymDim`` (``ir.symbolic``), which behaves as an int in shape arithmetic and refuses to
become a number."""


def format_dim(dim: Any) -> str:
    """A dimension as ``info`` prints it: ``56``, ``H``, ``((H+1)//2)``."""
    if isinstance(dim, SymDim) and dim.name is None:
        return f"({dim})"
    return str(dim)


def format_shape(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    return "x".join(format_dim(d) for d in shape) if shape else "scalar"


def blob_too_big(shape: Sequence[Any]) -> str | None:
    """Why Caffe refuses a blob of ``shape`` (more than ``MAX_BLOB_COUNT`` elements), or
    None; a shape with a symbolic size is decided when it is known."""
    if any(isinstance(d, SymDim) for d in shape):
        return None
    count = 1
    for d in shape:
        count *= int(d)
    if count <= limits.MAX_BLOB_COUNT:
        return None
    return (f"would have shape {format_shape(tuple(shape))}: {count:,} elements, past the "
            f"{limits.MAX_BLOB_COUNT:,} (INT_MAX) a Caffe blob holds (Caffe aborts: \"blob "
            "size exceeds INT_MAX\")")


class Value:
    """One version of a Caffe blob: produced once, by a node or as a graph input."""

    __slots__ = ("name", "blob", "producer", "shape", "_uses")

    def __init__(self, name: str, blob: str, producer: Node | None = None,
                 shape: Shape | None = None) -> None:
        self.name = name
        self.blob = blob
        self.producer = producer
        self.shape = shape
        self._uses: list[Node] = []

    @property
    def uses(self) -> tuple[Node, ...]:
        """The nodes that read this value, in graph order of insertion, one entry per read."""
        return tuple(self._uses)

    def __repr__(self) -> str:
        return f"Value({self.name!r}, shape={format_shape(self.shape)})"


class Node:
    """One Caffe layer: its name and type, typed params, input and output values, blobs."""

    __slots__ = ("name", "type", "params", "_inputs", "outputs", "blobs", "location", "unbound")

    def __init__(self, name: str, type: str, params: Any, inputs: Sequence[Value],
                 outputs: Sequence[Value], *, blobs: Sequence[np.ndarray] | None = None,
                 location: Location | None = None) -> None:
        self.name = name
        self.type = type
        self.params = params
        # the params as read, before shape inference bound them to the bottoms' shapes (a
        # kernel given once, a Reshape's -1): for inferring shapes again at other sizes
        self.unbound = params
        self._inputs: tuple[Value, ...] = ()
        self.outputs: tuple[Value, ...] = tuple(outputs)
        self.blobs: tuple[np.ndarray, ...] | None = None if blobs is None else tuple(blobs)
        self.location = location
        self.inputs = tuple(inputs)

    @property
    def inputs(self) -> tuple[Value, ...]:
        return self._inputs

    @inputs.setter
    def inputs(self, values: Iterable[Value]) -> None:
        for value in self._inputs:
            value._uses.remove(self)
        self._inputs = tuple(values)
        for value in self._inputs:
            value._uses.append(self)

    def input_shapes(self) -> list[Shape]:
        """The bottoms' shapes; a bottom without one (shapes not inferred yet) is an error."""
        return [self._known(value, "reads") for value in self._inputs]

    def output_shapes(self) -> list[Shape]:
        """The tops' shapes; a top without one (shapes not inferred yet) is an error."""
        return [self._known(value, "writes") for value in self.outputs]

    def weights(self) -> tuple[np.ndarray, ...]:
        """The parameter blobs; a layer without them (no weights attached, no fillers run)
        is an error."""
        if self.blobs is None:
            raise GraphError(f"layer '{self.name}' has no parameter blobs yet: attach "
                             "weights or initialise them first")
        return self.blobs

    def _known(self, value: Value, verb: str) -> Shape:
        if value.shape is None:
            raise GraphError(f"layer '{self.name}' {verb} '{value.name}', which has no shape "
                             "yet: infer the graph's shapes first")
        return value.shape

    @property
    def in_place(self) -> bool:
        """True when some top reuses a bottom's Caffe blob name (Caffe's in-place style)."""
        bottoms = {v.blob for v in self._inputs}
        return any(v.blob in bottoms for v in self.outputs)

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.type})"


class Graph:
    """A Caffe net as nodes in topological order over SSA values."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self.inputs: list[Value] = []
        self.outputs: list[Value] = []
        self.nodes: list[Node] = []
        self.notes: list[str] = []
        # input value name -> the Caffe layer that declared it (an Input or data layer;
        # "input" for the legacy input: fields, as Caffe names it)
        self.input_layers: dict[str, str] = {}
        # Caffe layers the graph left out (another phase's, or train-only), by name
        self.dropped: list[str] = []
        # input blobs removed because only dropped layers read them (a label)
        self.removed_inputs: list[str] = []
        # inputs of a fragment: blobs its layers read and no layer writes -> their readers
        self.fragment_inputs: dict[str, list[str]] = {}
        self.phase = "TEST"  # the phase the layers were chosen for
        self._versions: dict[str, int] = {}
        self._names: set[str] = set()

    # -- building ------------------------------------------------------------------------
    def _new_value(self, blob: str, producer: Node | None, shape: Shape | None) -> Value:
        version = self._versions.get(blob, -1) + 1
        name = blob if version == 0 else f"{blob}@{version}"
        while name in self._names:
            version += 1
            name = f"{blob}@{version}"
        self._versions[blob] = version
        self._names.add(name)
        return Value(name, blob, producer, shape)

    def add_input(self, blob: str, shape: Shape | None = None, *,
                  layer: str | None = None) -> Value:
        value = self._new_value(blob, None, shape)
        self.inputs.append(value)
        if layer is not None:
            self.input_layers[value.name] = layer
        return value

    def add_node(self, name: str, type: str, params: Any, inputs: Sequence[Value],
                 tops: Sequence[str], *, blobs: Sequence[np.ndarray] | None = None,
                 location: Location | None = None, index: int | None = None) -> Node:
        """Appends (or inserts at ``index``) a node writing new versions of the ``tops`` blobs."""
        node = Node(name, type, params, inputs, (), blobs=blobs, location=location)
        node.outputs = tuple(self._new_value(top, node, None) for top in tops)
        if index is None:
            self.nodes.append(node)
        else:
            self.nodes.insert(index, node)
        return node

    # -- editing -------------------------------------------------------------------------
    def replace_all_uses_with(self, old: Value, new: Value) -> int:
        """Points every reader of ``old`` (and the graph outputs) at ``new``; returns the count."""
        count = 0
        for node in list(dict.fromkeys(old._uses)):
            node.inputs = tuple(new if v is old else v for v in node.inputs)
            count += 1
        self.outputs = [new if v is old else v for v in self.outputs]
        return count

    def remove(self, node: Node, *, safe: bool = True) -> None:
        """Removes a node; with ``safe``, refuses while any of its outputs is still in use."""
        if safe:
            used = [v.name for v in node.outputs if v._uses or v in self.outputs]
            if used:
                raise GraphError(f"cannot remove layer '{node.name}': its outputs "
                                 f"{', '.join(used)} are still in use")
        node.inputs = ()
        self.nodes.remove(node)

    def remove_nodes(self, nodes: Iterable[Node], *, safe: bool = True) -> None:
        """Removes several nodes in one pass over the graph's list (``remove``, one at a
        time, scans it each time: a pass that removes a layer in three would be quadratic).
        With ``safe``, refuses (removing none) while an output of one is read by a node
        that stays, or is a graph output."""
        doomed = list(dict.fromkeys(nodes))
        ids = {id(node) for node in doomed}
        if safe:
            outputs = set(map(id, self.outputs))
            for node in doomed:
                used = [v.name for v in node.outputs if id(v) in outputs
                        or any(id(reader) not in ids for reader in v._uses)]
                if used:
                    raise GraphError(f"cannot remove layer '{node.name}': its outputs "
                                     f"{', '.join(used)} are still in use")
        for node in doomed:
            node.inputs = ()
        self.nodes = [node for node in self.nodes if id(node) not in ids]

    # -- reading -------------------------------------------------------------------------
    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def values(self) -> Iterator[Value]:
        yield from self.inputs
        for node in self.nodes:
            yield from node.outputs

    def lint(self) -> list[str]:
        """Structural problems: inputs used before definition, stale use lists, duplicates."""
        problems: list[str] = []
        seen: set[int] = {id(v) for v in self.inputs}
        names: set[str] = set()
        for value in self.values():
            if value.name in names:
                problems.append(f"value name '{value.name}' is defined twice")
            names.add(value.name)
        for node in self.nodes:
            for value in node.inputs:
                if id(value) not in seen:
                    problems.append(f"layer '{node.name}' reads '{value.name}' before it is "
                                    "defined")
                if node not in value._uses:
                    problems.append(f"use list of '{value.name}' misses layer '{node.name}'")
            for value in node.outputs:
                if value.producer is not node:
                    problems.append(f"'{value.name}' does not name '{node.name}' as producer")
                seen.add(id(value))
        for value in self.outputs:
            if id(value) not in seen:
                problems.append(f"graph output '{value.name}' is not defined")
        return problems

    def __str__(self) -> str:
        lines = [f'graph "{self.name}"']
        for value in self.inputs:
            lines.append(f"  input %{value.name}: {format_shape(value.shape)}")
        for node in self.nodes:
            outs = ", ".join(f"%{v.name}: {format_shape(v.shape)}" for v in node.outputs)
            ins = ", ".join(f"%{v.name}" for v in node.inputs)
            attrs = _format_params(node.params)
            lines.append(f"  {outs or '()'} = {node.type} '{node.name}'({ins})"
                         + (f" {{{attrs}}}" if attrs else ""))
        lines.append("  return " + ", ".join(f"%{v.name}" for v in self.outputs))
        return "\n".join(lines)


def _format_params(params: Any) -> str:
    """The fields of a params dataclass that differ from their defaults, in field order."""
    if params is None or not dataclasses.is_dataclass(params):
        return ""
    parts = []
    for field in dataclasses.fields(params):
        if not field.repr:
            continue
        value = getattr(params, field.name)
        if field.default is not dataclasses.MISSING and value == field.default:
            continue
        if field.default_factory is not dataclasses.MISSING and value == field.default_factory():
            continue
        if isinstance(value, float):
            text = f"{value:.7g}"  # Caffe's floats are float32: 7 significant digits
        elif isinstance(value, str):
            text = repr(value)
        else:
            text = str(value)
        parts.append(f"{field.name}={text}")
    return ", ".join(parts)
