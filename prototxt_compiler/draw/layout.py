"""A layered layout of a scene in pure Python (no dependency), and what any layout gives.

The layered (Sugiyama) method, as Graphviz's dot does it, in its simplest sound form:
  1. ranks: each box one rank below its deepest source (the scene is in topological
     order); a graph input sits just above its first reader;
  2. an edge spanning several ranks gets a point per rank between (a dummy), so that it
     can bend around the boxes in between;
  3. order within each rank: first seen first, then sweeps down and up that sort each
     rank by the mean position of its neighbours in the rank before (barycenters), which
     removes most crossings;
  4. positions across: each box at the median of its neighbours, sweeping down and up,
     then pushed apart to keep a gap (a pass each way, averaged), so chains run straight;
  5. positions along: rank by rank, each rank as deep as its deepest box.
``rankdir`` TB runs the ranks top to bottom, LR left to right. A collapsed scene of
residual units (``Scene.stages``) is laid out in columns instead, one per stage, the stem
before them and the head after, so a 101-layer net's overview fits a screen.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

from .scene import Edge, Scene

__all__ = ["Placement", "layered_layout", "MARGIN", "RANK_GAP", "BOX_GAP"]

MARGIN = 24.0
RANK_GAP = 30.0  # between ranks, room for the edge labels
LR_RANK_GAP = 86.0  # left to right the labels run along the gap
BOX_GAP = 26.0
DUMMY = 12.0
HEADER = 44.0  # the title lines above the drawing
Point = tuple[float, float]


@dataclass(frozen=True)
class Placement:
    """Where everything goes: box centres, edge polylines, cluster rectangles (x0, y0, x1,
    y1), the drawing's size, and the engine that computed it."""

    engine: str
    width: float
    height: float
    boxes: dict[str, Point]
    edges: list[tuple[Edge, list[Point]]]
    clusters: dict[str, tuple[float, float, float, float]]
    curved: bool = False  # edges are cubic B-spline control points (dot's), not polylines


def _sizes(scene: Scene, rankdir: str) -> dict[str, tuple[float, float]]:
    """Each box's (across, along) extent: width and height for TB, swapped for LR."""
    return {b.id: (b.width, b.height) if rankdir == "TB" else (b.height, b.width)
            for b in scene.boxes}


def _ranks(scene: Scene) -> dict[str, int]:
    incoming: dict[str, list[str]] = {b.id: [] for b in scene.boxes}
    outgoing: dict[str, list[str]] = {b.id: [] for b in scene.boxes}
    for e in scene.edges:
        incoming[e.target].append(e.source)
        outgoing[e.source].append(e.target)
    rank: dict[str, int] = {}
    for box in scene.boxes:
        rank[box.id] = max((rank[s] + 1 for s in incoming[box.id] if s in rank), default=0)
    for box in scene.boxes:  # sources sit just above their first reader
        if not incoming[box.id] and outgoing[box.id]:
            rank[box.id] = max(0, min(rank[t] for t in outgoing[box.id]) - 1)
    return rank


def layered_layout(scene: Scene, rankdir: str = "TB") -> Placement:
    if scene.collapsed and scene.stages:
        return _stage_columns(scene)
    size = _sizes(scene, rankdir)
    rank = _ranks(scene)
    # dummies: one point per rank crossed
    chains: list[tuple[Edge, list[str]]] = []
    for i, e in enumerate(scene.edges):
        chain = [e.source]
        for r in range(rank[e.source] + 1, rank[e.target]):
            dummy = f"~{i}:{r}"
            rank[dummy], size[dummy] = r, (DUMMY, 0.0)
            chain.append(dummy)
        chains.append((e, chain + [e.target]))
    ups: dict[str, list[str]] = {n: [] for n in rank}
    downs: dict[str, list[str]] = {n: [] for n in rank}
    for _, chain in chains:
        for a, b in zip(chain, chain[1:]):
            downs[a].append(b)
            ups[b].append(a)
    layers: list[list[str]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for node in rank:  # first seen first: boxes in scene order, then dummies by edge
        layers[rank[node]].append(node)
    _order(layers, ups, downs)
    across = _across(layers, size, ups, downs)
    return _place(scene, rankdir, layers, size, across, chains)


def _order(layers: list[list[str]], ups: dict[str, list[str]],
           downs: dict[str, list[str]], sweeps: int = 6) -> None:
    for sweep in range(sweeps):
        down = sweep % 2 == 0
        sequence = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        for r in sequence:
            near = layers[r - 1] if down else layers[r + 1]
            position = {n: i for i, n in enumerate(near)}
            links = ups if down else downs
            keyed = []
            for i, node in enumerate(layers[r]):
                seen = [position[m] for m in links[node] if m in position]
                keyed.append((sum(seen) / len(seen) if seen else float(i), i, node))
            layers[r] = [node for _, _, node in sorted(keyed)]


def _pack(nodes: Sequence[str], want: dict[str, float],
          size: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Positions as close to ``want`` as the order and the gaps allow."""
    def gap(a: str, b: str) -> float:
        return (size[a][0] + size[b][0]) / 2 + (BOX_GAP if size[a][1] and size[b][1]
                                                 else BOX_GAP / 2)
    left = [want[nodes[0]]]
    for a, b in zip(nodes, nodes[1:]):
        left.append(max(want[b], left[-1] + gap(a, b)))
    right = [want[nodes[-1]]]
    for a, b in zip(reversed(nodes[:-1]), reversed(nodes[1:])):
        right.append(min(want[a], right[-1] - gap(a, b)))
    right.reverse()
    mean = [(a + b) / 2 for a, b in zip(left, right)]
    out = [mean[0]]
    for a, b, x in zip(nodes, nodes[1:], mean[1:]):
        out.append(max(x, out[-1] + gap(a, b)))
    return dict(zip(nodes, out))


def _across(layers: list[list[str]], size: dict[str, tuple[float, float]],
            ups: dict[str, list[str]], downs: dict[str, list[str]],
            rounds: int = 8) -> dict[str, float]:
    x: dict[str, float] = {}
    for nodes in layers:
        x.update(_pack(nodes, {n: 0.0 for n in nodes}, size))
    for sweep in range(rounds):
        down = sweep % 2 == 0
        order = layers if down else layers[::-1]
        for nodes in order:
            links = ups if down else downs
            want = {n: median(x[m] for m in links[n]) if links[n] else x[n] for n in nodes}
            x.update(_pack(nodes, want, size))
    return x


def _place(scene: Scene, rankdir: str, layers: list[list[str]],
           size: dict[str, tuple[float, float]], across: dict[str, float],
           chains: list[tuple[Edge, list[str]]]) -> Placement:
    low = min((across[n] - size[n][0] / 2 for n in across), default=0.0)
    along: dict[str, float] = {}
    depth = HEADER if rankdir == "TB" else MARGIN
    for nodes in layers:
        extent = max((size[n][1] for n in nodes), default=0.0)
        for n in nodes:
            along[n] = depth + extent / 2
        depth += extent + (RANK_GAP if rankdir == "TB" else LR_RANK_GAP)
    start = MARGIN - low + (0.0 if rankdir == "TB" else HEADER)

    def point(n: str) -> Point:
        a, b = across[n] + start, along[n]
        return (a, b) if rankdir == "TB" else (b, a)

    boxes = {b.id: point(b.id) for b in scene.boxes}
    edges = []
    for e, chain in chains:
        points = [point(n) for n in chain]
        points[0] = _side(points[0], size[chain[0]], rankdir, +1)
        points[-1] = _side(points[-1], size[chain[-1]], rankdir, -1)
        edges.append((e, points))
    extent = max((across[n] + size[n][0] / 2 + start for n in across), default=0.0) + MARGIN
    width, height = (extent, depth + MARGIN) if rankdir == "TB" else (depth + MARGIN, extent)
    return Placement("built-in layered layout", width, height, boxes, edges,
                     _clusters(scene, boxes))


def _side(centre: Point, extent: tuple[float, float], rankdir: str, sign: int) -> Point:
    """The middle of a box's side towards the next rank (+1) or the previous one (-1)."""
    x, y = centre
    if rankdir == "TB":
        return (x, y + sign * extent[1] / 2)
    return (x + sign * extent[1] / 2, y)


def _clusters(scene: Scene, boxes: dict[str, Point], pad: float = 10.0
              ) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for cluster in scene.clusters:
        members = [scene.box(m) for m in cluster.members if m in boxes]
        if not members:
            continue
        x0 = min(boxes[b.id][0] - b.width / 2 for b in members) - pad
        x1 = max(boxes[b.id][0] + b.width / 2 for b in members) + pad
        y0 = min(boxes[b.id][1] - b.height / 2 for b in members) - pad - 14
        y1 = max(boxes[b.id][1] + b.height / 2 for b in members) + pad
        out[cluster.id] = (x0, y0, x1, y1)
    return out


def _stage_columns(scene: Scene, gap: float = 12.0, column_gap: float = 48.0,
                   tallest: float = 1060.0) -> Placement:
    """Collapsed units: a column per stage (the stem first, the head last), boxes stacked;
    a column that would grow past ``tallest`` pixels goes on in a column beside it."""
    group: dict[str, int] = {}
    seen_unit = False
    last = max(scene.stages.values())
    for box in scene.boxes:
        if box.id in scene.stages:
            group[box.id] = scene.stages[box.id]
            seen_unit = True
        else:
            group[box.id] = last + 1 if seen_unit else 0
    top = HEADER + 10
    columns: dict[str, int] = {}
    column, height, current = -1, 0.0, None
    for box in scene.boxes:
        if group[box.id] != current or height + box.height > tallest - top:
            column, height, current = column + 1, 0.0, group[box.id]
        columns[box.id] = column
        height += box.height + gap
    width = {c: max(b.width for b in scene.boxes if columns[b.id] == c)
             for c in set(columns.values())}
    left, x = {}, MARGIN
    for c in sorted(width):
        left[c] = x
        x += width[c] + column_gap
    y = {c: top for c in width}
    boxes: dict[str, Point] = {}
    for box in scene.boxes:
        c = columns[box.id]
        boxes[box.id] = (left[c] + width[c] / 2, y[c] + box.height / 2)
        y[c] += box.height + gap
    edges = []
    for e in scene.edges:
        (sx, sy), (tx, ty) = boxes[e.source], boxes[e.target]
        bottom = sy + scene.box(e.source).height / 2
        start = ty - scene.box(e.target).height / 2
        if columns[e.source] == columns[e.target] and bottom <= start:
            edges.append((e, [(sx, bottom), (tx, start)]))
            continue
        mid = left[columns[e.target]] - column_gap / 2
        edges.append((e, [(sx, bottom), (sx, bottom + gap / 2), (mid, bottom + gap / 2),
                          (mid, start - gap / 2), (tx, start - gap / 2), (tx, start)]))
    return Placement("built-in layered layout (stage columns)", x - column_gap + MARGIN,
                     max(y.values()) + MARGIN, boxes, edges, {})
