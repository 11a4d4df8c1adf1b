"""Layers that bring data into a net: Input, the data layers, DummyData, Parameter; and the
layers a deploy graph drops (losses, Accuracy, Silence).

Input and the data layers (role "data") become graph inputs. Their ``infer`` gives each top's
shape where the layer's params fix it (Input's shape, MemoryData's sizes, a crop size...), and
``None`` where only the data would tell (a Data layer's channels), which the user then gives
with ``--input-shape``. Parameter is an ordinary layer: its one blob is its output.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import OpError
from ..ir import Shape
from ..proto import caffe_pb2
from .base import OPS
from .fillers import Filler, read_filler

__all__ = ["DataParams", "ParameterParams", "NoParams", "TRAIN_ONLY_TYPES"]


@dataclass(frozen=True)
class DataParams:
    """A data-producing layer: one shape (or None where unknown) per top."""

    shapes: tuple[Shape | None, ...] = ()
    fillers: tuple[Filler, ...] = ()


@dataclass(frozen=True)
class ParameterParams:
    shape: Shape


@dataclass(frozen=True)
class NoParams:
    pass


def _blob_shape(shape: caffe_pb2.BlobShape) -> Shape:
    return tuple(int(d) for d in shape.dim)


def _per_top(shapes: list[Shape | None], layer: caffe_pb2.LayerParameter,
             field: str) -> tuple[Shape | None, ...]:
    tops = len(layer.top)
    if len(shapes) == 1:
        return tuple(shapes) * tops
    if len(shapes) != tops:
        raise OpError(f"{len(shapes)} shapes given for {tops} tops (expected 1 or {tops})",
                      field=field)
    return tuple(shapes)


def read_input(layer: caffe_pb2.LayerParameter) -> DataParams:
    shapes: list[Shape | None] = [_blob_shape(s) for s in layer.input_param.shape]
    if not shapes:
        return DataParams(shapes=(None,) * len(layer.top))
    return DataParams(shapes=_per_top(shapes, layer, "input_param.shape"))


def read_dummy_data(layer: caffe_pb2.LayerParameter) -> DataParams:
    p = layer.dummy_data_param
    if len(p.shape):
        shapes: list[Shape | None] = [_blob_shape(s) for s in p.shape]
    else:
        legacy = [p.num, p.channels, p.height, p.width]
        n = max(len(v) for v in legacy)
        if any(len(v) not in (1, n) for v in legacy) or n == 0:
            raise OpError("give shape, or each of num, channels, height and width once or once "
                          "per top (Caffe's legacy DummyData form)",
                          field="dummy_data_param.shape")
        shapes = [tuple(int(v[i] if len(v) > 1 else v[0]) for v in legacy) for i in range(n)]
    fillers = [read_filler(f) for f in p.data_filler] or [Filler()]
    return DataParams(shapes=_per_top(shapes, layer, "dummy_data_param.shape"),
                      fillers=tuple(fillers) * (len(layer.top) if len(fillers) == 1 else 1))


def _image_hw(crop: int, height: int = 0, width: int = 0) -> tuple[int | None, int | None]:
    if crop:
        return crop, crop
    if height and width:
        return height, width
    return None, None


def _with_label(layer: caffe_pb2.LayerParameter, batch: int | None,
                data: Shape | None) -> DataParams:
    shapes: list[Shape | None] = [data]
    if len(layer.top) > 1:
        shapes.append((batch,) if batch else None)
    shapes += [None] * (len(layer.top) - len(shapes))
    return DataParams(shapes=tuple(shapes[:len(layer.top)]))


def _maybe(*dims: int | None) -> Shape | None:
    known = [d for d in dims if d]
    return tuple(known) if len(known) == len(dims) else None


def read_memory_data(layer: caffe_pb2.LayerParameter) -> DataParams:
    p = layer.memory_data_param
    return _with_label(layer, p.batch_size,
                       _maybe(p.batch_size, p.channels, p.height, p.width))


def read_image_data(layer: caffe_pb2.LayerParameter) -> DataParams:
    p = layer.image_data_param
    h, w = _image_hw(layer.transform_param.crop_size, p.new_height, p.new_width)
    return _with_label(layer, p.batch_size, _maybe(p.batch_size, 3 if p.is_color else 1, h, w))


def read_window_data(layer: caffe_pb2.LayerParameter) -> DataParams:
    p = layer.window_data_param
    h, w = _image_hw(layer.transform_param.crop_size or p.crop_size)
    return _with_label(layer, p.batch_size, _maybe(p.batch_size, 3, h, w))


def read_db_data(layer: caffe_pb2.LayerParameter) -> DataParams:
    """Data: the channels (and the size, without a crop) live in the database; the label is
    one number per item."""
    return _with_label(layer, layer.data_param.batch_size, None)


def read_hdf5_data(layer: caffe_pb2.LayerParameter) -> DataParams:
    """HDF5Data: every top's shape lives in the files."""
    return DataParams(shapes=(None,) * len(layer.top))


def infer_data(p: DataParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return list(p.shapes)  # type: ignore[arg-type]  # None marks a shape the user must give


def read_parameter(layer: caffe_pb2.LayerParameter) -> ParameterParams:
    return ParameterParams(shape=_blob_shape(layer.parameter_param.shape))


def read_nothing(layer: caffe_pb2.LayerParameter) -> NoParams:
    return NoParams()


def no_tops(p: object, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return []


for _type, _read in (("Input", read_input), ("DummyData", read_dummy_data),
                     ("MemoryData", read_memory_data), ("ImageData", read_image_data),
                     ("WindowData", read_window_data), ("Data", read_db_data),
                     ("HDF5Data", read_hdf5_data)):
    OPS.define(_type, family="inputs", read=_read, infer=infer_data, bottoms=(0, 0),
               tops=(1, None), role="data")

def infer_parameter(p: ParameterParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    return [p.shape]


def blobs_parameter(p: ParameterParams, bottoms: Sequence[Shape]) -> list[Shape]:
    return [p.shape]


def fillers_parameter(p: ParameterParams, bottoms: Sequence[Shape]) -> list[Filler]:
    """Caffe's ParameterLayer fills nothing: its blob keeps Blob's zeroed memory."""
    return [Filler()]


def write_parameter(p: ParameterParams, q: caffe_pb2.ParameterParameter,
                    bottoms: Sequence[Shape]) -> None:
    """The blob's shape; a 0-axis shape reads back from an absent ``parameter_param``."""
    if p.shape:
        q.shape.dim.extend(p.shape)


OPS.define("Parameter", family="inputs", read=read_parameter, infer=infer_parameter,
           blobs=blobs_parameter, bottoms=(0, 0), fillers=fillers_parameter,
           param="parameter_param", write=write_parameter)

# Layers with no place in a deploy graph: the importer drops them with a note.
TRAIN_ONLY_TYPES = ("Accuracy", "ContrastiveLoss", "EuclideanLoss", "HingeLoss",
                    "InfogainLoss", "MultinomialLogisticLoss", "SigmoidCrossEntropyLoss",
                    "SoftmaxWithLoss", "Silence", "HDF5Output")
for _type in TRAIN_ONLY_TYPES:
    OPS.define(_type, family="inputs", read=read_nothing, infer=no_tops, bottoms=(1, None),
               tops=(0, None), role="train_only")
