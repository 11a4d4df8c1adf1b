"""A registry of converters keyed by Caffe layer type, one per backend.

Converters are registered with a decorator, ``@TORCH.register("Convolution")`` on a function
named ``convert_<op>``; registering a type twice fails at import. ``check`` reports every
layer of a graph that has no converter, all at once.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import UnsupportedLayerError
from ..ir import Graph

__all__ = ["ConverterRegistry"]

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
