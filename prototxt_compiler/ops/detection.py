"""SSD's detection layers (weiliu89/caffe, branch ssd): PriorBox and DetectionOutput.

PriorBox (bottoms: a feature map, the image; ``prior_box_param``) gives the default boxes
of one feature map, shared by every image of the batch: top (1, 2, H*W*P*4), the first
channel the boxes (xmin, ymin, xmax, ymax, normalised by the image size), the second their
variances. Its rules (PriorBoxLayer::LayerSetUp and Forward_cpu):
    ratios  = [1] + each aspect_ratio not within 1e-6 of one already listed, followed by
              its inverse when flip (stored as float)
    P       = len(ratios) * len(min_size) + len(max_size)
    image   = (img_h, img_w), or img_size for both, or else bottom 1's (H, W)
    step    = (step_h, step_w), or step for both, or else image / feature size (in float)
    centre  = ((w + offset) * step_w, (h + offset) * step_h)   (in float)
and for each cell (h, w) in row-major order, for each min_size m (truncated to an integer
by the fork, as its loop variable is an int), the priors in this order: the square m x m;
with max_size M (also truncated) the square sqrt(m*M); then each ratio r != 1, width
m*sqrt(r) and height m/sqrt(r). A box is (centre -+ size/2) / image, computed in double and
stored as float; ``clip`` clamps each coordinate to [0, 1]. The variances are ``variance``'s
one value everywhere, its four values per box, or 0.1 when none is given. min_size must be
given and positive; max_size, when given, one per min_size and larger; variance has 0, 1
or 4 positive values; img_size excludes img_h/img_w, step excludes step_h/step_w, and each
given size or step must be positive.

DetectionOutput (bottoms: loc (N, P*L*4), conf (N, P*C), priors (1, 2, P*4); ``detection_
output_param``, L = 1 when share_location else C): decodes every prediction against its
prior (``code_type`` CORNER, CENTER_SIZE or CORNER_SIZE, the variances from the priors
unless ``variance_encoded_in_target``), then per image and per class but the background:
keeps the scores > confidence_threshold (-FLT_MAX when not given), the nms top_k best of them
(ties by prior index), and runs Caffe's greedy NMS on them (a box is kept when its overlap
with every box kept before it is <= the threshold, which, with eta < 1, shrinks by eta after
each kept box while it is > 0.5). With keep_top_k >= 0 an image keeps only its keep_top_k
best detections over all classes. The top holds one row [image_id, label, score, xmin,
ymin, xmax, ymax] per detection, by image, then label, then score (descending; ties in prior
order); with no detection in the whole batch it holds one row [i, -1, -1, -1, -1, -1, -1]
per image i. (The fork sorts across classes for keep_top_k with std::sort, which on more than
16 detections may order exact score ties at the keep_top_k boundary otherwise.)

The top's row count K depends on the data: Caffe's Reshape gives (1, 1, 1, 7) before the
forward and (1, 1, K, 7) after it. The graph gives the honest (1, 1, K, 7), K a symbolic size
(``SymDim.symbol("K")``), so ``info`` prints ``1x1xKx7`` and the ONNX output has a dynamic
dimension there. Caffe's checks: num_classes given, nms_threshold >= 0, 0 < eta <= 1, loc and
conf of one batch, P*L*4 loc channels and P*C conf channels where P = priors' height / 4
(Caffe's legacy 4-axis accessors).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import sqrt
from typing import cast

import numpy as np

from ..errors import OpError
from ..ir import Shape, SymDim
from .base import FLT_MAX, OPS, LayerView, known_nonzero, unify_dims

__all__ = ["PriorBoxParams", "DetectionOutputParams", "prior_ratios", "num_priors",
           "prior_shapes", "prior_boxes", "CODE_TYPES", "DETECTIONS"]

CODE_TYPES = {1: "CORNER", 2: "CENTER_SIZE", 3: "CORNER_SIZE"}
DETECTIONS = SymDim.symbol("K")
"""The data-dependent row count of DetectionOutput's top."""


@dataclass(frozen=True)
class PriorBoxParams:
    """Fields as prior_box_param names them; None where a field is not given."""

    min_size: tuple[float, ...] = ()
    max_size: tuple[float, ...] = ()
    aspect_ratio: tuple[float, ...] = ()
    flip: bool = True
    clip: bool = False
    variance: tuple[float, ...] = ()
    img_size: int | None = None
    img_h: int | None = None
    img_w: int | None = None
    step: float | None = None
    step_h: float | None = None
    step_w: float | None = None
    offset: float = 0.5

    @property
    def image(self) -> tuple[int, int] | None:
        """(img_h, img_w) when the params fix the image size, else None (bottom 1's)."""
        if self.img_h is not None or self.img_w is not None:
            return (self.img_h or 0, self.img_w or 0)
        return (self.img_size, self.img_size) if self.img_size is not None else None

    @property
    def steps(self) -> tuple[float, float] | None:
        """(step_h, step_w) when given, else None (image size / feature size)."""
        if self.step_h is not None or self.step_w is not None:
            return (self.step_h or 0.0, self.step_w or 0.0)
        return (self.step, self.step) if self.step is not None else None


def _f32(x: float) -> float:
    return float(np.float32(x))


def prior_ratios(p: PriorBoxParams) -> tuple[float, ...]:
    """The fork's aspect-ratio list: 1, then each new ratio (and its inverse with flip)."""
    ratios = [1.0]
    for ratio in p.aspect_ratio:
        if any(abs(ratio - known) < 1e-6 for known in ratios):
            continue
        ratios.append(ratio)
        if p.flip:
            ratios.append(_f32(1.0 / ratio))
    return tuple(ratios)


def num_priors(p: PriorBoxParams) -> int:
    return len(prior_ratios(p)) * len(p.min_size) + len(p.max_size)


def prior_shapes(p: PriorBoxParams) -> list[tuple[float, float]]:
    """(width, height) of each prior of one cell, in the fork's order, as floats."""
    shapes: list[tuple[float, float]] = []
    for s, size in enumerate(p.min_size):
        m = int(size)
        shapes.append((float(m), float(m)))
        if p.max_size:
            side = _f32(sqrt(m * int(p.max_size[s])))
            shapes.append((side, side))
        for ratio in prior_ratios(p):
            if abs(ratio - 1.0) < 1e-6:
                continue
            shapes.append((_f32(m * sqrt(ratio)), _f32(m / sqrt(ratio))))
    return shapes


def _check_prior_box(p: PriorBoxParams) -> None:
    field = "prior_box_param."
    if not p.min_size:
        raise OpError("min_size must be given (at least one)", field=field + "min_size")
    if min(p.min_size) <= 0:
        raise OpError(f"min_size {list(p.min_size)} must be positive", field=field + "min_size")
    if p.max_size:
        if len(p.max_size) != len(p.min_size):
            raise OpError(f"{len(p.max_size)} max_size values for {len(p.min_size)} min_size "
                          "values (expected one per min_size)", field=field + "max_size")
        for low, high in zip(p.min_size, p.max_size):
            if not high > low:
                raise OpError(f"max_size {high:g} must be greater than min_size {low:g}",
                              field=field + "max_size")
    if len(p.variance) not in (0, 1, 4):
        raise OpError(f"{len(p.variance)} variance values (expected 1 or 4)",
                      field=field + "variance")
    if p.variance and min(p.variance) <= 0:
        raise OpError(f"variance {list(p.variance)} must be positive", field=field + "variance")
    for one, pair in (("img_size", ("img_h", "img_w")), ("step", ("step_h", "step_w"))):
        given = [f for f in pair if getattr(p, f) is not None]
        if given and getattr(p, one) is not None:
            raise OpError(f"give either {one} or {pair[0]}/{pair[1]}, not both",
                          field=field + one)
        for name in ((pair if given else ()) + ((one,) if getattr(p, one) is not None else ())):
            if not (getattr(p, name) or 0) > 0:
                raise OpError(f"{name} must be given and positive, got {getattr(p, name)}",
                              field=field + name)


def read_prior_box(layer: LayerView) -> PriorBoxParams:
    q = layer.prior_box_param

    def given(name: str) -> object:
        return getattr(q, name) if q.HasField(name) else None

    p = PriorBoxParams(
        min_size=tuple(q.min_size), max_size=tuple(q.max_size),
        aspect_ratio=tuple(q.aspect_ratio), flip=q.flip, clip=q.clip,
        variance=tuple(q.variance), img_size=given("img_size"), img_h=given("img_h"),  # type: ignore[arg-type]
        img_w=given("img_w"), step=given("step"), step_h=given("step_h"),  # type: ignore[arg-type]
        step_w=given("step_w"), offset=q.offset)  # type: ignore[arg-type]
    _check_prior_box(p)
    return p


def _check_4d(shape: Shape, what: str) -> None:
    if len(shape) != 4:
        raise OpError(f"PriorBox's {what} must be 4-D (N, C, H, W), got {list(shape)}")


def infer_prior_box(p: PriorBoxParams, bottoms: Sequence[Shape], num_tops: int) -> list[Shape]:
    _check_4d(bottoms[0], "first bottom (the feature map)")
    _check_4d(bottoms[1], "second bottom (the image)")
    height, width = bottoms[0][2:]
    return [(1, 2, height * width * num_priors(p) * 4)]


def prior_boxes(p: PriorBoxParams, layer_hw: tuple[int, int],
                image_hw: tuple[int, int]) -> np.ndarray:
    """PriorBox's top, (1, 2, H*W*P*4) float32, for a feature map of ``layer_hw`` and an
    image of ``image_hw`` (bottom 1's; the params' image size wins where given)."""
    layer_h, layer_w = layer_hw
    img_h, img_w = p.image or image_hw
    if p.steps is not None:
        step_h, step_w = (np.float32(s) for s in p.steps)
    else:
        step_h = np.float32(img_h) / np.float32(layer_h)
        step_w = np.float32(img_w) / np.float32(layer_w)
    offset = np.float32(p.offset)
    cy = ((np.arange(layer_h, dtype=np.float32) + offset) * step_h).astype(np.float64)
    cx = ((np.arange(layer_w, dtype=np.float32) + offset) * step_w).astype(np.float64)
    sizes = np.array(prior_shapes(p), dtype=np.float64).reshape(-1, 2) / 2.0
    half_w, half_h = sizes[:, 0], sizes[:, 1]
    boxes = np.empty((layer_h, layer_w, len(sizes), 4), dtype=np.float64)
    boxes[..., 0] = (cx[None, :, None] - half_w) / img_w
    boxes[..., 1] = (cy[:, None, None] - half_h) / img_h
    boxes[..., 2] = (cx[None, :, None] + half_w) / img_w
    boxes[..., 3] = (cy[:, None, None] + half_h) / img_h
    coords = boxes.astype(np.float32).reshape(-1)
    if p.clip:
        coords = np.clip(coords, 0.0, 1.0)
    if len(p.variance) == 4:
        variances = np.tile(np.array(p.variance, dtype=np.float32), coords.size // 4)
    else:
        variances = np.full(coords.size, p.variance[0] if p.variance else 0.1, np.float32)
    return np.stack([coords, variances]).reshape(1, 2, -1).astype(np.float32)


@dataclass(frozen=True)
class DetectionOutputParams:
    """``confidence_threshold`` and ``top_k`` are None where not given (-FLT_MAX and all)."""

    num_classes: int
    share_location: bool = True
    background_label_id: int = 0
    nms_threshold: float = 0.3
    top_k: int | None = None
    eta: float = 1.0
    code_type: str = "CORNER"
    keep_top_k: int = -1
    variance_encoded_in_target: bool = False
    confidence_threshold: float | None = None

    @property
    def threshold(self) -> float:
        """The score a detection must exceed."""
        return -FLT_MAX if self.confidence_threshold is None else self.confidence_threshold

    @property
    def loc_classes(self) -> int:
        return 1 if self.share_location else self.num_classes

    @property
    def classes(self) -> tuple[int, ...]:
        """The labels detected: every class but the background."""
        return tuple(c for c in range(self.num_classes) if c != self.background_label_id)


def read_detection_output(layer: LayerView) -> DetectionOutputParams:
    q = layer.detection_output_param
    field = "detection_output_param."
    if not q.HasField("num_classes"):
        raise OpError("num_classes must be given", field=field + "num_classes")
    nms = q.nms_param
    if not nms.nms_threshold >= 0:
        raise OpError(f"nms_threshold {nms.nms_threshold:g} must be >= 0",
                      field=field + "nms_param.nms_threshold")
    if not 0 < nms.eta <= 1:
        raise OpError(f"eta {nms.eta:g} must be in (0, 1]", field=field + "nms_param.eta")
    code = CODE_TYPES.get(q.code_type)
    if code is None:
        raise OpError(f"code_type {q.code_type} is not CORNER (1), CENTER_SIZE (2) or "
                      "CORNER_SIZE (3)", field=field + "code_type")
    return DetectionOutputParams(
        num_classes=q.num_classes, share_location=q.share_location,
        background_label_id=q.background_label_id, nms_threshold=nms.nms_threshold,
        top_k=nms.top_k if nms.HasField("top_k") else None, eta=nms.eta, code_type=code,
        keep_top_k=q.keep_top_k, variance_encoded_in_target=q.variance_encoded_in_target,
        confidence_threshold=(q.confidence_threshold if q.HasField("confidence_threshold")
                              else None))


def _legacy(shape: Shape, axis: int) -> int:
    """Caffe's legacy accessors (num, channels, height, width): 1 past the last axis."""
    return shape[axis] if axis < len(shape) else 1


def detection_priors(p: DetectionOutputParams, bottoms: Sequence[Shape]) -> object:
    """P, the prior count, checked against the loc and conf bottoms as Caffe checks it."""
    loc, conf, prior = bottoms[:3]
    if _legacy(loc, 0) != _legacy(conf, 0):
        unify_dims((loc[0],), (conf[0],), "DetectionOutput's loc and conf share a batch")
        raise OpError(f"loc has batch {loc[0]} and conf {conf[0]} (expected the same)")
    height = _legacy(prior, 2)
    if known_nonzero(height % 4):
        raise OpError(f"the priors' height {height} is not a multiple of 4")
    priors = height // 4
    for what, shape, per in (("loc", loc, p.loc_classes * 4), ("conf", conf, p.num_classes)):
        expected = priors * per
        if _legacy(shape, 1) != expected:
            unify_dims((_legacy(shape, 1),), (expected,), f"DetectionOutput's {what} channels")
            raise OpError(f"{what} has {_legacy(shape, 1)} channels, expected {expected} "
                          f"({priors} priors x {per})")
    return priors


def infer_detection_output(p: DetectionOutputParams, bottoms: Sequence[Shape],
                           num_tops: int) -> list[Shape]:
    detection_priors(p, bottoms)
    return [cast(Shape, (1, 1, DETECTIONS, 7))]  # K: symbolic


def write_detection_output(p: DetectionOutputParams, q: object,
                           bottoms: Sequence[Shape]) -> None:
    from .writing import set_changed, write_fields

    write_fields(p, q, skip=("nms_threshold", "top_k", "eta", "code_type",
                             "confidence_threshold"))
    if p.code_type != "CORNER":
        q.code_type = {v: k for k, v in CODE_TYPES.items()}[p.code_type]  # type: ignore[attr-defined]
    if p.confidence_threshold is not None:
        q.confidence_threshold = p.confidence_threshold  # type: ignore[attr-defined]
    nms = q.nms_param  # type: ignore[attr-defined]
    set_changed(nms, nms_threshold=p.nms_threshold, eta=p.eta)
    if p.top_k is not None:
        nms.top_k = p.top_k


OPS.define("PriorBox", family="detection", read=read_prior_box, infer=infer_prior_box,
           bottoms=(2, 2), param="prior_box_param")
OPS.define("DetectionOutput", family="detection", read=read_detection_output,
           infer=infer_detection_output, bottoms=(3, 4), param="detection_output_param",
           write=write_detection_output)
