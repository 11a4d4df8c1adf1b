"""The ONNX importer registry: one function per ONNX op type, ``convert_<op>``.

    @IMPORTERS.register("Relu")
    def convert_relu(ctx: Context, node: OnnxNode) -> None:
        ctx.layer(node, "ReLU", ReLUParams(), [ctx.value(node.inputs[0])])

An importer reads its node's attributes and constant inputs, and adds the Caffe layers that
compute exactly what the node computes (``Context.layer``), or binds its outputs to existing
values (``Context.alias``), constants or views. Where no Caffe form is exact, it raises
``Refused`` with the reason; the driver collects every refusal of a model into one error.
Registering an op type twice fails at import.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ImporterRegistry", "IMPORTERS", "Refused"]

F = TypeVar("F", bound=Callable[..., Any])


class Refused(Exception):
    """A node that has no exact BVLC Caffe form; ``why`` says what and why. ``node`` is the
    node it is about where that is another than the one being imported (a transpose that
    is written only when a later node reads it)."""

    def __init__(self, why: str, node: Any = None) -> None:
        super().__init__(why)
        self.why = why
        self.node = node


class ImporterRegistry:
    def __init__(self) -> None:
        self._importers: dict[str, Callable[..., None]] = {}

    def register(self, *op_types: str) -> Callable[[F], F]:
        def add(fn: F) -> F:
            for op in op_types:
                if op in self._importers:
                    raise RuntimeError(f"ONNX op {op!r} has two importers")
                self._importers[op] = fn
            return fn
        return add

    def __contains__(self, op: object) -> bool:
        return op in self._importers

    def __getitem__(self, op: str) -> Callable[..., None]:
        return self._importers[op]

    def types(self) -> list[str]:
        return sorted(self._importers)


IMPORTERS = ImporterRegistry()
