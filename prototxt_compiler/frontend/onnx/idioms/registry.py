"""The idiom registry: matchers that read the ONNX nodes this project's backend writes for
one Caffe layer back as that layer.

The backend names a layer's first node as the layer and the others ``LAYER/OpType``
(``_1``, ``_2``... where taken), so the nodes of one layer form a ``Group``. A matcher is
registered under the op types a group of its family can start with and proposes, for a
group, the Caffe layers that could have been written so: type, params, blobs (the
initializers with the backend's transform undone), bottoms and tops (ONNX value names):

    @IDIOMS.register("Greater")
    def match_threshold(ctx: Context, group: Group) -> Iterator[Proposal]:
        yield Proposal("Threshold", ThresholdParams(threshold=...), bottoms=(x,), tops=(y,))

A proposal is only a guess: it is taken only when the backend, exporting that one layer,
writes the group's nodes again (``verify``). Where several params would be written alike
(the ONNX holds fewer numbers than the layer), a matcher yields the likelier first. A
matcher that cannot read the group yields nothing; registering a matcher twice for one
Caffe type fails at import.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from ..model import OnnxNode

__all__ = ["Group", "Proposal", "IdiomRegistry", "IDIOMS", "Matcher"]


@dataclass(frozen=True)
class Group:
    """The nodes the backend would have written for one Caffe layer named ``name``:
    ``inputs`` the values they read from outside the group (constants included), in the
    order first read; ``outputs`` the values they write that are read after the group or
    are graph outputs."""

    name: str
    nodes: tuple[OnnxNode, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]

    def ops(self) -> tuple[str, ...]:
        return tuple(n.op_type for n in self.nodes)

    def node(self, op_type: str, index: int = 0) -> OnnxNode | None:
        """The ``index``-th node of the group of that op type, or None."""
        found = [n for n in self.nodes if n.op_type == op_type]
        return found[index] if index < len(found) else None


@dataclass(frozen=True)
class Proposal:
    """A Caffe layer proposed for a group. ``bottoms``/``tops`` are ONNX value names;
    ``in_place`` gives, per top, the index of the bottom whose Caffe blob it writes over
    (None: a blob of its own)."""

    type: str
    params: Any
    bottoms: tuple[str, ...]
    tops: tuple[str, ...]
    blobs: tuple[np.ndarray, ...] = ()
    in_place: tuple[int | None, ...] = field(default=())

    def top_source(self, i: int) -> int | None:
        return self.in_place[i] if i < len(self.in_place) else None


Matcher = Callable[..., Iterator[Proposal]]
F = TypeVar("F", bound=Matcher)


class IdiomRegistry:
    """First op type of a group -> the matchers to try, in registration order."""

    def __init__(self) -> None:
        self._by_op: dict[str, list[Matcher]] = {}
        self._types: dict[str, Matcher] = {}

    def register(self, *op_types: str, layer: str | None = None) -> Callable[[F], F]:
        """Registers a matcher for groups starting with any of ``op_types``; ``layer``
        (default: the function's name after ``match_``) keys the duplicate check."""
        def add(fn: F) -> F:
            key = layer or fn.__name__.removeprefix("match_")
            if key in self._types:
                raise RuntimeError(f"two idiom matchers for {key!r}")
            self._types[key] = fn
            for op in op_types:
                self._by_op.setdefault(op, []).append(fn)
            return fn
        return add

    def matchers(self, op_type: str) -> Sequence[Matcher]:
        return self._by_op.get(op_type, ())

    def layers(self) -> list[str]:
        return sorted(self._types)


IDIOMS = IdiomRegistry()
