"""MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool: Caffe's Pooling, by the
pooling rule (``pooling_rule``), on (N, C, H, W); a 1-D pool over (N, C, L) as the 2-D one
over (N, C, L, 1) (``lift``).

GlobalAveragePool and GlobalMaxPool are Caffe's ``global_pooling``. An ONNX ``Pad`` (zeros)
before an AveragePool without ``ceil_mode`` folds into its pads when the pool has none of
its own or counts padding (``count_include_pad`` 1): ONNX then divides by the padded window
either way (with ``ceil_mode`` the last window's clip depends on where the padding is).
MaxPool's second output (the indices) has no Caffe form and is refused when it is read.
"""
from __future__ import annotations

from ...ops.norm import ScaleParams
from ...ops.pooling import PoolingParams
from .context import Context, Padded
from .lift import is_one_d, lifted
from .model import OnnxNode
from .padding import begin_end_pads, spatial_attr
from .pooling_rule import OnnxPool, plan_pooling
from .registry import IMPORTERS, Refused

__all__ = ["convert_pool", "convert_global_pool"]


@IMPORTERS.register("MaxPool", "AveragePool")
def convert_pool(ctx: Context, node: OnnxNode) -> None:
    if is_one_d(ctx, node):
        lifted(ctx, node, convert_pool, weight=False)
        return
    is_max = node.op_type == "MaxPool"
    if len(node.outputs) > 1 and node.outputs[1] and ctx.uses.get(node.outputs[1], 0):
        raise Refused("its Indices output is read; Caffe's pooling mask numbers positions "
                      "otherwise")
    include_pad = bool(node.attr("count_include_pad", 0))
    kernel = tuple(int(k) for k in node.attr("kernel_shape") or ())
    if len(kernel) != 2:
        raise Refused(f"its kernel_shape {list(kernel)} is not 2-D; Caffe pools H and W")
    if any(d != 1 for d in spatial_attr(node, "dilations", 2, 1)):
        raise Refused("it is dilated; Caffe's pooling has no dilation")
    strides = spatial_attr(node, "strides", 2, 1)
    meaning = ctx.peek(node.inputs[0])
    extra_b, extra_e = (0, 0), (0, 0)
    pads_given = any(int(p) for p in node.attr("pads") or ()) or \
        node.attr("auto_pad", "NOTSET") not in ("", "NOTSET", "VALID")
    ceil = bool(node.attr("ceil_mode", 0)) and node.attr("auto_pad", "NOTSET") in ("", "NOTSET")
    if isinstance(meaning, Padded) and not is_max and not ceil and \
            (include_pad or not pads_given):
        x, extra_b, extra_e = meaning.base, meaning.begin, meaning.end
        include_pad = True
    else:
        x = ctx.value(node.inputs[0])
    if len(x.shape or ()) != 4:
        raise Refused(f"its input has shape {list(x.shape or ())}; Caffe pools (N, C, H, W)")
    sizes = [n + b + e for n, b, e in zip(x.shape[2:], extra_b, extra_e)]  # type: ignore[index]
    begin, end = begin_end_pads(node, sizes, strides, kernel)
    pool = OnnxPool(max=is_max, kernel=kernel, stride=strides,  # type: ignore[arg-type]
                    begin=tuple(b + x_ for b, x_ in zip(begin, extra_b)),  # type: ignore[arg-type]
                    end=tuple(e + x_ for e, x_ in zip(end, extra_e)),  # type: ignore[arg-type]
                    ceil=ceil, count_include_pad=include_pad)
    plan = plan_pooling(pool, *x.shape[2:])  # type: ignore[index, misc]
    if plan.pad_begin is not None:
        x = ctx.zero_pad(node, x, plan.pad_begin, plan.pad_end)  # type: ignore[arg-type]
    if plan.correction is None:
        ctx.layer(node, "Pooling", plan.params, [x])
        return
    top = ctx.names.blob((node.name or node.outputs[0]) + "/sum")
    pooled = ctx.layer(node, "Pooling", plan.params, [x], tops=[top]).outputs[0]
    ctx.layer(node, "Scale", ScaleParams(axis=2, num_axes=2), [pooled],
              blobs=[plan.correction], suffix="/divisor")


@IMPORTERS.register("GlobalAveragePool", "GlobalMaxPool")
def convert_global_pool(ctx: Context, node: OnnxNode) -> None:
    if is_one_d(ctx, node):
        lifted(ctx, node, convert_global_pool, weight=False)
        return
    x = ctx.value(node.inputs[0])
    if len(x.shape or ()) != 4:
        raise Refused(f"its input has shape {list(x.shape or ())}; Caffe pools (N, C, H, W)")
    pool = "AVE" if node.op_type == "GlobalAveragePool" else "MAX"
    ctx.layer(node, "Pooling", PoolingParams(pool=pool, global_pooling=True), [x])
