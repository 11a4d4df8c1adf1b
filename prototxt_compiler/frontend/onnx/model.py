"""Reading an ONNX model: its nodes, graph inputs and outputs, opset and initializers.

From a file, the model is memory-mapped and scanned with the protobuf wire reader
(``proto.wire``): every initializer whose values are ``raw_data`` (what exporters write)
becomes an ``np.frombuffer`` view of the map, and only the rest of the model (nodes,
attributes, small tensors) goes through protobuf, as a model "skeleton" without those bytes.
Loading a model therefore copies no weight, and a model past protobuf's 2 GB limit loads the
same way. Tensors in external data files (``data_location: EXTERNAL``) are mapped from their
file likewise. A ``ModelProto`` given in memory is read with ``numpy_helper`` (copies).

Only the default domain (``""`` or ``"ai.onnx"``) is imported, at opsets 9 to the newest the
installed onnx knows.
"""
from __future__ import annotations

import mmap
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ...errors import ParseError
from ...proto.wire import LENGTH, VARINT, WireError, fields, length_key

__all__ = ["OnnxNode", "GraphInput", "OnnxModel", "read_onnx", "MIN_OPSET", "max_opset"]

MIN_OPSET = 9

# ModelProto.graph, GraphProto.initializer, and TensorProto's fields read from the wire
_MODEL_GRAPH, _GRAPH_INITIALIZER = 7, 5
_T_DIMS, _T_TYPE, _T_NAME, _T_RAW, _T_EXTERNAL, _T_LOCATION = 1, 2, 8, 9, 13, 14


def max_opset() -> int:
    import onnx

    return int(onnx.defs.onnx_opset_version())


@dataclass(frozen=True)
class OnnxNode:
    """One ONNX node; ``inputs`` keeps ``""`` for an omitted optional input."""

    name: str
    op_type: str
    domain: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: Mapping[str, Any] = field(default_factory=dict)
    proto: Any = field(default=None, compare=False, repr=False)  # the NodeProto, to fold it

    def attr(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)

    def input(self, i: int) -> str:
        """The i-th input's name, ``""`` when it is omitted."""
        return self.inputs[i] if i < len(self.inputs) else ""

    def describe(self) -> str:
        return f"node '{self.name}' ({self.op_type})"


@dataclass(frozen=True)
class GraphInput:
    """A graph input that is not an initializer; ``dims`` holds ints, symbolic names (str)
    or None for unknown dims; ``dims`` None when even the rank is unknown."""

    name: str
    dims: tuple[int | str | None, ...] | None
    elem_type: int


@dataclass(frozen=True)
class OnnxModel:
    name: str
    opset: int
    nodes: tuple[OnnxNode, ...]
    inputs: tuple[GraphInput, ...]
    outputs: tuple[str, ...]
    initializers: Mapping[str, np.ndarray]
    where: str
    producer: str = ""


def read_onnx(source: Any) -> OnnxModel:
    """An ``OnnxModel`` from a file path, the bytes of a model, or an ``onnx.ModelProto``."""
    import onnx

    if isinstance(source, onnx.ModelProto):
        return _from_proto(source, None, "<ModelProto>")
    if isinstance(source, (bytes, bytearray)):
        try:
            model = onnx.ModelProto.FromString(bytes(source))
        except Exception as error:  # protobuf's DecodeError
            raise ParseError(f"not an ONNX model: {error}", where="<bytes>") from error
        return _from_proto(model, None, "<bytes>")
    if not isinstance(source, (str, os.PathLike)):
        raise ParseError(f"expected an ONNX file path, bytes or onnx.ModelProto, not "
                         f"{type(source).__name__}")
    return _from_file(os.fspath(source))


# -- from a file ------------------------------------------------------------------------

def _from_file(path: str) -> OnnxModel:
    import onnx

    try:
        with open(path, "rb") as stream:
            buf = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except ValueError as error:  # mmap refuses an empty file
        raise ParseError("the file is empty, not an ONNX model", where=path) from error
    except OSError as error:
        raise ParseError(f"cannot read the file: {error.strerror or error}",
                         where=path) from error
    base = os.path.dirname(os.path.abspath(path))
    try:
        skeleton, tensors = _split(buf, base)
        model = onnx.ModelProto.FromString(skeleton)
    except WireError as error:
        what = "truncated or corrupt" if error.truncated else "not an ONNX model"
        raise ParseError(f"the file is {what} (its protobuf encoding breaks at byte "
                         f"{error.offset})", where=path) from error
    except ParseError as error:
        raise ParseError(error.message, where=path) from error
    except Exception as error:  # protobuf's DecodeError on the skeleton
        raise ParseError(f"not an ONNX model: {error}", where=path) from error
    return _from_proto(model, tensors, path)


def _field_bytes(number: int, payload: bytes) -> bytes:
    """A length-delimited field: its tag, the payload's length and the payload."""
    return length_key(number, len(payload)) + payload


def _split(buf: mmap.mmap, base: str) -> tuple[bytes, dict[str, np.ndarray]]:
    """The model's bytes without its initializers, and the initializers as arrays."""
    parts: list[bytes] = []
    tensors: dict[str, np.ndarray] = {}
    pos = 0
    for f in fields(buf, 0, len(buf)):
        if f.number == _MODEL_GRAPH and f.wire_type == LENGTH:
            graph: list[bytes] = []
            inner = f.start
            for g in fields(buf, f.start, f.stop):
                if g.number == _GRAPH_INITIALIZER and g.wire_type == LENGTH:
                    name, array = _tensor(buf, g.start, g.stop, base)
                    tensors[name] = array
                else:
                    graph.append(bytes(buf[inner:g.stop]))
                inner = g.stop
            parts.append(_field_bytes(_MODEL_GRAPH, b"".join(graph)))
        else:
            parts.append(bytes(buf[pos:f.stop]))
        pos = f.stop
    return b"".join(parts), tensors


def _tensor(buf: mmap.mmap, start: int, stop: int, base: str) -> tuple[str, np.ndarray]:
    """One TensorProto: a view of the map for ``raw_data``, of its file for external data,
    else (numbers in typed fields, small) a protobuf parse."""
    from onnx import TensorProto, helper, numpy_helper

    dims: list[int] = []
    name, data_type, raw, location = "", 0, None, 0
    for f in fields(buf, start, stop):
        if f.number == _T_DIMS:
            dims += _ints(buf, f)
        elif f.number == _T_TYPE and f.wire_type == VARINT:
            data_type = f.start
        elif f.number == _T_NAME and f.wire_type == LENGTH:
            name = bytes(buf[f.start:f.stop]).decode("utf-8", errors="replace")
        elif f.number == _T_RAW and f.wire_type == LENGTH:
            raw = (f.start, f.stop)
        elif f.number == _T_LOCATION and f.wire_type == VARINT:
            location = f.start
    if location == TensorProto.EXTERNAL:
        proto = TensorProto.FromString(bytes(buf[start:stop]))
        return name, _external(proto, base)
    if raw is None:
        proto = TensorProto.FromString(bytes(buf[start:stop]))
        return name, numpy_helper.to_array(proto)
    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(data_type)).newbyteorder("<")
    count = (raw[1] - raw[0]) // dtype.itemsize
    if count * dtype.itemsize != raw[1] - raw[0] or count != int(np.prod(dims, dtype=np.int64)):
        raise ParseError(f"initializer '{name}': raw_data holds {raw[1] - raw[0]} bytes, its "
                         f"dims {dims} need {int(np.prod(dims)) * dtype.itemsize}")
    return name, np.frombuffer(buf, dtype, count=count, offset=raw[0]).reshape(dims)


def _ints(buf: mmap.mmap, f: Any) -> list[int]:
    from ...proto.wire import read_varint, signed64

    if f.wire_type == VARINT:
        return [signed64(f.start)]
    values, pos = [], f.start
    while pos < f.stop:
        value, pos = read_varint(buf, pos, f.stop)
        values.append(signed64(value))
    return values


def _external(proto: Any, base: str) -> np.ndarray:
    """A tensor whose bytes live in another file, mapped read-only."""
    from onnx import helper

    info = {entry.key: entry.value for entry in proto.external_data}
    location = info.get("location", "")
    path = os.path.join(base, location)
    if not location or os.path.isabs(location) or ".." in location.split("/"):
        raise ParseError(f"initializer '{proto.name}': external data location "
                         f"{location!r} is not a file beside the model")
    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(proto.data_type)).newbyteorder("<")
    count = int(np.prod(proto.dims, dtype=np.int64))
    offset = int(info.get("offset", 0))
    try:
        with open(path, "rb") as stream:
            data = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as error:
        raise ParseError(f"initializer '{proto.name}': cannot read its external data "
                         f"{path}: {error}") from error
    if offset + count * dtype.itemsize > len(data):
        raise ParseError(f"initializer '{proto.name}': its external data {path} is shorter "
                         f"than its dims {list(proto.dims)} need")
    return np.frombuffer(data, dtype, count=count, offset=offset).reshape(tuple(proto.dims))


# -- common to both ---------------------------------------------------------------------

def _from_proto(model: Any, tensors: dict[str, np.ndarray] | None, where: str) -> OnnxModel:
    from onnx import numpy_helper

    opsets = {entry.domain or "ai.onnx": entry.version for entry in model.opset_import}
    opset = opsets.get("ai.onnx")
    if opset is None:
        raise ParseError("the model imports no opset of the default ONNX domain", where=where)
    if not MIN_OPSET <= opset <= max_opset():
        raise ParseError(f"opset {opset} is not supported: expected {MIN_OPSET} to "
                         f"{max_opset()} (the newest the installed onnx knows)", where=where)
    graph = model.graph
    if tensors is None:
        tensors = {}
        for tensor in graph.initializer:
            tensors[tensor.name] = numpy_helper.to_array(tensor)
    nodes = tuple(OnnxNode(name=n.name, op_type=n.op_type, domain=n.domain,
                           inputs=tuple(n.input), outputs=tuple(n.output),
                           attrs=MappingProxyType({a.name: _attribute(a) for a in n.attribute}),
                           proto=n)
                  for n in graph.node)
    inputs = tuple(_graph_input(v) for v in graph.input if v.name not in tensors)
    return OnnxModel(name=graph.name, opset=int(opset), nodes=nodes, inputs=inputs,
                     outputs=tuple(v.name for v in graph.output),
                     initializers=MappingProxyType(tensors), where=where,
                     producer=f"{model.producer_name} {model.producer_version}".strip())


def _attribute(attribute: Any) -> Any:
    from onnx import helper, numpy_helper

    value = helper.get_attribute_value(attribute)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode("utf-8", errors="replace") for v in value]
    if attribute.type == attribute.TENSOR:
        return numpy_helper.to_array(value)
    return value


def _graph_input(value: Any) -> GraphInput:
    tensor = value.type.tensor_type
    if not tensor.HasField("shape"):
        return GraphInput(value.name, None, tensor.elem_type)
    dims: list[int | str | None] = []
    for dim in tensor.shape.dim:
        if dim.HasField("dim_value"):
            dims.append(int(dim.dim_value))
        elif dim.HasField("dim_param"):
            dims.append(dim.dim_param)
        else:
            dims.append(None)
    return GraphInput(value.name, tuple(dims), tensor.elem_type)
