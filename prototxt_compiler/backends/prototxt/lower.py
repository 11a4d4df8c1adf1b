"""The graph as canonical prototxt text: V2 ``layer { }`` blocks in graph order, an ``Input``
layer for the inputs (none for a fragment's inputs: they are read, not declared), only
non-default fields, fields in caffe.proto's order.

Each layer's params are written by its op (``OpDef.write_params``: Caffe's semantics, in
``ops``), so this backend has no converter of its own per layer type. A layer whose params
live in a field a Caffe fork or a plugin adds (``upsample_param``) gets that block after its
BVLC fields; a Python layer registered as ``Python:MODULE.LAYER`` is written as type
``Python`` with its ``python_param``.
Parse -> IR -> emit -> parse gives the same graph; emitting that again gives the same bytes.
Legacy files come out upgraded; data layers come out as Input layers with their shapes.
"""
from __future__ import annotations

from typing import Any

from google.protobuf import text_format

from ...errors import LayerError, OpError, UsageError
from ...ir import Graph
from ...ops import OPS
from ...ops.extras import EXTRA_FIELDS, LAYER
from ...proto import caffe_pb2

__all__ = ["to_prototxt", "to_net_parameter"]

_BVLC = caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name


def _build(graph: Graph) -> tuple[caffe_pb2.NetParameter, list[list[tuple[str, Any]]]]:
    """The net's BVLC part, and each layer's fork or plugin fields (name, message)."""
    net = caffe_pb2.NetParameter()
    if graph.name:
        net.name = graph.name
    extras: list[list[tuple[str, Any]]] = []
    by_layer: dict[str, caffe_pb2.LayerParameter] = {}
    for value in graph.inputs:
        if value.blob in graph.fragment_inputs:
            continue  # read, not declared: the text of a fragment
        name = graph.input_layers.get(value.name, "input")
        layer = by_layer.get(name)
        if layer is None:
            layer = net.layer.add(name=name, type="Input")
            by_layer[name] = layer
            extras.append([])
        layer.top.append(value.blob)
        layer.input_param.shape.add(dim=list(value.shape or ()))
    for node in graph.nodes:
        layer = net.layer.add(name=node.name, type=node.type.partition(":")[0])
        layer.bottom.extend(v.blob for v in node.inputs)
        layer.top.extend(v.blob for v in node.outputs)
        extras.append([])
        op = OPS[node.type]
        if op.param is None:
            continue
        if op.param in _BVLC:
            message = getattr(layer, op.param)
        else:
            known = EXTRA_FIELDS.get(LAYER, op.param)
            if known is None or known.message is None:
                raise LayerError(f"its params field '{op.param}' is registered by no fork or "
                                 "plugin", layer=node.name, type=node.type)
            message = known.message()
            extras[-1].append((op.param, message))
        try:
            op.write_params(node.params, message, node.input_shapes())
        except OpError as error:
            raise LayerError(error.message, layer=node.name, type=node.type,
                             field=error.field, location=node.location) from error
        except (ValueError, TypeError) as error:  # protobuf: a value its field cannot hold
            raise LayerError(f"its params do not fit Caffe's {op.param} ({error}; Caffe's "
                             "sizes are 32-bit)", layer=node.name, type=node.type,
                             location=node.location) from error
    return net, extras


def to_net_parameter(graph: Graph, *, fork_params: bool = True) -> caffe_pb2.NetParameter:
    """The graph as a BVLC ``NetParameter``. A graph with fork layers has fields BVLC's
    schema cannot hold: an error (write it as text), or with ``fork_params=False`` those
    layers without their fork's params field (what a .caffemodel needs of them: their name,
    type, bottoms, tops and blobs)."""
    net, extras = _build(graph)
    if not fork_params:
        return net
    for layer, extra in zip(net.layer, extras):
        if extra:
            raise UsageError(f"layer '{layer.name}' has params in a field BVLC Caffe does not "
                             f"know ({extra[0][0]}); a BVLC NetParameter cannot hold it: write "
                             "the net as prototxt text")
    return net


def to_prototxt(graph: Graph) -> str:
    """The canonical text of ``graph``."""
    net, extras = _build(graph)
    if not any(extras):
        return text_format.MessageToString(net)
    head = caffe_pb2.NetParameter()
    head.CopyFrom(net)
    head.ClearField("layer")
    out = [text_format.MessageToString(head)]
    for layer, extra in zip(net.layer, extras):
        body = text_format.MessageToString(layer, indent=2)
        for name, message in extra:
            body += f"  {name} {{\n{text_format.MessageToString(message, indent=4)}  }}\n"
        out.append(f"layer {{\n{body}}}\n")
    return "".join(out)
