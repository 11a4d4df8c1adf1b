"""Caffe's FillerParameter as a frozen dataclass, and ``fill``: how a layer initialises a
parameter blob when no .caffemodel gives it (caffe.proto's defaults: constant 0).

``fill`` follows Caffe's filler.hpp formula for formula (random streams differ: numpy's
Generator, not Caffe's boost RNG). Values are drawn in float32 straight into the blob, as
Caffe's are, so a blob costs its own size and no float64 copy on the way. With ``count`` the
blob's size:
    constant:           every value ``value``
    uniform:            U(min, max)                                   (Caffe checks min <= max)
    gaussian:           N(mean, std); with ``sparse`` s >= 0 each value is kept with
                        probability s / shape[0] and zeroed otherwise (std > 0, s <= shape[0])
    positive_unitball:  U(0, 1), then each of the shape[0] rows (count / shape[0] values)
                        divided by its sum, so rows sum to 1
    xavier:             U(-sqrt(3 / n), sqrt(3 / n))
    msra:               N(0, sqrt(2 / n))
        with n = fan_in = count // shape[0] (FAN_IN, the default), fan_out = count // shape[1]
        (count for a 1-axis blob; FAN_OUT) or (fan_in + fan_out) / 2 (AVERAGE)
    bilinear:           a 4-axis blob with square kernels of width w; f = ceil(w / 2),
                        c = (w - 1) / (2 f); value at (y, x) = (1 - |x/f - c|)(1 - |y/f - c|)
Only gaussian accepts ``sparse``; a 0-axis blob has no shape[0] and fails where Caffe reads
it. These rules were checked against Caffe 1.0 (Debian's build) for bilinear kernels of
widths 3 and 4, 1-axis xavier/msra and 5-axis blobs.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil, prod, sqrt

import numpy as np

from ..errors import OpError
from ..proto import caffe_pb2

__all__ = ["Filler", "read_filler", "fill", "FILLER_TYPES"]

FILLER_TYPES = ("constant", "uniform", "gaussian", "positive_unitball", "xavier", "msra",
                "bilinear")


@dataclass(frozen=True)
class Filler:
    type: str = "constant"
    value: float = 0.0
    min: float = 0.0
    max: float = 1.0
    mean: float = 0.0
    std: float = 1.0
    sparse: int = -1
    variance_norm: str = "FAN_IN"


def read_filler(p: caffe_pb2.FillerParameter) -> Filler:
    norm = caffe_pb2.FillerParameter.VarianceNorm.Name(p.variance_norm)
    return Filler(type=p.type, value=p.value, min=p.min, max=p.max, mean=p.mean, std=p.std,
                  sparse=p.sparse, variance_norm=norm)


def fill(filler: Filler, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """A float32 array of ``shape`` filled as Caffe's filler of ``filler.type`` fills it."""
    if filler.type not in FILLER_TYPES:
        raise OpError(f"unknown filler type '{filler.type}' (expected one of "
                      f"{', '.join(FILLER_TYPES)})")
    if prod(shape) == 0:
        raise OpError(f"cannot fill a blob of shape {list(shape)}: it has no values")
    if filler.type != "gaussian" and filler.sparse != -1:
        raise OpError(f"sparse is {filler.sparse}, but only the gaussian filler supports "
                      f"sparsity (the {filler.type} filler needs -1)")
    values = _FILL[filler.type](filler, shape, rng)
    return np.asarray(values, dtype=np.float32).reshape(shape)


def _first_axis(shape: tuple[int, ...], what: str) -> int:
    if not shape:
        raise OpError(f"the {what} filler reads the blob's axis 0, but the blob is a scalar "
                      "(shape [])")
    return shape[0]


def _constant(f: Filler, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return np.full(shape, f.value, dtype=np.float32)


def _uniform(f: Filler, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return _uniform_between(f.min, f.max, shape, rng)


def _uniform_between(low: float, high: float, shape: tuple[int, ...],
                     rng: np.random.Generator) -> np.ndarray:
    if low > high:
        raise OpError(f"uniform filler: min {low} is above max {high}")
    values = rng.random(size=shape, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):  # huge bounds give inf, as in C++
        values *= np.float32(high - low)
        values += np.float32(low)
    return values


def _gaussian_with(mean: float, std: float, shape: tuple[int, ...],
                   rng: np.random.Generator) -> np.ndarray:
    if not std > 0:
        raise OpError(f"gaussian filler: std is {std}, expected > 0")
    values = rng.standard_normal(size=shape, dtype=np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        values *= np.float32(std)
        values += np.float32(mean)
    return values


def _gaussian(f: Filler, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    values = _gaussian_with(f.mean, f.std, shape, rng)
    if f.sparse < -1:
        raise OpError(f"gaussian filler: sparse is {f.sparse}, expected >= -1")
    if f.sparse >= 0:
        keep = f.sparse / _first_axis(shape, "sparse gaussian")
        if keep > 1:
            raise OpError(f"gaussian filler: sparse {f.sparse} is above the blob's "
                          f"{shape[0]} outputs (a probability above 1)")
        values *= rng.random(size=shape, dtype=np.float32) < keep
    return values


def _positive_unitball(f: Filler, shape: tuple[int, ...],
                       rng: np.random.Generator) -> np.ndarray:
    rows = shape[0] if shape else 1  # Caffe's legacy num(): 1 for a scalar
    values = rng.random(size=(rows, prod(shape) // rows), dtype=np.float32)
    values /= values.sum(axis=1, keepdims=True)
    return values


def _fan(f: Filler, shape: tuple[int, ...], what: str) -> float:
    count = prod(shape)
    fan_in = count // _first_axis(shape, what)
    fan_out = count // shape[1] if len(shape) > 1 else count
    if f.variance_norm == "FAN_OUT":
        return float(fan_out)
    if f.variance_norm == "AVERAGE":
        return (fan_in + fan_out) / 2.0
    return float(fan_in)


def _xavier(f: Filler, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    scale = sqrt(3.0 / _fan(f, shape, "xavier"))
    return _uniform_between(-scale, scale, shape, rng)


def _msra(f: Filler, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    return _gaussian_with(0.0, sqrt(2.0 / _fan(f, shape, "msra")), shape, rng)


def _bilinear(f: Filler, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    if len(shape) != 4:
        raise OpError(f"the bilinear filler needs a 4-axis blob, got shape {list(shape)}")
    height, width = shape[2], shape[3]
    if height != width:
        raise OpError(f"the bilinear filler needs a square kernel, got {height}x{width}")
    factor = ceil(width / 2.0)
    centre = (width - 1) / (2.0 * factor)
    ramp = 1.0 - np.abs(np.arange(width) / factor - centre)
    return np.broadcast_to(np.outer(ramp, ramp), shape)


_FILL = {"constant": _constant, "uniform": _uniform, "gaussian": _gaussian,
         "positive_unitball": _positive_unitball, "xavier": _xavier, "msra": _msra,
         "bilinear": _bilinear}
