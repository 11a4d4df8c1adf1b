"""Runs of repeated numbers in prototxt text, read in bulk.

A repeated number field is written either as one ``name: value`` item per value
(``dim: 1 dim: 3 dim: 224 dim: 224``, a million ``input_dim`` lines, a blob's ``data``) or as
a list (``dim: [1, 3, 224, 224]``). Read token by token, each value costs several Python
objects; here one regular expression spans the whole run, another picks its values out, and
they are converted a chunk of items at a time, so a run costs time linear in its length and
transient memory of one chunk (the regexes are possessive: no backtracking, constant stack).

Only plain literals are read in bulk: decimal integers of at most 19 digits, and decimal
floats without a suffix. A run ends before anything else (a hex or octal literal, ``inf``,
``1.5f``, a value out of its type's range, a malformed literal), which the token-by-token
parser then reads, or reports, exactly as it would have without the run.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from google.protobuf.descriptor import FieldDescriptor

from .scalars import INT_TYPES

__all__ = ["Bulk", "bulk_types", "read_field_run", "read_list_run"]

FD = FieldDescriptor

_WS = r"(?:[ \t\r\f\v\n]++|\#[^\n\x00]*+)*+"  # white space and comments, as the tokenizer's
_END = r"(?![0-9A-Za-z_.+-])"  # the literal is a whole token
_INT = r"-?(?:0|[1-9][0-9]{0,18}+)"
_FLOAT = r"-?(?:[0-9]{1,40}+(?:\.[0-9]{0,40}+)?|\.[0-9]{1,40}+)(?:[eE][+-]?[0-9]{1,3}+)?"
_COMMENT = r"\#[^\n\x00]*+"


def bulk_types() -> frozenset[int]:
    """The field types whose runs are read in bulk."""
    return frozenset(INT_TYPES) | {FD.TYPE_FLOAT, FD.TYPE_DOUBLE}


@dataclass(frozen=True)
class Bulk:
    """How many values a run gave, where the text after it starts, and how to find each value
    again (``items``: one match per value, group 1 the value; comments match with no group)."""

    count: int
    stop: int
    items: re.Pattern[str]
    at_value: bool


Sink = Callable[[list[int] | list[float]], object]

_CHUNK = 1 << 14  # items converted at a time: transient objects stay a few MB


@lru_cache(maxsize=256)
def _field_patterns(name: str, integer: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    number = _INT if integer else _FLOAT
    item = rf"{re.escape(name)}{_WS}:{_WS}({number}){_END}"
    run = re.compile(rf"(?:{re.escape(name)}{_WS}:{_WS}{number}{_END}{_WS}(?:[;,]{_WS})?)"
                     rf"{{1,{_CHUNK}}}+")
    return run, re.compile(rf"{_COMMENT}|{item}")


@lru_cache(maxsize=4)
def _list_patterns(integer: bool) -> tuple[re.Pattern[str], re.Pattern[str]]:
    number = _INT if integer else _FLOAT
    run = re.compile(rf"(?:{number}{_END}{_WS},{_WS}){{1,{_CHUNK}}}+")
    return run, re.compile(rf"{_COMMENT}|({number}){_END}")


def read_field_run(text: str, pos: int, name: str, field_type: int, sink: Sink) -> Bulk | None:
    """The run of ``name: NUMBER`` items (each with its ``;`` or ``,``) starting at ``pos``,
    its values given to ``sink`` in chunks; None when not even the first item is a plain
    literal in range."""
    run, items = _field_patterns(name, field_type in INT_TYPES)
    return _read(text, pos, run, items, field_type, sink, at_value=False)


def read_list_run(text: str, pos: int, field_type: int, sink: Sink) -> Bulk | None:
    """The values of a list ``[v, v, ...`` starting at ``pos`` (its first value), each with
    the ``,`` after it: all but the last, which the parser reads with the closing ``]``."""
    run, items = _list_patterns(field_type in INT_TYPES)
    return _read(text, pos, run, items, field_type, sink, at_value=True)


def _read(text: str, pos: int, run: re.Pattern[str], items: re.Pattern[str], field_type: int,
          sink: Sink, *, at_value: bool) -> Bulk | None:
    count = 0
    integer = field_type in INT_TYPES
    while (match := run.match(text, pos)) is not None:
        stop = match.end()
        found = [v for v in items.findall(text, pos, stop) if v]
        values: list[int] | list[float]
        if integer:
            values = list(map(int, found))
            _, low, high = INT_TYPES[field_type]
            if not (low <= min(values) and max(values) <= high):
                bad = next(i for i, v in enumerate(values) if not low <= v <= high)
                if bad:
                    sink(values[:bad])
                    count += bad
                    pos = _start_of(items, text, pos, stop, bad)
                break
        else:
            values = list(map(float, found))
        sink(values)
        count += len(values)
        pos = stop
    return Bulk(count, pos, items, at_value) if count else None


def _start_of(items: re.Pattern[str], text: str, pos: int, stop: int, index: int) -> int:
    """Where item ``index`` of the run starts (the run then ends there)."""
    k = -1
    for match in items.finditer(text, pos, stop):
        if match.group(1) is not None:
            k += 1
            if k == index:
                return match.start()
    return stop
