"""The graph as canonical prototxt text: V2 ``layer { }`` blocks in graph order, an ``Input``
layer for the inputs (none for a fragment's inputs: they are read, not declared), only
non-default fields, fields in caffe.proto's order.

Each layer's params are written by its op (``OpDef.write_params``: Caffe's semantics, in
``ops``), so this backend has no converter of its own per layer type.
Parse -> IR -> emit -> parse gives the same graph; emitting that again gives the same bytes.
Legacy files come out upgraded; data layers come out as Input layers with their shapes.
"""
from __future__ import annotations

from google.protobuf import text_format

from ...errors import LayerError, OpError
from ...ir import Graph
from ...ops import OPS
from ...proto import caffe_pb2

__all__ = ["to_prototxt", "to_net_parameter"]


def to_net_parameter(graph: Graph) -> caffe_pb2.NetParameter:
    net = caffe_pb2.NetParameter()
    if graph.name:
        net.name = graph.name
    by_layer: dict[str, caffe_pb2.LayerParameter] = {}
    for value in graph.inputs:
        if value.blob in graph.fragment_inputs:
            continue  # read, not declared: the text of a fragment
        name = graph.input_layers.get(value.name, "input")
        layer = by_layer.get(name)
        if layer is None:
            layer = net.layer.add(name=name, type="Input")
            by_layer[name] = layer
        layer.top.append(value.blob)
        layer.input_param.shape.add(dim=list(value.shape or ()))
    for node in graph.nodes:
        layer = net.layer.add(name=node.name, type=node.type)
        layer.bottom.extend(v.blob for v in node.inputs)
        layer.top.extend(v.blob for v in node.outputs)
        op = OPS[node.type]
        if op.param is None:
            continue
        try:
            op.write_params(node.params, getattr(layer, op.param),
                            [v.shape for v in node.inputs])
        except OpError as error:
            raise LayerError(error.message, layer=node.name, type=node.type,
                             field=error.field, location=node.location) from error
    return net


def to_prototxt(graph: Graph) -> str:
    """The canonical text of ``graph``."""
    return text_format.MessageToString(to_net_parameter(graph))
