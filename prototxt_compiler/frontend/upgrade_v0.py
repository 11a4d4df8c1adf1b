"""V0 -> V1: the oldest Caffe format, ``layers { layer { type: "conv" ... } bottom top }``.

Mirrors BVLC Caffe's ``UpgradeV0Net``: first each ``"padding"`` layer is folded into the conv
or pool layer that reads its output (its pad moves there, the reader takes the padding layer's
bottom instead); then each V0 layer becomes a V1 layer with an enum type and its flat V0 fields
moved into the ``*_param`` messages. Of the net-level fields only name, layers, input,
input_dim and force_backward survive, as in Caffe. A V0 field that has no meaning for the
layer's type is dropped with a note (Caffe logs an error and goes on); an unknown V0 type, a
bottom that nothing produced, or a padding layer feeding anything but conv/pool is an error
(Caffe aborts).
"""
from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from ..errors import UpgradeError
from ..proto import caffe_pb2

__all__ = ["V0Result", "needs_v0_upgrade", "upgrade_v0_net", "V0_TYPES"]

_V1 = caffe_pb2.V1LayerParameter

#: V0 type string -> V1 enum type, as Caffe's UpgradeV0LayerType has it.
V0_TYPES: dict[str, int] = {
    "accuracy": _V1.ACCURACY, "bnll": _V1.BNLL, "concat": _V1.CONCAT,
    "conv": _V1.CONVOLUTION, "data": _V1.DATA, "dropout": _V1.DROPOUT,
    "euclidean_loss": _V1.EUCLIDEAN_LOSS, "flatten": _V1.FLATTEN,
    "hdf5_data": _V1.HDF5_DATA, "hdf5_output": _V1.HDF5_OUTPUT, "im2col": _V1.IM2COL,
    "images": _V1.IMAGE_DATA, "infogain_loss": _V1.INFOGAIN_LOSS,
    "innerproduct": _V1.INNER_PRODUCT, "lrn": _V1.LRN,
    "multinomial_logistic_loss": _V1.MULTINOMIAL_LOGISTIC_LOSS, "pool": _V1.POOLING,
    "relu": _V1.RELU, "sigmoid": _V1.SIGMOID, "softmax": _V1.SOFTMAX,
    "softmax_loss": _V1.SOFTMAX_LOSS, "split": _V1.SPLIT, "tanh": _V1.TANH,
    "window_data": _V1.WINDOW_DATA,
}

_CONV_IP = ("conv", "innerproduct")
_CONV_POOL = ("conv", "pool")


def _targets(types: tuple[str, ...], params: tuple[str, ...], field: str) -> dict:
    return {t: (p, field) for t, p in zip(types, params)}


_CONV_IP_PARAMS = ("convolution_param", "inner_product_param")
_CONV_POOL_PARAMS = ("convolution_param", "pooling_param")
_DATA_TYPES = ("data", "hdf5_data", "images", "window_data")
_DATA_PARAMS = ("data_param", "hdf5_data_param", "image_data_param", "window_data_param")

#: V0 field -> {V0 type: (V1 *_param field, field inside it)}; a field inside it of None
#: means the whole V0 message is copied as that *_param.
_V0_FIELDS: dict[str, dict[str, tuple[str, str | None]]] = {
    "num_output": _targets(_CONV_IP, _CONV_IP_PARAMS, "num_output"),
    "biasterm": _targets(_CONV_IP, _CONV_IP_PARAMS, "bias_term"),
    "weight_filler": _targets(_CONV_IP, _CONV_IP_PARAMS, "weight_filler"),
    "bias_filler": _targets(_CONV_IP, _CONV_IP_PARAMS, "bias_filler"),
    "pad": _targets(_CONV_POOL, _CONV_POOL_PARAMS, "pad"),
    "kernelsize": _targets(_CONV_POOL, _CONV_POOL_PARAMS, "kernel_size"),
    "group": {"conv": ("convolution_param", "group")},
    "stride": _targets(_CONV_POOL, _CONV_POOL_PARAMS, "stride"),
    "pool": {"pool": ("pooling_param", "pool")},
    "dropout_ratio": {"dropout": ("dropout_param", "dropout_ratio")},
    "local_size": {"lrn": ("lrn_param", "local_size")},
    "alpha": {"lrn": ("lrn_param", "alpha")},
    "beta": {"lrn": ("lrn_param", "beta")},
    "k": {"lrn": ("lrn_param", "k")},
    "source": {**_targets(_DATA_TYPES, _DATA_PARAMS, "source"),
               "infogain_loss": ("infogain_loss_param", "source")},
    "batchsize": _targets(_DATA_TYPES, _DATA_PARAMS, "batch_size"),
    "rand_skip": {"data": ("data_param", "rand_skip"), "images": ("image_data_param", "rand_skip")},
    "shuffle_images": {"images": ("image_data_param", "shuffle")},
    "new_height": {"images": ("image_data_param", "new_height")},
    "new_width": {"images": ("image_data_param", "new_width")},
    "concat_dim": {"concat": ("concat_param", "concat_dim")},
    "det_fg_threshold": {"window_data": ("window_data_param", "fg_threshold")},
    "det_bg_threshold": {"window_data": ("window_data_param", "bg_threshold")},
    "det_fg_fraction": {"window_data": ("window_data_param", "fg_fraction")},
    "det_context_pad": {"window_data": ("window_data_param", "context_pad")},
    "det_crop_mode": {"window_data": ("window_data_param", "crop_mode")},
    "hdf5_output_param": {"hdf5_output": ("hdf5_output_param", None)},
}

#: V0 fields that go to transform_param whatever the layer type.
_V0_TRANSFORM = {"scale": "scale", "meanfile": "mean_file", "cropsize": "crop_size",
                 "mirror": "mirror"}


@dataclass(frozen=True)
class V0Result:
    """The V1 net, the index in the V0 ``layers`` of each of its layers, and notes."""

    net: caffe_pb2.NetParameter
    sources: tuple[int, ...]
    notes: tuple[str, ...]


def needs_v0_upgrade(net: caffe_pb2.NetParameter) -> bool:
    """True when some ``layers {}`` entry holds a V0 ``layer {}`` (Caffe's test)."""
    return any(entry.HasField("layer") for entry in net.layers)


def _put(msg: Message, field: str, value: object) -> None:
    """Sets a scalar, appends to a repeated field, or copies a message, as the field needs.
    A negative int32 moved to a uint32 field wraps, as Caffe's C++ assignment does."""
    if isinstance(value, int) and value < 0 and msg.DESCRIPTOR.fields_by_name[field].type in (
            FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        value &= 0xFFFFFFFF
    current = getattr(msg, field)
    if hasattr(current, "append"):  # a repeated field
        current.append(value)
    elif isinstance(value, Message):
        current.CopyFrom(value)
    else:
        setattr(msg, field, value)


def _fold_padding(net: caffe_pb2.NetParameter, filename: str) -> tuple[list, list[int]]:
    """Drops the padding layers, moving each one's pad into the conv/pool layer reading it.

    Returns copies of the kept V0 layer entries and each one's index in ``net.layers``."""
    last_writer: dict[str, int] = {name: -1 for name in net.input}
    kept: list[caffe_pb2.V1LayerParameter] = []
    sources: list[int] = []
    for i, entry in enumerate(net.layers):
        kind = entry.layer.type
        if kind != "padding":
            copy = caffe_pb2.V1LayerParameter()
            copy.CopyFrom(entry)
            kept.append(copy)
            sources.append(i)
        for j, blob in enumerate(entry.bottom):
            if blob not in last_writer:
                raise UpgradeError(
                    f"V0 layer '{entry.layer.name}' (layers[{i}]) reads blob '{blob}', which no "
                    "earlier layer or input produces; a V0 net must list each layer after the "
                    "ones it reads", where=filename)
            writer = last_writer[blob]
            if writer >= 0 and net.layers[writer].layer.type == "padding":
                _fold_one(net.layers[writer], entry, kept, j, i, filename)
        for blob in entry.top:
            last_writer[blob] = i
    return kept, sources


def _fold_one(pad_entry: caffe_pb2.V1LayerParameter, reader: caffe_pb2.V1LayerParameter,
              kept: list[caffe_pb2.V1LayerParameter], j: int, i: int, filename: str) -> None:
    """Moves one padding layer into the layer that reads it, the last one kept (Caffe's
    checks, in its order; a padding layer read by another padding layer fails the first)."""
    name = reader.layer.name
    if reader.layer.type not in _CONV_POOL:
        raise UpgradeError(
            f"V0 padding layer '{pad_entry.layer.name}' feeds layer '{name}' (layers[{i}]) of "
            f"type '{reader.layer.type}'; expected a 'conv' or 'pool' layer", where=filename)
    problems = [(len(reader.bottom), f"layer '{name}' must read a single blob"),
                (len(pad_entry.bottom), (f"padding layer '{pad_entry.layer.name}' must read a "
                                         "single blob")),
                (len(pad_entry.top), (f"padding layer '{pad_entry.layer.name}' must write a "
                                      "single blob"))]
    for count, expected in problems:
        if count != 1:
            raise UpgradeError(f"cannot fold V0 padding: {expected}, not {count}",
                               where=filename)
    target = kept[-1]
    target.layer.pad = pad_entry.layer.pad
    target.bottom[j] = pad_entry.bottom[0]


def _upgrade_layer(entry: caffe_pb2.V1LayerParameter, index: int, filename: str,
                   notes: list[str]) -> caffe_pb2.V1LayerParameter:
    """One V0 entry -> one V1 layer (Caffe's UpgradeV0LayerParameter)."""
    out = caffe_pb2.V1LayerParameter()
    out.bottom.extend(entry.bottom)
    out.top.extend(entry.top)
    if not entry.HasField("layer"):
        return out
    v0 = entry.layer
    if v0.HasField("name"):
        out.name = v0.name
    if v0.HasField("type"):
        if v0.type not in V0_TYPES:
            raise UpgradeError(
                f"V0 layer '{v0.name}' (layers[{index}]) has unknown type '{v0.type}'; expected "
                f"one of {', '.join(sorted(V0_TYPES))} (or 'padding')", where=filename)
        out.type = V0_TYPES[v0.type]  # type: ignore[assignment]  # the enum is an int
    out.blobs.extend(v0.blobs)
    out.blobs_lr.extend(v0.blobs_lr)
    out.weight_decay.extend(v0.weight_decay)
    for fd, value in v0.ListFields():
        if fd.name in _V0_TRANSFORM:
            setattr(out.transform_param, _V0_TRANSFORM[fd.name], value)
        elif fd.name in _V0_FIELDS:
            _move_field(out, fd.name, value, v0, notes)
    return out


def _move_field(out: caffe_pb2.V1LayerParameter, field: str, value: object,
                v0: caffe_pb2.V0LayerParameter, notes: list[str]) -> None:
    target = _V0_FIELDS[field].get(v0.type)
    if target is None:
        notes.append(f"V0 layer '{v0.name}': field '{field}' means nothing for type "
                     f"'{v0.type}' and was dropped, as Caffe does")
        return
    param_name, inner = target
    param = getattr(out, param_name)
    if inner is None:
        param.CopyFrom(value)
    elif field == "pool":
        param.pool = caffe_pb2.PoolingParameter.PoolMethod.Value(
            caffe_pb2.V0LayerParameter.PoolMethod.Name(value))
    else:
        _put(param, inner, value)


def upgrade_v0_net(net: caffe_pb2.NetParameter, *, filename: str) -> V0Result:
    """A V0 net -> a V1 net (``layers`` with enum types), as Caffe's UpgradeV0Net does."""
    kept, sources = _fold_padding(net, filename)
    notes: list[str] = []
    out = caffe_pb2.NetParameter()
    if net.HasField("name"):
        out.name = net.name
    for entry, index in zip(kept, sources):
        out.layers.append(_upgrade_layer(entry, index, filename, notes))
    out.input.extend(net.input)
    out.input_dim.extend(net.input_dim)
    if net.HasField("force_backward"):
        out.force_backward = net.force_backward
    folded = len(net.layers) - len(kept)
    head = f"V0 'layers {{ layer {{ }} }}' upgraded to V1 ({len(kept)} layers"
    head += f", {folded} padding layer(s) folded into conv/pool pad)" if folded else ")"
    dropped = [f for f in ("input_shape", "state", "debug_info")
               if (f == "input_shape" and net.input_shape) or
               (f != "input_shape" and net.HasField(f))]
    if dropped:
        notes.append(f"{', '.join(dropped)} dropped by the V0 upgrade, as Caffe does")
    return V0Result(net=out, sources=tuple(sources), notes=(head, *notes))
