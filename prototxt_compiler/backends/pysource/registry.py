"""The Python-source backend's registries: a converter per Caffe layer type, and the
written-out definitions (helpers) that the generated file carries where Caffe's semantics
are not a torch module's.

A converter turns one IR node into a ``Module``: the constructor expression of the
attribute that stands for the layer (``nn.Conv2d(3, 64, 7, stride=2, padding=3,
bias=False)``), the parameter and buffer arrays of its ``state_dict`` (keys relative to the
attribute, Caffe's numbers in the layout torch's module wants), and the names of the helpers
it needs:

    @PYSOURCE.register("Convolution", "Deconvolution")
    def convert_convolution(node: Node) -> Module: ...

``node.params`` are bound and every value has its Caffe shape (a fragment's may be
symbolic). A helper is plain source text that imports nothing but ``torch``, ``nn`` and
``F``; it is registered once, by the family module that needs it, under the name it defines.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ..registry import ConverterRegistry

__all__ = ["PYSOURCE", "Module", "Helper", "HELPERS", "HelperRegistry", "literal", "call"]

PYSOURCE = ConverterRegistry("model.py")


@dataclass(frozen=True)
class Module:
    """What one Caffe layer becomes in the generated file."""

    code: str
    state: tuple[tuple[str, np.ndarray], ...] = ()
    helpers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Helper:
    """A definition written out in the generated file, and the helpers it uses."""

    name: str
    source: str
    needs: tuple[str, ...] = ()


class HelperRegistry:
    """Helper name -> its definition; a name defined twice fails at import."""

    def __init__(self) -> None:
        self._helpers: dict[str, Helper] = {}

    def define(self, name: str, source: str, *, needs: Iterable[str] = ()) -> str:
        if name in self._helpers:
            raise RuntimeError(f"helper {name!r} is defined twice")
        self._helpers[name] = Helper(name, source.strip("\n"), tuple(needs))
        return name

    def __getitem__(self, name: str) -> Helper:
        return self._helpers[name]

    def names(self) -> list[str]:
        return sorted(self._helpers)

    def closure(self, names: Iterable[str]) -> list[Helper]:
        """The helpers ``names`` need, each after the ones it uses, in first-use order."""
        out: dict[str, Helper] = {}

        def visit(name: str) -> None:
            if name in out:
                return
            helper = self._helpers[name]
            for need in helper.needs:
                visit(need)
            out[name] = helper

        for name in names:
            visit(name)
        return list(out.values())


HELPERS = HelperRegistry()


def literal(value: object) -> str:
    """A Python literal for a Caffe parameter value: floats in the shortest form that gives
    the same float32 (Caffe's floats are float32: 0.1, not 0.10000000149011612), tuples of
    ints as tuples, ints, bools and strings as Python writes them."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return f'float("{value}")'
        text = np.format_float_positional(np.float32(value), unique=True, trim="0")
        if float(np.float32(text)) != float(np.float32(value)) or len(text) > 12:
            text = np.format_float_scientific(np.float32(value), unique=True, trim="0")
        return text if any(c in text for c in ".e") else text + ".0"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, str):
        return repr(value)
    raise TypeError(f"no literal for {value!r}")


def call(function: str, *args: object, **kwargs: object) -> str:
    """``function(arg, ..., key=value, ...)`` with every value a ``literal``."""
    parts = [literal(a) for a in args] + [f"{k}={literal(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"
