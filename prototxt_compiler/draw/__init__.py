"""Drawing a net: a graph and its ``check`` report as a self-contained SVG, or an HTML page
with pan, zoom and a hover panel.

``draw(graph, report, fmt="svg"|"html", rankdir="TB"|"LR", collapse=False, layout="auto")``
returns the document's text and the layout engine used: Graphviz's dot through the
``graphviz`` Python package where it and the dot program are installed, else the built-in
layered layout (``layout``), which needs nothing.
"""
from __future__ import annotations

from .draw import Drawing, draw
from .layout import Placement, layered_layout
from .scene import Scene, build_scene

__all__ = ["Drawing", "Placement", "Scene", "build_scene", "draw", "layered_layout"]
