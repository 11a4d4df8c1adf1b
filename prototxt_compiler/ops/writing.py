"""Writing params back into their ``*_param`` message: canonical fields, derived from the params.

``write_fields`` is what most layer types need and what an op gets when it names its
``param`` message and no ``write`` of its own: each dataclass field whose name the message
has is written when its value differs from what an absent field reads as (the dataclass
default, and the message's own default: float32 defaults such as 0.999 stay exact). Enum
fields hold their value's name; ``Filler`` fields become FillerParameter blocks; tuples fill
repeated fields; ``None`` means unset (so a field whose default is None is written whenever
it is given, even with the message's default value). A required field is always written. Hand-written
writers (a convolution's spatial fields, a bound global pooling) use the helpers below and
``write_fields`` for the rest.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from .fillers import Filler

__all__ = ["write_fields", "set_spatial", "set_filler", "set_changed", "is_repeated"]

FD = FieldDescriptor


def is_repeated(field: FieldDescriptor) -> bool:
    repeated = getattr(field, "is_repeated", None)  # protobuf >= 5; older ones have `label`
    return repeated if repeated is not None else field.label == FD.LABEL_REPEATED


def _is_required(field: FieldDescriptor) -> bool:
    required = getattr(field, "is_required", None)
    return required if required is not None else field.label == FD.LABEL_REQUIRED


def write_fields(params: Any, message: Any, bottoms: Sequence[Any] = (), *,
                 skip: Collection[str] = ()) -> None:
    """Every field of ``params`` that ``message`` has (but ``skip``), where it differs from
    what an absent field reads as."""
    fields = message.DESCRIPTOR.fields_by_name
    for f in dataclasses.fields(params):
        if f.name in skip or f.name not in fields:
            continue
        value = getattr(params, f.name)
        if value is None:
            continue
        field = fields[f.name]
        default = f.default if f.default is not dataclasses.MISSING else (
            f.default_factory() if f.default_factory is not dataclasses.MISSING else
            dataclasses.MISSING)
        if value == default and not _is_required(field):
            continue
        if default is None:  # None is "not given": any given value is written, as given
            setattr(message, f.name, _enum(field, value))
            continue
        if isinstance(value, Filler):
            getattr(message, f.name).SetInParent()
            set_filler(message, f.name, value)
        elif is_repeated(field):
            getattr(message, f.name).extend(_enum(field, v) for v in value)
        elif field.enum_type is not None:
            number = _enum(field, value)
            if number != getattr(message, f.name) or _is_required(field):
                setattr(message, f.name, number)
        elif value != getattr(message, f.name) or _is_required(field):
            setattr(message, f.name, value)


def _enum(field: FieldDescriptor, value: Any) -> Any:
    if field.enum_type is not None and isinstance(value, str):
        return field.enum_type.values_by_name[value].number
    return value


def set_spatial(message: Any, repeated_or_scalar: str, h: str, w: str, values: Sequence[int],
                *, default: int | None) -> None:
    """One value when every axis agrees (omitted when it is ``default``); ``*_h``/``*_w``
    for two different values; else one value per axis in the repeated field."""
    values = tuple(values)
    if not values:
        return
    field = message.DESCRIPTOR.fields_by_name[repeated_or_scalar]
    if len(set(values)) == 1:
        if values[0] == default:
            return
        if is_repeated(field):
            getattr(message, repeated_or_scalar).append(values[0])
        else:
            setattr(message, repeated_or_scalar, values[0])
    elif len(values) == 2:
        setattr(message, h, values[0])
        setattr(message, w, values[1])
    else:
        getattr(message, repeated_or_scalar).extend(values)


def set_filler(message: Any, name: str, filler: Filler) -> None:
    """The filler's fields that differ from FillerParameter's defaults (nothing for the
    default filler: set the block with ``SetInParent`` where its presence matters)."""
    if filler == Filler():
        return
    target = getattr(message, name)
    defaults = Filler()
    for key in ("type", "value", "min", "max", "mean", "std", "sparse"):
        if getattr(filler, key) != getattr(defaults, key):
            setattr(target, key, getattr(filler, key))
    if filler.variance_norm != defaults.variance_norm:
        target.variance_norm = target.DESCRIPTOR.fields_by_name["variance_norm"] \
            .enum_type.values_by_name[filler.variance_norm].number


def set_changed(message: Any, **values: Any) -> None:
    """Each scalar field whose value differs from the (fresh) message's default; comparing
    with the message, not a dataclass, keeps float32 defaults (0.999) exact."""
    for name, value in values.items():
        if value != getattr(message, name):
            setattr(message, name, value)
