"""Hypothesis strategies that damage a valid input: byte edits of binary protobuf (flipped
bits, cut, spliced, repeated spans, varints made huge) and token-level edits of prototxt
text (tokens dropped, repeated, swapped, replaced by field names, edge numbers, braces,
control bytes, bytes that are not UTF-8, very long runs)."""
from __future__ import annotations

import re

from hypothesis import strategies as st

from prototxt_compiler.proto import caffe_pb2

__all__ = ["mutated_bytes", "mutated_text", "FIELD_NAMES"]


def _names(descriptor: object, seen: set[str]) -> None:
    for field in descriptor.fields:  # type: ignore[attr-defined]
        seen.add(field.name)
        if field.message_type is not None and field.message_type.full_name not in seen:
            seen.add(field.message_type.full_name)
            _names(field.message_type, seen)


_ALL: set[str] = set()
_names(caffe_pb2.NetParameter.DESCRIPTOR, _ALL)
FIELD_NAMES = tuple(sorted(n for n in _ALL if "." not in n))

_TOKENS = ("{", "}", "<", ">", "[", "]", ":", ";", ",", '"', "'", "#", "\n", " ", "-", ".",
           "0", "1", "-1", "2147483648", "4294967296", "9" * 40, "0x7fffffff", "010", "1e39",
           "inf", "-inf", "nan", "true", "false", "MAX", "CEIL", "TEST", "TRAIN", '"x"',
           '"\\', '"\\777"', '"\\x"', "layer {", "layers {", "input: \"d\"", "input_dim: 1",
           "\x00", "\x01", "\x1b", "\x7f", "\ufeff", "é", "\udcff")
_EDGE_NUMBERS = ("0", "1", "-1", "2147483647", "2147483648", "-2147483649", "4294967295",
                 "18446744073709551616", "1e-45", "3.5e38", "nan", "inf", "0x10", "017", "")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?")


def _token(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 5))
    if kind <= 1:
        return draw(st.sampled_from(_TOKENS))
    if kind == 2:
        return draw(st.sampled_from(FIELD_NAMES)) + draw(st.sampled_from((": ", " { ", " ")))
    if kind == 3:
        return draw(st.sampled_from(_TOKENS)) * draw(st.sampled_from((2, 10, 1000)))
    if kind == 4:
        return draw(st.text(max_size=8))
    return draw(st.sampled_from(("{ " * 200, "[" * 50, "layer { " * 30, "dim: 1 " * 500)))


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> bytes:
    """``text`` with 1 to 4 edits, as UTF-8 bytes (with a raw bad byte now and then)."""
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.integers(0, 7))
        n = len(text)
        at = draw(st.integers(0, n))
        end = min(n, at + draw(st.integers(0, 40)))
        if edit == 0:
            text = text[:at] + text[end:]
        elif edit <= 2:
            text = text[:at] + _token(draw) + text[at:]
        elif edit == 3:
            text = text[:at] + _token(draw) + text[end:]
        elif edit == 4:
            text = text[:end] + text[at:end] * draw(st.sampled_from((1, 2, 50))) + text[end:]
        elif edit == 5:
            numbers = list(_NUMBER.finditer(text))
            if numbers:
                match = draw(st.sampled_from(numbers))
                text = text[:match.start()] + draw(st.sampled_from(_EDGE_NUMBERS)) + \
                    text[match.end():]
        elif edit == 6:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            text = text[:at]
    data = text.encode("utf-8", errors="surrogateescape")
    if draw(st.integers(0, 15)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from((b"\xff", b"\xc3", b"\xed\xa0\x80"))) + data[at:]
    return data


@st.composite
def mutated_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with 1 to 4 byte-level edits."""
    buf = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.integers(0, 6))
        n = len(buf)
        at = draw(st.integers(0, max(0, n - 1)))
        if edit == 0 and n:
            buf[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == 1 and n:
            buf[at] = draw(st.sampled_from((0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x12, 0x2D)))
        elif edit == 2:
            del buf[at:at + draw(st.integers(1, 16))]
        elif edit == 3:
            buf[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif edit == 4:
            end = min(n, at + draw(st.integers(1, 64)))
            buf[end:end] = buf[at:end] * draw(st.sampled_from((1, 2, 100)))
        elif edit == 5:  # a varint made huge (a length of 2**63, a dim of -1...)
            buf[at:at] = draw(st.sampled_from((b"\xff" * 9 + b"\x01", b"\xff\xff\xff\xff\x0f",
                                               b"\x80" * 10, b"\xff\xff\xff\xff\x07")))
        else:
            del buf[draw(st.integers(0, n)):]
    return bytes(buf)
