"""Legacy Caffe definitions -> today's format, as BVLC Caffe 1.0 upgrades a net when it loads it.

The steps of Caffe's ``UpgradeNetAsNeeded``, in its order:

1. V0 -> V1 (``upgrade_v0``): ``layers { layer { type: "conv" ... } }`` with padding layers;
2. data transformation: scale / mean_file / crop_size / mirror move from the data, image-data
   and window-data ``*_param`` of V1 layers into ``transform_param``;
3. V1 -> V2: ``layers { type: CONVOLUTION }`` -> ``layer { type: "Convolution" }``, with
   ``blobs_lr`` / ``weight_decay`` / ``param`` names / ``blob_share_mode`` -> ``param {}``;
4. input fields (``input`` with ``input_dim`` or ``input_shape``) -> one ``Input`` layer named
   "input", placed first;
5. BatchNorm: a BatchNorm layer with exactly 3 ``param {}`` specs gets lr_mult 0 and
   decay_mult 0 in each (names kept), as the Caffe that the oracle runs does.

Where Caffe aborts, an ``UpgradeError`` says what was expected. Where Caffe reads past the end
of a list or keeps going on a broken net, we refuse too: a net mixing ``layer`` and
``layers`` (Caffe silently drops the ``layer`` ones of a V0 net), a V1 layer of type NONE or
without a type (Caffe writes type "" and fails when it builds the layer), input_dim not 4 per
input, input_shape not one per input, or both input_dim and input_shape.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import UpgradeError
from ..proto import caffe_pb2
from .upgrade_v0 import needs_v0_upgrade, upgrade_v0_net

__all__ = ["Upgraded", "upgrade_net", "needs_upgrade", "V1_TYPES"]

Origin = tuple[str, int] | None

_V1 = caffe_pb2.V1LayerParameter

#: V1 enum type -> V2 type string, as Caffe's UpgradeV1LayerType has it (NONE has none).
V1_TYPES: dict[int, str] = {
    _V1.ABSVAL: "AbsVal", _V1.ACCURACY: "Accuracy", _V1.ARGMAX: "ArgMax", _V1.BNLL: "BNLL",
    _V1.CONCAT: "Concat", _V1.CONTRASTIVE_LOSS: "ContrastiveLoss",
    _V1.CONVOLUTION: "Convolution", _V1.DECONVOLUTION: "Deconvolution", _V1.DATA: "Data",
    _V1.DROPOUT: "Dropout", _V1.DUMMY_DATA: "DummyData", _V1.EUCLIDEAN_LOSS: "EuclideanLoss",
    _V1.ELTWISE: "Eltwise", _V1.EXP: "Exp", _V1.FLATTEN: "Flatten", _V1.HDF5_DATA: "HDF5Data",
    _V1.HDF5_OUTPUT: "HDF5Output", _V1.HINGE_LOSS: "HingeLoss", _V1.IM2COL: "Im2col",
    _V1.IMAGE_DATA: "ImageData", _V1.INFOGAIN_LOSS: "InfogainLoss",
    _V1.INNER_PRODUCT: "InnerProduct", _V1.LRN: "LRN", _V1.MEMORY_DATA: "MemoryData",
    _V1.MULTINOMIAL_LOGISTIC_LOSS: "MultinomialLogisticLoss", _V1.MVN: "MVN",
    _V1.POOLING: "Pooling", _V1.POWER: "Power", _V1.RELU: "ReLU", _V1.SIGMOID: "Sigmoid",
    _V1.SIGMOID_CROSS_ENTROPY_LOSS: "SigmoidCrossEntropyLoss", _V1.SILENCE: "Silence",
    _V1.SOFTMAX: "Softmax", _V1.SOFTMAX_LOSS: "SoftmaxWithLoss", _V1.SPLIT: "Split",
    _V1.SLICE: "Slice", _V1.TANH: "TanH", _V1.WINDOW_DATA: "WindowData",
    _V1.THRESHOLD: "Threshold",
}

#: The *_param messages Caffe copies from a V1 layer to its V2 layer (same names in both).
_V1_PARAMS = (
    "accuracy_param", "argmax_param", "concat_param", "contrastive_loss_param",
    "convolution_param", "data_param", "dropout_param", "dummy_data_param", "eltwise_param",
    "exp_param", "hdf5_data_param", "hdf5_output_param", "hinge_loss_param",
    "image_data_param", "infogain_loss_param", "inner_product_param", "lrn_param",
    "memory_data_param", "mvn_param", "pooling_param", "power_param", "relu_param",
    "sigmoid_param", "softmax_param", "slice_param", "tanh_param", "threshold_param",
    "window_data_param", "transform_param", "loss_param",
)

#: V1 data layer types -> the *_param that once held the transformation fields.
_DATA_PARAMS = {_V1.DATA: "data_param", _V1.IMAGE_DATA: "image_data_param",
                _V1.WINDOW_DATA: "window_data_param"}
_TRANSFORM_FIELDS = ("scale", "mean_file", "crop_size", "mirror")


@dataclass(frozen=True)
class Upgraded:
    """A net in today's format, where each layer came from, and what was upgraded.

    ``origin[i]`` is ``("layers", k)`` when ``net.layer[i]`` came from the legacy
    ``layers[k]``, ``("layer", k)`` when it was already ``layer[k]``, and ``None`` for a layer
    the upgrade made (the Input layer)."""

    net: caffe_pb2.NetParameter
    origin: tuple[Origin, ...]
    notes: tuple[str, ...]


def _bn_needs_fix(layer: caffe_pb2.LayerParameter) -> bool:
    return layer.type == "BatchNorm" and len(layer.param) == 3 and not all(
        p.HasField("lr_mult") and p.lr_mult == 0 and p.HasField("decay_mult")
        and p.decay_mult == 0 for p in layer.param)


def needs_upgrade(net: caffe_pb2.NetParameter) -> bool:
    """True when ``upgrade_net`` would change ``net``: legacy ``layers``, input fields, or a
    BatchNorm with 3 param specs not all lr_mult 0 / decay_mult 0 already."""
    return bool(net.layers or net.input or net.input_dim or net.input_shape
                or any(_bn_needs_fix(layer) for layer in net.layer))


def _needs_data_upgrade(net: caffe_pb2.NetParameter) -> bool:
    return any(layer.type in _DATA_PARAMS
               and any(getattr(layer, _DATA_PARAMS[layer.type]).HasField(f)
                       for f in _TRANSFORM_FIELDS)
               for layer in net.layers)


def _upgrade_data_transformation(net: caffe_pb2.NetParameter) -> int:
    """Moves the transformation fields of V1 data layers to transform_param, in place.

    As in Caffe, every V1 data layer gets its *_param and transform_param set, even empty."""
    moved = 0
    for layer in net.layers:
        if layer.type not in _DATA_PARAMS:
            continue
        param = getattr(layer, _DATA_PARAMS[layer.type])
        param.SetInParent()
        layer.transform_param.SetInParent()
        present = [f for f in _TRANSFORM_FIELDS if param.HasField(f)]
        for field in present:
            setattr(layer.transform_param, field, getattr(param, field))
            param.ClearField(field)
        moved += bool(present)
    return moved


def _v1_type(layer: caffe_pb2.V1LayerParameter, index: int, filename: str) -> str:
    if layer.HasField("type") and layer.type in V1_TYPES:
        return V1_TYPES[layer.type]
    said = _V1.LayerType.Name(layer.type) if layer.HasField("type") else "no type"
    raise UpgradeError(
        f"V1 layer '{layer.name}' (layers[{index}]) has {said}; expected a V1 layer type such "
        "as CONVOLUTION, INNER_PRODUCT or RELU (Caffe would upgrade it to type \"\" and then "
        "fail to build it)", where=filename)


def _param_specs(v1: caffe_pb2.V1LayerParameter, out: caffe_pb2.LayerParameter) -> None:
    """param names, blob_share_mode, blobs_lr and weight_decay -> one ``param {}`` per blob."""
    def spec(i: int) -> caffe_pb2.ParamSpec:
        while len(out.param) <= i:
            out.param.add()
        return out.param[i]

    for i, name in enumerate(v1.param):
        spec(i).name = name
    for i, mode in enumerate(v1.blob_share_mode):
        spec(i).share_mode = caffe_pb2.ParamSpec.DimCheckMode.Value(
            _V1.DimCheckMode.Name(mode))
    for i, lr in enumerate(v1.blobs_lr):
        spec(i).lr_mult = lr
    for i, decay in enumerate(v1.weight_decay):
        spec(i).decay_mult = decay


def _upgrade_v1_layer(v1: caffe_pb2.V1LayerParameter, index: int,
                      filename: str) -> caffe_pb2.LayerParameter:
    """One V1 layer -> one V2 layer (Caffe's UpgradeV1LayerParameter)."""
    out = caffe_pb2.LayerParameter()
    out.bottom.extend(v1.bottom)
    out.top.extend(v1.top)
    if v1.HasField("name"):
        out.name = v1.name
    out.include.extend(v1.include)
    out.exclude.extend(v1.exclude)
    out.type = _v1_type(v1, index, filename)
    out.blobs.extend(v1.blobs)
    _param_specs(v1, out)
    out.loss_weight.extend(v1.loss_weight)
    for field in _V1_PARAMS:
        if v1.HasField(field):
            getattr(out, field).CopyFrom(getattr(v1, field))
    return out


def _upgrade_v1_net(net: caffe_pb2.NetParameter, filename: str) -> caffe_pb2.NetParameter:
    out = caffe_pb2.NetParameter()
    out.CopyFrom(net)
    out.ClearField("layers")
    out.ClearField("layer")
    for i, v1 in enumerate(net.layers):
        out.layer.append(_upgrade_v1_layer(v1, i, filename))
    return out


def _input_shapes(net: caffe_pb2.NetParameter, filename: str) -> list[caffe_pb2.BlobShape]:
    """One BlobShape per input from input_shape or input_dim, checked as old Caffe did."""
    count = len(net.input)
    if net.input_shape and net.input_dim:
        raise UpgradeError(
            "the net gives both input_shape and input_dim; expected one of them (Caffe 1.0 "
            "would silently ignore input_dim)", where=filename)
    if net.input_shape:
        if len(net.input_shape) != count:
            raise UpgradeError(
                f"{count} input(s) but {len(net.input_shape)} input_shape(s); expected exactly "
                "one input_shape per input", where=filename)
        return list(net.input_shape)
    if len(net.input_dim) != 4 * count:
        raise UpgradeError(
            f"{count} input(s) but {len(net.input_dim)} input_dim value(s); expected 4 per "
            f"input (N, C, H, W), {4 * count} in all", where=filename)
    return [caffe_pb2.BlobShape(dim=net.input_dim[4 * i: 4 * i + 4]) for i in range(count)]


def _upgrade_input(net: caffe_pb2.NetParameter, filename: str, notes: list[str]) -> bool:
    """input fields -> an Input layer named "input", placed first; returns whether it made one."""
    made = False
    if net.input and (net.input_shape or net.input_dim):
        layer = caffe_pb2.LayerParameter(name="input", type="Input", top=net.input)
        layer.input_param.shape.extend(_input_shapes(net, filename))
        net.layer.insert(0, layer)
        source = "input_shape" if net.input_shape else "input_dim"
        notes.append(f"input/{source} upgraded to an Input layer "
                     f"({', '.join(repr(n) for n in net.input)})")
        made = True
    elif net.input:
        notes.append(f"input {', '.join(repr(n) for n in net.input)} given without a shape: "
                     "dropped, as Caffe does (give the shape from outside)")
    elif net.input_dim or net.input_shape:
        notes.append("input_dim/input_shape without any input name: ignored, as Caffe does")
    for field in ("input", "input_shape", "input_dim"):
        net.ClearField(field)
    return made


def _upgrade_batchnorm(net: caffe_pb2.NetParameter, notes: list[str]) -> None:
    for layer in net.layer:
        if _bn_needs_fix(layer):
            for spec in layer.param:
                spec.lr_mult = 0.0
                spec.decay_mult = 0.0
            notes.append(f"BatchNorm '{layer.name}': its 3 param specs set to lr_mult 0, "
                         "decay_mult 0")


def upgrade_net(net: caffe_pb2.NetParameter, *, filename: str = "<net>") -> Upgraded:
    """``net`` in today's format (a new message; ``net`` itself is left as it was)."""
    if net.layer and net.layers:
        raise UpgradeError(
            "the net mixes 'layer' and 'layers' fields; expected only 'layer { type: "
            "\"Convolution\" ... }' (today's format) or only legacy 'layers { type: "
            "CONVOLUTION ... }'; switch the whole definition to one of them", where=filename)
    notes: list[str] = []
    work = caffe_pb2.NetParameter()
    work.CopyFrom(net)
    origin: list[Origin] = [("layer", i) for i in range(len(net.layer))]
    if needs_v0_upgrade(work):
        v0 = upgrade_v0_net(work, filename=filename)
        work, sources = v0.net, v0.sources
        notes.extend(v0.notes)
    else:
        sources = tuple(range(len(work.layers)))
    if _needs_data_upgrade(work):
        moved = _upgrade_data_transformation(work)
        notes.append(f"data transformation fields moved to transform_param ({moved} layer(s))")
    if work.layers:
        work = _upgrade_v1_net(work, filename)
        origin = [("layers", k) for k in sources]
        notes.append(f"V1 'layers' upgraded to 'layer' ({len(work.layer)} layers)")
    if _upgrade_input(work, filename, notes):
        origin.insert(0, None)
    _upgrade_batchnorm(work, notes)
    return Upgraded(net=work, origin=tuple(origin), notes=tuple(notes))
