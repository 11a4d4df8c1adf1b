"""Protobuf text format tokens, each with its 1-based line and column, and the values they spell.

The token kinds are ``ident`` (a field name, enum name, ``true``, ``inf``...), ``number``
(anything starting like a number, kept whole so that a bad literal such as ``12abc`` or
``1.5.2`` is reported as one token by the parser, which knows the type it wants), ``string``
(one quoted literal, still escaped), ``symbol`` (one of ``{}<>[]:;,``) and ``eof``. Comments
and white space are dropped. Characters that can start no token and strings left open at the
end of their line raise ``ParseError`` here, as soon as the tokenizer reaches them.

``unescape`` resolves a string literal's C escapes; ``scalar_value`` reads one token as a
number, bool or enum value of a field's type, checking integer ranges.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from ..errors import Location, ParseError

__all__ = ["Token", "tokenize", "unescape", "scalar_value", "short_name"]

FD = FieldDescriptor


class Token(NamedTuple):
    kind: str
    text: str
    line: int
    col: int

    def describe(self) -> str:
        """The token as an error message names it."""
        if self.kind == "eof":
            return "end of file"
        return self.text if self.kind == "string" else f"'{self.text}'"


_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\f\v]+|\#[^\n]*)
      | (?P<newline>\n)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<number>-?(?:[0-9]|\.[0-9])[0-9A-Za-z_.+-]*|-[A-Za-z_][A-Za-z0-9_]*)
      | (?P<string>"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*')
      | (?P<symbol>[{}<>\[\]:;,])
      | (?P<open_quote>["'])
      | (?P<bad>.)""",
    re.VERBOSE,
)


def tokenize(text: str, filename: str) -> Iterator[Token]:
    """Yield the tokens of ``text``, ending with one ``eof`` token."""
    line, line_start = 1, 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "space":
            continue
        start = match.start()
        if kind == "newline":
            line, line_start = line + 1, start + 1
            continue
        col = start - line_start + 1
        if kind == "open_quote":
            raise ParseError(f"unterminated string: no closing {match.group()} on this line",
                             where=Location(filename, line, col))
        if kind == "bad":
            raise ParseError(f"unexpected character {match.group()!r}",
                             where=Location(filename, line, col))
        yield Token(kind, match.group(), line, col)  # type: ignore[arg-type]
    yield Token("eof", "", line, len(text) - line_start + 1)


_SIMPLE_ESCAPES = {
    "n": b"\n", "t": b"\t", "r": b"\r", "a": b"\a", "b": b"\b", "f": b"\f", "v": b"\v",
    "\\": b"\\", "'": b"'", '"': b'"', "?": b"?",
}
_ESCAPE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{4})"
                     r"|U([0-9A-Fa-f]{8})|(.?))", re.DOTALL)


def unescape(token: Token, filename: str) -> bytes:
    """The bytes a quoted string token stands for, C escapes resolved."""
    body = token.text[1:-1]
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(body):
        out += body[pos:match.start()].encode("utf-8")
        pos = match.end()
        octal, hex2, hex4, hex8, simple = match.groups()
        if octal is not None:
            value = int(octal, 8)
            if value > 0xFF:
                raise _bad_escape(match.group(), token, match.start(), filename)
            out.append(value)
        elif hex2 is not None:
            out.append(int(hex2, 16))
        elif hex4 is not None or hex8 is not None:
            code = int(hex4 or hex8, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise _bad_escape(match.group(), token, match.start(), filename)
            out += chr(code).encode("utf-8")
        elif simple in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[simple]
        else:
            raise _bad_escape(match.group(), token, match.start(), filename)
    out += body[pos:].encode("utf-8")
    return bytes(out)


def _bad_escape(escape: str, token: Token, offset: int, filename: str) -> ParseError:
    where = Location(filename, token.line, token.col + 1 + offset)
    return ParseError(f"invalid escape '{escape}' in string, expected one of \\n \\t \\\\ \\\" "
                      f"\\' \\NNN (octal) \\xHH (hex)", where=where)


_INT_TYPES: dict[int, tuple[str, int, int]] = {
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
_INT = re.compile(r"-?(?:0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)\Z")
_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fF]?\Z")
_FLOAT_SPECIAL = re.compile(r"(-?)(?:(inf(?:inity)?)|nan)f?\Z", re.IGNORECASE)
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
    if field_type in _INT_TYPES:
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
    else:
        value = int(digits, 8 if len(digits) > 1 and digits[0] == "0" else 10)
    return -value if text.startswith("-") else value


def _parse_float(text: str) -> float | None:
    if _FLOAT.match(text):
        return float(text.rstrip("fF"))
    special = _FLOAT_SPECIAL.match(text)
    if special is not None and not (special.group(1) and not special.group(2)):  # no "-nan"
        return float(f"{special.group(1)}{'inf' if special.group(2) else 'nan'}")
    integer = _parse_int(text)  # hex and octal integers are numbers too
    return None if integer is None else float(integer)


def _int_value(token: Token, text: str | None, field_type: int, name: str,
               where: Location) -> int:
    kind, low, high = _INT_TYPES[field_type]
    value = _parse_int(text) if text else None
    if value is None or (value < 0 and low == 0):
        unsigned = f" ({kind} cannot be negative)" if value is not None else ""
        raise ParseError(f"expected an integer for {kind} field '{name}', got "
                         f"{token.describe()}{unsigned}", where=where)
    if not low <= value <= high:
        raise ParseError(f"integer {token.text} out of range for {kind} field '{name}' "
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
        raise ParseError(f"'{text}' is not a value of {short_name(enum_type)} (expected one of "
                         f"{names})", where=where)
    return value.number
