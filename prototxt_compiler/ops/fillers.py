"""Caffe's FillerParameter as a frozen dataclass: how a layer initialises a parameter blob
when no .caffemodel gives it (caffe.proto's defaults: constant 0)."""
from __future__ import annotations

from dataclasses import dataclass

from ..proto import caffe_pb2

__all__ = ["Filler", "read_filler"]


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
