"""Where things came from in a prototxt file: positions of fields, and what was ignored.

A path names a field of the parsed ``NetParameter`` the way Python reaches it: field names,
with an index after a repeated field, e.g. ``("layer", 3)`` for the fourth ``layer { }`` block
(pointing at its name token ``layer``) and ``("layer", 3, "pooling_param", "pool")`` for a
field inside it. Repeated scalars have one entry per value: ``("layer", 0, "top", 1)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Location

__all__ = ["Path", "SourceMap", "IgnoredField"]

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class IgnoredField:
    """An unknown field skipped under ``--allow-unknown-fields``."""

    location: Location
    path: str  # dotted, e.g. "layer[3].pooling_param.foo"

    def __str__(self) -> str:
        return f"{self.location}: ignored unknown field {self.path}"


@dataclass
class SourceMap:
    file: str
    positions: dict[Path, Location] = field(default_factory=dict)
    ignored: list[IgnoredField] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def at(self, *path: str | int) -> Location | None:
        return self.positions.get(tuple(path))
