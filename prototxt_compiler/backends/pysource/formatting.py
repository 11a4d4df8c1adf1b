"""Statements of the generated file cut to 88 characters, in black's manner.

A line that is too long is cut inside the bracket that ends it: its items on one indented
line when they fit there; else, items without brackets of their own (numbers, names) packed
line by line, and other items one per line, each cut again the same way; the closing
bracket on a line of its own. Too many assignment targets are put in parentheses and cut
likewise. A trailing comment (a layer's output shape) is kept where the line has room.
"""
from __future__ import annotations

__all__ = ["statement", "LIMIT", "split_arguments"]

LIMIT = 88
_PAIRS = {")": "(", "]": "["}


def split_arguments(text: str) -> list[str]:
    """``text`` split at its top-level commas (outside brackets and strings)."""
    parts, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(text):
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _opening(expr: str) -> int | None:
    """The index of the bracket that the closing bracket ending ``expr`` closes."""
    if not expr or expr[-1] not in _PAIRS:
        return None
    depth, quote = 0, ""
    for i in range(len(expr) - 1, -1, -1):
        char = expr[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in ")]":
            depth += 1
        elif char in "([":
            depth -= 1
            if depth == 0:
                return i
    return None


def fit(prefix: str, expr: str, suffix: str, indent: int) -> list[str]:
    """``prefix + expr + suffix`` at ``indent`` spaces, cut inside ``expr``'s last bracket
    where it is too long."""
    pad = " " * indent
    line = pad + prefix + expr + suffix
    opening = _opening(expr)
    if len(line) <= LIMIT or opening is None:
        return [line]
    head, items, close = expr[:opening + 1], split_arguments(expr[opening + 1:-1]), expr[-1]
    inner = " " * (indent + 4)
    one = inner + ", ".join(items)
    if len(one) <= LIMIT:
        return [pad + prefix + head, one, pad + close + suffix]
    lines = [pad + prefix + head]
    if not any(c in item for item in items for c in "([{"):
        current = inner
        for item in items:  # numbers and names: packed
            if current != inner and len(current) + len(item) + 2 > LIMIT:
                lines.append(current.rstrip())
                current = inner
            current += item + ", "
        lines.append(current.rstrip())
    else:
        for item in items:
            lines += fit("", item, ",", indent + 4)
    return lines + [pad + close + suffix]


def statement(code: str, *, indent: int, comment: str | None = None) -> list[str]:
    """``code`` (an assignment ``targets = expr``, or a ``def ...:`` line) as the lines of
    one statement at ``indent`` spaces."""
    pad = " " * indent
    line = pad + code
    if comment and len(line) + 4 + len(comment) <= LIMIT:  # "  # " and the comment
        return [f"{line}  # {comment}"]
    if len(line) <= LIMIT:
        return [line]
    if code.startswith("def "):
        head, _, tail = code.rpartition(")")
        return fit("", head + ")", tail, indent)
    targets, sep, expr = code.partition(" = ")
    if not sep:
        return fit("", code, "", indent)
    if len(pad + targets + sep) > LIMIT // 2 and "," in targets:
        cut = fit("", f"({targets})", "", indent)
        return cut[:-1] + fit(cut[-1].strip() + sep, expr, "", indent)
    return fit(targets + sep, expr, "", indent)
