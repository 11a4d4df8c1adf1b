"""The ONNX frontend's driver: an ONNX model in, a shaped Caffe graph (``ir.Graph``) out.

1. The model is read (``model.read_onnx``) and its nodes put in topological order.
2. Graph inputs become Caffe inputs (an ``Input`` layer each) with static shapes: the
   model's, or the caller's ``input_shapes``; an unknown batch dimension is taken as 1 (with
   a note), any other unknown dimension must be given.
3. Nodes are visited in order. A node reading only constants is folded (``fold``);
   ``Shape``/``Size`` of a Caffe value are constants; every other node goes to the importer
   of its op type (``IMPORTERS``), which adds the Caffe layers computing exactly what it
   computes. A node with no importer, or whose importer refuses it, is recorded and the
   nodes depending on it are skipped; at the end every such node is listed in one
   ``UnsupportedNodesError`` with its name, op type and why.
4. The graph outputs are the ONNX outputs' Caffe values (their blobs take the ONNX names,
   also through Identity and Dropout); layers nothing reads are removed.

Caffe shapes are computed layer by layer as layers are added (``Context.layer``), so each
importer sees its inputs' shapes.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import (
    CompilerError,
    GraphError,
    MissingInputShapeError,
    UnsupportedLayerError,
    UsageError,
)
from ...ir import Graph
from ...ops.concat import SplitParams
from .context import Context
from .fold import fold, foldable, shape_of
from .fork_layers import check_fork
from .idioms import LayerExporter, group_nodes, take
from .layout import through
from .model import OnnxModel, OnnxNode, read_onnx
from .names import Namer, caffe_name
from .registry import IMPORTERS, Refused
from .unsupported import reason

__all__ = ["import_onnx", "UnsupportedNodesError"]

ALIASES = ("Identity", "Dropout")
FLOAT_TYPES = {1: "float32", 10: "float16", 11: "float64", 16: "bfloat16"}


class UnsupportedNodesError(UnsupportedLayerError):
    """Every node of a model that has no exact BVLC Caffe form, each with why."""

    def __init__(self, nodes: list[tuple[str, str, str]], *, where: str | None = None) -> None:
        lines = [f"{len(nodes)} ONNX node(s) have no exact BVLC Caffe form:"]
        lines += [f"  node '{name}' ({op}): {why}" for name, op, why in nodes]
        CompilerError.__init__(self, "\n".join(lines), where=where)
        self.layers = [(name, op, None) for name, op, _ in nodes]
        self.nodes = nodes


def import_onnx(source: Any, *,
                input_shapes: Mapping[str, Sequence[int]] | None = None,
                fork: str | None = None, exporter: LayerExporter | None = None) -> Graph:
    """The Caffe graph computing what the ONNX model ``source`` (a path, bytes or
    ``onnx.ModelProto``) computes, with every blob's shape and every parameter blob.
    ``fork`` names the Caffe fork whose layers may be written where BVLC has none;
    ``exporter`` (this project's ONNX backend, one layer at a time) lets the groups of
    nodes it writes for one layer come back as that layer (``idioms``)."""
    check_fork(fork)
    model = read_onnx(source)
    nodes = _topological(model)
    graph = Graph(model.name)
    names = Namer()
    uses: dict[str, int] = {}
    readers: dict[str, list[int]] = {}
    for index, node in enumerate(nodes):
        for name in node.inputs:
            if name:
                uses[name] = uses.get(name, 0) + 1
                readers.setdefault(name, []).append(index)
    for name in model.outputs:
        uses[name] = uses.get(name, 0) + 1
    ctx = Context(graph, model, uses=uses, preferred=_output_names(model, nodes), names=names,
                  fork=fork)
    refused: list[tuple[str, str, str]] = []
    _add_inputs(ctx, model, dict(input_shapes or {}), refused)
    ctx.claim_output_names(model.outputs)
    for span in group_nodes(nodes, model.outputs):
        if exporter is not None and take(ctx, span, exporter, readers):
            continue
        for node in span.group.nodes:
            _convert(ctx, node, refused)
    outputs = []
    for name in model.outputs:
        if name in ctx.poisoned:
            continue
        try:
            value = ctx.value(name)
        except Refused as error:
            refused.append(_refusal(error, name, "graph output"))
            continue
        if value.blob != ctx.output_blobs.get(name, value.blob) or value in outputs:
            value = _named_copy(ctx, name, value)
        if value not in outputs:
            outputs.append(value)
    if refused:
        raise UnsupportedNodesError(refused, where=model.where)
    graph.outputs = outputs
    _remove_dead(graph)
    return graph


def _named_copy(ctx: Context, name: str, value: Any) -> Any:
    """A graph output that is another value under another name (an input, another output,
    or a value a no-op node passed through): a one-top Split names it, as Caffe shares a
    Split top's memory with its bottom."""
    node = OnnxNode(name=name, op_type="Identity", domain="", inputs=(), outputs=(name,))
    return ctx.layer(node, "Split", SplitParams(), [value], (name,),
                     tops=[ctx.blob(name)]).outputs[0]


def _topological(model: OnnxModel) -> list[OnnxNode]:
    """The nodes in an order where every input is produced before it is read (the graph's
    own order when it already is one, as ONNX requires)."""
    ready = set(model.initializers) | {i.name for i in model.inputs} | {""}
    order: list[OnnxNode] = []
    left = list(model.nodes)
    while left:
        rest = []
        for node in left:
            if all(name in ready for name in node.inputs):
                order.append(node)
                ready.update(node.outputs)
            else:
                rest.append(node)
        if len(rest) == len(left):
            node = rest[0]
            missing = [n for n in node.inputs if n not in ready]
            raise GraphError(f"{node.describe()} reads {', '.join(repr(m) for m in missing)}, "
                             "which no node, initializer or graph input produces (or the "
                             "graph has a cycle)", where=model.where)
        left = rest
    return order


def _output_names(model: OnnxModel, nodes: list[OnnxNode]) -> dict[str, str]:
    """ONNX value -> the graph output it reaches through Identity/Dropout alone, whose name
    its blob takes."""
    producer = {out: node for node in nodes for out in node.outputs}
    inputs = {i.name for i in model.inputs}
    preferred: dict[str, str] = {}
    for output in model.outputs:
        name = output
        while name in producer and producer[name].op_type in ALIASES:
            source = producer[name].inputs[0]
            if source in inputs or source in model.outputs or source in preferred:
                break
            preferred[source] = output
            name = source
    return preferred


def _add_inputs(ctx: Context, model: OnnxModel, given: dict[str, Sequence[int]],
                refused: list[tuple[str, str, str]]) -> None:
    known = {i.name for i in model.inputs}
    if "" in given:  # a bare shape: the model's one input
        if len(model.inputs) != 1:
            raise UsageError(f"a shape without a name fits a model of one input; this one "
                             f"has {len(model.inputs)}: give NAME=DIMS")
        given = {model.inputs[0].name: given[""], **{k: v for k, v in given.items() if k}}
    by_caffe = {caffe_name(i.name): i.name for i in model.inputs}
    unknown = [name for name in given if name not in known and name not in by_caffe]
    if unknown:
        raise UsageError(f"--input-shape names {', '.join(repr(n) for n in unknown)}, which "
                         f"is not a graph input (the inputs are "
                         f"{', '.join(repr(n) for n in sorted(known)) or 'none'})")
    shapes = {by_caffe.get(name, name): tuple(int(d) for d in dims)
              for name, dims in given.items()}
    undeclared: dict[str, str] = {}
    for graph_input in model.inputs:
        if graph_input.elem_type not in FLOAT_TYPES:
            why = (f"its element type {graph_input.elem_type} is not floating point; Caffe "
                   "blobs hold float32")
            refused.append((graph_input.name, "graph input", why))
            ctx.poisoned.add(graph_input.name)
            continue
        shape = shapes.get(graph_input.name)
        if shape is None:
            shape = _declared_shape(ctx, graph_input.name, graph_input.dims, undeclared)
        elif any(d <= 0 for d in shape):
            raise UsageError(f"input shape for '{graph_input.name}' is {list(shape)}, "
                             "expected positive dimensions")
        if shape is None:
            continue
        blob = ctx.names.reserve_blob(caffe_name(graph_input.name))
        if blob != graph_input.name:
            ctx.graph.notes.append(f"graph input '{graph_input.name}' is the Caffe blob "
                                   f"'{blob}'")
        if graph_input.elem_type != 1:
            ctx.graph.notes.append(f"graph input '{graph_input.name}' is "
                                   f"{FLOAT_TYPES[graph_input.elem_type]}; Caffe computes "
                                   "in float32")
        ctx.values[graph_input.name] = ctx.graph.add_input(blob, shape, layer=blob)
    if undeclared:
        raise MissingInputShapeError({}, undeclared)


def _declared_shape(ctx: Context, name: str, dims: tuple[Any, ...] | None,
                    undeclared: dict[str, str]) -> tuple[int, ...] | None:
    if dims is None:
        undeclared[name] = "an ONNX graph input of unknown rank"
        return None
    fixed = list(dims)
    if fixed and not isinstance(fixed[0], int):
        ctx.graph.notes.append(f"graph input '{name}': its batch dimension "
                               f"{fixed[0] or '?'!s} is taken as 1 (give --input-shape to "
                               "choose another)")
        fixed[0] = 1
    if any(not isinstance(d, int) or d <= 0 for d in fixed):
        shown = ", ".join(str(d) if d is not None else "?" for d in dims)
        undeclared[name] = f"an ONNX graph input of dims [{shown}]"
        return None
    return tuple(fixed)


def _convert(ctx: Context, node: OnnxNode, refused: list[tuple[str, str, str]]) -> None:
    label = node.name or (node.outputs[0] if node.outputs else node.op_type)
    if any(name in ctx.poisoned for name in node.inputs if name):
        ctx.poisoned.update(node.outputs)
        return
    try:
        if foldable(node, ctx.consts):
            inputs = [ctx.consts[name] if name else None for name in node.inputs]
            for name, array in zip(node.outputs, fold(node, inputs, ctx.opset)):
                if name:
                    ctx.consts[name] = array
            return
        if node.op_type in ("Shape", "Size") and node.domain in ("", "ai.onnx"):
            ctx.consts[node.outputs[0]] = shape_of(node, ctx.shape(node.inputs[0]))
            return
        if node.domain not in ("", "ai.onnx"):
            raise Refused(f"it is an op of the domain '{node.domain}', which has no Caffe "
                          "layers")
        if node.op_type not in IMPORTERS:
            raise Refused(reason(node.op_type))
        if not through(ctx, node):
            IMPORTERS[node.op_type](ctx, node)
        for name in node.outputs:
            if name and not ctx.known(name) and ctx.uses.get(name, 0):
                raise Refused(f"its output '{name}' has no Caffe form, and it is read")
            if name in ctx.outputs and name in ctx.pending:
                ctx.value(name)  # a graph output's layer where its node is
    except Refused as error:
        entry = _refusal(error, label, node.op_type)
        if entry not in refused:  # a transpose refused once, whichever node reads it
            refused.append(entry)
        ctx.poisoned.update(node.outputs)


def _refusal(error: Refused, label: str, op_type: str) -> tuple[str, str, str]:
    """(node, op type, why) of a refusal: the node it names (``Refused.node``), else the one
    being imported (``label``, ``op_type``)."""
    owner = error.node
    if owner is None:
        return (label, op_type, error.why)
    return (owner.name or owner.outputs[0], owner.op_type, error.why)


def _remove_dead(graph: Graph) -> None:
    """Removes layers none of whose tops is read or a graph output, last first."""
    outputs = {id(v) for v in graph.outputs}
    for node in reversed(list(graph.nodes)):
        if not any(v.uses or id(v) in outputs for v in node.outputs):
            graph.remove(node)

