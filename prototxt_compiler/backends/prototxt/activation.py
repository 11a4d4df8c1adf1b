"""Activation and Dropout params back to their ``*_param`` (Sigmoid, TanH, AbsVal and BNLL
have none to write)."""
from __future__ import annotations


from ...ir import Node
from ...ops.activation import (ClipParams, DropoutParams, ELUParams, ExpParams, PowerParams,
                               PReLUParams, ReLUParams, SwishParams, ThresholdParams)
from ...ops.fillers import Filler
from ...proto import caffe_pb2
from .fields import set_filler, set_changed
from .registry import PROTOTXT

__all__ = ["convert_relu", "convert_prelu", "convert_elu", "convert_neuron", "convert_power",
           "convert_exp", "convert_log", "convert_threshold", "convert_clip", "convert_swish",
           "convert_dropout"]


@PROTOTXT.register("ReLU")
def convert_relu(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: ReLUParams = node.params
    set_changed(layer.relu_param, negative_slope=p.negative_slope)


@PROTOTXT.register("PReLU")
def convert_prelu(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """An absent ``filler`` means constant 0.25, so any other filler (constant 0 included)
    is written out."""
    p: PReLUParams = node.params
    q = layer.prelu_param
    if p.filler != Filler(value=0.25):
        q.filler.SetInParent()
        set_filler(q, "filler", p.filler)
    if p.channel_shared:
        q.channel_shared = True


@PROTOTXT.register("ELU")
def convert_elu(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: ELUParams = node.params
    set_changed(layer.elu_param, alpha=p.alpha)


@PROTOTXT.register("Sigmoid", "TanH", "AbsVal", "BNLL")
def convert_neuron(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """Nothing kept, nothing written (the engine field is dropped on reading)."""


@PROTOTXT.register("Power")
def convert_power(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: PowerParams = node.params
    set_changed(layer.power_param, power=p.power, scale=p.scale, shift=p.shift)


@PROTOTXT.register("Exp")
def convert_exp(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: ExpParams = node.params
    set_changed(layer.exp_param, base=p.base, scale=p.scale, shift=p.shift)


@PROTOTXT.register("Log")
def convert_log(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: ExpParams = node.params
    set_changed(layer.log_param, base=p.base, scale=p.scale, shift=p.shift)


@PROTOTXT.register("Threshold")
def convert_threshold(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: ThresholdParams = node.params
    set_changed(layer.threshold_param, threshold=p.threshold)


@PROTOTXT.register("Clip")
def convert_clip(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    """caffe.proto declares min and max required, so a given clip_param has both; an absent
    one reads as [0, 0]."""
    p: ClipParams = node.params
    if p != ClipParams():
        layer.clip_param.min = p.min
        layer.clip_param.max = p.max


@PROTOTXT.register("Swish")
def convert_swish(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: SwishParams = node.params
    set_changed(layer.swish_param, beta=p.beta)


@PROTOTXT.register("Dropout")
def convert_dropout(node: Node, layer: caffe_pb2.LayerParameter) -> None:
    p: DropoutParams = node.params
    set_changed(layer.dropout_param, dropout_ratio=p.dropout_ratio)
