"""The nodes of an ONNX graph grouped as this project's backend writes one Caffe layer.

The backend names a layer's first node as the layer and every later node of it
``LAYER/OpType``, made unique with ``_1``, ``_2``... (``backends.onnx.registry.Emitter``),
and writes a layer's nodes one after the other. A node therefore joins the group before it
when its name is that group's name, a slash, its own op type and maybe such a suffix;
anything else starts a group. Layer names may hold slashes themselves (``conv1/bn``): a
node ``conv1/bn`` (Mul) after ``conv1`` (Conv) starts a group, since ``bn`` is not its op
type. A grouping that is wrong (a layer really named ``c3/Conv`` right after ``c3``) only
makes a matcher fail: the group is then imported node by node.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..model import OnnxNode
from .registry import Group

__all__ = ["group_nodes", "GroupSpan"]


def _joins(name: str, node: OnnxNode) -> bool:
    return re.fullmatch(re.escape(name) + "/" + re.escape(node.op_type) + r"(_[1-9][0-9]*)?",
                        node.name) is not None


class GroupSpan:
    """A group and where its nodes lie in the graph's node order: ``[start, stop)``."""

    __slots__ = ("group", "start", "stop")

    def __init__(self, group: Group, start: int, stop: int) -> None:
        self.group = group
        self.start = start
        self.stop = stop


def group_nodes(nodes: Sequence[OnnxNode], outputs: Iterable[str]) -> list[GroupSpan]:
    """The nodes (in graph order) cut into groups, each with the values it reads from
    outside and those it writes that are read after it or are graph outputs."""
    readers: dict[str, list[int]] = {}
    for index, node in enumerate(nodes):
        for name in node.inputs:
            if name:
                readers.setdefault(name, []).append(index)
    graph_outputs = set(outputs)
    spans: list[GroupSpan] = []
    start = 0
    while start < len(nodes):
        stop = start + 1
        name = nodes[start].name
        while name and stop < len(nodes) and _joins(name, nodes[stop]):
            stop += 1
        members = nodes[start:stop]
        written = {out for n in members for out in n.outputs if out}
        inputs = list(dict.fromkeys(i for n in members for i in n.inputs
                                    if i and i not in written))
        exported = [out for n in members for out in n.outputs if out and (
            out in graph_outputs or any(r >= stop for r in readers.get(out, ())))]
        spans.append(GroupSpan(Group(name, tuple(members), tuple(inputs), tuple(exported)),
                               start, stop))
        start = stop
    return spans
