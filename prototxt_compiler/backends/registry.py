"""A registry of converters keyed by Caffe layer type, one per backend.

Converters are registered with a decorator, ``@TORCH.register("Convolution")`` on a function
named ``convert_<op>``; registering a type twice fails at import. ``check`` reports every
layer of a graph that has no converter, all at once.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from ..errors import (
    CompilerError,
    InternalError,
    LayerError,
    OpError,
    UnsupportedLayerError,
    WeightsError,
)
from ..ir import Graph, Node, SymbolicShapeError, symbols_of
from ..ops import OPS
from ..ops.base import symbolic_error

__all__ = ["ConverterRegistry", "converting", "require_blobs"]

F = TypeVar("F", bound=Callable[..., Any])


class ConverterRegistry:
    def __init__(self, backend: str) -> None:
        self.backend = backend
        self._converters: dict[str, Callable[..., Any]] = {}

    def register(self, *types: str) -> Callable[[F], F]:
        def add(fn: F) -> F:
            for kind in types:
                if kind in self._converters:
                    raise RuntimeError(f"{self.backend}: layer type {kind!r} has two "
                                       "converters")
                self._converters[kind] = fn
            return fn
        return add

    def __contains__(self, kind: object) -> bool:
        return kind in self._converters

    def __getitem__(self, kind: str) -> Callable[..., Any]:
        return self._converters[kind]

    def types(self) -> list[str]:
        return sorted(self._converters)

    def check(self, graph: Graph) -> None:
        """Raises one UnsupportedLayerError naming every layer this backend cannot lower."""
        missing = [(n.name, n.type, n.location) for n in graph.nodes
                   if n.type not in self._converters]
        if missing:
            raise UnsupportedLayerError(missing, backend=self.backend)


@contextmanager
def converting(graph: Graph, node: Node, backend: str) -> Iterator[None]:
    """Every failure of one layer's converter, re-raised once with the layer named: an
    OpError as the LayerError it is, a symbolic size the converter needed as the error
    saying which input to size, any other exception as an InternalError (a bug of ours)."""
    try:
        yield
    except OpError as error:
        raise LayerError(error.message, layer=node.name, type=node.type, field=error.field,
                         location=node.location) from error
    except CompilerError:
        raise
    except SymbolicShapeError as error:
        raise symbolic_error(graph, node, error, f"its {backend} lowering") from error
    except (TypeError, ValueError, IndexError) as error:
        if node.blobs is None and OPS[node.type].blobs(node.params,
                                                      node.input_shapes()):
            require_blobs(graph)
        shapes = [v.shape for v in (*node.inputs, *node.outputs)]
        if any(symbols_of(tuple(s or ())) for s in shapes):  # a size baked into a constant
            raise symbolic_error(graph, node, SymbolicShapeError(str(error)),
                                 f"its {backend} lowering") from error
        raise InternalError(error, layer=node.name, type=node.type, location=node.location,
                            backend=backend) from error
    except (MemoryError, RecursionError, KeyboardInterrupt):
        raise
    except Exception as error:
        raise InternalError(error, layer=node.name, type=node.type, location=node.location,
                            backend=backend) from error


def require_blobs(graph: Graph) -> None:
    """Layers that take parameter blobs must have them for a backend to lower them (a
    batch-statistics BatchNorm lowers without them): one error naming every such layer."""
    bare = [n for n in graph.nodes if n.blobs is None and
            OPS[n.type].blobs(n.params, n.input_shapes())]
    if bare:
        names = ", ".join(f"'{n.name}' ({n.type})" for n in bare[:5])
        more = f" and {len(bare) - 5} more" if len(bare) > 5 else ""
        raise WeightsError(f"{len(bare)} layer(s) have no parameter blobs: {names}{more}; "
                           "load the net with its weights (prototxt_compiler.load(path, "
                           "weights='NET.caffemodel')), or initialise them by Caffe's fillers "
                           "(prototxt_compiler.init_weights(graph, seed=0))")
