"""BatchNorm, Scale, Bias, LRN and MVN params back to their ``*_param``.

Scale and Bias params are bound: ``axis`` non-negative (0 for a scalar blob) and
``num_axes`` the blob's number of axes. Both read back to the same bound values. With a
second bottom Caffe ignores ``num_axes`` (the bind takes it from bottom 1), so it is left out.
"""
from __future__ import annotations

from typing import Any

from ...ir import Node
from ...ops.fillers import Filler
from ...ops.norm import BatchNormParams, BiasParams, LRNParams, MVNParams, ScaleParams
from ...proto import caffe_pb2
from .fields import set_filler, set_changed
from .registry import PROTOTXT

__all__ = ["convert_batch_norm", "convert_scale", "convert_bias", "convert_lrn", "convert_mvn"]


def _set_axes(message: Any, node: Node, axis: int, num_axes: int) -> None:
    set_changed(message, axis=axis)
    if len(node.inputs) == 1:
        set_changed(message, num_axes=num_axes)


@PROTOTXT.register("BatchNorm")
def convert_batch_norm(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """``use_global_stats`` None (the phase decides) is written by leaving it out."""
    p: BatchNormParams = node.params
    q = layer.batch_norm_param
    if p.use_global_stats is not None:
        q.use_global_stats = p.use_global_stats
    set_changed(q, moving_average_fraction=p.moving_average_fraction, eps=p.eps)


@PROTOTXT.register("Scale")
def convert_scale(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """An absent ``filler`` means constant 1, so any other filler (constant 0 included) is
    written out."""
    p: ScaleParams = node.params
    q = layer.scale_param
    _set_axes(q, node, p.axis, p.num_axes)
    if p.filler != Filler(type="constant", value=1.0):
        q.filler.SetInParent()
        set_filler(q, "filler", p.filler)
    if p.bias_term:
        q.bias_term = True
    set_filler(q, "bias_filler", p.bias_filler)


@PROTOTXT.register("Bias")
def convert_bias(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: BiasParams = node.params
    q = layer.bias_param
    _set_axes(q, node, p.axis, p.num_axes)
    set_filler(q, "filler", p.filler)


@PROTOTXT.register("LRN")
def convert_lrn(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: LRNParams = node.params
    q = layer.lrn_param
    set_changed(q, local_size=p.local_size, alpha=p.alpha, beta=p.beta, k=p.k)
    region = caffe_pb2.LRNParameter.NormRegion.Value(p.norm_region)
    set_changed(q, norm_region=region)


@PROTOTXT.register("MVN")
def convert_mvn(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: MVNParams = node.params
    set_changed(layer.mvn_param, normalize_variance=p.normalize_variance,
                 across_channels=p.across_channels, eps=p.eps)
