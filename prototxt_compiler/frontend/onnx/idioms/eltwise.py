"""Idioms of Eltwise (``backends.onnx.eltwise``): SUM with coefficients, PROD, MAX with
Caffe's comparisons, and the in-place forms, where Caffe's CPU code clears the top first.

    SUM   a Mul(x_i, coeff_i) per coefficient other than 1, then Add(Add(t_0, t_1), t_2)...
          (one term: Identity); in place, bottom 0 is dropped (its coefficient is ignored)
    PROD  Mul(Mul(x_0, x_1), x_2) ...
    MAX   Greater(x_0, x_1), Where; then Greater(x_i, y), Where per bottom; in place, x_0
          is the constant -FLT_MAX
An in-place layer's bottom 0 is the version of its top's blob before it (the backend names
versions ``blob@1``, ``blob@2``...); in place is proposed first where there is one, as the
backend's names say the layer was.
"""
from __future__ import annotations

from collections.abc import Iterator

from ....ops.eltwise import EltwiseParams
from ..context import Context
from .reading import previous_version, scalar
from .registry import IDIOMS, Group, Proposal

__all__ = ["match_eltwise_sum", "match_eltwise_prod", "match_eltwise_max"]


def _chain(group: Group, op_type: str, start: int) -> list[str] | None:
    """The operands of a left-to-right chain of ``op_type`` nodes from ``start`` on."""
    nodes = group.nodes[start:]
    if not nodes or any(n.op_type != op_type or len(n.inputs) != 2 for n in nodes):
        return None
    if any(n.inputs[0] != prev.outputs[0] for prev, n in zip(nodes, nodes[1:])):
        return None
    return [nodes[0].inputs[0], nodes[0].inputs[1]] + [n.inputs[1] for n in nodes[1:]]


def _in_place(ctx: Context, group: Group, bottoms: list[str], params: EltwiseParams,
              top: str) -> Iterator[Proposal]:
    before = previous_version(ctx, top)
    if before is not None:
        yield Proposal("Eltwise", params, bottoms=(before, *bottoms), tops=(top,),
                       in_place=(0,))


@IDIOMS.register("Mul", "Add", "Identity", layer="Eltwise SUM")
def match_eltwise_sum(ctx: Context, group: Group) -> Iterator[Proposal]:
    scaled: dict[str, tuple[str, float]] = {}
    i = 0
    while i < len(group.nodes) and group.nodes[i].op_type == "Mul":
        coeff = scalar(ctx, group.nodes[i].inputs[1])
        if coeff is None:
            return
        scaled[group.nodes[i].outputs[0]] = (group.nodes[i].inputs[0], coeff)
        i += 1
    rest = group.nodes[i:]
    terms = [rest[0].inputs[0]] if [n.op_type for n in rest] == ["Identity"] else \
        _chain(group, "Add", i)
    if not terms:
        return
    bottoms = [scaled.get(t, (t, 1.0))[0] for t in terms]
    coeffs = [scaled.get(t, (t, 1.0))[1] for t in terms]
    top = group.nodes[-1].outputs[0]
    lone = group.ops() == ("Identity",)
    if not (lone and previous_version(ctx, top) == terms[0]):
        yield from _in_place(ctx, group, bottoms,
                             EltwiseParams(operation="SUM", coeff=(1.0, *coeffs)), top)
    if len(bottoms) > 1:
        yield Proposal("Eltwise", EltwiseParams(operation="SUM", coeff=tuple(coeffs)),
                       bottoms=tuple(bottoms), tops=(top,))


@IDIOMS.register("Mul", layer="Eltwise PROD")
def match_eltwise_prod(ctx: Context, group: Group) -> Iterator[Proposal]:
    operands = _chain(group, "Mul", 0)
    if operands and all(ctx.const(x) is None for x in operands):
        yield Proposal("Eltwise", EltwiseParams(operation="PROD"), bottoms=tuple(operands),
                       tops=(group.nodes[-1].outputs[0],))


@IDIOMS.register("Greater", layer="Eltwise MAX")
def match_eltwise_max(ctx: Context, group: Group) -> Iterator[Proposal]:
    nodes = group.nodes
    if len(nodes) < 2 or len(nodes) % 2 or any(
            (a.op_type, b.op_type) != ("Greater", "Where") for a, b in zip(nodes[::2],
                                                                            nodes[1::2])):
        return
    operands: list[str] = []
    for k in range(0, len(nodes), 2):
        greater, where = nodes[k], nodes[k + 1]
        if list(where.inputs) != [greater.outputs[0], *greater.inputs]:
            return
        if k == 0:
            operands += list(greater.inputs)
        elif greater.inputs[1] != nodes[k - 1].outputs[0]:
            return
        else:
            operands.append(greater.inputs[0])
    top = nodes[-1].outputs[0]
    params = EltwiseParams(operation="MAX")
    if ctx.const(operands[0]) is not None:  # in place: Caffe starts from -FLT_MAX
        yield from _in_place(ctx, group, operands[1:], params, top)
    else:
        yield Proposal("Eltwise", params, bottoms=tuple(operands), tops=(top,))
