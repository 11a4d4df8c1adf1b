"""What matchers read from a group: its op types, constants as float32 numbers, and the
earlier version of a blob that an in-place layer writes over.

Numbers the backend worked out from a layer's params (Exp's ``ln(base) * scale``) cannot
always be inverted to the params as written: ``short_first`` orders candidates by the length
of their shortest float32 decimal form, which is how a prototxt writes them (0.5, not
0.49999997); the backend's export then decides which candidates hold.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from ..context import Context
from .registry import Group

__all__ = ["ops_are", "scalar", "const", "decimal", "short_first", "near", "previous_version",
           "input_of"]


def ops_are(group: Group, *patterns: Sequence[str]) -> bool:
    """Whether the group's op types are one of ``patterns``."""
    return any(group.ops() == tuple(p) for p in patterns)


def const(ctx: Context, name: str) -> np.ndarray | None:
    return ctx.const(name)


def scalar(ctx: Context, name: str) -> float | None:
    """A one-element float constant as the float32 number it holds, or None."""
    array = ctx.const(name)
    if array is None or array.size != 1 or array.dtype.kind != "f":
        return None
    return float(np.float32(array.reshape(-1)[0]))


def input_of(group: Group, index: int, slot: int) -> str:
    """Input ``slot`` of the group's node ``index`` ("" where absent)."""
    return group.nodes[index].input(slot)


def decimal(value: float) -> str:
    """The shortest decimal that reads back as this float32."""
    return np.format_float_positional(np.float32(value), unique=True, trim="-")


def near(value: float, steps: int = 2) -> Iterator[float]:
    """``value`` as float32, then its neighbours up to ``steps`` ulps away."""
    x = np.float32(value)
    yield float(x)
    up = down = x
    for _ in range(steps):
        up = np.nextafter(up, np.float32(np.inf))
        down = np.nextafter(down, np.float32(-np.inf))
        yield float(up)
        yield float(down)


def short_first(candidates: Iterable[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """Distinct candidates, the shortest decimal forms first (stable otherwise)."""
    unique = list(dict.fromkeys(tuple(float(np.float32(v)) for v in c) for c in candidates))
    return sorted(unique, key=lambda c: sum(len(decimal(v)) for v in c))


_VERSION = re.compile(r"(.*)@([0-9]+)")


def _version(name: str, outputs: set[str]) -> tuple[str, float]:
    match = _VERSION.fullmatch(name)
    if match:
        return match.group(1), int(match.group(2))
    return name, float("inf") if name in outputs else 0


def previous_version(ctx: Context, top: str) -> str | None:
    """The ONNX value holding the version of ``top``'s Caffe blob just before it, as the
    backend names versions (``blob``, ``blob@1``, ...; a graph output takes the bare name,
    the value it displaced ``blob@0``), where some value here holds one."""
    base, version = _version(top, ctx.outputs)
    best: tuple[float, str] | None = None
    for name in (*ctx.values, *ctx.pending):
        other, number = _version(name, ctx.outputs)
        if other == base and number < version and (best is None or number > best[0]):
            best = (number, name)
    return best[1] if best else None
