"""Squeeze-and-excitation units for the residual-network check (``checks.resnet``).

An SE unit scales its main path's output x per channel by an excitation computed from x
itself, before the shortcut is added. Two forms of it are Caffe nets in the wild:

- hujie-frank/SENet's: ``Axpy(a, x, y)`` = a x + y is the unit's sum, y the shortcut;
- the MXNet conversions' (and other ports'): the scaling is a layer of its own,
  ``Broadcastmul``/``BroadcastMul`` (x and s in either order) or a ``Scale`` with two bottoms
  (x, s), whose output is one operand of the unit's ``Eltwise`` SUM.

The excitation is a chain of one-input layers from x: global AVE ``Pooling``, a squeeze
(a 1x1 ``Convolution`` or an ``InnerProduct`` to C / r outputs), ``ReLU``, an excitation
(the same, back to C), ``Sigmoid``, and where the scaling needs it a ``Reshape`` or
``Flatten`` to (N, C). ``se_parts`` finds a merge's operands and its excitation;
``check_excitation`` aligns the chain with the template's steps and checks the layers' roles,
returning the deviations (each at its layer) and the squeeze layer, whose width gives the
unit's reduction r = C / width (``reduction`` compares every unit's with the net's).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..ir import Graph, Node, Value
from ..ops.broadcast import scale_bottom
from .align import align as _align
from .report import Deviation

__all__ = ["Excitation", "merges", "se_parts", "check_excitation", "reduction", "SE_STEPS"]

# the template's excitation, step by step (kinds; a squeeze or excitation is either layer)
SE_STEPS = ("Pooling", "squeeze", "ReLU", "excite", "Sigmoid")
_FC = ("Convolution", "InnerProduct")
_SCALING = ("Broadcastmul", "BroadcastMul")
_TO_VECTOR = ("Reshape", "Flatten")


@dataclass(frozen=True)
class Excitation:
    """One unit's SE: ``x`` the main path's output it scales, ``scale`` the excitation's
    value, ``layer`` the layer that applies it (an Axpy, or the scaling before the sum)."""

    x: Value
    scale: Value
    layer: Node


def merges(graph: Graph) -> list[Node]:
    """The layers that end a unit: two-input Eltwise layers and Axpy (SENet's a x + y)."""
    return [n for n in graph.nodes
            if (n.type == "Eltwise" and len(n.inputs) == 2) or n.type == "Axpy"]


def _scaling(value: Value) -> Excitation | None:
    """The SE scaling that produced ``value``, where one did."""
    node = value.producer
    if node is None or len(node.inputs) != 2:
        return None
    if node.type in _SCALING:
        s = scale_bottom([v.shape or () for v in node.inputs])
        return Excitation(node.inputs[1 - s], node.inputs[s], node)
    if node.type == "Scale":
        return Excitation(node.inputs[0], node.inputs[1], node)
    return None


def se_parts(merge: Node) -> tuple[tuple[Value, Value], Excitation | None]:
    """A merge's two operands (the SE scaling seen through: its x stands for it) and the
    unit's excitation, if any."""
    if merge.type == "Axpy":
        a, x, y = merge.inputs
        return (x, y), Excitation(x, a, merge)
    first, second = merge.inputs
    for i, value in enumerate((first, second)):
        found = _scaling(value)
        if found is not None:
            other = second if i == 0 else first
            return ((found.x, other) if i == 0 else (other, found.x)), found
    return (first, second), None


def _chain(value: Value, stop: Value, limit: int = 12) -> list[Node] | None:
    nodes: list[Node] = []
    while value is not stop:
        node = value.producer
        if node is None or len(node.inputs) != 1 or len(nodes) > limit:
            return None
        nodes.append(node)
        value = node.inputs[0]
    return nodes[::-1]


def _kind(node: Node) -> str:
    return "fc" if node.type in _FC else node.type


def _width(node: Node) -> int:
    return int(node.params.num_output)


def check_excitation(se: Excitation,
                     steps: Sequence[str]) -> tuple[list[Deviation], Node | None, int]:
    """The deviations of one unit's excitation from ``steps``, its squeeze layer (whose
    width gives the reduction) and the channels it scales."""
    out: list[Deviation] = []
    chain = _chain(se.scale, se.x)
    if chain is None:
        return [Deviation((se.layer.name,), "the squeeze-excitation scale does not come from "
                          f"the main path's output '{se.x.blob}' through a chain of layers")], \
            None, 0
    while chain and chain[-1].type in _TO_VECTOR:
        chain = chain[:-1]
    want = ["fc" if s in ("squeeze", "excite") else s for s in steps]
    roles: dict[str, Node] = {}
    last: Node | None = None
    for op, i, j in _align(want, [_kind(n) for n in chain]):
        if op == "equal" and i is not None and j is not None:
            roles[steps[i]] = chain[j]
        elif op == "delete" and i is not None:
            where = last.name if last is not None else se.layer.name
            what = "Convolution or InnerProduct" if want[i] == "fc" else want[i]
            out.append(Deviation((where,), f"{what} missing after this layer (squeeze-"
                                 "excitation)"))
        elif op == "insert" and j is not None:
            out.append(Deviation((chain[j].name,), f"unexpected {chain[j].type} in the "
                                 "squeeze-excitation branch"))
        elif i is not None and j is not None:
            out.append(Deviation((chain[j].name,), f"{chain[j].type}, expected "
                                 f"{'Convolution or InnerProduct' if want[i] == 'fc' else want[i]}"
                                 " (squeeze-excitation)"))
        if j is not None:
            last = chain[j]
    known = se.x.shape is not None  # else a shape rule failed before: sizes unchecked
    pool = roles.get("Pooling")
    if pool is not None and known and (pool.params.pool != "AVE" or
                             tuple(pool.params.kernel) != tuple((se.x.shape or ())[2:4])):
        out.append(Deviation((pool.name,), f"{pool.params.pool} pooling of kernel "
                             f"{'x'.join(map(str, pool.params.kernel))}, expected a global AVE "
                             "pooling (squeeze-excitation)"))
    channels = int((se.x.shape or (0, 0))[1])
    for role in ("squeeze", "excite"):
        node = roles.get(role)
        if node is not None and node.type == "Convolution" and \
                (tuple(node.params.kernel) != (1,) * len(node.params.kernel) or
                 node.params.group != 1):
            out.append(Deviation((node.name,), "expected a 1x1 convolution of group 1 "
                                 "(squeeze-excitation)"))
    excite = roles.get("excite")
    if excite is not None and known and _width(excite) != channels:
        out.append(Deviation((excite.name,), f"num_output {_width(excite)}, expected "
                             f"{channels} (the channels it scales)"))
    return out, roles.get("squeeze"), channels


def reduction(squeezes: Sequence[tuple[Node, int]]) -> tuple[int | None, list[Deviation]]:
    """The net's reduction (the r most units have, from their squeeze layers and the
    channels they scale) and a deviation for every squeeze whose width differs from C / r.
    A unit whose channels are unknown (0: a shape rule failed before it) is left out."""
    squeezes = [(node, channels) for node, channels in squeezes if channels]
    ratios = [channels // _width(node) for node, channels in squeezes
              if _width(node) and channels % _width(node) == 0 and channels >= _width(node)]
    if not ratios:
        return None, [Deviation((node.name,), f"num_output {_width(node)} does not divide the "
                                f"{channels} channels (squeeze-excitation)")
                      for node, channels in squeezes]
    r = max(dict.fromkeys(ratios), key=ratios.count)
    out = [Deviation((node.name,), f"num_output {_width(node)}, expected {channels // r} "
                     f"(C / {r}: the net's reduction {r})")
           for node, channels in squeezes if _width(node) * r != channels]
    return r, out
