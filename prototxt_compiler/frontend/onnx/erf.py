"""Erf and Gelu, which no BVLC layer computes, from layers that do.

Erf(y) = sign(y) (1 - P(t) e^{-y^2}), t = 1 / (1 + p |y|), P(t) = t (a1 + t (a2 + t (a3 +
t (a4 + t a5)))): the rational approximation 7.1.26 of Abramowitz and Stegun (Handbook of
Mathematical Functions, 1964), within 1.5e-7 of erf for every y, float32's own rounding of
erf's values near 1 (6e-8). Its layers:

    AbsVal                                   |y|
    Power(power -1, scale p, shift 1)        t
    Power(scale a5, shift a4)                a4 + a5 t
    3 x (Eltwise PROD with t, Power shift)   the Horner steps to a1 + t (...)
    Eltwise PROD with t                      P(t)
    Power(power 2), Exp(scale -1)            e^{-y^2}
    Eltwise PROD                             P(t) e^{-y^2}, erfc(|y|)
    Threshold(0), Power(scale 2, shift -1)   sign(y): 1 for y > 0, else -1
    Eltwise PROD, Eltwise SUM(1, -1)         sign(y) - sign(y) erfc(|y|)

At y = 0 the sign is -1 and 1 - P(1) is 1e-9; at +-inf, t and e^{-y^2} are 0 and the result
is +-1; NaN stays NaN. The Power after each product, the Exp and the sign's Power compute in
place (Caffe's neuron layers may), so the chain holds 12 blobs, not 17.

Gelu(x) (opset 20; torch's ``nn.GELU`` exports it from opset 20, and before that as the ONNX
ops of its definition, each imported as it comes):
    approximate "none"  0.5 x (1 + Erf(x / sqrt(2)))
    approximate "tanh"  0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
each step imported as its ONNX op (``steps``).
"""
from __future__ import annotations

import math

from ...ir import Value
from ...ops.activation import ExpParams, NeuronParams, PowerParams, ThresholdParams
from ...ops.eltwise import EltwiseParams
from .activation import f32
from .context import Context
from .model import OnnxNode
from .registry import IMPORTERS, Refused
from .steps import constant, step

__all__ = ["convert_erf", "convert_gelu", "ERF_P", "ERF_A"]

#: Abramowitz and Stegun 7.1.26: erf(y) ~ 1 - t (a1 + t (a2 + ...)) e^{-y^2}, t = 1/(1 + p y)
ERF_P = 0.3275911
ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


@IMPORTERS.register("Erf")
def convert_erf(ctx: Context, node: OnnxNode) -> None:
    y = ctx.value(node.inputs[0])
    base = node.outputs[0]

    def layer(label: str, type: str, params: object, inputs: list[Value],
              in_place: bool = False) -> Value:
        """A layer of the chain; ``in_place`` over its one bottom, which nothing else
        reads (Power, Exp and Threshold compute in place in Caffe): a blob less."""
        top = inputs[0].blob if in_place else ctx.names.blob(f"{base}/{label}")
        return ctx.layer(node, type, params, inputs, tops=[top],
                         suffix=f"/{label}").outputs[0]

    def product(label: str, inputs: list[Value]) -> Value:
        return layer(label, "Eltwise", EltwiseParams(operation="PROD"), inputs)

    a1, a2, a3, a4, a5 = ERF_A
    size = layer("abs", "AbsVal", NeuronParams(), [y])
    t = layer("t", "Power", PowerParams(power=-1.0, scale=f32(ERF_P), shift=1.0), [size])
    poly = layer("poly4", "Power", PowerParams(scale=f32(a5), shift=f32(a4)), [t])
    for k, a in ((3, a3), (2, a2), (1, a1)):
        poly = layer(f"poly{k}", "Power", PowerParams(shift=f32(a)),
                     [product(f"poly{k}_times_t", [poly, t])], in_place=True)
    poly = product("poly", [poly, t])
    square = layer("square", "Power", PowerParams(power=2.0), [size])
    gauss = layer("gauss", "Exp", ExpParams(scale=-1.0), [square], in_place=True)
    tail = product("tail", [poly, gauss])
    step_ = layer("step", "Threshold", ThresholdParams(threshold=0.0), [y])
    sign = layer("sign", "Power", PowerParams(scale=2.0, shift=-1.0), [step_], in_place=True)
    signed_tail = product("signed_tail", [sign, tail])
    ctx.layer(node, "Eltwise", EltwiseParams(operation="SUM", coeff=(1.0, -1.0)),
              [sign, signed_tail])


@IMPORTERS.register("Gelu")
def convert_gelu(ctx: Context, node: OnnxNode) -> None:
    approximate = node.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise Refused(f"its approximate {approximate!r} is not 'none' or 'tanh'")
    x = node.inputs[0]
    if approximate == "none":
        inner = step(ctx, node, "Div", (x, constant(ctx, node, "sqrt2", math.sqrt(2.0))),
                     "scaled")
        inner = step(ctx, node, "Erf", (inner,), "erf")
    else:
        cube = step(ctx, node, "Pow", (x, constant(ctx, node, "three", 3.0)), "cube")
        cube = step(ctx, node, "Mul", (cube, constant(ctx, node, "c", 0.044715)), "cube_c")
        inner = step(ctx, node, "Add", (x, cube), "inner")
        inner = step(ctx, node, "Mul", (inner, constant(ctx, node, "k",
                                                          math.sqrt(2.0 / math.pi))), "scaled")
        inner = step(ctx, node, "Tanh", (inner,), "tanh")
    gate = step(ctx, node, "Add", (inner, constant(ctx, node, "one", 1.0)), "gate")
    product = step(ctx, node, "Mul", (x, gate), "product")
    step(ctx, node, "Mul", (product, constant(ctx, node, "half", 0.5)), "result",
         output=node.outputs[0])
