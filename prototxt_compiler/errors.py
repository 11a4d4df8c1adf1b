"""The one exception hierarchy of prototxt-compiler.

Every error says where (a source position ``FILE:LINE:COL``, or a layer by name and type, with
the field where it is known) and what was expected. Only ``cli.py`` turns these into messages
and exit codes; everything else raises them where the fact is known.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Location", "CompilerError", "ParseError", "UpgradeError", "GraphError", "LayerError",
    "UnsupportedLayerError", "MissingInputShapeError", "OpError", "UsageError", "WeightsError",
    "CheckError", "InternalError",
]


@dataclass(frozen=True)
class Location:
    """A position in a source file; ``line`` and ``col`` count from 1."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class CompilerError(Exception):
    """Base of every error the compiler raises on bad input."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class ParseError(CompilerError):
    """Text or binary that is not a valid Caffe NetParameter."""


class UpgradeError(CompilerError):
    """A legacy (V0/V1) definition that cannot be upgraded as Caffe would."""


class GraphError(CompilerError):
    """A net whose structure is broken: a bottom nothing produces, a top written twice, a cycle."""


class OpError(CompilerError):
    """Raised inside ``ops`` rules; the importer rewraps it as a LayerError naming the layer."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LayerError(CompilerError):
    """A layer whose parameters or bottoms break Caffe's rules for its type."""

    def __init__(self, message: str, *, layer: str, type: str, field: str | None = None,
                 location: Location | None = None) -> None:
        where = f"layer '{layer}' ({type})"
        if field:
            where += f", field {field}"
        if location is not None:
            where = f"{location}: {where}"
        super().__init__(message, where=where)
        self.layer = layer
        self.type = type
        self.field = field
        self.location = location


class UnsupportedLayerError(CompilerError):
    """One or more layers of a type the compiler does not know; all are listed at once."""

    def __init__(self, layers: list[tuple[str, str, Location | None]], *,
                 backend: str | None = None, hints: dict[str, str | None] | None = None) -> None:
        target = f" by the {backend} backend" if backend else ""
        lines = [f"{len(layers)} layer(s) of a type not supported{target}:"]
        for name, kind, loc in layers:
            at = f"{loc}: " if loc else ""
            hint = (hints or {}).get(kind)
            close = f" (did you mean '{hint}'?)" if hint else ""
            if kind.startswith("Python:"):
                module, _, cls = kind[len("Python:"):].rpartition(".")
                lines.append(f"  {at}layer '{name}' has type 'Python' (python_param module "
                             f"'{module}', layer '{cls}'), which no plugin registers")
            else:
                lines.append(f"  {at}layer '{name}' has type '{kind}'{close}")
        super().__init__("\n".join(lines))
        self.layers = layers


class MissingInputShapeError(GraphError):
    """Input blobs whose shapes neither the net nor the user gives.

    ``missing`` maps blobs that no layer produces (the net is a fragment) to the layers that
    read them; ``undeclared`` maps inputs whose layer does not fix a shape (a Data layer's
    channels live in its database) to that layer's name and type.
    """

    def __init__(self, missing: dict[str, list[str]],
                 undeclared: dict[str, str] | None = None, *,
                 hints: dict[str, str | None] | None = None) -> None:
        undeclared = undeclared or {}
        hints = hints or {}
        lines = []
        if missing:
            lines.append("blobs read but produced by no layer (a typo, or inputs of a "
                         "fragment of a bigger net?):")
            for blob, readers in list(missing.items())[:MAX_LISTED]:
                hint = f" (did you mean '{hints[blob]}'?)" if hints.get(blob) else ""
                shown = ", ".join(repr(r) for r in readers[:MAX_LISTED])
                more = f" and {len(readers) - MAX_LISTED} more" if len(readers) > MAX_LISTED \
                    else ""
                lines.append(f"  '{blob}', read by {shown}{more}{hint}")
            if len(missing) > MAX_LISTED:
                lines.append(f"  ... and {len(missing) - MAX_LISTED} more")
        if undeclared:
            lines.append("inputs whose shape the net does not fix:")
            for blob, layer in undeclared.items():
                lines.append(f"  '{blob}', top of {layer}")
        blobs = (list(missing) + list(undeclared))[:MAX_LISTED]
        example = " ".join(f"--input-shape {b}=N,C,H,W" for b in blobs)
        lines.append(f"give their shapes: {example} (Python: input_shapes={{...}})")
        super().__init__("\n".join(lines))
        self.missing = missing
        self.undeclared = undeclared


MAX_LISTED = 20  # items an error lists one by one before it counts the rest


class WeightsError(CompilerError):
    """A .caffemodel that does not fit the net: missing, extra or misshapen blobs."""


class CheckError(CompilerError):
    """A net that deviates from the template it was required to match (exit 1, not 2)."""

    exit_code = 1


class UsageError(CompilerError):
    """Bad command-line or API usage (a malformed --input-shape, an unknown phase)."""


class InternalError(CompilerError):
    """A failure that is a bug of the compiler, not of the input (exit 3), re-raised once
    with the layer being converted, as torch.fx's Interpreter says "While executing"."""

    exit_code = 3

    def __init__(self, error: BaseException, *, layer: str, type: str,
                 location: Location | None = None, backend: str = "") -> None:
        where = f"layer '{layer}' ({type})"
        if location is not None:
            where = f"{location}: {where}"
        stage = f"the {backend} backend" if backend else "the compiler"
        super().__init__(f"internal error in {stage} while converting this layer: "
                         f"{type_name(error)}: {error}; please report it with the input "
                         "that caused it", where=where)
        self.layer = layer
        self.type = type


def type_name(error: BaseException) -> str:
    return type(error).__name__
