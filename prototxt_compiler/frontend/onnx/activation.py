"""Elementwise activations: each ONNX op is one Caffe neuron layer computing the same.

    Relu                    ReLU
    LeakyRelu(alpha)        ReLU(negative_slope=alpha): max(x,0) + alpha*min(x,0)
    PRelu(slope)            PReLU: slope per channel (it broadcasts only along axis 1) or
                            one slope (channel_shared)
    Sigmoid, Tanh, Abs      Sigmoid, TanH, AbsVal
    Elu(alpha)              ELU(alpha)
    Softplus                BNLL: log(1 + exp(x)), computed by Caffe in its stable form
    Exp, Log                Exp, Log (base e, scale 1, shift 0)
    Pow(x, p), p a scalar   Power(power=p)
    Sqrt                    Power(power=0.5)
    Reciprocal              Power(power=-1)
    Neg                     Power(scale=-1)
    Clip(min, max)          ReLU when min is 0 and there is no max; else Clip(min, max), an
                            absent bound written as -+FLT_MAX (equal for every finite x);
                            [0, 6] with ``fork="mobilenet"``: the fork's ReLU6
    HardSigmoid(alpha,      Power(scale=alpha, shift=beta), then Clip(0, 1): max(0, min(1,
      beta)                 alpha * x + beta)), in ONNX's order of steps
    HardSwish               x * HardSigmoid(x) with alpha 1/6, beta 0.5: those two layers,
                            then Eltwise PROD with x (MobileNetV3's h-swish)
    Selu(alpha, gamma)      ELU(alpha), then Power(scale=gamma): gamma * ELU_alpha(x)
    Celu(alpha)             Power(scale=1/alpha), ELU(1), Power(scale=alpha):
                            alpha * ELU_1(x / alpha)

Caffe's Power computes (shift + scale * x) ** power in that order, so a chain of ONNX steps
in that order is one Power layer (``power_layer``): a shift after a pure scale, and a power
after a Power without one, fold into it when nothing else reads the intermediate value.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...ops.activation import (
    ClipParams,
    ELUParams,
    ExpParams,
    NeuronParams,
    PowerParams,
    PReLUParams,
    ReLUParams,
)
from ...ops.base import FLT_MAX
from ...ops.eltwise import EltwiseParams
from ...ops.mobilenet import RELU6_MAX, ReLU6Params
from .context import Context
from .fork_layers import fork_allows
from .model import OnnxNode
from .registry import IMPORTERS, Refused

__all__ = ["convert_relu", "convert_leaky_relu", "convert_prelu", "convert_neuron",
           "convert_elu", "convert_softplus", "convert_exp_log", "convert_pow",
           "convert_power_forms", "convert_clip", "convert_hard_sigmoid", "convert_selu",
           "convert_celu", "f32", "power_layer"]


def f32(x: float) -> float:
    """A float as float32 holds it (Caffe's float fields)."""
    return float(np.float32(x))


def _scalar(array: np.ndarray, what: str) -> float:
    if array.size != 1:
        raise Refused(f"its {what} has shape {list(array.shape)}; Caffe takes one number")
    return float(array.reshape(-1)[0])


@IMPORTERS.register("Relu")
def convert_relu(ctx: Context, node: OnnxNode) -> None:
    ctx.layer(node, "ReLU", ReLUParams(), [ctx.value(node.inputs[0])])


@IMPORTERS.register("LeakyRelu")
def convert_leaky_relu(ctx: Context, node: OnnxNode) -> None:
    alpha = f32(node.attr("alpha", 0.01))
    ctx.layer(node, "ReLU", ReLUParams(negative_slope=alpha), [ctx.value(node.inputs[0])])


@IMPORTERS.register("PRelu")
def convert_prelu(ctx: Context, node: OnnxNode) -> None:
    x = ctx.value(node.inputs[0])
    slope = np.asarray(ctx.constant(node, 1, "slope"), np.float32)
    rank = len(x.shape)  # type: ignore[arg-type]
    if slope.ndim > rank:
        raise Refused(f"its slope {list(slope.shape)} has more axes than the input")
    aligned = slope.reshape((1,) * (rank - slope.ndim) + slope.shape)
    spread = [axis for axis, d in enumerate(aligned.shape) if d != 1]
    if not spread:
        ctx.layer(node, "PReLU", PReLUParams(channel_shared=True), [x],
                  blobs=[aligned.reshape(())])
    elif spread == [1] and rank >= 2:
        ctx.layer(node, "PReLU", PReLUParams(), [x], blobs=[aligned.reshape(-1)])
    else:
        raise Refused(f"its slope {list(slope.shape)} varies along axes {spread} of the "
                      f"input {list(x.shape or ())}; Caffe's PReLU has one slope per "
                      "channel (axis 1) or one for all")


@IMPORTERS.register("Sigmoid", "Tanh", "Abs")
def convert_neuron(ctx: Context, node: OnnxNode) -> None:
    kind = {"Sigmoid": "Sigmoid", "Tanh": "TanH", "Abs": "AbsVal"}[node.op_type]
    ctx.layer(node, kind, NeuronParams(), [ctx.value(node.inputs[0])])


@IMPORTERS.register("Elu")
def convert_elu(ctx: Context, node: OnnxNode) -> None:
    ctx.layer(node, "ELU", ELUParams(alpha=f32(node.attr("alpha", 1.0))),
              [ctx.value(node.inputs[0])])


@IMPORTERS.register("Selu")
def convert_selu(ctx: Context, node: OnnxNode) -> None:
    alpha = f32(node.attr("alpha", 1.67326319217681884765625))
    gamma = f32(node.attr("gamma", 1.05070102214813232421875))
    elu = ctx.layer(node, "ELU", ELUParams(alpha=alpha), [ctx.value(node.inputs[0])],
                    tops=[ctx.blob(f"{node.outputs[0]}/elu", node)], suffix="/elu")
    ctx.layer(node, "Power", PowerParams(scale=gamma), [elu.outputs[0]])


@IMPORTERS.register("Celu")
def convert_celu(ctx: Context, node: OnnxNode) -> None:
    alpha = f32(node.attr("alpha", 1.0))
    if alpha == 0:
        raise Refused("its alpha is 0; ONNX's Celu divides by it")
    out = node.outputs[0]
    x = ctx.value(node.inputs[0])
    if alpha != 1:
        x = ctx.layer(node, "Power", PowerParams(scale=f32(1 / alpha)), [x],
                      tops=[ctx.blob(f"{out}/scaled", node)], suffix="/scaled").outputs[0]
        x = ctx.layer(node, "ELU", ELUParams(alpha=1.0), [x],
                      tops=[ctx.blob(f"{out}/elu", node)], suffix="/elu").outputs[0]
        ctx.layer(node, "Power", PowerParams(scale=alpha), [x])
        return
    ctx.layer(node, "ELU", ELUParams(alpha=1.0), [x])


@IMPORTERS.register("Softplus")
def convert_softplus(ctx: Context, node: OnnxNode) -> None:
    ctx.layer(node, "BNLL", NeuronParams(), [ctx.value(node.inputs[0])])


@IMPORTERS.register("Exp", "Log")
def convert_exp_log(ctx: Context, node: OnnxNode) -> None:
    ctx.layer(node, node.op_type, ExpParams(), [ctx.value(node.inputs[0])])


def power_layer(ctx: Context, node: OnnxNode, source: str, params: PowerParams) -> None:
    """A Power layer computing ``params`` on ``source``, folded into the Power layer that
    writes ``source`` where Caffe's order of steps makes that the same computation."""
    x = ctx.value(source)
    producer = x.producer
    if producer is not None and producer.type == "Power" and ctx.single_use(source) \
            and not x.uses:
        p: PowerParams = producer.params
        if params.scale == 1 and params.power == 1 and p.shift == 0 and p.power == 1:
            ctx.relayer(producer, replace(p, shift=params.shift), (), node.outputs[:1], node)
            return
        if params.scale == 1 and params.shift == 0 and p.power == 1:
            ctx.relayer(producer, replace(p, power=params.power), (), node.outputs[:1], node)
            return
    ctx.layer(node, "Power", params, [x])


@IMPORTERS.register("Pow")
def convert_pow(ctx: Context, node: OnnxNode) -> None:
    power = _scalar(ctx.constant(node, 1, "exponent"), "exponent")
    power_layer(ctx, node, node.inputs[0], PowerParams(power=f32(power)))


@IMPORTERS.register("Sqrt", "Reciprocal", "Neg")
def convert_power_forms(ctx: Context, node: OnnxNode) -> None:
    params = {"Sqrt": PowerParams(power=0.5), "Reciprocal": PowerParams(power=-1.0),
              "Neg": PowerParams(scale=-1.0)}[node.op_type]
    power_layer(ctx, node, node.inputs[0], params)


@IMPORTERS.register("Clip")
def convert_clip(ctx: Context, node: OnnxNode) -> None:
    if ctx.opset < 11:
        low = node.attr("min")
        high = node.attr("max")
    else:
        low = _bound(ctx, node, 1, "min")
        high = _bound(ctx, node, 2, "max")
    x = ctx.value(node.inputs[0])
    if low is not None and low == 0 and (high is None or high == np.inf):
        ctx.layer(node, "ReLU", ReLUParams(), [x])
        return
    if low == 0 and high == RELU6_MAX and fork_allows("ReLU6", ctx.fork):
        ctx.layer(node, "ReLU6", ReLU6Params(), [x])
        return
    low = -FLT_MAX if low is None or low < -FLT_MAX else low
    high = FLT_MAX if high is None or high > FLT_MAX else high
    ctx.layer(node, "Clip", ClipParams(min=f32(low), max=f32(high)), [x])


@IMPORTERS.register("HardSigmoid", "HardSwish")
def convert_hard_sigmoid(ctx: Context, node: OnnxNode) -> None:
    swish = node.op_type == "HardSwish"
    alpha = 1 / 6 if swish else node.attr("alpha", 0.2)
    beta = 0.5 if swish else node.attr("beta", 0.5)
    x = ctx.value(node.inputs[0])
    out = node.outputs[0]
    line = ctx.layer(node, "Power", PowerParams(scale=f32(alpha), shift=f32(beta)), [x],
                     tops=[ctx.blob(f"{out}/linear", node)], suffix="/linear").outputs[0]
    if not swish:
        ctx.layer(node, "Clip", ClipParams(min=0.0, max=1.0), [line])
        return
    gate = ctx.layer(node, "Clip", ClipParams(min=0.0, max=1.0), [line],
                     tops=[ctx.blob(f"{out}/gate", node)], suffix="/gate").outputs[0]
    ctx.layer(node, "Eltwise", EltwiseParams(operation="PROD"), [x, gate])


def _bound(ctx: Context, node: OnnxNode, i: int, what: str) -> float | None:
    if not node.input(i):
        return None
    return _scalar(ctx.constant(node, i, what), what)
