"""Drawing a graph: its scene, laid out by dot or the built-in layout, as SVG or HTML."""
from __future__ import annotations

from dataclasses import dataclass

from ..checks import Report
from ..errors import UsageError
from ..ir import Graph
from .dot import dot_available, dot_layout
from .html import render_html
from .layout import layered_layout
from .scene import build_scene
from .svg import render_svg

__all__ = ["Drawing", "draw", "FORMATS", "LAYOUTS"]

FORMATS = ("svg", "html")
LAYOUTS = ("auto", "dot", "builtin")


@dataclass(frozen=True)
class Drawing:
    """The document, and what went into it."""

    text: str
    engine: str  # the layout engine used, e.g. "Graphviz dot 2.42.2"
    fallback: str | None  # with layout "auto": why dot was not used (None: it was)
    boxes: int
    deviations: int


def draw(graph: Graph, report: Report | None, *, fmt: str = "svg", rankdir: str = "TB",
         collapse: bool = False, layout: str = "auto") -> Drawing:
    """``graph`` drawn with ``report``'s units and deviations. ``layout``: "dot" requires
    Graphviz, "builtin" never uses it, "auto" uses dot where it runs (a collapsed overview of
    residual units always takes the built-in stage columns, which fit a screen)."""
    if fmt not in FORMATS:
        raise UsageError(f"format {fmt!r}: expected one of {', '.join(FORMATS)}")
    if rankdir not in ("TB", "LR"):
        raise UsageError(f"rankdir {rankdir!r}: expected TB or LR")
    if layout not in LAYOUTS:
        raise UsageError(f"layout {layout!r}: expected one of {', '.join(LAYOUTS)}")
    scene = build_scene(graph, report, collapse=collapse)
    fallback = None
    columns = scene.collapsed and bool(scene.stages)
    if layout == "dot":
        placement = dot_layout(scene, rankdir)
    elif layout == "auto" and not columns and (fallback := dot_available()) is None:
        placement = dot_layout(scene, rankdir)
    else:
        placement = layered_layout(scene, rankdir)
        if layout == "auto" and columns:
            fallback = "a collapsed overview is laid out in stage columns"
    svg = render_svg(scene, placement)
    text = svg if fmt == "svg" else render_html(scene, placement, svg)
    deviations = sum(len(b.deviations) for b in scene.boxes) + len(scene.messages)
    return Drawing(text, placement.engine, fallback, len(scene.boxes), deviations)
