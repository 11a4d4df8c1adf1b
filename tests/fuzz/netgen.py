"""Hypothesis strategies for Caffe nets built from the op registry: every layer type, with
params drawn from its ``*_param`` message's descriptor, values near their limits.

A net is an Input layer (1 to 5 axes) and a few layers of any registered type, each reading
blobs that exist (or, now and then, one that does not), with as many bottoms and tops as its
op allows, written in place now and then, with phase rules, param specs and loss weights
sometimes. Values lean small (so that many nets are valid and reach shape inference and the
backends) with the edges mixed in: 0, 1, 2**31 - 1, negative numbers, inf, NaN, empty
strings. ``legacy`` rewrites a net as V1 ``layers`` or with ``input``/``input_dim`` fields.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from google.protobuf import text_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import strategies as st

from prototxt_compiler.frontend.upgrade import V1_TYPES
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.extras import EXTRA_FIELDS, LAYER
from prototxt_compiler.proto import caffe_pb2

__all__ = ["FuzzNet", "nets", "value_of", "LAYER_TYPES", "legacy"]

FD = FieldDescriptor

#: Data layer types keep their params in a message the registry does not name.
DATA_PARAMS = {"Input": "input_param", "DummyData": "dummy_data_param",
               "MemoryData": "memory_data_param", "Data": "data_param",
               "ImageData": "image_data_param", "HDF5Data": "hdf5_data_param",
               "WindowData": "window_data_param"}
LAYER_TYPES = tuple(OPS.types())
_COMPUTE = tuple(op.type for op in OPS if op.role == "layer" and op.bottoms[0] > 0)
_RANGES = {FD.TYPE_INT32: (-2**31, 2**31 - 1), FD.TYPE_INT64: (-2**63, 2**63 - 1),
           FD.TYPE_UINT32: (0, 2**32 - 1), FD.TYPE_UINT64: (0, 2**64 - 1),
           FD.TYPE_SINT32: (-2**31, 2**31 - 1), FD.TYPE_SINT64: (-2**63, 2**63 - 1),
           FD.TYPE_FIXED32: (0, 2**32 - 1), FD.TYPE_FIXED64: (0, 2**64 - 1),
           FD.TYPE_SFIXED32: (-2**31, 2**31 - 1), FD.TYPE_SFIXED64: (-2**63, 2**63 - 1)}
_INT_EDGES = (0, 1, 2, 3, 4, 5, 7, 8, 16, 255, 65536, 2**31 - 1, 2**31, 2**32 - 1, -1, -2,
              -2**31)
_FLOAT_EDGES = (0.0, 1.0, -1.0, 0.5, 2.0, 1e-8, -1e-8, 1e-45, 1e30, -1e30, 3.4e38, math.inf,
                -math.inf, math.nan)
_STRINGS = ("", "x", "data", "b0_0", "constant", "gaussian", "xavier", "msra", "bilinear",
            "uniform", "positive_unitball", "/nonexistent", "ñ", "a" * 300)
_SMALL = st.integers(1, 6)


def _is_repeated(field: FieldDescriptor) -> bool:
    repeated = getattr(field, "is_repeated", None)
    return repeated if repeated is not None else field.label == FD.LABEL_REPEATED


def _int(field_type: int) -> st.SearchStrategy[int]:
    low, high = _RANGES[field_type]
    edges = [v for v in _INT_EDGES if low <= v <= high]
    return st.one_of(st.integers(0, 6), st.integers(0, 6), st.sampled_from(edges),
                     st.integers(low, high))


def value_of(field: FieldDescriptor, depth: int = 0) -> st.SearchStrategy[object]:
    """One value of ``field`` (a scalar, or a message as a dict of its fields)."""
    if field.type in _RANGES:
        return _int(field.type)
    if field.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return st.one_of(st.sampled_from(_FLOAT_EDGES), st.floats(-10, 10, width=32))
    if field.type == FD.TYPE_BOOL:
        return st.booleans()
    if field.type == FD.TYPE_ENUM:
        numbers = [v.number for v in field.enum_type.values]
        return st.sampled_from(numbers)
    if field.type in (FD.TYPE_STRING, FD.TYPE_BYTES):
        strings = st.sampled_from(_STRINGS)
        return strings if field.type == FD.TYPE_STRING else strings.map(str.encode)
    return message_fields(field.message_type, depth + 1)


def sane_value_of(field: FieldDescriptor, depth: int = 0) -> st.SearchStrategy[object]:
    """A small, plausible value of ``field``: what a real net would write."""
    if field.type in _RANGES:
        low = 0 if _RANGES[field.type][0] == 0 else -1
        return st.integers(max(low, 0) if field.name != "axis" else -1, 3)
    if field.type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        return st.sampled_from((0.1, 0.5, 1.0, 2.0, -0.5))
    if field.type in (FD.TYPE_STRING, FD.TYPE_BYTES):
        strings = st.sampled_from(("constant", "gaussian", "xavier", "msra"))
        return strings if field.type == FD.TYPE_STRING else strings.map(str.encode)
    if field.type == FD.TYPE_MESSAGE:
        return message_fields(field.message_type, depth + 1, sane=True)
    return value_of(field, depth)


@st.composite
def message_fields(draw: st.DrawFn, descriptor: Descriptor, depth: int = 0,
                   sane: bool = False) -> dict:
    """A random subset of ``descriptor``'s fields with values (nested messages as dicts);
    ``sane`` sets fewer fields, with small plausible values."""
    if depth > 3:
        return {}
    out: dict[str, object] = {}
    for fd in descriptor.fields:
        if draw(st.integers(0, 7 if sane else 3)) != 0:  # each field with p 1/8 or 1/4
            continue
        values = sane_value_of(fd, depth) if sane else value_of(fd, depth)
        if _is_repeated(fd):
            out[fd.name] = draw(st.lists(values, max_size=2 if sane else 4))
        else:
            out[fd.name] = draw(values)
    return out


def fill_message(message: object, fields: dict) -> None:
    """Sets ``fields`` (as drawn by ``message_fields``) on a protobuf message."""
    for name, value in fields.items():
        field = message.DESCRIPTOR.fields_by_name[name]  # type: ignore[attr-defined]
        if field.containing_oneof is not None and message.WhichOneof(  # type: ignore[attr-defined]
                field.containing_oneof.name):
            continue
        target = getattr(message, name)
        if field.type == FD.TYPE_MESSAGE:
            for item in value if _is_repeated(field) else [value]:
                sub = target.add() if _is_repeated(field) else target
                if not _is_repeated(field):
                    sub.SetInParent()
                fill_message(sub, item)
        elif _is_repeated(field):
            target.extend(value)
        else:
            setattr(message, name, value)


@dataclass
class FuzzNet:
    """A drawn net: ``net`` holds its BVLC fields; ``extras`` the params of fork layer types
    (layer index -> ``name { ... }`` text), which only text can carry without a fork named."""

    net: caffe_pb2.NetParameter
    extras: dict[int, str] = field(default_factory=dict)

    def text(self) -> str:
        head = caffe_pb2.NetParameter()
        head.CopyFrom(self.net)
        head.ClearField("layer")
        out = [text_format.MessageToString(head)]
        for i, item in enumerate(self.net.layer):
            body = text_format.MessageToString(item, indent=2)
            out.append("layer {\n" + body + self.extras.get(i, "") + "}\n")
        return "".join(out)


def _param_field(kind: str) -> str | None:
    op = OPS.get(kind)
    return DATA_PARAMS.get(kind) or (op.param if op is not None else None)


#: What a layer of a type needs to be valid at all, in a sane net.
_NEEDS: dict[str, dict] = {
    "Convolution": {"convolution_param": {"num_output": 2, "kernel_size": [3], "pad": [1]}},
    "Deconvolution": {"convolution_param": {"num_output": 2, "kernel_size": [2],
                                            "stride": [2]}},
    "InnerProduct": {"inner_product_param": {"num_output": 3}},
    "Embed": {"embed_param": {"num_output": 3, "input_dim": 5}},
    "Pooling": {"pooling_param": {"kernel_size": 2, "stride": 2}},
    "Reshape": {"reshape_param": {"shape": {"dim": [0, -1]}}},
    "Tile": {"tile_param": {"tiles": 2}},
    "Parameter": {"parameter_param": {"shape": {"dim": [2, 3]}}},
    "SPP": {"spp_param": {"pyramid_height": 1}},
    "Crop": {"crop_param": {"axis": 2}},
    "DummyData": {"dummy_data_param": {"shape": [{"dim": [1, 2, 4, 4]}]}},
    "MemoryData": {"memory_data_param": {"batch_size": 1, "channels": 2, "height": 4,
                                         "width": 4}},
}


@st.composite
def shapes(draw: st.DrawFn, sane: bool = False) -> list[int]:
    if sane:
        return [draw(st.integers(1, 2)), draw(st.integers(1, 4)), draw(st.integers(4, 8)),
                draw(st.integers(4, 8))]
    dims = st.one_of(_SMALL, _SMALL, _SMALL, st.sampled_from((0, 1, 64, 2**20, 2**31 - 1)))
    return draw(st.lists(dims, min_size=1, max_size=5))


@st.composite
def layer(draw: st.DrawFn, index: int, blobs: list[str], sane: bool = False,
          extras: dict[int, str] | None = None) -> caffe_pb2.LayerParameter:
    extras = {} if extras is None else extras
    kind = draw(st.sampled_from(_COMPUTE) if sane else st.one_of(
        st.sampled_from(_COMPUTE), st.sampled_from(_COMPUTE), st.sampled_from(LAYER_TYPES)))
    op = OPS[kind]
    low, high = op.bottoms
    bottoms = [draw(st.sampled_from(blobs)) for _ in range(draw(st.integers(
        low, max(low, min(high if high is not None else 3, 3)))))]
    if bottoms and not sane and draw(st.integers(0, 15)) == 0:
        bottoms[-1] = "nowhere"  # a blob nothing produces
    low, high = op.tops
    count = draw(st.integers(low, max(low, min(high if high is not None else 2, 2))))
    if op.same_count and bottoms:
        count = len(bottoms)
    tops = [f"b{index}_{j}" for j in range(count)]
    if bottoms and tops and draw(st.integers(0, 3)) == 0:
        tops[0] = bottoms[0]  # in place
    name = "" if not sane and draw(st.integers(0, 9)) == 0 else f"l{index}"
    message = caffe_pb2.LayerParameter(name=name, type=kind, bottom=bottoms, top=tops)
    param = _param_field(kind)
    if sane:
        fill_message(message, _NEEDS.get(kind, {}))
    if param is not None and param not in caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name:
        extra = EXTRA_FIELDS.get(LAYER, param)  # a fork's layer type: its params as text
        if extra is not None and extra.message is not None:
            sub = extra.message()
            fill_message(sub, draw(message_fields(sub.DESCRIPTOR, sane=sane)))
            text = text_format.MessageToString(sub, as_one_line=True)
            extras[index] = f"  {param} {{ {text} }}\n"
        param = None
    if param is not None:
        getattr(message, param).SetInParent()
        fill_message(getattr(message, param), draw(message_fields(
            getattr(message, param).DESCRIPTOR, sane=sane)))
    if not sane and draw(st.integers(0, 7)) == 0:
        fill_message(message, draw(message_fields(caffe_pb2.LayerParameter.DESCRIPTOR).filter(
            lambda d: not (set(d) & {"name", "type", "bottom", "top"}))))
    return message


@st.composite
def nets(draw: st.DrawFn, max_layers: int = 5) -> FuzzNet:
    """A net of an Input layer and 1 to ``max_layers`` layers of any registered type; half
    of them sane (small plausible params, each type given what it needs), so that many get
    through shape inference to the backends."""
    sane = draw(st.booleans())
    net = caffe_pb2.NetParameter(name="fuzz")
    data = net.layer.add(name="data", type="Input", top=["data"])
    data.input_param.shape.add().dim.extend(draw(shapes(sane)))
    blobs = ["data"]
    extras: dict[int, str] = {}
    for i in range(draw(st.integers(1, max_layers))):
        added = draw(layer(i + 1, blobs, sane, extras))
        net.layer.append(added)
        blobs += [t for t in added.top if t not in blobs]
    if not sane and draw(st.integers(0, 5)) == 0:  # a reader before its writer, a cycle...
        order = draw(st.permutations(range(len(net.layer))))
        layers = [net.layer[i] for i in order]
        extras = {order.index(i): text for i, text in extras.items()}
        del net.layer[:]
        net.layer.extend(layers)
    return FuzzNet(net, extras)


_V1_OF = {name: number for number, name in V1_TYPES.items()}


def legacy(net: caffe_pb2.NetParameter, how: str) -> caffe_pb2.NetParameter:
    """``net`` with its Input layer as ``input``/``input_dim`` fields ("input") or, besides,
    every layer of a V1 type as V1 ``layers`` ("v1")."""
    out = caffe_pb2.NetParameter()
    out.CopyFrom(net)
    first = out.layer[0]
    if first.type == "Input" and first.input_param.shape:
        out.input.extend(first.top)
        dims = first.input_param.shape[0].dim
        if len(dims) == 4:
            out.input_dim.extend(dims)
        else:
            out.input_shape.add().dim.extend(dims)
        del out.layer[0]
    if how == "v1":
        layers = list(out.layer)
        out.ClearField("layer")
        for item in layers:
            v1 = out.layers.add(name=item.name, bottom=item.bottom, top=item.top)
            if item.type in _V1_OF:
                v1.type = _V1_OF[item.type]
            for field in ("convolution_param", "pooling_param", "inner_product_param",
                          "lrn_param", "eltwise_param", "concat_param", "power_param",
                          "relu_param", "softmax_param", "dropout_param", "threshold_param",
                          "slice_param", "exp_param", "mvn_param", "argmax_param"):
                if item.HasField(field):
                    getattr(v1, field).CopyFrom(getattr(item, field))
    return out
