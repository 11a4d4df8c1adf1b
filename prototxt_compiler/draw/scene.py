"""A net and its ``check`` report as a scene to lay out and draw: boxes, edges, clusters.

One box per layer (its name, type and the params that matter), one per graph input and one
per graph output; an in-place layer (top == bottom) is a box of its own kind, drawn on its
blob's line as Caffe's draw_net draws neuron layers, its edges carrying the same blob. One
edge per blob read: from the box that wrote that version of the blob to the layer that
reads it, labelled with its shape (and the blob's name where it is not the writer's). Each
residual unit ``check`` finds is a cluster named as ``check`` names it (``units``); every
deviation is attached to the boxes of the layers it names, and those naming no layer to the
scene. ``collapse`` makes one box per unit, for an overview.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..checks import Report
from ..ir import Graph, Value, format_shape
from ..ops.cost import layer_costs
from .labels import all_params, short_params
from .units import Unit, find_units

__all__ = ["Box", "Edge", "Cluster", "Scene", "build_scene"]

CHAR_WIDTH = 6.6  # px per character of the 11 px sans-serif text (a wide estimate)
LINE_HEIGHT = 14.0


@dataclass
class Box:
    id: str
    kind: str  # "layer", "inplace", "input", "output" or "unit"
    lines: tuple[str, ...]
    cluster: str | None = None
    layer: str | None = None
    type: str | None = None
    deviations: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def width(self) -> float:
        return max(len(line) for line in self.lines) * CHAR_WIDTH + 18

    @property
    def height(self) -> float:
        return len(self.lines) * LINE_HEIGHT + 10


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    blob: str
    label: str


@dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    members: tuple[str, ...]
    deviates: bool


@dataclass
class Scene:
    title: str
    headline: str
    boxes: list[Box]
    edges: list[Edge]
    clusters: list[Cluster]
    messages: list[str]  # deviations that name no layer
    collapsed: bool = False
    stages: dict[str, int] = field(default_factory=dict)  # box -> stage, collapsed only

    def box(self, id: str) -> Box:
        index = self.__dict__.get("_index")
        if index is None or len(index) != len(self.boxes):
            index = self.__dict__["_index"] = {b.id: b for b in self.boxes}
        return index[id]


def _count(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _layer_boxes(graph: Graph, report: Report | None) -> dict[str, Box]:
    costs = {c.name: c for c in layer_costs(graph)} if all(
        v.shape is not None for v in graph.values()) else {}
    boxes: dict[str, Box] = {}
    for node in graph.nodes:
        short = short_params(node)
        lines = (node.name, node.type) + ((short,) if short else ())
        cost = costs.get(node.name)
        info: dict[str, Any] = {"name": node.name, "type": node.type,
                                "params": all_params(node),
                "bottoms": [f"{v.blob}: {format_shape(v.shape)}" for v in node.inputs],
                "tops": [f"{v.blob}: {format_shape(v.shape)}" for v in node.outputs]}
        if cost is not None:
            info["cost"] = {"parameters": _count(cost.params), "MACs": _count(cost.macs)}
        if node.location is not None:
            info["defined at"] = str(node.location)
        kind = "inplace" if node.in_place else "layer"
        boxes[node.name] = Box(f"layer:{node.name}", kind, lines, layer=node.name,
                               type=node.type, info=info)
    if report is not None:
        for deviation in report.deviations:
            for layer in deviation.layers:
                if layer in boxes:
                    boxes[layer].deviations.append(deviation.message)
    return boxes


def _source(value: Value) -> str:
    return f"layer:{value.producer.name}" if value.producer is not None else \
        f"input:{value.name}"


def _label(value: Value) -> str:
    """The shape; the blob's name too where its writer is named otherwise and does not
    write it in place (an in-place chain carries one blob, its first writer's)."""
    shape = format_shape(value.shape)
    writer = value.producer
    if writer is None or writer.name == value.blob or writer.in_place:
        return shape
    return f"{value.blob} {shape}"


def build_scene(graph: Graph, report: Report | None, *, collapse: bool = False) -> Scene:
    """The scene of ``graph`` with ``report``'s units and deviations drawn on it."""
    layers = _layer_boxes(graph, report)
    units = find_units(graph, report)
    member = {layer: unit for unit in units for layer in unit.layers}
    boxes = [Box(f"input:{v.name}", "input", (v.blob, "input", format_shape(v.shape)),
                 info={"name": v.blob, "type": "input", "shape": format_shape(v.shape)})
             for v in graph.inputs]
    where: dict[str, str] = {}  # box of each layer in this scene
    stages: dict[str, int] = {}
    unit_boxes: dict[str, Box] = {}
    for node in graph.nodes:
        box = layers[node.name]
        unit = member.get(node.name)
        if collapse and unit is not None:
            if unit.key not in unit_boxes:
                unit_boxes[unit.key] = _unit_box(graph, unit, layers)
                boxes.append(unit_boxes[unit.key])
                if unit.stage is not None:
                    stages[unit_boxes[unit.key].id] = unit.stage
            where[node.name] = unit_boxes[unit.key].id
            continue
        box.cluster = unit.key if unit is not None else None
        boxes.append(box)
        where[node.name] = box.id
    edges: list[Edge] = []
    seen: set[tuple[str, str, str]] = set()
    for node in graph.nodes:
        for value in node.inputs:
            source = where[value.producer.name] if value.producer is not None else \
                _source(value)
            target = where[node.name]
            if source != target and (source, target, value.name) not in seen:
                seen.add((source, target, value.name))
                edges.append(Edge(source, target, value.blob, _label(value)))
    for value in graph.outputs:
        box = Box(f"output:{value.name}", "output", (value.blob, "output",
                  format_shape(value.shape)),
                  info={"name": value.blob, "type": "output", "shape": format_shape(value.shape)})
        boxes.append(box)
        source = where[value.producer.name] if value.producer is not None else _source(value)
        edges.append(Edge(source, box.id, value.blob, format_shape(value.shape)))
    clusters = [] if collapse else [
        Cluster(u.key, u.label, tuple(f"layer:{name}" for name in u.layers),
                any(layers[name].deviations for name in u.layers)) for u in units]
    messages = [d.message for d in (report.deviations if report else ())
                if not any(layer in layers for layer in d.layers)]
    headline = report.headline() if report is not None else ""
    return Scene(graph.name or "net", headline, boxes, edges, clusters, messages,
                 collapse, stages)


def _unit_box(graph: Graph, unit: Unit, layers: dict[str, Box]) -> Box:
    merge = graph.node(unit.merge)
    last = graph.node(unit.layers[-1])
    first = graph.node(unit.layers[0])
    shape_in = format_shape(first.inputs[0].shape if first.inputs else None)
    shape_out = format_shape(last.outputs[0].shape if last.outputs else None)
    deviations = [f"{name}: {m}" for name in unit.layers for m in layers[name].deviations]
    convs = [layers[n].lines[2] for n in unit.layers
             if layers[n].type == "Convolution" and len(layers[n].lines) > 2]
    info = {"name": unit.label, "type": "residual unit", "layers": list(unit.layers),
            "merge": merge.name, "input": shape_in, "output": shape_out,
            "convolutions": convs}
    return Box(f"unit:{unit.key}", "unit",
               (unit.label, f"→ {shape_out} · {len(unit.layers)} layers"),
               deviations=deviations, info=info)
