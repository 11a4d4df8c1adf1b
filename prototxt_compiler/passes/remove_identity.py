"""Removing layers that compute nothing at inference: Dropout (identity in TEST) and Split
(copies of its bottom). Their readers read the bottom instead; the graph's outputs follow."""
from __future__ import annotations

from ..ir import Graph

__all__ = ["remove_identity_layers"]

IDENTITY_TYPES = ("Dropout", "Split")


def remove_identity_layers(graph: Graph) -> bool:
    dead = []
    for node in graph.nodes:
        if node.type not in IDENTITY_TYPES or len(node.inputs) != 1:
            continue
        source = node.inputs[0]
        for value in node.outputs:
            graph.replace_all_uses_with(value, source)
        dead.append(node)
    graph.remove_nodes(dead)  # in one pass over the graph
    return bool(dead)
