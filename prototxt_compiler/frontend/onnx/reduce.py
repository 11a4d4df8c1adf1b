"""Softmax, LogSoftmax and the reductions.

Softmax(axis): from opset 13 a softmax along ``axis``, Caffe's Softmax(axis). Before opset
13, ONNX normalises over every axis from ``axis`` on, flattened: the same as Caffe's where
those axes after ``axis`` are all 1, else a Flatten (to (prod[:axis], prod[axis:])),
Softmax(axis 1) and a Reshape back.

ReduceMean / ReduceMax / ReduceSum / ReduceSumSquare / ReduceL1 / ReduceL2 (axes an
attribute, or an input from opset 18, 13 for ReduceSum):
  - over H and W of (N, C, H, W) (as ``x.mean((2, 3))`` exports), Mean and Max: a global
    AVE or MAX Pooling, then (keepdims 0) a view to (N, C);
  - over every axis from some ``a`` to the last, Mean / Sum / SumSquare / L1: Caffe's
    Reduction (MEAN, SUM, SUMSQ, ASUM) from axis ``a``, then (keepdims 1) a view putting
    the reduced axes back as 1s; ReduceL2 is SUMSQ, then a Power of 0.5 (``F.normalize``'s
    norm, which its export clamps, expands and divides by).
  - over another run of consecutive axes [a, b), Mean and Max (CBAM's ``x.mean(1)`` and
    ``x.amax(1)`` over channels, a max over the last axis): the input viewed as (A, 1, K, B)
    (the elements before, in and after the run), a Pooling AVE or MAX of kernel (K, 1), a
    view to the result; Caffe's MAX pooling skips NaN where ONNX's max returns it.
    ReduceSum over such a run: a Convolution of kernel (K, 1), every weight 1.
Other axis sets have no Caffe layer.

LogSoftmax(axis) (the flattened form before opset 13, as Softmax's): x - m - log(sum(exp(x
- m))), m the maximum along the axis, each step imported as its ONNX op would be (the
maximum and the sum as above, the subtractions broadcasting as ``eltwise`` writes them):
stable where log(Softmax) would give -inf, within the tolerance of onnxruntime's.
"""
from __future__ import annotations

from math import prod

import numpy as np

from ...ops.activation import PowerParams
from ...ops.conv import ConvolutionParams
from ...ops.pooling import PoolingParams
from ...ops.reduce import ReductionParams, SoftmaxParams
from .context import Context, made_blob
from .model import OnnxNode
from .registry import IMPORTERS, Refused
from .steps import constant, step

__all__ = ["convert_softmax", "convert_reduce", "convert_log_softmax", "axes_are_input",
           "reduce_step"]

REDUCTION = {"ReduceMean": "MEAN", "ReduceSum": "SUM", "ReduceSumSquare": "SUMSQ",
             "ReduceL1": "ASUM", "ReduceL2": "SUMSQ"}


@IMPORTERS.register("Softmax")
def convert_softmax(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    axis = int(node.attr("axis", 1 if ctx.opset < 13 else -1))
    axis = axis + len(shape) if axis < 0 else axis
    if ctx.opset >= 13 or prod(shape[axis + 1:]) == 1:
        ctx.layer(node, "Softmax", SoftmaxParams(axis=axis), [ctx.value(node.inputs[0])])
        return
    rows = node.outputs[0] + "/rows"
    ctx.view(node, rows, node.inputs[0], (prod(shape[:axis]), prod(shape[axis:])))
    ctx.layer(node, "Softmax", SoftmaxParams(axis=1), [ctx.value(rows)],
              (rows + "/softmax",), suffix="/softmax")
    ctx.view(node, node.outputs[0], rows + "/softmax", shape)


def axes_are_input(op_type: str, opset: int) -> bool:
    """Whether a reduction takes its axes as an input (from opset 18; ReduceSum from 13)
    rather than as the ``axes`` attribute."""
    return opset >= 18 or (op_type == "ReduceSum" and opset >= 13)


@IMPORTERS.register("ReduceMean", "ReduceMax", "ReduceSum", "ReduceSumSquare", "ReduceL1",
                    "ReduceL2")
def convert_reduce(ctx: Context, node: OnnxNode) -> None:
    shape = ctx.shape(node.inputs[0])
    rank = len(shape)
    if axes_are_input(node.op_type, ctx.opset):
        raw = ctx.constant(node, 1, "axes") if node.input(1) else None
    else:
        raw = node.attr("axes")
    if raw is None or np.asarray(raw).size == 0:
        if int(node.attr("noop_with_empty_axes", 0)):
            ctx.alias(node.outputs[0], ctx.peek(node.inputs[0]))
            return
        axes = list(range(rank))
    else:
        axes = sorted({int(a) % rank for a in np.asarray(raw).reshape(-1)})
    keep = int(node.attr("keepdims", 1))
    kept = tuple(1 if i in axes else d for i, d in enumerate(shape))
    dropped = tuple(d for i, d in enumerate(shape) if i not in axes)
    final = kept if keep else dropped
    if rank == 4 and axes == [2, 3] and node.op_type in ("ReduceMean", "ReduceMax"):
        pool = "AVE" if node.op_type == "ReduceMean" else "MAX"
        if keep:
            ctx.layer(node, "Pooling", PoolingParams(pool=pool, global_pooling=True),
                      [ctx.value(node.inputs[0])])
            return
        inner = node.outputs[0] + "/pooled"
        ctx.layer(node, "Pooling", PoolingParams(pool=pool, global_pooling=True),
                  [ctx.value(node.inputs[0])], (inner,))
        ctx.view(node, node.outputs[0], inner, final)
        return
    run = axes == list(range(axes[0], axes[-1] + 1))
    trailing = axes[-1] == rank - 1
    if run and (node.op_type == "ReduceMax" or
                node.op_type in ("ReduceMean", "ReduceSum") and not trailing):
        _pooled_run(ctx, node, shape, axes[0], axes[-1] + 1, final)
        return
    if node.op_type not in REDUCTION or axes != list(range(axes[0], rank)):
        raise Refused(f"it reduces axes {axes} of {list(shape)}; Caffe reduces a run of "
                      "consecutive axes by pooling (mean, max) or every axis from one on by "
                      "Reduction (mean, sum, sum of squares, sum of magnitudes)")
    params = ReductionParams(operation=REDUCTION[node.op_type], axis=axes[0])
    root = node.op_type == "ReduceL2"  # the square root of the sum of squares
    if not keep and not root:
        ctx.layer(node, "Reduction", params, [ctx.value(node.inputs[0])])
        return
    inner = node.outputs[0] + "/reduced"
    ctx.layer(node, "Reduction", params, [ctx.value(node.inputs[0])], (inner,))
    if root:
        rooted = node.outputs[0] if not keep else node.outputs[0] + "/root"
        ctx.layer(node, "Power", PowerParams(power=0.5), [ctx.value(inner)], (rooted,),
                  suffix="" if not keep else "/root")
        inner = rooted
    if keep:
        ctx.view(node, node.outputs[0], inner, final)


def _pooled_run(ctx: Context, node: OnnxNode, shape: tuple[int, ...], a: int, b: int,
                final: tuple[int, ...]) -> None:
    """The mean, max or sum over axes [a, b): the input viewed as (A, 1, K, B), A the
    elements before the run, K in it, B after, pooled by a (K, 1) kernel to (A, 1, 1, B)
    (AVE divides each window's sum by K, as the mean does; a sum is a Convolution of that
    kernel, every weight 1), viewed as ONNX's result."""
    before, inside, after = prod(shape[:a]), prod(shape[a:b]), prod(shape[b:])
    out = node.outputs[0]
    # past the batch, A is the batch times the axes after it: written -1, any batch fits
    ctx.view(node, f"{out}/rows", node.inputs[0], (before, 1, inside, after),
             merges_batch=a > 0)
    rows = ctx.value(f"{out}/rows")
    if node.op_type == "ReduceSum":
        params = ConvolutionParams(num_output=1, kernel=(inside, 1), stride=(1, 1),
                                   pad=(0, 0), dilation=(1, 1), bias_term=False)
        ctx.layer(node, "Convolution", params, [rows], (f"{out}/pooled",),
                  blobs=[made_blob((1, 1, inside, 1), 1.0, "its sum")])
    else:
        pool = "AVE" if node.op_type == "ReduceMean" else "MAX"
        ctx.layer(node, "Pooling", PoolingParams(pool=pool, kernel=(inside, 1)), [rows],
                  (f"{out}/pooled",))
    ctx.view(node, out, f"{out}/pooled", final, merges_batch=a > 0)


@IMPORTERS.register("LogSoftmax")
def convert_log_softmax(ctx: Context, node: OnnxNode) -> None:
    """x - max - log(sum(exp(x - max))) along the axis, each step imported as its ONNX op
    (module docstring)."""
    shape = ctx.shape(node.inputs[0])
    axis = int(node.attr("axis", 1 if ctx.opset < 13 else -1))
    axis = axis + len(shape) if axis < 0 else axis
    out, source, final = node.outputs[0], node.inputs[0], None
    if ctx.opset < 13 and prod(shape[axis + 1:]) != 1:  # the flattened form, as Softmax's
        source, final = f"{out}/rows", f"{out}/normalized"
        ctx.view(node, source, node.inputs[0], (prod(shape[:axis]), prod(shape[axis:])))
        axis = 1
    peak = reduce_step(ctx, node, "ReduceMax", source, [axis], "max")
    shifted = step(ctx, node, "Sub", (source, peak), "shifted")
    total = reduce_step(ctx, node, "ReduceSum", step(ctx, node, "Exp", (shifted,), "exp"),
                        [axis], "sum")
    step(ctx, node, "Sub", (shifted, step(ctx, node, "Log", (total,), "log")), "result",
         output=final or out)
    if final is not None:
        ctx.view(node, out, final, shape)


def reduce_step(ctx: Context, node: OnnxNode, op: str, x: str, axes: list[int],
                label: str, *, keepdims: bool = True, output: str | None = None) -> str:
    """A step (``steps``) reducing ``x`` over ``axes``, keeping them as 1s (or not), its
    axes an attribute or an input as the model's opset has them."""
    attrs: dict[str, object] = {"keepdims": int(keepdims)}
    inputs: tuple[str, ...] = (x,)
    if axes_are_input(op, ctx.opset):
        inputs += (constant(ctx, node, f"{label}_axes", axes, np.int64),)
    else:
        attrs["axes"] = list(axes)
    return step(ctx, node, op, inputs, label, attrs=attrs, output=output)
