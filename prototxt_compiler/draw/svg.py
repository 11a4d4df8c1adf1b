"""A laid-out scene as one self-contained SVG document (no script, no external reference:
styles inline, the arrowhead a marker of its own).

Every element says what it is, for people and for tests: ``g.node`` with ``data-id`` and
its kind (``layer``, ``inplace``, ``input``, ``output``, ``unit``) as classes, ``data-layer``
and ``data-type`` for a layer, ``deviation`` and ``data-deviation`` where ``check`` found
one (the message also drawn beside the box, red); ``g.edge`` with ``data-blob``,
``data-from`` and ``data-to``; ``g.cluster`` with ``data-unit``. The root carries the net's
name and the layout engine (``data-layout``), which the header line also states.
"""
from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .layout import Placement
from .scene import LINE_HEIGHT, Box, Scene

__all__ = ["render_svg", "STYLE"]

STYLE = """
.net-drawing { font-family: 'DejaVu Sans', Arial, Helvetica, sans-serif; font-size: 11px; }
.node rect { stroke: #4a6f98; stroke-width: 1.2; fill: #dde9f7; }
.node.inplace rect { fill: #dcf3dc; stroke: #4d8b4d; }
.node.input rect, .node.output rect { fill: #fff1c9; stroke: #a8842c; }
.node.unit rect { fill: #ece9f6; stroke: #6a5a9c; }
.node.deviation rect { fill: #fde2e2; stroke: #cc1f1f; stroke-width: 2.6; }
.node text.name { font-weight: bold; }
.node text.type { fill: #3a3a3a; }
.node text.params { fill: #204060; }
.deviation-message { fill: #cc1f1f; font-size: 10.5px; font-weight: bold; }
.edge path { fill: none; stroke: #7d8794; stroke-width: 1.1; }
.edge text { fill: #5a6270; font-size: 9px; }
.cluster rect { fill: #f6f6fb; stroke: #9a9ab8; stroke-dasharray: 4 3; }
.cluster.deviation rect { stroke: #cc1f1f; fill: #fff6f6; }
.cluster text { fill: #50507a; font-size: 10px; font-weight: bold; }
.headline { font-size: 13px; font-weight: bold; }
.subline { fill: #555; font-size: 10.5px; }
.subline.deviation { fill: #cc1f1f; }
"""


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _box(box: Box, x: float, y: float) -> str:
    classes = ["node", box.kind] + (["deviation"] if box.deviations else [])
    attrs = [f'class="{" ".join(classes)}"', f"data-id={quoteattr(box.id)}"]
    if box.layer is not None:
        attrs += [f"data-layer={quoteattr(box.layer)}", f"data-type={quoteattr(box.type or '')}"]
    if box.deviations:
        attrs.append(f"data-deviation={quoteattr(' | '.join(box.deviations))}")
    w, h = box.width, box.height
    radius = h / 2 if box.kind in ("inplace", "input", "output") else 3
    title = "\n".join(box.lines + tuple(f"deviation: {d}" for d in box.deviations))
    out = [f"<g {' '.join(attrs)}>", f"<title>{escape(title)}</title>",
           f'<rect x="{_num(x - w / 2)}" y="{_num(y - h / 2)}" width="{_num(w)}" '
           f'height="{_num(h)}" rx="{_num(radius)}"/>']
    top = y - h / 2 + 5 + LINE_HEIGHT * 0.78
    for i, (line, role) in enumerate(zip(box.lines, ("name", "type", "params"))):
        out.append(f'<text class="{role}" x="{_num(x)}" y="{_num(top + i * LINE_HEIGHT)}" '
                   f'text-anchor="middle">{escape(line)}</text>')
    for i, message in enumerate(box.deviations):
        out.append(f'<text class="deviation-message" x="{_num(x + w / 2 + 8)}" '
                   f'y="{_num(y - h / 2 + 12 + i * 13)}">⚠ {escape(message)}</text>')
    out.append("</g>")
    return "".join(out)


def _edge(source: str, target: str, blob: str, label: str,
          points: list[tuple[float, float]], curved: bool) -> str:
    if curved and len(points) >= 4 and (len(points) - 1) % 3 == 0:
        d = f"M{_num(points[0][0])} {_num(points[0][1])} C" + " ".join(
            f"{_num(x)} {_num(y)}" for x, y in points[1:])
    else:
        d = "M" + " L".join(f"{_num(x)} {_num(y)}" for x, y in points)
    (x0, y0), (x1, y1) = points[0], points[-1]
    # beside the line where it leaves its source: below the box, or right of it
    lx, ly = (x0 + 5, y0 + 11) if abs(y1 - y0) >= abs(x1 - x0) else (x0 + 6, y0 - 4)
    return (f'<g class="edge" data-blob={quoteattr(blob)} data-from={quoteattr(source)} '
            f'data-to={quoteattr(target)}><path d="{d}" marker-end="url(#arrow)"/>'
            f'<text x="{_num(lx)}" y="{_num(ly)}">{escape(label)}</text></g>')


def render_svg(scene: Scene, placement: Placement, *, message_room: float = 0.0) -> str:
    """The SVG text. ``message_room`` widens the canvas for deviation messages."""
    longest = max((len(d) for b in scene.boxes for d in b.deviations), default=0)
    width = placement.width + (longest * 6.2 + 20 if longest else 0) + message_room
    height = placement.height
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="net-drawing" '
             f'width="{_num(width)}" height="{_num(height)}" '
             f'viewBox="0 0 {_num(width)} {_num(height)}" data-net={quoteattr(scene.title)} '
             f'data-layout={quoteattr(placement.engine)}>',
             f"<title>{escape(scene.title)}</title>",
             f"<style>{STYLE}</style>",
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" '
             'fill="#7d8794"/></marker></defs>',
             f'<rect width="{_num(width)}" height="{_num(height)}" fill="#ffffff"/>',
             '<g id="viewport">']
    headline = scene.headline or "no residual-network template matched"
    if not headline.startswith(scene.title):
        headline = f"{scene.title}: {headline}"
    parts.append(f'<text class="headline" x="24" y="20">{escape(headline)}</text>')
    deviations = sum(len(b.deviations) for b in scene.boxes) + len(scene.messages)
    sub = f"layout: {placement.engine}; {len(scene.boxes)} boxes" + (
        f"; {deviations} deviation(s) from the template, in red" if deviations else "")
    sub += "".join(f"; {m}" for m in scene.messages)
    parts.append(f'<text class="subline{" deviation" if deviations else ""}" x="24" '
                 f'y="35">{escape(sub)}</text>')
    for cluster in scene.clusters:
        if cluster.id not in placement.clusters:
            continue
        x0, y0, x1, y1 = placement.clusters[cluster.id]
        cls = "cluster deviation" if cluster.deviates else "cluster"
        parts.append(f'<g class="{cls}" data-unit={quoteattr(cluster.label)} '
                     f'data-id={quoteattr(cluster.id)}><rect x="{_num(x0)}" y="{_num(y0)}" '
                     f'width="{_num(x1 - x0)}" height="{_num(y1 - y0)}" rx="6"/>'
                     f'<text x="{_num(x0 + 6)}" y="{_num(y0 + 12)}">{escape(cluster.label)}'
                     "</text></g>")
    for edge, points in placement.edges:
        parts.append(_edge(edge.source, edge.target, edge.blob, edge.label, points,
                           placement.curved))
    for box in scene.boxes:
        x, y = placement.boxes[box.id]
        parts.append(_box(box, x, y))
    parts.append("</g></svg>")
    return "\n".join(parts) + "\n"
