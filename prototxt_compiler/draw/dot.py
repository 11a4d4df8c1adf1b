"""The layout by Graphviz's dot, through the ``graphviz`` Python package, where it and the
dot program are installed.

The scene goes to dot as boxes of the drawn size (fixed, in points: 1 px = 1 pt), its
units as clusters, and dot's JSON output gives back every box's centre, every edge's
B-spline and every cluster's bounding box, turned top-down (dot's y axis points up). The
drawing itself is ours (``svg``), whichever engine placed it.
"""
from __future__ import annotations

import json

from ..errors import UsageError
from .layout import HEADER, MARGIN, Placement
from .scene import Scene

__all__ = ["dot_available", "dot_layout"]


def dot_available() -> str | None:
    """Why dot cannot be used, or None when it can."""
    try:
        import graphviz
    except ImportError:
        return "the graphviz Python package is not installed"
    try:
        graphviz.version()
    except Exception as error:  # ExecutableNotFound, or a dot that does not run
        return f"Graphviz's dot program does not run ({type(error).__name__})"
    return None


def dot_layout(scene: Scene, rankdir: str = "TB") -> Placement:
    why = dot_available()
    if why is not None:
        raise UsageError(f"--layout dot: {why}; use --layout builtin (or auto)")
    import graphviz

    ranksep = "0.35" if rankdir == "TB" else "1.1"  # left to right, labels run in the gap
    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir, "nodesep": "0.3",
                                         "ranksep": ranksep, "splines": "spline"},
                             node_attr={"shape": "box", "fixedsize": "true", "label": ""})
    ids = {box.id: f"n{i}" for i, box in enumerate(scene.boxes)}
    clustered = {m: c for c in scene.clusters for m in c.members}
    for i, cluster in enumerate(scene.clusters):
        with graph.subgraph(name=f"cluster_{i}", graph_attr={"label": " "}) as sub:
            for member in cluster.members:
                box = scene.box(member)
                sub.node(ids[member], width=str(box.width / 72), height=str(box.height / 72))
    for box in scene.boxes:
        if box.id not in clustered:
            graph.node(ids[box.id], width=str(box.width / 72), height=str(box.height / 72))
    for edge in scene.edges:
        graph.edge(ids[edge.source], ids[edge.target])
    data = json.loads(graph.pipe(format="json", engine="dot"))
    _, _, width, height = (float(v) for v in data["bb"].split(","))
    dx, dy = MARGIN, HEADER

    def flip(x: float, y: float) -> tuple[float, float]:
        return (x + dx, height - y + dy)

    names = {v: k for k, v in ids.items()}
    boxes, clusters = {}, {}
    for obj in data.get("objects", []):
        if obj.get("name") in names and "pos" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            boxes[names[obj["name"]]] = flip(x, y)
        elif str(obj.get("name", "")).startswith("cluster_") and "bb" in obj:
            x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
            index = int(obj["name"][len("cluster_"):])
            (a, b), (c, d) = flip(x0, y1), flip(x1, y0)
            clusters[scene.clusters[index].id] = (a, b - 4, c, d)
    gvid = {obj["_gvid"]: names.get(obj.get("name", "")) for obj in data.get("objects", [])}
    drawn: dict[tuple[str | None, str | None], list[dict]] = {}
    for gv in data.get("edges", []):  # matched by their ends, in order for repeats
        drawn.setdefault((gvid.get(gv["tail"]), gvid.get(gv["head"])), []).append(gv)
    edges = []
    for edge in scene.edges:
        queue = drawn.get((edge.source, edge.target), [])
        gv = queue.pop(0) if queue else {}
        points = [flip(*p) for op in gv.get("_draw_", []) if op.get("op") == "b"
                  for p in op["points"]]
        if not points:
            points = [boxes[edge.source], boxes[edge.target]]
        edges.append((edge, points))
    version = ".".join(map(str, graphviz.version()))
    return Placement(f"Graphviz dot {version}", width + 2 * MARGIN, height + dy + MARGIN,
                     boxes, edges, clusters, curved=True)
