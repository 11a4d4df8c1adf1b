"""Spatial resampling of the forks: both layers called ``Upsample``, and ``Interp``.

``Upsample`` is two different layers under one name, told apart by the bottom count:

- one bottom: the YOLOv3 ports' nearest-neighbour upsampling (ChenYingpeng/darknet2caffe,
  caffe_layers/upsample_layer/upsample_layer.cpp; ``upsample_param { scale }``, the ports'
  default 1): top (N, C, H s, W s) with ``top[h][w] = bottom[h / s][w / s]`` (integer
  division). Its Reshape scales the last two axes and its forward indexes four, so the bottom
  is 4-D; s >= 1 (0 would divide by zero).
- two bottoms: SegNet's max-unpooling (alexgkendall/caffe-segnet, upsample_layer.cpp), the
  data and the argmax mask of a MAX Pooling's second top, both (N, C, H, W) (its Reshape
  checks every axis). The top is (N, C, upsample_h, upsample_w) where both are given (each
  > 1); otherwise ``scale`` (SegNet's default 2) or both ``scale_h`` and ``scale_w`` (each
  > 1; not with ``scale``) give (H scale_h - pad_out_h, W scale_w - pad_out_w), pad_out only
  with a scale of 2. Its forward zeroes the top and, per (n, c) plane, for i in 0 .. H W - 1
  in order, writes ``top[int(mask[i])] = data[i]`` (a later i wins a position written twice;
  an index past the top's plane aborts).
  ``mode`` says which was chosen ("nearest" or "unpool"), and ``reading()`` in words (a
  note of the load says it, layer by layer).

``Interp`` (hszhao/PSPNet and DeepLab v2, interp_layer.cpp and util/interp.cpp;
``interp_param``): pad_beg, pad_end <= 0 crop the input to
    H_eff = H + pad_beg + pad_end, starting at row -pad_beg (and the same for columns),
and the output size is the first rule that applies, in the fork's order:
    use_blob_size (caffe-priv's field):  bottom 1's (H, W)
    shrink_factor only:                  (H_eff - 1) / shrink + 1
    zoom_factor only:                    H_eff + (H_eff - 1) (zoom - 1)
    height and width:                    (height, width)
    shrink_factor and zoom_factor:       shrink, then zoom
    none of these:                       refused (the fork's LOG(FATAL))
("only" means the other factor is not given: a zoom_factor beside height and width wins).
The resize is ``caffe_cpu_interp2``: bilinear with corners aligned, in float32,
    r = (in - 1) / (out - 1) (0 when out == 1),  src = r * dst,  i = int(src),
    i' = i + 1 unless i is the last row,  l = src - i,
    top = (1 - l_h) ((1 - l_w) p[i, j] + l_w p[i, j']) + l_h ((1 - l_w) p[i', j] + l_w p[i', j'])
and a plain copy when in and out sizes agree. MACs: the four taps of every output element
(none for a copy).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

from ..errors import OpError
from ..ir import Shape
from .base import OPS, known_less, unify_dims

__all__ = ["UpsampleParams", "InterpParams", "interp_geometry", "InterpGeometry"]


@dataclass(frozen=True)
class UpsampleParams:
    """``mode`` "nearest" (one bottom: ``scale`` is the factor) or "unpool" (data and mask:
    the fields as given, None where not)."""

    mode: str = "nearest"
    scale: int | None = None
    scale_h: int | None = None
    scale_w: int | None = None
    pad_out_h: bool = False
    pad_out_w: bool = False
    upsample_h: int | None = None
    upsample_w: int | None = None

    def kind(self) -> str:
        """The short name of the reading, for a table's type column."""
        return "YOLO nearest" if self.mode == "nearest" else "SegNet unpooling"

    def reading(self) -> str:
        """Which of the two layers called Upsample this one was read as (the importer notes
        it, since the bottom count decided)."""
        if self.mode == "nearest":
            return (f"the YOLO ports' nearest-neighbour Upsample by {self.scale} (one "
                    "bottom)")
        return "SegNet's max-unpooling Upsample (two bottoms: the data and a pooling mask)"


@dataclass(frozen=True)
class InterpParams:
    """The fields as given (None where not): which ones are given decides the size."""

    height: int | None = None
    width: int | None = None
    zoom_factor: int | None = None
    shrink_factor: int | None = None
    pad_beg: int = 0
    pad_end: int = 0
    use_blob_size: bool = False


def _given(p: Any, name: str) -> int | None:
    return int(getattr(p, name)) if p.HasField(name) else None


def read_upsample(layer: Any) -> UpsampleParams:
    p = layer.upsample_param
    if len(layer.bottom) == 1:
        scale = _given(p, "scale")
        scale = 1 if scale is None else scale  # the YOLO ports' default
        if scale < 1:
            raise OpError(f"scale is {scale}, expected >= 1", field="upsample_param.scale")
        return UpsampleParams(mode="nearest", scale=scale)
    params = UpsampleParams(mode="unpool", scale=_given(p, "scale"),
                            scale_h=_given(p, "scale_h"), scale_w=_given(p, "scale_w"),
                            pad_out_h=p.pad_out_h, pad_out_w=p.pad_out_w,
                            upsample_h=_given(p, "upsample_h"),
                            upsample_w=_given(p, "upsample_w"))
    unpool_scales(params)
    return params


def unpool_scales(p: UpsampleParams) -> tuple[int, int] | None:
    """SegNet's LayerSetUp: the (scale_h, scale_w) the size follows, or None where
    upsample_h and upsample_w give it."""
    if p.upsample_h is not None and p.upsample_w is not None:
        for name in ("upsample_h", "upsample_w"):
            if getattr(p, name) <= 1:
                raise OpError(f"{name} is {getattr(p, name)}, expected > 1",
                              field=f"upsample_param.{name}")
        return None
    pair = p.scale_h is not None and p.scale_w is not None
    if not ((p.scale is None and pair) or (p.scale_h is None and p.scale_w is None)):
        raise OpError("give upsample_h and upsample_w, or scale, or both scale_h and scale_w "
                      "(not with scale)", field="upsample_param.scale_h")
    if pair:
        scales = (int(p.scale_h or 0), int(p.scale_w or 0))
    else:
        scales = (2, 2) if p.scale is None else (p.scale, p.scale)  # SegNet's default 2
    for axis, scale, pad in zip("hw", scales, (p.pad_out_h, p.pad_out_w)):
        if scale <= 1:
            raise OpError(f"scale_{axis} is {scale}, expected > 1",
                          field="upsample_param." + ("scale" if not pair else f"scale_{axis}"))
        if pad and scale != 2:
            raise OpError(f"pad_out_{axis} needs a scale of 2 on that axis, got {scale}",
                          field=f"upsample_param.pad_out_{axis}")
    return scales[0], scales[1]


def infer_upsample(p: UpsampleParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    data = tuple(bottoms[0])
    if len(data) != 4:
        raise OpError(f"Upsample takes a 4-D bottom (N, C, H, W), got {list(data)}")
    n, c, h, w = data
    if p.mode == "nearest":
        if len(bottoms) != 1:
            raise OpError("the nearest-neighbour Upsample takes one bottom")
        scale = int(p.scale or 1)
        return [(n, c, h * scale, w * scale)]
    if len(bottoms) != 2:
        raise OpError("SegNet's Upsample takes two bottoms: the data and the pooling mask")
    mask = tuple(bottoms[1])
    unify_dims(mask, data, "the mask must have the data's shape")
    if mask != data:
        raise OpError(f"the mask (bottom 1) has shape {list(mask)}, the data (bottom 0) "
                      f"{list(data)}; expected the same (N, C, H, W): the argmax top of the "
                      "MAX Pooling whose output the data is")
    scales = unpool_scales(p)
    if scales is None:
        return [(n, c, int(p.upsample_h or 0), int(p.upsample_w or 0))]
    return [(n, c, h * scales[0] - int(p.pad_out_h), w * scales[1] - int(p.pad_out_w))]


def write_upsample(p: UpsampleParams, q: Any, bottoms: Sequence[Shape]) -> None:
    """The fields as given; the YOLO ports' scale always (the union message's default is
    SegNet's 2, theirs is 1)."""
    if p.mode == "nearest":
        q.scale = p.scale
        return
    for name in ("scale", "scale_h", "scale_w", "upsample_h", "upsample_w"):
        if getattr(p, name) is not None:
            setattr(q, name, getattr(p, name))
    for name in ("pad_out_h", "pad_out_w"):
        if getattr(p, name):
            setattr(q, name, True)


def read_interp(layer: Any) -> InterpParams:
    p = layer.interp_param
    params = InterpParams(height=_given(p, "height"), width=_given(p, "width"),
                          zoom_factor=_given(p, "zoom_factor"),
                          shrink_factor=_given(p, "shrink_factor"), pad_beg=p.pad_beg,
                          pad_end=p.pad_end,
                          use_blob_size=bool(getattr(p, "use_blob_size", False)))
    for name in ("pad_beg", "pad_end"):
        if getattr(params, name) > 0:
            raise OpError(f"{name} is {getattr(params, name)}; the fork crops only "
                          "(expected <= 0)", field=f"interp_param.{name}")
    for name in ("zoom_factor", "shrink_factor"):
        value = getattr(params, name)
        if value is not None and value < 1:
            raise OpError(f"{name} is {value}, expected >= 1", field=f"interp_param.{name}")
    if params.use_blob_size and len(layer.bottom) < 2:
        raise OpError("use_blob_size takes the size from a second bottom, and the layer has "
                      "one", field="interp_param.use_blob_size")
    return params


@dataclass(frozen=True)
class InterpGeometry:
    """The crop (rows/columns from ``start`` to ``start + size``) and the output size."""

    start: int
    crop: tuple[Any, Any]
    out: tuple[Any, Any]

    @property
    def copy(self) -> bool:
        return self.crop == self.out


def interp_geometry(p: InterpParams, bottoms: Sequence[Shape]) -> InterpGeometry:
    h, w = bottoms[0][2], bottoms[0][3]
    eff = (h + p.pad_beg + p.pad_end, w + p.pad_beg + p.pad_end)
    for axis, size in zip(("height", "width"), eff):
        if known_less(size, 1):
            raise OpError(f"pad_beg {p.pad_beg} and pad_end {p.pad_end} leave {axis} {size} "
                          "of the input (expected > 0)", field="interp_param.pad_end")
    shrink, zoom = p.shrink_factor, p.zoom_factor

    def shrunk(size: Any) -> Any:
        return (size - 1) // (shrink or 1) + 1

    def zoomed(size: Any) -> Any:
        return size + (size - 1) * ((zoom or 1) - 1)

    if p.use_blob_size:
        out = (bottoms[1][2], bottoms[1][3])
    elif shrink is not None and zoom is None:
        out = (shrunk(eff[0]), shrunk(eff[1]))
    elif zoom is not None and shrink is None:
        out = (zoomed(eff[0]), zoomed(eff[1]))
    elif p.height is not None and p.width is not None:
        out = (p.height, p.width)
    elif shrink is not None and zoom is not None:
        out = (zoomed(shrunk(eff[0])), zoomed(shrunk(eff[1])))
    else:
        raise OpError("Interp has no output size: give height and width, zoom_factor, "
                      "shrink_factor, or both factors", field="interp_param")
    for axis, size in zip(("height", "width"), out):
        if known_less(size, 1):
            raise OpError(f"output {axis} {size}, expected > 0", field=f"interp_param.{axis}")
    return InterpGeometry(-p.pad_beg, (eff[0], eff[1]), (out[0], out[1]))


def infer_interp(p: InterpParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    for i, shape in enumerate(bottoms):
        if len(shape) != 4:
            raise OpError(f"Interp takes 4-D bottoms (N, C, H, W); bottom {i} is "
                          f"{list(shape)}")
    n, c = bottoms[0][:2]
    return [(n, c) + interp_geometry(p, bottoms).out]


def macs_interp(p: InterpParams, bottoms: Sequence[Shape], tops: Sequence[Shape]) -> int:
    return 0 if interp_geometry(p, bottoms).copy else 4 * prod(tops[0])


def write_interp(p: InterpParams, q: Any, bottoms: Sequence[Shape]) -> None:
    for name in ("height", "width", "zoom_factor", "shrink_factor"):
        if getattr(p, name) is not None:
            setattr(q, name, getattr(p, name))
    for name in ("pad_beg", "pad_end"):
        if getattr(p, name):
            setattr(q, name, getattr(p, name))
    if p.use_blob_size:
        q.use_blob_size = True


OPS.define("Upsample", family="resample", read=read_upsample, infer=infer_upsample,
           bottoms=(1, 2), param="upsample_param", write=write_upsample)
OPS.define("Interp", family="resample", read=read_interp, infer=infer_interp,
           macs=macs_interp, bottoms=(1, 2), param="interp_param", write=write_interp)
