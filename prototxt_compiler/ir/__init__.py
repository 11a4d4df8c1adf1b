"""The graph IR: SSA values over Caffe layers. Imports nothing from the edges."""
from .core import Graph, Node, Shape, Value, format_shape


def to_networkx(graph: Graph):  # noqa: ANN201 - networkx is imported only on use
    """A read-only networkx view of ``graph`` (see ``ir.analysis``)."""
    from .analysis import to_networkx as build

    return build(graph)


__all__ = ["Graph", "Node", "Shape", "Value", "format_shape", "to_networkx"]
