"""The graph IR: SSA values over Caffe layers. Imports nothing from the edges."""
from .core import Graph, Node, Shape, Value, blob_too_big, format_dim, format_shape
from .symbolic import SymbolBinding, SymbolicShapeError, SymDim, is_symbolic, symbols_of


def to_networkx(graph: Graph):  # noqa: ANN201 - networkx is imported only on use
    """A read-only networkx view of ``graph`` (see ``ir.analysis``); needs the ``analysis``
    extra (``pip install 'prototxt-compiler[analysis]'``)."""
    try:
        from .analysis import to_networkx as build
    except ImportError as error:
        raise ImportError("to_networkx needs networkx: pip install "
                          "'prototxt-compiler[analysis]'") from error
    return build(graph)


__all__ = ["Graph", "Node", "Shape", "SymDim", "SymbolBinding", "SymbolicShapeError", "Value",
           "blob_too_big", "format_dim", "format_shape", "is_symbolic", "symbols_of",
           "to_networkx"]
