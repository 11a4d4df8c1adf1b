"""Where things came from in a prototxt file: positions of fields, and what was ignored.

A path names a field of the parsed ``NetParameter`` the way Python reaches it: field names,
with an index after a repeated field, e.g. ``("layer", 3)`` for the fourth ``layer { }`` block
(pointing at its name token ``layer``) and ``("layer", 3, "pooling_param", "pool")`` for a
field inside it. Repeated scalars have one entry per value: ``("layer", 0, "top", 1)``.

Runs of repeated numbers read in bulk (``dim: 1 dim: 3 ...``, ``data: [0.1, ...]``) keep no
position per value: a ``Run`` remembers the span of text and finds the k-th value's position
again when asked, so a million values cost no million ``Location`` objects.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import Location

__all__ = ["Path", "SourceMap", "IgnoredField", "Run"]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class IgnoredField:
    """An unknown field skipped under ``--allow-unknown-fields``."""

    location: Location
    path: str  # dotted, e.g. "layer[3].pooling_param.foo"

    def __str__(self) -> str:
        return f"{self.location}: ignored unknown field {self.path}"


@dataclass(frozen=True)
class Run:
    """Values ``first`` to ``first + count - 1`` of a repeated field, read in bulk from
    ``text[start:stop]``. ``items`` finds one value per match (comments match too, with no
    group, and are skipped); a value's position is its group's start when ``at_value``, else
    its match's start (the field name). ``line`` is the line ``start`` lies on."""

    file: str
    text: str
    start: int
    stop: int
    line: int
    first: int
    count: int
    items: re.Pattern[str]
    at_value: bool

    def locate(self, index: int) -> Location | None:
        """The position of value ``first + index``."""
        k = -1
        for match in self.items.finditer(self.text, self.start, self.stop):
            if match.group(1) is None:
                continue
            k += 1
            if k == index:
                offset = match.start(1) if self.at_value else match.start()
                line = self.line + self.text.count("\n", self.start, offset)
                col = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
                return Location(self.file, line, col)
        return None


@dataclass
class SourceMap:
    file: str
    positions: dict[Path, Location] = field(default_factory=dict)
    ignored: list[IgnoredField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    runs: dict[Path, list[Run]] = field(default_factory=dict)  # repeated field -> its runs
    # the fields a fork or plugin adds (ops.extras), by the path of the message they are in:
    # ("layer", 3) -> {"upsample_param": message}
    extras: dict[Path, dict[str, Any]] = field(default_factory=dict)

    def at(self, *path: str | int) -> Location | None:
        found = self.positions.get(tuple(path))
        if found is not None or len(path) < 2 or not isinstance(path[-1], int):
            return found
        index = path[-1]
        for run in self.runs.get(tuple(path[:-1]), ()):
            if run.first <= index < run.first + run.count:
                return run.locate(index - run.first)
        return None
