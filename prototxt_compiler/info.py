"""What ``prototxt-compiler info`` shows: every layer (inputs first, as Caffe lists its Input
layers) with bottoms, tops, output shapes, parameters and multiply-accumulates, and totals."""
from __future__ import annotations

from typing import Any

from .ir import Graph, format_shape, is_symbolic
from .ops.cost import layer_costs

__all__ = ["info_rows", "render_table", "human", "json_ready"]


def info_rows(graph: Graph) -> tuple[list[dict[str, Any]], dict[str, int]]:
    rows: list[dict[str, Any]] = []
    by_layer: dict[str, dict[str, Any]] = {}
    for value in graph.inputs:
        layer = graph.input_layers.get(value.name, value.blob)
        row = by_layer.get(layer)
        if row is None:
            row = {"name": layer, "type": "Input", "bottoms": [], "tops": [], "shapes": [],
                   "params": 0, "macs": 0}
            by_layer[layer] = row
            rows.append(row)
        row["tops"].append(value.blob)
        row["shapes"].append(list(value.shape or ()))
    for node, cost in zip(graph.nodes, layer_costs(graph)):
        kind = getattr(node.params, "kind", None)
        rows.append({"name": cost.name, "type": cost.type,
                     **({"reading": kind()} if callable(kind) else {}), "bottoms": list(cost.bottoms),
                     "tops": list(cost.tops), "shapes": [list(s) for s in cost.shapes],
                     "params": cost.params, "macs": cost.macs})
    totals = {"params": sum(r["params"] for r in rows), "macs": sum(r["macs"] for r in rows)}
    return rows, totals


def json_ready(rows: list[dict[str, Any]], totals: dict[str, Any]) -> dict[str, Any]:
    """The rows and totals with symbolic sizes as strings (``"H"``, ``"73728*N*H*W"``)."""
    def plain(x: Any) -> Any:
        if isinstance(x, list):
            return [plain(d) for d in x]
        return str(x) if is_symbolic(x) else x

    return {"layers": [{k: plain(v) for k, v in row.items()} for row in rows],
            **{k: plain(v) for k, v in totals.items()}}


def human(n: Any) -> str:
    if is_symbolic(n):
        return f"{n}"
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f}{unit}"
    return str(n)


def render_table(rows: list[dict[str, Any]], totals: dict[str, int]) -> str:
    header = ("layer", "type", "bottoms -> tops", "output shape", "params", "MACs")
    body = []
    for r in rows:
        flow = f"{', '.join(r['bottoms'])} -> {', '.join(r['tops'])}".strip()
        shapes = ", ".join(format_shape(tuple(s)) for s in r["shapes"])
        kind = f"{r['type']} ({r['reading']})" if "reading" in r else r["type"]
        body.append((r["name"], kind, flow, shapes, f"{r['params']:,}", f"{r['macs']:,}"))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]
    right = {4, 5}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [line(header), line(tuple("-" * w for w in widths))] + [line(b) for b in body]
    def total(n: Any, what: str) -> str:
        return f"{n:,} {what}" if is_symbolic(n) else f"{n:,} {what} ({human(n)})"

    out.append(f"total: {len(rows)} layers, {total(totals['params'], 'parameters')}, "
               f"{total(totals['macs'], 'multiply-accumulates')}")
    return "\n".join(out) + "\n"
