"""The residual units of a net, as ``check`` names them, with the layers of each.

``check`` walks every two-input Eltwise as the merge of a unit, in graph order, and counts
its stages by the projection shortcuts (``Report.stages`` holds each stage's unit count).
Here the k-th merge is the k-th unit: stage s, unit u of that stage, named
``stage s unit u`` and labelled with the net's cardinality and bottleneck width (``32x4d``)
where the report has them. Its layers are those the merge (and a ReLU right after it)
depends on, less the layer where both of its paths start and everything that layer depends
on: the main path and the shortcut. The layers before the first unit are the stem, those
after the last the head; neither is a unit.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..checks import Report
from ..ir import Graph, Node

__all__ = ["Unit", "find_units"]


@dataclass(frozen=True)
class Unit:
    key: str  # "stage1_unit2": an identifier
    label: str  # "stage 1 unit 2 · 32x4d"
    stage: int | None
    index: int  # within its stage (or among all units when there are no stages)
    layers: tuple[str, ...]  # in graph order
    merge: str  # the Eltwise


def _back_to(end: Node, assigned: set[str]) -> set[str]:
    """``end`` and the layers it depends on, up to layers already ``assigned`` to earlier
    units (a walk over the producers, each layer visited once)."""
    out, stack = set(), [end]
    while stack:
        node = stack.pop()
        if node.name in out or node.name in assigned:
            continue
        out.add(node.name)
        stack.extend(v.producer for v in node.inputs if v.producer is not None)
    return out


def find_units(graph: Graph, report: Report | None) -> list[Unit]:
    """Every two-input Eltwise's unit, in graph order (none for a net without them)."""
    merges = [n for n in graph.nodes if n.type == "Eltwise" and len(n.inputs) == 2]
    if not merges:
        return []
    stages: list[int | None] = []
    if report is not None and report.stages and \
            sum(s.units for s in report.stages) == len(merges):
        for row in report.stages:
            stages += [row.index] * row.units
    else:
        stages = [None] * len(merges)
    width = ""
    if report is not None and report.cardinality and report.width:
        width = f" · {report.cardinality}x{report.width}d"
    order = {n.name: i for i, n in enumerate(graph.nodes)}
    units: list[Unit] = []
    before: set[str] = set()
    counts: dict[int | None, int] = {}
    for merge, stage in zip(merges, stages):
        end = merge
        readers = merge.outputs[0].uses
        if len(readers) == 1 and readers[0].type == "ReLU":
            end = readers[0]
        paths = [_back_to(v.producer, before) if v.producer is not None else set()
                 for v in merge.inputs]
        common = paths[0] & paths[1]  # where both paths start, and all before it
        start = max(common, key=order.__getitem__) if common else None
        shared = _back_to(graph.node(start), before) if start is not None else set()
        members = (_back_to(end, before) - shared)
        counts[stage] = counts.get(stage, 0) + 1
        index = counts[stage]
        key = f"stage{stage}_unit{index}" if stage is not None else f"unit{index}"
        label = (f"stage {stage} unit {index}" if stage is not None else f"unit {index}") + width
        units.append(Unit(key, label, stage, index,
                          tuple(sorted(members, key=order.__getitem__)), merge.name))
        before |= members | shared
    return units
