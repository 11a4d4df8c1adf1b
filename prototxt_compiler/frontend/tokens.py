"""Protobuf text format tokens, each with its 1-based line and column, and the values they spell.

The token kinds are ``ident`` (a field name, enum name, ``true``, ``inf``...), ``number``
(anything starting like a number, kept whole so that a bad literal such as ``12abc`` or
``1.5.2`` is reported as one token by the parser, which knows the type it wants), ``string``
(one quoted literal, still escaped), ``symbol`` (one of ``{}<>[]:;,``) and ``eof``. Comments
and white space are dropped. Characters that can start no token and strings left open at the
end of their line raise ``ParseError`` here, as soon as the tokenizer reaches them; a control
byte is a ``ControlByteError`` at its position (as in Caffe's parser: a NUL nowhere, other
control bytes only inside strings and comments).

``Tokenizer`` reads them one at a time and can ``seek`` past text read otherwise (runs of
repeated numbers, read in bulk). Every token pattern is possessive, so a token costs constant
memory however long it is; a token longer than ``MAX_TOKEN_CHARS`` is an error, and messages
quote input cut to ``MAX_QUOTE_CHARS`` (``clip``). ``unescape`` resolves a string literal's C
escapes.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from ..errors import Location, ParseError
from ..limits import MAX_QUOTE_CHARS, MAX_TOKEN_CHARS

__all__ = ["Token", "Tokenizer", "ControlByteError", "tokenize", "unescape", "clip"]


class Token(NamedTuple):
    kind: str
    text: str
    line: int
    col: int
    offset: int = 0  # of its first character in the text

    def describe(self) -> str:
        """The token as an error message names it (long ones cut, see ``clip``)."""
        if self.kind == "eof":
            return "end of file"
        return clip(self.text) if self.kind == "string" else f"'{clip(self.text)}'"


def clip(text: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """``text`` as an error message quotes it: whole when short, else its start, an ellipsis
    and its length, so that a megabyte of input never lands in a message."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


class ControlByteError(ParseError):
    """A control byte where prototxt text allows none (Caffe's text parser refuses a NUL
    anywhere and any other control byte outside strings and comments). ``offset`` is its
    index in the text; ``after_tokens`` says whether valid tokens came before it, i.e.
    whether the input up to it reads as prototxt text."""

    def __init__(self, message: str, *, where: Location, offset: int,
                 after_tokens: bool) -> None:
        super().__init__(message, where=where)
        self.offset = offset
        self.after_tokens = after_tokens


# Possessive quantifiers throughout: a token costs constant memory to match, however long.
_TOKEN = re.compile(
    r"""(?P<space>(?:[ \t\r\f\v\n]++|\#[^\n\x00]*+)++)
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*+)
      | (?P<number>-?(?:[0-9]|\.[0-9])[0-9A-Za-z_.+-]*+|-[A-Za-z_][A-Za-z0-9_]*+)
      | (?P<string>"[^"\\\n\x00]*+(?:\\[^\n\x00][^"\\\n\x00]*+)*+"
                  |'[^'\\\n\x00]*+(?:\\[^\n\x00][^'\\\n\x00]*+)*+')
      | (?P<symbol>[{}<>\[\]:;,])
      | (?P<open_quote>["'])
      | (?P<bad>.)""",
    re.VERBOSE,
)
_SIZED = ("ident", "number", "string")


class Tokenizer:
    """The tokens of one text, read one at a time; ``seek`` moves past text read otherwise
    (a run of repeated numbers parsed in bulk), keeping line and column right."""

    __slots__ = ("text", "file", "pos", "line", "line_start", "count")

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.file = filename
        self.pos = 0
        self.line, self.line_start = 1, 0
        self.count = 0  # tokens read so far

    def seek(self, pos: int) -> None:
        """Continue at ``pos`` (at or after the current position)."""
        text = self.text
        newlines = text.count("\n", self.pos, pos)
        if newlines:
            self.line += newlines
            self.line_start = text.rindex("\n", self.pos, pos) + 1
        self.pos = pos

    def location(self, offset: int) -> Location:
        """Line and column of ``offset``, which lies on the current line or after it."""
        text = self.text
        line = self.line + text.count("\n", self.line_start, offset)
        start = text.rfind("\n", 0, offset) + 1
        return Location(self.file, line, offset - start + 1)

    def next(self) -> Token:
        text = self.text
        while True:
            match = _TOKEN.match(text, self.pos)
            if match is None:  # the end of the text
                return Token("eof", "", self.line, self.pos - self.line_start + 1, self.pos)
            kind, start, end = match.lastgroup, match.start(), match.end()
            if kind != "space":
                break
            self.seek(end)
        col = start - self.line_start + 1
        if kind == "open_quote":
            raise self._open_quote(match.group(), start, col)
        if kind == "bad":
            raise self._bad(start, col)
        if kind in _SIZED and end - start > MAX_TOKEN_CHARS:
            what = "string" if kind == "string" else "token"
            raise ParseError(f"a {what} of {end - start:,} characters, longer than the limit "
                             f"of {MAX_TOKEN_CHARS:,}: {clip(match.group())}",
                             where=Location(self.file, self.line, col))
        self.pos = end
        self.count += 1
        return Token(kind, match.group(), self.line, col, start)  # type: ignore[arg-type]

    def _open_quote(self, quote: str, start: int, col: int) -> ParseError:
        text = self.text
        end = text.find("\n", start)
        nul = text.find("\x00", start, len(text) if end < 0 else end)
        if nul >= 0:
            return self._bad(nul, nul - self.line_start + 1)
        return ParseError(f"unterminated string: no closing {quote} on this line",
                          where=Location(self.file, self.line, col))

    def _bad(self, offset: int, col: int) -> ParseError:
        char = self.text[offset]
        where = Location(self.file, self.line, col)
        if char == "\x00":
            return ControlByteError("NUL byte (0x00): prototxt text allows none, not even in "
                                    "strings or comments", where=where, offset=offset,
                                    after_tokens=self.count > 0)
        if ord(char) < 0x20 or char == "\x7f":
            return ControlByteError(f"control byte 0x{ord(char):02x}: prototxt text allows "
                                    "control bytes only inside strings and comments",
                                    where=where, offset=offset, after_tokens=self.count > 0)
        return ParseError(f"unexpected character {char!r}", where=where)


def tokenize(text: str, filename: str) -> Iterator[Token]:
    """Yield the tokens of ``text``, ending with one ``eof`` token."""
    tokenizer = Tokenizer(text, filename)
    while True:
        token = tokenizer.next()
        yield token
        if token.kind == "eof":
            return


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
