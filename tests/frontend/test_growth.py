"""Loading grows linearly with the net: the layers' order, fragments' inputs, typo search
and in-place chains are each one pass over layers + bottoms (a net of 20k layers once took
minutes: the order check compared every unproduced blob with every layer). The regression
test compares two sizes' times in this process, 8x apart: linear work takes about 8x,
quadratic work 64x; the bound, 24x, leaves room for a machine's noise. Timing only ever
compares the code with itself, at two sizes."""
from __future__ import annotations

import pathlib
import time

import pytest

import prototxt_compiler as pc


def _net(n: int, kind: str) -> str:
    if kind == "fragment":  # every layer reads a blob nothing writes: n fragment inputs
        return "".join(f'layer {{ name: "r{i}" type: "ReLU" bottom: "x{i}" top: "y{i}" }}\n'
                       for i in range(n))
    if kind == "in-place":  # one blob rewritten n times
        head = 'layer { name: "data" type: "Input" top: "x" input_param { shape { dim: 1 } } }\n'
        return head + "".join(f'layer {{ name: "r{i}" type: "ReLU" bottom: "x" top: "x" }}\n'
                              for i in range(n))
    return ('layer { name: "data" type: "Input" top: "y0" input_param { shape { dim: 1 } } }\n'
            + "".join(f'layer {{ name: "r{i}" type: "ReLU" bottom: "y{i}" top: "y{i + 1}" }}\n'
                      for i in range(n)))


def _seconds(path: pathlib.Path) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        pc.load(path)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("kind", ["fragment", "chain", "in-place"])
def test_load_time_grows_linearly(kind: str, tmp_path: pathlib.Path) -> None:
    small, large = tmp_path / "small.prototxt", tmp_path / "large.prototxt"
    small.write_text(_net(500, kind))
    large.write_text(_net(4000, kind))
    pc.load(small)  # warm the imports
    ratio = _seconds(large) / _seconds(small)
    assert ratio < 24, f"{kind}: 8x the layers took {ratio:.1f}x the time"


@pytest.mark.slow
def test_a_fragment_of_20k_layers_loads() -> None:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".prototxt", delete=False) as f:
        f.write(_net(20000, "fragment"))
    graph = pc.load(f.name)
    assert len(graph.inputs) == 20000 and len(graph.nodes) == 20000
    assert sum(n.startswith("...") for n in graph.notes) == 1  # the notes are capped
