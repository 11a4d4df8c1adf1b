"""Reading one token as the value of a scalar field: integers (decimal, octal, hex) checked
against their type's range, floats (with ``inf``/``nan`` and a trailing ``f``), bools and enum
values by name or number, as protobuf's text format reads them.

Every pattern is possessive, so checking a literal takes time linear in its length, and a
decimal integer longer than any range is reported out of range without converting it.
"""
from __future__ import annotations

import re
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from ..errors import Location, ParseError
from .tokens import Token, clip

__all__ = ["scalar_value", "short_name", "INT_TYPES"]

FD = FieldDescriptor

INT_TYPES: dict[int, tuple[str, int, int]] = {
    FD.TYPE_INT32: ("int32", -2**31, 2**31 - 1),
    FD.TYPE_SINT32: ("sint32", -2**31, 2**31 - 1),
    FD.TYPE_SFIXED32: ("sfixed32", -2**31, 2**31 - 1),
    FD.TYPE_INT64: ("int64", -2**63, 2**63 - 1),
    FD.TYPE_SINT64: ("sint64", -2**63, 2**63 - 1),
    FD.TYPE_SFIXED64: ("sfixed64", -2**63, 2**63 - 1),
    FD.TYPE_UINT32: ("uint32", 0, 2**32 - 1),
    FD.TYPE_FIXED32: ("fixed32", 0, 2**32 - 1),
    FD.TYPE_UINT64: ("uint64", 0, 2**64 - 1),
    FD.TYPE_FIXED64: ("fixed64", 0, 2**64 - 1),
}
# Possessive quantifiers: no backtracking, so a long literal is checked in linear time.
_INT = re.compile(r"-?(?:0[xX][0-9A-Fa-f]++|0[0-7]*+|[1-9][0-9]*+)\Z")
_FLOAT = re.compile(r"-?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?[fF]?\Z")
_FLOAT_SPECIAL = re.compile(r"(-?)(?:(inf(?:inity)?)|nan)f?\Z", re.IGNORECASE)
_MAX_DECIMAL_DIGITS = 30
_BOOLS = {"true": True, "True": True, "t": True, "1": True,
          "false": False, "False": False, "f": False, "0": False}


def short_name(descriptor: Descriptor | EnumDescriptor) -> str:
    """A message or enum type's name without its package: ``PoolingParameter.PoolMethod``."""
    package = descriptor.file.package
    return descriptor.full_name[len(package) + 1:] if package else descriptor.full_name


def scalar_value(token: Token, field_type: int, enum_type: EnumDescriptor | None, name: str,
                 filename: str) -> Any:
    """``token`` read as a value of a number, bool or enum field (``name`` for messages)."""
    text = token.text if token.kind in ("ident", "number") else None
    where = Location(filename, token.line, token.col)
    if field_type in INT_TYPES:
        return _int_value(token, text, field_type, name, where)
    if field_type in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
        value = _parse_float(text) if text else None
        if value is None:
            kind = "float" if field_type == FD.TYPE_FLOAT else "double"
            raise ParseError(f"expected a number for {kind} field '{name}', got "
                             f"{token.describe()}", where=where)
        return value
    if field_type == FD.TYPE_BOOL:
        if text not in _BOOLS:
            raise ParseError(f"expected true or false for bool field '{name}', got "
                             f"{token.describe()}", where=where)
        return _BOOLS[text]  # type: ignore[index]
    if field_type != FD.TYPE_ENUM or enum_type is None:
        raise TypeError(f"no scalar reader for field type {field_type}")
    return _enum_value(token, text, enum_type, name, where)


def _parse_int(text: str) -> int | None:
    if not _INT.match(text):
        return None
    digits = text.lstrip("-")
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif len(digits) > 1 and digits[0] == "0":
        value = int(digits, 8)
    elif len(digits) > _MAX_DECIMAL_DIGITS:  # past every range (and past what int() reads)
        value = 10 ** _MAX_DECIMAL_DIGITS
    else:
        value = int(digits)
    return -value if text.startswith("-") else value


def _parse_float(text: str) -> float | None:
    if _FLOAT.match(text):
        return float(text.rstrip("fF"))
    special = _FLOAT_SPECIAL.match(text)
    if special is not None and not (special.group(1) and not special.group(2)):  # no "-nan"
        return float(f"{special.group(1)}{'inf' if special.group(2) else 'nan'}")
    integer = _parse_int(text)  # hex and octal integers are numbers too (up to 64 bits)
    return None if integer is None or abs(integer) >= 2**64 else float(integer)


def _int_value(token: Token, text: str | None, field_type: int, name: str,
               where: Location) -> int:
    kind, low, high = INT_TYPES[field_type]
    value = _parse_int(text) if text else None
    if value is None or (value < 0 and low == 0):
        unsigned = f" ({kind} cannot be negative)" if value is not None else ""
        raise ParseError(f"expected an integer for {kind} field '{name}', got "
                         f"{token.describe()}{unsigned}", where=where)
    if not low <= value <= high:
        raise ParseError(f"integer {clip(token.text)} out of range for {kind} field '{name}' "
                         f"({low} to {high})", where=where)
    return value


def _enum_value(token: Token, text: str | None, enum_type: EnumDescriptor, name: str,
                where: Location) -> int:
    names = ", ".join(v.name for v in enum_type.values)
    if text is None:
        raise ParseError(f"expected a value of {short_name(enum_type)} for field '{name}' (one "
                         f"of {names}), got {token.describe()}", where=where)
    number = _parse_int(text)
    value = (enum_type.values_by_number.get(number) if number is not None
             else enum_type.values_by_name.get(text))
    if value is None:
        raise ParseError(f"'{clip(text)}' is not a value of {short_name(enum_type)} (expected "
                         f"one of {names})", where=where)
    return value.number
