"""A read-only networkx view of a Graph, for analysis (cycles, dead layers, matching).

This is the only module of the project that imports networkx.
"""
from __future__ import annotations

import networkx as nx

from .core import Graph

__all__ = ["to_networkx"]


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Nodes are layer names (attributes: ``type``, ``node``); an edge per value read, from
    its producer (or ``input:BLOB`` for a graph input) to the reader, keyed by value name."""
    view = nx.MultiDiGraph(name=graph.name)
    for value in graph.inputs:
        view.add_node(f"input:{value.name}", type="Input", node=None)
    for node in graph.nodes:
        view.add_node(node.name, type=node.type, node=node)
    for node in graph.nodes:
        for value in node.inputs:
            source = value.producer.name if value.producer is not None else f"input:{value.name}"
            view.add_edge(source, node.name, key=value.name, shape=value.shape)
    return nx.freeze(view)
