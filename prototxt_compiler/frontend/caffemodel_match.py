"""A .caffemodel held against a net definition: which layers' blobs fit, which are missing,
which differ in shape, and which the net does not have.

The rule is the one loading weights follows (Caffe's ``Net::CopyTrainedLayersFrom``): blobs
go to the layer of the same name; they fit when there are as many as the layer's type
expects (``OpDef.blobs``) and each has the expected shape up to leading 1s (the legacy 4-D
(1, 1, N, K) of an InnerProduct's (N, K) weight). A dimension the net leaves symbolic (a
fragment's channels) fits any size. Layers of the file that the net lacks are ignored by
Caffe, and listed here as such.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..ir import Graph, Shape, is_symbolic
from ..ops import OPS
from .caffemodel_info import CaffemodelInfo

__all__ = ["LayerMatch", "ModelMatch", "match_caffemodel"]


@dataclass(frozen=True)
class LayerMatch:
    """One layer with parameters, of the net or of the file. ``status``: "match",
    "missing" (the net's layer has no blobs in the file), "differs" (count or shapes) or
    "extra" (a layer of the file the net lacks)."""

    name: str
    type: str
    status: str
    expected: tuple[Shape, ...] = ()
    found: tuple[Shape, ...] = ()
    file_type: str | None = None  # the file's type where it is not the net's

    def describe(self) -> str:
        want = ", ".join(str(_dims(s)) for s in self.expected)
        have = ", ".join(str(list(s)) for s in self.found)
        layer = f"{self.name} ({self.type})"
        if self.status == "missing":
            return f"{layer}: expects {len(self.expected)} blob(s) [{want}]; the weights have " \
                   "no layer of that name"
        if self.status == "differs":
            also = f"; the weights say type {self.file_type}" if self.file_type else ""
            return f"{layer}: expected [{want}], found [{have}]{also}"
        if self.status == "extra":
            return f"{layer}: {len(self.found)} blob(s) [{have}], no layer of that name in " \
                   "the net (ignored, as Caffe ignores it)"
        return f"{layer}: [{have}]"


@dataclass(frozen=True)
class ModelMatch:
    net: str
    layers: tuple[LayerMatch, ...]

    def of(self, status: str) -> list[LayerMatch]:
        return [m for m in self.layers if m.status == status]

    @property
    def fits(self) -> bool:
        """Every layer of the net that takes blobs finds them, of the right shapes."""
        return not self.of("missing") and not self.of("differs")

    def summary(self) -> str:
        expected = [m for m in self.layers if m.status != "extra"]
        parts = [f"{len(self.of('match'))} of the net's {len(expected)} layer(s) with "
                 "parameters match"]
        if self.of("missing"):
            parts.append(f"{len(self.of('missing'))} missing from the weights")
        if self.of("differs"):
            parts.append(f"{len(self.of('differs'))} differ in shape")
        if self.of("extra"):
            parts.append(f"{len(self.of('extra'))} layer(s) of the weights are not in the "
                         "net (ignored)")
        return f"against {self.net}: " + "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        def entry(m: LayerMatch) -> dict[str, Any]:
            return {"name": m.name, "type": m.type,
                    "expected": [[str(d) if is_symbolic(d) else d for d in s]
                                 for s in m.expected],
                    "found": [list(s) for s in m.found], "file_type": m.file_type}

        return {"net": self.net, "fits": self.fits,
                **{status: [entry(m) for m in self.of(status)]
                   for status in ("match", "missing", "differs", "extra")}}


def _dims(shape: Shape) -> list[Any]:
    return [str(d) if is_symbolic(d) else d for d in shape]


def _strip_ones(shape: Shape) -> Shape:
    i = 0
    while i < len(shape) and not is_symbolic(shape[i]) and shape[i] == 1:
        i += 1
    return tuple(shape[i:])


def _fits(expected: Shape, found: Shape) -> bool:
    want, have = _strip_ones(expected), _strip_ones(found)
    return len(want) == len(have) and all(is_symbolic(w) or w == h for w, h in zip(want, have))


def match_caffemodel(info: CaffemodelInfo, graph: Graph, net: str = "the net") -> ModelMatch:
    """Every layer of ``graph`` that takes parameter blobs, and every layer of ``info``
    that holds some, in the net's order then the file's."""
    by_name = {layer.name: layer for layer in info.layers}
    out: list[LayerMatch] = []
    names = set()
    for node in graph.nodes:
        names.add(node.name)
        bottoms = [v.shape or () for v in node.inputs]
        expected = tuple(tuple(s) for s in OPS[node.type].blobs(node.params, bottoms))
        stored = by_name.get(node.name)
        found = tuple(b.shape for b in stored.blobs) if stored is not None else ()
        if not expected and not found:
            continue
        other = stored.type if stored is not None and stored.type != node.type else None
        if stored is None or not stored.blobs:
            status = "missing"
        elif len(found) == len(expected) and all(map(_fits, expected, found)):
            status = "match"
        else:
            status = "differs"
        out.append(LayerMatch(node.name, node.type, status, expected, found, other))
    for layer in info.layers:
        if layer.name not in names and layer.blobs:
            out.append(LayerMatch(layer.name, layer.type, "extra", (),
                                  tuple(b.shape for b in layer.blobs)))
    return ModelMatch(net=net, layers=tuple(out))
