"""Emitting ONNX directly from the graph IR with onnx.helper (no torch involved).

Names: graph inputs are Caffe's input blobs, graph outputs Caffe's output tops (exactly),
node names the Caffe layer names, inner values the IR's value names (a blob, then
``blob@1``... where layers were in place), initializers ``LAYER.weight`` / ``LAYER.bias``.
The batch dimension is the symbolic ``N`` unless ``static_batch``, or unless a layer of the
net takes one image only (Faster R-CNN's proposal layer): then it stays 1.

``emit_onnx`` gives an ``Export``: the model without initializers, and the initializers
as the arrays they are (views of the weights); ``to_onnx`` builds the model in memory
from it, or streams it to a file (``Export.save``) without a second copy of the weights.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper

from ...errors import UsageError
from ...ir import Graph, SymDim, Value, is_symbolic, symbols_of
from ...ops import OPS
from ...version import __version__
from .. import DEFAULT_OPSET
from ..registry import converting
from .batch import batch_dims
from .export import Export
from .registry import ONNX, Emitter
from .tensors import Tensor

__all__ = ["to_onnx", "emit_onnx", "write_onnx", "MIN_OPSET", "TWO_GB", "max_opset",
           "value_names", "save"]

MIN_OPSET = 13


def max_opset() -> int:
    return onnx.defs.onnx_opset_version()


def value_names(graph: Graph) -> dict[int, str]:
    """ONNX names by value id: inputs take their Caffe blob name, outputs theirs too (an
    output whose blob is also an input's, where an in-place layer wrote on an input, keeps
    its version suffix), and any other value that would collide takes ``blob@0``."""
    names = {id(v): v.name for v in graph.values()}
    in_blobs = {v.blob for v in graph.inputs}
    for value in graph.inputs:
        names[id(value)] = value.blob
    out_blobs = set()
    for value in graph.outputs:
        if value.producer is not None and value.blob not in in_blobs:
            names[id(value)] = value.blob
            out_blobs.add(value.blob)
    claimed = out_blobs | in_blobs
    outputs = {id(v) for v in graph.outputs}
    for value in graph.values():
        if value.producer is not None and id(value) not in outputs and \
                names[id(value)] in claimed:
            names[id(value)] = f"{value.name}@0" if value.name == value.blob else value.name
    return names


def _batch_symbols(graph: Graph, static_batch: bool) -> dict[int, str]:
    """Declared batch size -> symbol: inputs of one batch size share ``N`` (then ``N1``...),
    names that no symbolic size of a fragment's input takes. None at all where the net holds
    a layer that takes one image only (``OpDef.one_image``): its batch stays as declared."""
    symbols: dict[int, str] = {}
    taken = set().union(*(symbols_of(v.shape) for v in graph.inputs))
    if any(OPS[node.type].one_image for node in graph.nodes):
        return symbols
    if static_batch:
        if taken:
            raise UsageError("the fragment's inputs keep symbolic sizes "
                             f"({', '.join(sorted(taken))}), so the batch cannot be made "
                             "static: give the input shapes (--input-shape)")
        return symbols
    for value in graph.inputs:
        if value.shape and not is_symbolic(value.shape[0]) and value.shape[0] not in symbols:
            names = (f"N{i}" if i else "N" for i in range(len(taken) + len(symbols) + 1))
            symbols[value.shape[0]] = next(n for n in names if n not in taken)
            taken.add(symbols[value.shape[0]])
    return symbols


def _value_info(name: str, value: Value, symbols: dict[int, str],
                follows: Sequence[str] | None = None) -> onnx.ValueInfoProto:
    """A declared input or output: a symbolic size is its symbol's name, or unknown where
    it is an expression; a concrete batch takes its symbol where the dimension ``follows``
    the batch ("batch"), is unknown where it is another expression of it ("other"), and
    stays as it is where it does not depend on it ("fixed", ``batch.batch_dims``). Without
    ``follows``, dimension 0 is taken to follow the batch (an input's, or the rules could
    not tell)."""
    shape: list[int | str | None] = []
    kinds = tuple(follows) if follows is not None else ("batch",)
    for i, dim in enumerate(value.shape or ()):
        kind = kinds[i] if i < len(kinds) else "fixed"
        if isinstance(dim, SymDim):
            shape.append(dim.name)
        elif kind == "other":
            shape.append(None)
        elif kind == "batch" and dim in symbols:
            shape.append(symbols[dim])
        else:
            shape.append(dim)
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


#: A model file of this many bytes or more (protobuf reads less) keeps its tensors in a
#: data file beside it.
TWO_GB = 2 * 1024 ** 3


def to_onnx(graph: Graph, path: str | os.PathLike[str] | None = None,
            opset: int = DEFAULT_OPSET, *, static_batch: bool = False,
            external_bytes: int | None = None) -> onnx.ModelProto:
    """The graph as an ONNX model of the given opset (13 up to the newest the installed onnx
    knows). Without ``path``, the whole model in memory (refused, before anything is
    allocated, past protobuf's 2 GB). With ``path``, the model is streamed to that file and
    checked (``write_onnx``); the result is the model as written, its large tensors
    referring to their bytes in the files."""
    export = emit_onnx(graph, opset, static_batch=static_batch)
    if path is None:
        return export.to_model()
    return write_onnx(export, path, external_bytes=external_bytes)


def write_onnx(export: Export, path: str | os.PathLike[str], *,
               external_bytes: int | None = None,
               progress: Callable[[str], None] | None = None,
               written: Callable[[np.ndarray], object] | None = None) -> onnx.ModelProto:
    """``Export.save``: written, checked, moved into place; the tensors go to ``PATH.data``
    when the file would reach ``TWO_GB`` (or pass ``external_bytes``); ``written`` is
    called with each tensor's array, or each piece of it, once written (``Export.save``)."""
    limit = TWO_GB - 1 if external_bytes is None else external_bytes
    return export.save(path, external_bytes=limit, progress=progress, written=written)


def emit_onnx(graph: Graph, opset: int = DEFAULT_OPSET, *,
              static_batch: bool = False) -> Export:
    """Every layer's nodes and initializers, the model not yet built (see ``Export``)."""
    if not MIN_OPSET <= opset <= max_opset():
        raise UsageError(f"opset {opset} is not supported: expected {MIN_OPSET} to "
                         f"{max_opset()} (the newest the installed onnx knows)")
    ONNX.check(graph)
    names = value_names(graph)
    taken = set(names.values())
    nodes: list[onnx.NodeProto] = []
    initializers: list[Tensor] = []
    for node in graph.nodes:
        emit = Emitter(node, [names[id(v)] for v in node.inputs],
                       [names[id(v)] for v in node.outputs], opset, nodes, initializers, taken)
        with converting(graph, node, "onnx"):
            ONNX[node.type](node, node.blobs or (), emit)
    symbols = _batch_symbols(graph, static_batch)
    inputs = [_value_info(names[id(v)], v, symbols) for v in graph.inputs]
    follows = (batch_dims(graph) or {}) if symbols else {}
    outputs = [_value_info(names[id(v)], v, symbols, follows.get(id(v)))
               for v in graph.outputs]
    skeleton = onnx.ModelProto()
    skeleton.ir_version = _ir_version_for(opset)
    skeleton.producer_name = "prototxt-compiler"
    skeleton.producer_version = __version__
    skeleton.opset_import.append(helper.make_opsetid("", opset))
    skeleton.graph.name = graph.name or "net"
    skeleton.graph.node.extend(nodes)
    skeleton.graph.input.extend(inputs)
    skeleton.graph.output.extend(outputs)
    return Export(skeleton, tuple(initializers))


def _ir_version_for(opset: int) -> int:
    """The IR version of the first onnx release whose default opset reaches ``opset``: the
    oldest runtimes that can read the model read it."""
    for _, ir_version, default_opset, *_ in onnx.helper.VERSION_TABLE:
        if default_opset >= opset:
            return ir_version
    return onnx.IR_VERSION


def save(model: onnx.ModelProto, path: str | os.PathLike[str], *,
         data_name: str | None = None) -> None:
    """Saves a model held in memory; one past protobuf's 2 GB keeps its tensors in a file
    beside it, ``data_name`` (by default the model file's name + ``.data``). (``to_onnx``
    with a path streams the weights instead and never holds such a model.)"""
    if model.ByteSize() >= TWO_GB:
        onnx.save_model(model, os.fspath(path), save_as_external_data=True,
                        all_tensors_to_one_file=True,
                        location=data_name or os.path.basename(os.fspath(path)) + ".data")
    else:
        onnx.save_model(model, os.fspath(path))
