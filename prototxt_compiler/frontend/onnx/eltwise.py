"""Add, Sub, Mul, Div, Sum, Mean, Max and Min: Eltwise, or Scale / Bias / Power where ONNX
broadcasts.

Two Caffe values of one shape (Sum, Max and Min: any number of them; of shapes that
broadcast, each tiled to the result's as below):
    Add, Sum  Eltwise SUM       Sub  Eltwise SUM, coeff [1, -1]
    Mul       Eltwise PROD      Max  Eltwise MAX
    Min       -max(-a, -b, ...): a Power(scale=-1) of each, Eltwise MAX, a Power(scale=-1)
              (negations are exact)
    Mean      Eltwise SUM, then Power(scale=1/n) (exact for n a power of 2, else within
              the last bit, as x / c)
A Caffe value x and a constant c that broadcasts to x's shape (c right-aligned to x's axes):
  - c one number:         x + c, x - c   Power(shift=+-c);  c - x  Power(scale=-1, shift=c)
                          x * c          Power(scale=c);    x / c  Power(scale=1/c)
                          Max(x, c)      Clip(c, FLT_MAX);  Min(x, c)  Clip(-FLT_MAX, c)
    (folded into the Power before, ``activation.power_layer``; a product with the single-use
    top of a Reduction becomes its ``coeff``)
  - c varying along one run of axes [a, b) of x (per channel: (C, 1, 1) on (N, C, H, W)):
                          x + c, x - c   Bias(axis=a, num_axes=b-a) holding c or -c
                          c - x          Power(scale=-1), then Bias holding c
                          x * c, x / c   Scale(axis=a, num_axes=b-a) holding c or 1/c
    An Add on the single-use top of a Convolution, Deconvolution or InnerProduct written
    without a bias, per output channel, becomes that layer's bias (likewise for a Scale
    layer: the pair is one Scale with bias_term, as Caffe writes BatchNorm + Scale).
  - c varying along axes apart ((3, 1, 4) over (N, 3, 4, 4)): the same Bias / Scale over
    the run from the first of them to the last, holding c widened to it ((3, 4, 4)); no
    axis before the run is held, so the batch is free.
Two Caffe values where one (y) broadcasts to the other (x) along one run of axes [a, b):
    Add  Bias(x, y'),  Mul  Scale(x, y'),  Sub  x - y = Bias(x, Power(scale=-1)(y')),
    y - x = Bias(Power(scale=-1)(x), y'); y' is y reshaped to x[a:b] (Caffe's second bottom
    must have exactly those dims). Where y has x's rank and the axes before the run are
    equal (a squeeze-excite gate (1, C, 1, 1) over (1, C, H, W)), the run starts at 0: y' is
    (N, C), a Flatten of y, so the net reshapes to another batch. Where y has x's rank, a
    batch of 1 like x's, and an axis between that differs (a spatial map (1, 1, H, W) over
    (1, C, H, W)), both are tiled as below instead, as at any other batch.
Two Caffe values that broadcast otherwise (a spatial attention map (N, 1, H, W) over
(N, C, H, W) at a batch over 1, a run-time number over a blob, both operands widened):
each is tiled to the broadcast shape (a view adding leading axes of 1, a Tile per axis of 1
that widens: copies), then the Eltwise of one shape.
Caffe has no division: x / y (of one shape, or broadcast as above) is x times y's
reciprocal, Power(power=-1), an Eltwise PROD or a Scale (LayerNorm's and L2
normalisation's exports divide so). x / c and x * (1/c) may differ in the last bit, within
the tolerance the project holds to; the zeros and infinities of y give ONNX's infinities and
NaN (1/0 is inf), except for a y so small (below 2^-128, denormal) that its reciprocal
overflows where the quotient would not. Every other form computes exactly what ONNX
computes.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...ir import Node, Value
from ...ops.activation import ClipParams, PowerParams
from ...ops.base import FLT_MAX
from ...ops.eltwise import EltwiseParams
from ...ops.norm import BiasParams, ScaleParams
from .activation import f32, power_layer
from .context import Context
from .fold import check_size
from .model import OnnxNode
from .registry import IMPORTERS, Refused
from .shape import broadcast_to

__all__ = ["convert_binary", "convert_variadic", "broadcast_run"]

BIASED = ("Convolution", "Deconvolution", "InnerProduct", "Scale")


def broadcast_run(small: tuple[int, ...], big: tuple[int, ...]) -> tuple[int, int] | None:
    """[a, b) when ``small``, right-aligned to ``big``, equals ``big`` on axes a..b-1 and is
    1 elsewhere (None otherwise); (0, 0) for a single number."""
    if len(small) > len(big):
        return None
    aligned = (1,) * (len(big) - len(small)) + tuple(small)
    varying = [i for i, (s, b) in enumerate(zip(aligned, big)) if s != 1]
    if any(aligned[i] != big[i] for i in varying):
        return None
    if not varying:
        return (0, 0)
    a, b = varying[0], varying[-1] + 1
    if any(aligned[i] != big[i] for i in range(a, b)):
        return None
    return (a, b)


@IMPORTERS.register("Add", "Sub", "Mul", "Div")
def convert_binary(ctx: Context, node: OnnxNode) -> None:
    first, second = node.inputs[0], node.inputs[1]
    c1, c2 = ctx.const(first), ctx.const(second)
    if c1 is None and c2 is None:
        _two_values(ctx, node)
    elif c2 is not None:
        _with_constant(ctx, node, first, c2, constant_first=False)
    else:
        _with_constant(ctx, node, second, c1, constant_first=True)  # type: ignore[arg-type]


def _with_constant(ctx: Context, node: OnnxNode, name: str, c: np.ndarray, *,
                   constant_first: bool) -> None:
    op = node.op_type
    shape = ctx.shape(name)
    c = np.asarray(c, np.float32)
    run = broadcast_run(c.shape, shape)
    if np.broadcast_shapes(c.shape, shape) != tuple(shape):
        raise Refused(f"its constant {list(c.shape)} would broadcast the input "
                      f"{list(shape)} to a larger shape")
    if op == "Div" and constant_first:
        raise Refused("it divides a constant by a blob; Caffe has no such layer")
    negate = op == "Sub" and constant_first
    values = c
    if op == "Sub" and not constant_first:
        values = -c
    elif op == "Div":
        values = (np.float32(1) / c).astype(np.float32)
    if run == (0, 0):
        v = f32(values.reshape(-1)[0])
        if op in ("Mul", "Div"):
            if _fold_coeff(ctx, node, name, v):
                return
            params = PowerParams(scale=v)
        else:
            params = PowerParams(scale=-1.0 if negate else 1.0, shift=v)
        power_layer(ctx, node, name, params)
        return
    x = ctx.value(name)
    if negate:
        x = _negated(ctx, node, x)
    aligned = values.reshape((1,) * (len(shape) - values.ndim) + values.shape)
    if run is None:  # varying on axes apart: held over the run from the first to the last
        varying = [i for i, d in enumerate(aligned.shape) if d != 1]
        run = (varying[0], varying[-1] + 1)
        check_size(int(np.prod(shape[run[0]:run[1]])), "its constant widened to the run of "
                   "axes it varies along")
    a, b = run
    blob = np.ascontiguousarray(np.broadcast_to(
        aligned[(0,) * a + (slice(None),) * (b - a) + (0,) * (len(shape) - b)], shape[a:b]))
    if op in ("Add", "Sub") and _fold_bias(ctx, node, name, x, blob, a, b):
        return
    if op in ("Mul", "Div"):
        ctx.layer(node, "Scale", ScaleParams(axis=a, num_axes=b - a), [x], blobs=[blob])
    else:
        ctx.layer(node, "Bias", BiasParams(axis=a, num_axes=b - a), [x], blobs=[blob])


def _fold_coeff(ctx: Context, node: OnnxNode, name: str, factor: float) -> bool:
    """Makes ``factor`` the coefficient of the Reduction writing ``name``, where nothing
    else reads it."""
    x = ctx.value(name)
    producer = x.producer
    if producer is None or producer.type != "Reduction" or not ctx.single_use(name) or \
            x.uses or producer.params.coeff != 1:
        return False
    ctx.relayer(producer, replace(producer.params, coeff=factor), (), node.outputs[:1], node)
    return True


def _fold_bias(ctx: Context, node: OnnxNode, name: str, x: Value, bias: np.ndarray,
               a: int, b: int) -> bool:
    """Makes ``bias`` the bias of the layer writing ``x``, where that is the same sum."""
    producer: Node | None = x.producer
    if producer is None or producer.type not in BIASED or not ctx.single_use(name):
        return False
    params = producer.params
    if getattr(params, "bias_term", True) or len(producer.inputs) != 1:
        return False
    channel = params.axis  # the output channel axis (InnerProduct: the last one)
    span = 1 if producer.type != "Scale" else params.num_axes
    if (a, b) != (channel, channel + span) or x.uses:
        return False
    ctx.relayer(producer, replace(params, bias_term=True),
                tuple(producer.blobs or ()) + (bias,), (node.outputs[0],), node)
    return True


def _two_values(ctx: Context, node: OnnxNode) -> None:
    op = node.op_type
    first, second = node.inputs[0], node.inputs[1]
    s1, s2 = ctx.shape(first), ctx.shape(second)
    if s1 == s2:
        _elementwise(ctx, node, ctx.value(first), ctx.value(second))
        return
    big: str | None = None
    if broadcast_run(s2, s1) not in (None, (0, 0)):
        big, small, small_first, big_shape, small_shape = first, second, False, s1, s2
    elif broadcast_run(s1, s2) not in (None, (0, 0)):
        big, small, small_first, big_shape, small_shape = second, first, True, s2, s1
    if big is not None:
        a, b = broadcast_run(small_shape, big_shape)  # type: ignore[misc]
        same_rank = len(small_shape) == len(big_shape)
        if same_rank and small_shape[:a] == big_shape[:a]:
            a = 0  # the batch of 1 (and any axis before the run) read along: any batch fits
        elif same_rank and small_shape[0] == big_shape[0] == 1:
            big = None  # y's batch of 1 cannot be read along (an axis between differs):
            # tiled as at a batch over 1, not a Bias / Scale holding the batch at 1
    if big is None:  # each operand tiled to the broadcast shape where it has an axis of 1
        try:
            out = tuple(int(d) for d in np.broadcast_shapes(s1, s2))
        except ValueError:
            raise Refused(f"its operands {list(s1)} and {list(s2)} do not broadcast") from None
        _elementwise(ctx, node, broadcast_to(ctx, node, first, out, "a"),
                     broadcast_to(ctx, node, second, out, "b"))
        return
    target = big_shape[a:b]
    view_name = node.outputs[0] + "/operand"
    ctx.view(node, view_name, small, target)
    y = ctx.value(view_name)
    x = ctx.value(big)
    if op == "Sub":
        if small_first:
            x = _negated(ctx, node, x)
        else:
            y = _negated(ctx, node, y)
    if op == "Div":
        if small_first:
            x = _reciprocal(ctx, node, x)
        else:
            y = _reciprocal(ctx, node, y)
    if op in ("Mul", "Div"):
        ctx.layer(node, "Scale", ScaleParams(axis=a, num_axes=b - a), [x, y])
    else:
        ctx.layer(node, "Bias", BiasParams(axis=a, num_axes=b - a), [x, y])


def _elementwise(ctx: Context, node: OnnxNode, x: Value, y: Value) -> None:
    """``node``'s op on two Caffe values of one shape: an Eltwise (y's reciprocal for Div)."""
    op = node.op_type
    kind = {"Add": "SUM", "Sub": "SUM", "Mul": "PROD", "Div": "PROD"}[op]
    if op == "Div":
        y = _reciprocal(ctx, node, y)
    ctx.layer(node, "Eltwise", EltwiseParams(operation=kind,
                                             coeff=(1.0, -1.0) if op == "Sub" else ()), [x, y])


def _reciprocal(ctx: Context, node: OnnxNode, x: Value) -> Value:
    top = ctx.names.blob(node.outputs[0] + "/reciprocal")
    return ctx.layer(node, "Power", PowerParams(power=-1.0), [x], tops=[top],
                     suffix="/reciprocal").outputs[0]


def _negated(ctx: Context, node: OnnxNode, x: Value) -> Value:
    top = ctx.names.blob(node.outputs[0] + "/neg")
    return ctx.layer(node, "Power", PowerParams(scale=-1.0), [x], tops=[top],
                     suffix="/neg").outputs[0]


@IMPORTERS.register("Sum", "Mean", "Max", "Min")
def convert_variadic(ctx: Context, node: OnnxNode) -> None:
    names = [n for n in node.inputs if n]
    constants = [n for n in names if ctx.const(n) is not None]
    if len(names) == 1:
        ctx.alias(node.outputs[0], ctx.peek(names[0]))
        return
    if constants:
        if node.op_type in ("Sum", "Mean") or len(names) != 2:
            raise Refused("it combines a constant with blobs; imported only for Max and Min "
                          "of one blob and one number")
        other = names[0] if names[1] in constants else names[1]
        c = np.asarray(ctx.const(constants[0]), np.float32)
        if c.size != 1 or np.broadcast_shapes(c.shape, ctx.shape(other)) != ctx.shape(other):
            raise Refused(f"its constant {list(c.shape)} is not one number")
        v = f32(c.reshape(-1)[0])
        params = ClipParams(min=v, max=FLT_MAX) if node.op_type == "Max" else \
            ClipParams(min=-FLT_MAX, max=v)
        ctx.layer(node, "Clip", params, [ctx.value(other)])
        return
    shapes = [tuple(ctx.shape(n)) for n in names]
    try:
        out = tuple(int(d) for d in np.broadcast_shapes(*shapes))
    except ValueError:
        raise Refused(f"its inputs have shapes {[list(s) for s in shapes]}, which do not "
                      "broadcast") from None
    values = [ctx.value(n) if shape == out else broadcast_to(ctx, node, n, out, f"in{i}")
              for i, (n, shape) in enumerate(zip(names, shapes))]
    if node.op_type == "Mean":  # the sum times 1/n: as x / c, within the last bit
        total = ctx.layer(node, "Eltwise", EltwiseParams(operation="SUM"), values,
                          tops=[ctx.names.blob(f"{node.outputs[0]}/sum")],
                          suffix="/sum").outputs[0]
        ctx.layer(node, "Power", PowerParams(scale=f32(1.0 / len(values))), [total])
        return
    if node.op_type != "Min":
        kind = "SUM" if node.op_type == "Sum" else "MAX"
        ctx.layer(node, "Eltwise", EltwiseParams(operation=kind), values)
        return
    # min(a, b, ...) = -max(-a, -b, ...): negations are exact, so is the MAX
    negated = [ctx.layer(node, "Power", PowerParams(scale=-1.0), [v],
                         tops=[ctx.names.blob(f"{node.outputs[0]}/neg{i}")],
                         suffix=f"/neg{i}").outputs[0] for i, v in enumerate(values)]
    top = ctx.layer(node, "Eltwise", EltwiseParams(operation="MAX"), negated,
                    tops=[ctx.names.blob(f"{node.outputs[0]}/max")], suffix="/max").outputs[0]
    ctx.layer(node, "Power", PowerParams(scale=-1.0), [top])
