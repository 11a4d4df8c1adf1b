"""``prototxt-compiler draw`` as a user runs it: the files it writes, what it says, its
errors; and the drawings of ResNeXt-50 in docs/ (shown in the README) kept fresh."""
from __future__ import annotations

import pathlib
import xml.etree.ElementTree as ET

from tests.conftest import run_cli
from tests.draw.test_draw import broken_resnext50

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "resnext50_32x4d.prototxt"
REGENERATE = ("python -m prototxt_compiler draw models/resnext50_32x4d.prototxt -o "
              "docs/resnext50.svg --layout builtin && python -m prototxt_compiler draw "
              "models/resnext50_32x4d.prototxt -o docs/resnext50_overview.svg "
              "--collapse-units --layout builtin")


def test_svg_and_html_are_written_and_the_layout_named(tmp_path) -> None:
    svg, html = tmp_path / "net.svg", tmp_path / "net.html"
    result = run_cli("draw", str(broken_resnext50(tmp_path)), "-o", str(svg), "--layout",
                     "builtin", "--rankdir", "LR")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f"wrote {svg}: 232 boxes, layout: built-in layered layout; 1 "
                             "deviation(s) from the template drawn in red\n")
    root = ET.parse(svg).getroot()
    assert root.get("data-layout") == "built-in layered layout"
    result = run_cli("draw", str(MODEL), "-o", str(html), "--collapse-units")
    assert result.returncode == 0, result.stderr
    # the input, 7 stem layers, 16 units, pool1, fc1, prob and the output: 28 boxes
    assert result.stdout.startswith(f"wrote {html}: 28 boxes, layout: built-in layered "
                                    "layout (stage columns) (a collapsed overview")
    assert html.read_text().startswith("<!DOCTYPE html>")


def test_bad_requests_are_one_error_and_write_nothing(tmp_path) -> None:
    result = run_cli("draw", str(MODEL), "-o", str(tmp_path / "net.png"))
    assert result.returncode == 2 and "expected a .svg or .html file name" in result.stderr
    bad = tmp_path / "bad.prototxt"
    bad.write_text('layer { name: "c" type: "Convolution" bottom: "x" top: "c" '
                   "convolution_param { num_output: 2 kernal_size: 3 } }\n")
    result = run_cli("draw", str(bad), "-o", str(tmp_path / "bad.svg"))
    assert result.returncode == 2
    assert f"{bad}:1:" in result.stderr and "kernal_size" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.prototxt"]


def test_the_committed_drawings_are_fresh(tmp_path) -> None:
    import prototxt_compiler as pc
    from prototxt_compiler.draw import draw

    graph = pc.load(MODEL)
    report = pc.check(graph)
    for name, collapse in (("resnext50.svg", False), ("resnext50_overview.svg", True)):
        text = draw(graph, report, collapse=collapse, layout="builtin").text
        committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
        assert committed == text, f"docs/{name} is stale: regenerate with {REGENERATE}"
