"""Pooling and SPP params back to ``pooling_param`` and ``spp_param``.

A bound global pooling carries the bottom's (H, W) as its kernel; Caffe refuses a kernel next
to ``global_pooling``, so only the flag is written and the kernel is bound again on reading.
"""
from __future__ import annotations

from ...ir import Node
from ...ops.pooling import PoolingParams, SPPParams
from ...proto import caffe_pb2
from .fields import set_spatial
from .registry import PROTOTXT

__all__ = ["convert_pooling", "convert_spp"]

_POOL = caffe_pb2.PoolingParameter
_SPP = caffe_pb2.SPPParameter


@PROTOTXT.register("Pooling")
def convert_pooling(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: PoolingParams = node.params
    q = layer.pooling_param
    if p.pool != "MAX":
        q.pool = _POOL.PoolMethod.Value(p.pool)
    if p.global_pooling:
        q.global_pooling = True
    else:
        set_spatial(q, "kernel_size", "kernel_h", "kernel_w", p.kernel, default=None)
    set_spatial(q, "stride", "stride_h", "stride_w", p.stride, default=1)
    set_spatial(q, "pad", "pad_h", "pad_w", p.pad, default=0)
    if p.round_mode != "CEIL":
        q.round_mode = _POOL.RoundMode.Value(p.round_mode)


@PROTOTXT.register("SPP")
def convert_spp(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """The pyramid's levels follow from the bottom's shape; only their recipe is written."""
    p: SPPParams = node.params
    q = layer.spp_param
    q.pyramid_height = p.pyramid_height
    if p.pool != "MAX":
        q.pool = _SPP.PoolMethod.Value(p.pool)
