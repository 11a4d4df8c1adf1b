"""The fields a Caffe fork adds to a binary NetParameter's layers, read by the fork's numbers.

BVLC's schema parses a fork's binary net with the fork's additions left as unknown fields,
or, where a fork reused a BVLC number (PSPNet's ``interp_param`` is 143, BVLC's
``input_param``), parsed as the BVLC field. With the fork named, each layer is read again
with the fork's ``LayerFields`` message: its additions go to the source map's ``extras``
(as text reads them: by name, into ``ops.extras``' messages), and a BVLC field whose number
the fork took for its own is cleared. Without a fork, a layer with unknown fields is an error
that names them and the forks that number a field so.
"""
from __future__ import annotations

from typing import Any

from google.protobuf import text_format, unknown_fields

from ..errors import ParseError, UsageError
from ..ops.extras import EXTRA_FIELDS
from ..ops.writing import is_repeated
from ..proto import caffe_pb2
from .source import SourceMap

__all__ = ["read_fork_fields", "check_fork"]

_BVLC_NUMBERS = {f.number: f.name for f in caffe_pb2.LayerParameter.DESCRIPTOR.fields}


def check_fork(fork: str | None) -> None:
    """A fork name the registry knows (or None)."""
    if fork is not None and fork not in EXTRA_FIELDS.forks():
        known = ", ".join(EXTRA_FIELDS.forks())
        raise UsageError(f"--fork {fork!r}: not a known fork (known: {known})")


def _unknown_numbers(layer: caffe_pb2.LayerParameter) -> list[int]:
    return sorted({f.field_number for f in unknown_fields.UnknownFieldSet(layer)})


def _unknown_inside(message: Any, path: str = "") -> str | None:
    """The first field, by its dotted path, that holds bytes its message does not know
    (a fork's field under a number BVLC gives another: PSPNet's interp_param read as
    input_param)."""
    for descriptor, value in message.ListFields():
        if descriptor.message_type is None:
            continue
        items = value if is_repeated(descriptor) else [value]
        for item in items:
            here = f"{path}.{descriptor.name}" if path else descriptor.name
            if len(unknown_fields.UnknownFieldSet(item)):
                return here
            deeper = _unknown_inside(item, here)
            if deeper is not None:
                return deeper
    return None


def read_fork_fields(net: caffe_pb2.NetParameter, fork: str | None, source: SourceMap) -> None:
    """Moves each layer's fork fields into ``source.extras[("layer", i)]``; see the module
    docstring. Raises ParseError for unknown fields when no fork is named."""
    check_fork(fork)
    if fork is None:
        for i, layer in enumerate(net.layer):
            numbers = _unknown_numbers(layer)
            if numbers:
                raise ParseError(_unknown_message(layer, i, numbers), where=source.file)
            inside = _unknown_inside(layer)
            if inside is not None:
                number = caffe_pb2.LayerParameter.DESCRIPTOR.fields_by_name[
                    inside.split(".")[0]].number
                raise ParseError(_unknown_message(layer, i, [number], inside), where=source.file)
        return
    fields = EXTRA_FIELDS.binary(fork)
    holder = EXTRA_FIELDS.layer_fields(fork)
    if holder is None:
        raise UsageError(f"--fork {fork!r} numbers no fields for binary nets")
    for i, layer in enumerate(net.layer):
        parsed = holder.FromString(layer.SerializeToString())
        for number, extra in fields.items():
            own = parsed.DESCRIPTOR.fields_by_number[number]
            if not parsed.HasField(own.name):
                continue
            union = extra.message()
            text_format.Merge(text_format.MessageToString(getattr(parsed, own.name)), union)
            source.extras.setdefault(("layer", i), {})[extra.name] = union
            if number in _BVLC_NUMBERS:  # BVLC read these bytes as its own field: not so
                layer.ClearField(_BVLC_NUMBERS[number])


def _unknown_message(layer: caffe_pb2.LayerParameter, index: int, numbers: list[int],
                     inside: str | None = None) -> str:
    candidates = [name for name in EXTRA_FIELDS.forks()
                  if set(numbers) <= set(EXTRA_FIELDS.binary(name))]
    if inside is not None:
        what = (f"its {inside} holds fields BVLC Caffe does not know there (field "
                f"{numbers[0]} means another field in a fork: "
                + ", ".join(f"{EXTRA_FIELDS.binary(c)[numbers[0]].name} in {c}"
                            for c in candidates) + ")")
        hint = (f"give --fork {' or --fork '.join(candidates)}" if candidates else
                "no known fork numbers a field so")
        return f"layer {index} '{layer.name}' ({layer.type}): {what}: {hint}"
    named = ", ".join(
        f"{n} ({'/'.join(sorted({EXTRA_FIELDS.binary(c)[n].name for c in candidates}))})"
        if candidates else str(n) for n in numbers)
    hint = (f"a binary net of a Caffe fork? give --fork {' or --fork '.join(candidates)}"
            if candidates else
            f"no known fork numbers them so (known forks: {', '.join(EXTRA_FIELDS.forks())})")
    return (f"layer {index} '{layer.name}' ({layer.type}) has field number(s) {named} that "
            f"BVLC Caffe's LayerParameter does not know: {hint}")
