"""What a drawn box says about its layer: a short line of the params that matter (a
convolution's kernel/stride/pad/group and num_output, a pooling's method and window...),
and, for the hover panel, every param with its value.

The short line leaves out defaults: ``3x3 s2 p1 g32 → 128`` for a grouped, strided 3x3
convolution, ``MAX 3x3 s2`` for a pooling, ``→ 1000`` for an InnerProduct. Types without a
rule of their own show the params that differ from their defaults, as the graph's text
form prints them.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..ir import Node

__all__ = ["short_params", "all_params"]


def _hw(values: tuple[int, ...]) -> str:
    return "x".join(map(str, values)) if len(set(values)) > 1 else str(values[0])


def _conv(node: Node) -> str:
    p = node.params
    parts = [f"{'x'.join(map(str, p.kernel))}"]
    if p.stride and set(p.stride) != {1}:
        parts.append(f"s{_hw(p.stride)}")
    if p.pad and set(p.pad) != {0}:
        parts.append(f"p{_hw(p.pad)}")
    if p.dilation and set(p.dilation) != {1}:
        parts.append(f"d{_hw(p.dilation)}")
    if p.group != 1:
        parts.append(f"g{p.group}")
    return " ".join(parts) + f" → {p.num_output}"


def _pool(node: Node) -> str:
    p = node.params
    if p.global_pooling:
        return f"{p.pool} global"
    parts = [p.pool, "x".join(map(str, p.kernel))]
    if set(p.stride) != {1}:
        parts.append(f"s{_hw(p.stride)}")
    if set(p.pad) != {0}:
        parts.append(f"p{_hw(p.pad)}")
    if p.round_mode != "CEIL":
        parts.append(p.round_mode.lower())
    return " ".join(parts)


def _eltwise(node: Node) -> str:
    p = node.params
    coeff = [c for c in p.coeff if c != 1]
    return p.operation + (f" coeff {list(p.coeff)}" if coeff else "")


def _batch_norm(node: Node) -> str:
    p = node.params
    parts = [] if p.global_stats else ["batch statistics"]
    if p.eps != 1e-5:
        parts.append(f"eps {p.eps:.7g}")
    return ", ".join(parts)


def _scale(node: Node) -> str:
    p = node.params
    parts = ["+ bias"] if getattr(p, "bias_term", False) else []
    if (p.axis, p.num_axes) != (1, 1):
        parts.append(f"axis {p.axis}, num_axes {p.num_axes}")
    return ", ".join(parts)


_RULES: dict[str, Callable[[Node], str]] = {
    "BatchNorm": _batch_norm, "Scale": _scale, "Bias": _scale,
    "Convolution": _conv, "Deconvolution": _conv, "ConvolutionDepthwise": _conv,
    "DepthwiseConvolution": _conv, "Pooling": _pool, "Eltwise": _eltwise,
    "InnerProduct": lambda n: f"→ {n.params.num_output}",
}


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.7g}"
    if dataclasses.is_dataclass(value):
        given = ", ".join(f"{k}={_value(v)}" for k, v in _fields(value, defaults=False))
        return given or "(defaults)"
    if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
        return "; ".join(_value(v) for v in value)
    return str(value)


def _fields(params: Any, *, defaults: bool) -> list[tuple[str, Any]]:
    if params is None or not dataclasses.is_dataclass(params):
        return []
    out = []
    for field in dataclasses.fields(params):
        if not field.repr:
            continue
        value = getattr(params, field.name)
        default = field.default if field.default is not dataclasses.MISSING else (
            field.default_factory() if field.default_factory is not dataclasses.MISSING
            else dataclasses.MISSING)
        if not defaults and value == default:
            continue
        out.append((field.name, value))
    return out


def short_params(node: Node, limit: int = 34) -> str:
    """The params that matter, on one line of at most ``limit`` characters."""
    rule = _RULES.get(node.type)
    if rule is not None:
        text = rule(node)
    else:
        text = ", ".join(f"{k} {_value(v)}" for k, v in _fields(node.params, defaults=False)
                         if not k.endswith("filler"))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def all_params(node: Node) -> list[tuple[str, str]]:
    """Every param of the layer with its value, in the params' field order."""
    return [(k, _value(v)) for k, v in _fields(node.params, defaults=True)]
