"""Names in the generated file: an attribute per Caffe layer, a local variable per blob.

Attributes follow the torch backend's rule, so state_dict keys read alike: characters other
than letters, digits and '_' become '_' ('fire2/squeeze1x1' -> 'fire2_squeeze1x1'), a
leading digit gets a '_', and a name already taken gets '_1', '_2'...

Variables carry the Caffe blob's name. An in-place layer (top == bottom) assigns its result
to its blob's variable again, as the Caffe net writes the blob again (``conv1 =
self.relu1(conv1)``), unless the old value is still read later; then the new value gets a
name of its own (``conv1_1``).
"""
from __future__ import annotations

import keyword
import re

from ...ir import Graph, Value

__all__ = ["identifier", "attribute_names", "Variables", "class_name"]

# names the generated forward uses itself
RESERVED = {"self", "torch", "nn", "F", "FLT_MAX"}


def identifier(name: str, taken: set[str]) -> str:
    """A Python identifier for ``name``, not in ``taken`` (and added to it)."""
    base = re.sub(r"\W", "_", name, flags=re.ASCII) or "blob"
    if base[0].isdigit():
        base = "_" + base
    if keyword.iskeyword(base) or base in RESERVED:
        base += "_"
    candidate, i = base, 1
    while candidate in taken:
        candidate, i = f"{base}_{i}", i + 1
    taken.add(candidate)
    return candidate


def attribute_names(graph: Graph) -> dict[str, str]:
    """Layer name -> attribute name, in graph order."""
    taken: set[str] = {"forward", "training"}
    return {node.name: identifier(node.name, taken) for node in graph.nodes}


def class_name(name: str) -> str:
    """The net's name in CamelCase ('ResNeXt-50 (32x4d)' -> 'ResNeXt50_32x4d'), 'Net' when it
    gives nothing usable."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    if not words:
        return "Net"
    joined = words[0][:1].upper() + words[0][1:] + "".join(
        ("_" if words[i - 1][-1:].isdigit() and w[:1].isdigit() else "") + w[:1].upper() + w[1:]
        for i, w in enumerate(words[1:], 1))
    return joined if not joined[0].isdigit() else f"Net{joined}"


class Variables:
    """The local variable of every value of a graph, chosen as the forward is written."""

    def __init__(self, graph: Graph) -> None:
        self._last: dict[int, int] = {}  # value -> index of the last node reading it
        for index, node in enumerate(graph.nodes):
            for value in node.inputs:
                self._last[id(value)] = index
        for value in graph.outputs:
            self._last[id(value)] = len(graph.nodes)
        self._names: dict[int, str] = {}
        self._holder: dict[str, tuple[int, str]] = {}  # variable -> (value, blob) it holds
        self._taken: set[str] = set()

    def of(self, value: Value) -> str:
        return self._names[id(value)]

    def bind(self, value: Value, at: int) -> str:
        """A variable for ``value``, written by the node at index ``at`` (-1: an input)."""
        base = identifier(value.blob, set())
        holder = self._holder.get(base)
        if holder is not None and holder[1] == value.blob and self._last.get(holder[0], -1) <= at:
            name = base  # the blob's old value is read no more: its variable is reused
        else:
            name = identifier(value.blob, self._taken)
        self._holder[name] = (id(value), value.blob)
        self._names[id(value)] = name
        return name
