"""Our own reader of the protobuf text format, as Caffe prototxt files use it, with positions.

``parse_text`` fills any message (``NetParameter``, ``LayerParameter``...) from its descriptor
and returns a ``SourceMap``: where each field was written, which unknown fields were skipped
and which fork fields were translated. It follows Caffe's C++ reader: a non-repeated field
given twice is an error, unknown fields and enum values are errors (unknown fields may be
skipped on request). Every error is a ``ParseError`` at FILE:LINE:COL naming the offending
token and what was expected there.

Fields that Caffe forks added are read as the BVLC field meaning the same, through the
``FORK_FIELDS`` table, with a note in the ``SourceMap`` each time.

Bounds (``limits``): blocks nest at most ``MAX_TEXT_DEPTH`` deep (skipped unknown blocks
included), a file holds at most ``MAX_TEXT_ENTRIES`` fields and blocks and ``MAX_LAYERS``
layers. Runs of repeated numbers (``dim: 1 dim: 3 ...``, ``[1, 2, 3]``) are read in bulk by
``runs`` and are not counted: they cost a few bytes a value.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from ..errors import Location, ParseError
from ..limits import MAX_LAYERS, MAX_TEXT_DEPTH, MAX_TEXT_ENTRIES
from ..ops.extras import EXTRA_FIELDS, ExtraField
from .runs import Bulk, bulk_types, read_field_run, read_list_run
from .scalars import scalar_value, short_name
from .source import IgnoredField, Path, Run, SourceMap
from .tokens import Token, Tokenizer, clip, unescape

__all__ = ["parse_text", "parse_text_file", "ForkField", "FORK_FIELDS"]

FD = FieldDescriptor


@dataclass(frozen=True)
class ForkField:
    """A fork's field, read as the BVLC field ``target`` set to ``translate(value)``.

    ``value_type`` is the fork field's own type (a ``FieldDescriptor.TYPE_*``); for an enum
    target, ``translate`` returns the value's name.
    """

    value_type: int
    target: str
    translate: Callable[[Any], Any]


FORK_FIELDS: dict[tuple[str, str], ForkField] = {
    # Several forks (e.g. the one behind soeaver/caffe-model) round pooling output sizes down
    # with `ceil_mode: false`; BVLC Caffe says it with `round_mode: FLOOR`.
    ("caffe.PoolingParameter", "ceil_mode"):
        ForkField(FD.TYPE_BOOL, "round_mode", lambda ceil: "CEIL" if ceil else "FLOOR"),
}

_CLOSERS = {"{": "}", "<": ">", "[": "]"}
_BULK_TYPES = bulk_types()
_LAYER_FIELDS = ("layer", "layers")
_MAX_HINT_CHARS = 64  # no did-you-mean for a name longer than any field's


def _field_hint(descriptor: Descriptor, name: str) -> str:
    """`` (did you mean 'x'?)`` for the field of ``descriptor`` closest to ``name``: its
    BVLC fields, those forks add to it and the fork spellings read as BVLC's; a fork's field
    names its forks, since it is read only from text or with ``--fork``."""
    if len(name) > _MAX_HINT_CHARS:
        return ""
    owner = descriptor.full_name
    extras = EXTRA_FIELDS.of(owner)
    spelled = [field for message, field in FORK_FIELDS if message == owner]
    close = difflib.get_close_matches(
        name, [*descriptor.fields_by_name, *extras, *spelled], n=1)
    if not close:
        return ""
    extra = extras.get(close[0]) if close[0] not in descriptor.fields_by_name else None
    if extra is None:
        return f" (did you mean '{close[0]}'?)"
    forks = " or ".join(sorted(extra.forks))
    return f" (did you mean '{close[0]}', a field of the {forks} fork?)"


def parse_text(text: str, message: Message, *, filename: str,
               allow_unknown_fields: bool = False) -> SourceMap:
    """Clear ``message`` and fill it from ``text``; return where each field was written.

    Raises ``ParseError`` at the first error, leaving ``message`` partly filled.
    """
    source_map = SourceMap(file=filename)
    message.Clear()
    _Parser(text, filename, source_map, allow_unknown_fields).parse_message(message, (), None)
    return source_map


def parse_text_file(path: str | os.PathLike[str], message: Message, *,
                    allow_unknown_fields: bool = False) -> SourceMap:
    """``parse_text`` on a UTF-8 file, named in positions as ``str(path)``."""
    with open(path, "rb") as stream:
        data = stream.read()
    return parse_text_bytes(data, message, filename=str(path),
                            allow_unknown_fields=allow_unknown_fields)


def parse_text_bytes(data: bytes, message: Message, *, filename: str,
                     allow_unknown_fields: bool = False) -> SourceMap:
    """``parse_text`` on UTF-8 bytes (a leading byte-order mark is skipped); bytes that are
    not UTF-8 are a ParseError at their line and column."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        col = len(data[line_start:error.start].decode("utf-8", "replace")) + 1
        where = Location(filename, data.count(b"\n", 0, error.start) + 1, col)
        raise ParseError(f"not valid UTF-8: byte 0x{data[error.start]:02x} at byte offset "
                         f"{error.start}", where=where) from error
    text = text.removeprefix("\ufeff")
    return parse_text(text, message, filename=filename, allow_unknown_fields=allow_unknown_fields)


def _is_repeated(field: FieldDescriptor) -> bool:
    repeated = getattr(field, "is_repeated", None)  # protobuf >= 5; older ones have `label`
    return repeated if repeated is not None else field.label == FD.LABEL_REPEATED


def _last_field(path: Path) -> str | None:
    return next((part for part in reversed(path) if isinstance(part, str)), None)


def _dotted(path: Path, name: str) -> str:
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts[-1] += f"[{part}]"
        else:
            parts.append(part)
    return ".".join([*parts, name])


class _Parser:
    """Recursive descent over one token stream, filling messages as it goes."""

    __slots__ = ("_lexer", "_tok", "_file", "_map", "_allow_unknown", "_depth", "_entries")

    def __init__(self, text: str, filename: str, source_map: SourceMap,
                 allow_unknown: bool) -> None:
        self._lexer = Tokenizer(text, filename)
        self._tok = self._lexer.next()
        self._file = filename
        self._map = source_map
        self._allow_unknown = allow_unknown
        self._depth = 0  # blocks open
        self._entries = 0  # fields and blocks given a position

    # -- tokens ------------------------------------------------------------------------------
    def _next(self) -> Token:
        token = self._tok
        if token.kind != "eof":
            self._tok = self._lexer.next()
        return token

    def _at(self, symbol: str) -> bool:
        return self._tok.kind == "symbol" and self._tok.text == symbol

    def _accept(self, symbol: str) -> bool:
        if self._at(symbol):
            self._next()
            return True
        return False

    def _loc(self, token: Token) -> Location:
        return Location(self._file, token.line, token.col)

    def _error(self, message: str, token: Token) -> ParseError:
        return ParseError(message, where=self._loc(token))

    def _unexpected(self, expected: str, token: Token | None = None) -> ParseError:
        token = token or self._tok
        return self._error(f"unexpected {token.describe()}, expected {expected}", token)

    def _unclosed(self, opener: Token, field: str | None = None) -> ParseError:
        what = f"'{field} {opener.text}'" if field else f"'{opener.text}'"
        return self._error(f"{what} opened here is never closed: end of file reached, expected "
                           f"'{_CLOSERS[opener.text]}'", opener)

    # -- messages and fields -----------------------------------------------------------------
    def parse_message(self, message: Message, path: Path, opener: Token | None) -> None:
        """Read fields into ``message`` up to ``opener``'s closer (or the end of the file)."""
        closer = _CLOSERS[opener.text] if opener else None
        seen: set[str] = set()
        while True:
            token = self._tok
            if token.kind == "eof":
                if opener is None:
                    return
                raise self._unclosed(opener, _last_field(path))
            if closer and token.kind == "symbol" and token.text == closer:
                self._next()
                return
            if token.kind != "ident":
                raise self._unexpected(f"a field name or '{closer}'" if closer else "a field name")
            self._next()
            repeated = self._parse_field(message, token, path, seen)
            if not self._accept(";"):
                self._accept(",")
            if repeated is not None and self._tok.kind == "ident" \
                    and self._tok.text == repeated.name:
                container = getattr(message, repeated.name)
                self._take(repeated, path, len(container), read_field_run(
                    self._lexer.text, self._tok.offset, repeated.name, repeated.type,
                    container.extend))

    def _parse_field(self, message: Message, name: Token, path: Path,
                     seen: set[str]) -> FieldDescriptor | None:
        """One field; returns it when it is a repeated number field given as ``name: value``
        (so that the items after it may be read in bulk)."""
        descriptor = message.DESCRIPTOR
        field = descriptor.fields_by_name.get(name.text)
        if field is None:
            fork = FORK_FIELDS.get((descriptor.full_name, name.text))
            if fork is not None:
                self._parse_fork_field(message, fork, name, path, seen)
                return None
            extra = EXTRA_FIELDS.get(descriptor.full_name, name.text)
            if extra is not None:
                self._parse_extra_field(extra, name, path, seen)
                return None
            if self._allow_unknown:
                self._skip_field(name, path)
                return None
            raise self._error(f"unknown field '{clip(name.text)}' in "
                              f"{short_name(descriptor)}{_field_hint(descriptor, name.text)}",
                              name)
        colon = self._accept(":")
        if not colon and field.type not in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
            raise self._unexpected(f"':' after field '{name.text}'")
        if colon and self._at("["):
            if not _is_repeated(field):
                raise self._error(f"list syntax [...] given for field '{name.text}', which is "
                                  f"not repeated", self._tok)
            self._parse_list(message, field, path, seen)
            return None
        self._parse_one(message, field, path, name, seen)
        return field if _is_repeated(field) and field.type in _BULK_TYPES else None

    def _parse_list(self, message: Message, field: FieldDescriptor, path: Path,
                    seen: set[str]) -> None:
        opener = self._next()
        if self._accept("]"):
            return
        if field.type in _BULK_TYPES and self._tok.kind == "number":
            container = getattr(message, field.name)
            self._take(field, path, len(container), read_list_run(
                self._lexer.text, self._tok.offset, field.type, container.extend))
        while True:
            self._parse_one(message, field, path, self._tok, seen)
            if self._accept("]"):
                return
            if self._tok.kind == "eof":
                raise self._unclosed(opener, field.name)
            if not self._accept(","):
                raise self._unexpected(f"',' or ']' in the list of field '{field.name}'")

    def _parse_one(self, message: Message, field: FieldDescriptor, path: Path, at: Token,
                   seen: set[str]) -> None:
        """One value of ``field`` (a block or a scalar), recorded at token ``at``."""
        if field.type not in (FD.TYPE_MESSAGE, FD.TYPE_GROUP):
            value = self._read_scalar(field.type, field.enum_type, field.name)
            return self._store(message, field, value, path, at, seen)
        if not (self._at("{") or self._at("<")):
            raise self._unexpected(f"'{{' to open message field '{field.name}'")
        opener = self._next()
        if _is_repeated(field):
            container = getattr(message, field.name)
            if not path and field.name in _LAYER_FIELDS and len(container) >= MAX_LAYERS:
                raise self._error(f"more than {MAX_LAYERS:,} '{field.name}' blocks; a net "
                                  "may have at most that many layers", at)
            key = (*path, field.name, len(container))
            sub = container.add()
        else:
            self._claim(message, field, path, at, seen)
            key = (*path, field.name)
            sub = getattr(message, field.name)
            sub.SetInParent()
        self._record(key, at)
        self._depth += 1
        if self._depth > MAX_TEXT_DEPTH:
            raise self._error(f"blocks nested more than {MAX_TEXT_DEPTH} deep", opener)
        self.parse_message(sub, key, opener)
        self._depth -= 1

    def _record(self, key: Path, at: Token) -> None:
        self._entries += 1
        if self._entries > MAX_TEXT_ENTRIES:
            raise self._error(f"more than {MAX_TEXT_ENTRIES:,} fields and blocks (runs of "
                              "repeated numbers not counted); a net definition holds far "
                              "fewer", at)
        self._map.positions[key] = self._loc(at)

    def _take(self, field: FieldDescriptor, path: Path, first: int,
              bulk: Bulk | None) -> None:
        """Records a run read in bulk (values ``first`` on), with where to find its values,
        and reads on after it."""
        if bulk is None:
            return
        start = self._tok
        run = Run(self._file, self._lexer.text, start.offset, bulk.stop, start.line,
                  first, bulk.count, bulk.items, bulk.at_value)
        self._map.runs.setdefault((*path, field.name), []).append(run)
        self._lexer.seek(bulk.stop)
        self._tok = self._lexer.next()

    def _store(self, message: Message, field: FieldDescriptor, value: Any, path: Path,
               at: Token, seen: set[str]) -> None:
        if _is_repeated(field):
            container = getattr(message, field.name)
            key = (*path, field.name, len(container))
            container.append(value)
        else:
            self._claim(message, field, path, at, seen)
            key = (*path, field.name)
            setattr(message, field.name, value)
        self._record(key, at)

    def _claim(self, message: Message, field: FieldDescriptor, path: Path, at: Token,
               seen: set[str]) -> None:
        """Refuse a second value for a non-repeated field, or for another member of a oneof."""
        owner = short_name(message.DESCRIPTOR)
        if field.name in seen:
            first = self._map.positions.get((*path, field.name))
            where = f" (first at line {first.line}, column {first.col})" if first else ""
            raise self._error(f"field '{field.name}' of {owner} given twice{where}; it is not "
                              f"repeated", at)
        oneof = field.containing_oneof
        other = message.WhichOneof(oneof.name) if oneof is not None else None
        if other is not None and other != field.name:
            raise self._error(f"field '{field.name}' of {owner} given with '{other}', but only "
                              f"one of oneof '{oneof.name}' may be set", at)
        seen.add(field.name)

    def _parse_fork_field(self, message: Message, fork: ForkField, name: Token, path: Path,
                          seen: set[str]) -> None:
        if not self._accept(":"):
            raise self._unexpected(f"':' after field '{name.text}'")
        written = clip(self._tok.text)
        value = fork.translate(self._read_scalar(fork.value_type, None, name.text))
        target = message.DESCRIPTOR.fields_by_name[fork.target]
        stored = target.enum_type.values_by_name[value].number if target.enum_type else value
        self._store(message, target, stored, path, name, seen)
        owner = _last_field(path)
        written_as = f"{owner}.{name.text}" if owner else name.text
        self._map.notes.append(f"{self._loc(name)}: {written_as}: {written} (a Caffe fork's "
                               f"field) read as {fork.target}: {value}")

    def _parse_extra_field(self, extra: ExtraField, name: Token, path: Path,
                           seen: set[str]) -> None:
        """A field a Caffe fork or a plugin adds (``ops.extras``), read beside the message:
        into ``SourceMap.extras[path][name]``, with its positions under ``path + (name,)``."""
        field = extra.field
        repeated = _is_repeated(field)
        if name.text in seen and not repeated:
            raise self._error(f"field '{name.text}' given twice; it is not repeated", name)
        seen.add(name.text)
        store = self._map.extras.setdefault(path, {})
        key: Path = (*path, name.text)
        if extra.message is not None:
            self._accept(":")
            if not (self._at("{") or self._at("<")):
                raise self._unexpected(f"'{{' to open message field '{name.text}'")
            opener = self._next()
            sub = extra.message()
            if repeated:
                items = store.setdefault(name.text, [])
                key = (*key, len(items))
                items.append(sub)
            else:
                store[name.text] = sub
            self._map.positions[key] = self._loc(name)
            self.parse_message(sub, key, opener)
            return
        if not self._accept(":"):
            raise self._unexpected(f"':' after field '{name.text}'")
        value = self._read_scalar(field.type, field.enum_type, name.text)
        if repeated:
            store.setdefault(name.text, []).append(value)
        else:
            store[name.text] = value
        self._map.positions[key] = self._loc(name)

    # -- scalar values -----------------------------------------------------------------------
    def _read_scalar(self, field_type: int, enum_type: EnumDescriptor | None,
                     name: str) -> Any:
        if field_type in (FD.TYPE_STRING, FD.TYPE_BYTES):
            return self._read_string(field_type == FD.TYPE_STRING, name)
        return scalar_value(self._next(), field_type, enum_type, name, self._file)

    def _read_string(self, utf8: bool, name: str) -> str | bytes:
        if self._tok.kind != "string":
            kind = "string" if utf8 else "bytes"
            raise self._unexpected(f"a quoted string for {kind} field '{name}'")
        first = self._tok
        data = b""
        while self._tok.kind == "string":  # adjacent literals are one string
            data += unescape(self._next(), self._file)
        if not utf8:
            return data
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise self._error(f"string field '{name}' is not valid UTF-8", first) from None

    # -- unknown fields ----------------------------------------------------------------------
    def _skip_field(self, name: Token, path: Path) -> None:
        colon = self._accept(":")
        if self._at("{") or self._at("<") or (colon and self._at("[")):
            self._skip_balanced()
        elif not colon:
            raise self._unexpected(f"':' or '{{' after field '{clip(name.text)}'")
        elif self._tok.kind == "string":
            while self._tok.kind == "string":
                self._next()
        elif self._tok.kind in ("ident", "number"):
            self._next()
        else:
            raise self._unexpected(f"a value for field '{clip(name.text)}'")
        self._map.ignored.append(IgnoredField(self._loc(name), _dotted(path, clip(name.text))))

    def _skip_balanced(self) -> None:
        """Skip a block or list whose opener is the current token, through its closer."""
        openers = [self._next()]
        while openers:
            token = self._next()
            if token.kind == "eof":
                raise self._unclosed(openers[-1])
            if token.kind != "symbol":
                continue
            if token.text in _CLOSERS:
                if self._depth + len(openers) >= MAX_TEXT_DEPTH:
                    raise self._error(f"blocks nested more than {MAX_TEXT_DEPTH} deep", token)
                openers.append(token)
            elif token.text in ("}", ">", "]"):
                expected = _CLOSERS[openers[-1].text]
                if token.text != expected:
                    raise self._unexpected(f"'{expected}'", token)
                openers.pop()
