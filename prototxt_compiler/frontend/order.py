"""What is wrong when layers read blobs before any layer writes them.

Caffe runs layers in file order, so a bottom that only a later layer writes is an error. The
message says which layer must move before which, or, when the layers feed each other in a
circle (no order can run them), names the layers on that cycle. Both are found in time
linear in layers + bottoms: a cycle by an iterative depth-first search over the layers, each
edge from the layer that writes a blob to a layer that reads it.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence

from ..errors import GraphError, Location
from ..proto import caffe_pb2

__all__ = ["order_error", "find_cycle", "edit_distance"]


def find_cycle(edges: Sequence[Sequence[int]]) -> list[int] | None:
    """A cycle of the directed graph ``edges[u] = [v, ...]`` as a list of nodes (the first
    repeated at the end), or None; iterative, linear in nodes + edges."""
    state = [0] * len(edges)  # 0 new, 1 on the stack, 2 done
    parent = [-1] * len(edges)
    for root in range(len(edges)):
        if state[root]:
            continue
        stack = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            if i < len(edges[node]):
                stack[-1] = (node, i + 1)
                nxt = edges[node][i]
                if state[nxt] == 1:
                    cycle = [nxt]
                    walk = node
                    while walk != nxt:
                        cycle.append(walk)
                        walk = parent[walk]
                    cycle.append(nxt)
                    return cycle[::-1]
                if state[nxt] == 0:
                    state[nxt] = 1
                    parent[nxt] = node
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                stack.pop()
    return None


def order_error(layers: Sequence[tuple[caffe_pb2.LayerParameter, Location | None]],
                misordered: Sequence[tuple[int, str]],
                first_write: Mapping[str, int]) -> GraphError:
    """The error for layers that read blobs only later layers write: a cycle when the
    dependencies have one, else the first reader and the writer that must come before it."""
    writers: dict[str, list[int]] = {}
    for i, (layer, _) in enumerate(layers):
        for top in layer.top:
            writers.setdefault(top, []).append(i)
    edges: list[list[int]] = [[] for _ in layers]
    for i, (layer, _) in enumerate(layers):
        for blob in layer.bottom:
            written = writers.get(blob, [])
            before = bisect_left(written, i)  # the writers are in layer order
            source = written[before - 1] if before else first_write.get(blob)
            if source is not None and source != i:
                edges[source].append(i)
    cycle = find_cycle(edges)
    if cycle is not None:
        names = " -> ".join(f"'{layers[i][0].name}'" for i in cycle)
        loc = layers[cycle[0]][1]
        return GraphError(f"layers {names} read each other's tops in a cycle: no order of "
                          "the layers writes every bottom before it is read", where=loc)
    reader, blob = misordered[0]
    writer = first_write[blob]
    layer, loc = layers[reader]
    at = layers[writer][1]
    line = f" (line {at.line})" if at is not None else ""
    return GraphError(f"layer '{layer.name}' reads '{blob}' before layer "
                      f"'{layers[writer][0].name}'{line} writes it: Caffe runs layers in file "
                      f"order, so move '{layers[writer][0].name}' before '{layer.name}'",
                      where=loc)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(row) > limit:
            return limit + 1
        previous = row
    return previous[-1]
