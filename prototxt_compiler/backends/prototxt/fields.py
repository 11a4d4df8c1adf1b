"""Writing canonical fields: spatial values in their shortest form, fillers when not the
default."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...ops.fillers import Filler
from ...proto import caffe_pb2

__all__ = ["set_spatial", "set_filler", "set_changed"]


def set_spatial(message: Any, repeated_or_scalar: str, h: str, w: str, values: Sequence[int],
                *, default: int | None) -> None:
    """One value when every axis agrees (omitted when it is ``default``); ``*_h``/``*_w``
    for two different values; else one value per axis in the repeated field."""
    values = tuple(values)
    if not values:
        return
    field = message.DESCRIPTOR.fields_by_name[repeated_or_scalar]
    repeated = field.is_repeated if hasattr(field, "is_repeated") else field.label == 3
    if len(set(values)) == 1:
        if values[0] == default:
            return
        if repeated:
            getattr(message, repeated_or_scalar).append(values[0])
        else:
            setattr(message, repeated_or_scalar, values[0])
    elif len(values) == 2:
        setattr(message, h, values[0])
        setattr(message, w, values[1])
    else:
        getattr(message, repeated_or_scalar).extend(values)


def set_filler(message: Any, name: str, filler: Filler) -> None:
    if filler == Filler():
        return
    target: caffe_pb2.FillerParameter = getattr(message, name)
    defaults = Filler()
    for key in ("type", "value", "min", "max", "mean", "std", "sparse"):
        if getattr(filler, key) != getattr(defaults, key):
            setattr(target, key, getattr(filler, key))
    if filler.variance_norm != defaults.variance_norm:
        target.variance_norm = caffe_pb2.FillerParameter.VarianceNorm.Value(filler.variance_norm)


def set_changed(message: Any, **values: Any) -> None:
    """Each scalar field whose value differs from the (fresh) message's default; comparing
    with the message, not a dataclass, keeps float32 defaults (0.999) exact."""
    for name, value in values.items():
        if value != getattr(message, name):
            setattr(message, name, value)
