"""Comparing our inferred shapes with the shapes real Caffe recorded (``LAYER:TOP`` keys)."""
from __future__ import annotations

import re
from typing import Any

from prototxt_compiler.ir import Graph, is_symbolic, symbols_of
from prototxt_compiler.ir.symbolic import substitute

# Caffe inserts Split layers where one blob feeds several layers; they are its machinery,
# not the net's, and our graph has no such nodes.
CAFFE_SPLIT = re.compile(r"^.+_split:.+_split_\d+$")


def our_shapes(graph: Graph) -> dict[str, list[int]]:
    shapes: dict[str, list[int]] = {}
    for value in graph.inputs:
        if value.name in graph.input_layers:  # a fragment's given inputs have no layer
            shapes[f"{graph.input_layers[value.name]}:{value.blob}"] = list(value.shape or ())
    for node in graph.nodes:
        for value in node.outputs:
            shapes[f"{node.name}:{value.blob}"] = list(value.shape or ())
    return shapes


def _same(ours: list[Any], theirs: list[int], free: set[str], sizes: dict[str, int]) -> bool:
    """Equal shapes, where a size that no input of the graph fixes (a Filter's count of
    selected items, known only from the data) takes the value Caffe's run gave it, the
    same wherever it appears."""
    if len(ours) != len(theirs):
        return False
    for mine, caffe in zip(ours, theirs):
        mine = substitute(mine, sizes)
        if is_symbolic(mine) and mine.name in free:
            sizes[mine.name] = caffe
        elif mine != caffe:
            return False
    return True


def shape_mismatches(graph: Graph, caffe: dict[str, list[int]]) -> list[str]:
    """Every LAYER:TOP whose shape differs, or that one side has and the other lacks."""
    ours = our_shapes(graph)
    given = set().union(*(symbols_of(v.shape) for v in graph.inputs))
    free = set().union(*(symbols_of(tuple(s)) for s in ours.values())) - given
    sizes: dict[str, int] = {}
    problems = []
    for key, shape in ours.items():
        if key not in caffe:
            problems.append(f"{key}: ours {shape}, Caffe has no such layer:top")
        elif not _same(shape, list(caffe[key]), free, sizes):
            problems.append(f"{key}: ours {shape}, Caffe {list(caffe[key])}")
    given = {f"input:{v.blob}" for v in graph.inputs if v.name not in graph.input_layers}
    for key in caffe:
        if key in given:
            continue  # Caffe declared a fragment's input in a twin net; checked by the caller
        layer, top = key.split(":", 1)
        if layer in graph.dropped or top in graph.removed_inputs:
            continue  # train-only layers and what only they read: dropped on purpose
        if key not in ours and not CAFFE_SPLIT.match(key):
            problems.append(f"{key}: Caffe {list(caffe[key])}, missing from our graph")
    return problems
