"""The drawing, read back as XML: one box per layer, inputs and outputs marked, one edge per
blob read with its shape, in-place layers on their blob, check's units as clusters named as
check names them, deviations at their layers, the collapsed overview fitting a screen, both
layouts, and the room's imports."""
from __future__ import annotations

import json
import pathlib
import re
import xml.etree.ElementTree as ET

import pytest

import prototxt_compiler as pc
from prototxt_compiler.api import load_for_check
from prototxt_compiler.draw import build_scene, draw, layered_layout
from prototxt_compiler.draw.dot import dot_available
from prototxt_compiler.errors import UsageError

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
SVG = "{http://www.w3.org/2000/svg}"


def broken_resnext50(tmp_path: pathlib.Path) -> pathlib.Path:
    """ResNeXt-50 with stage 2 unit 3's grouped convolution at group 16, not 32."""
    text = (MODELS / "resnext50_32x4d.prototxt").read_text()
    at = text.index('name: "stage2_unit3_conv2"')
    group = text.index("group: 32", at)
    path = tmp_path / "broken.prototxt"
    path.write_text(text[:group] + "group: 16" + text[group + len("group: 32"):])
    return path


def _drawn(path: pathlib.Path, **options) -> tuple[pc.ir.Graph, ET.Element]:  # noqa: ANN003
    graph, errors = load_for_check(path)
    drawing = draw(graph, pc.check(graph, "auto", errors), **options)
    return graph, ET.fromstring(drawing.text)


def _nodes(root: ET.Element, kind: str | None = None) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "node" in g.get("class", "").split()
            and (kind is None or kind in g.get("class", "").split())]


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_one_box_per_layer_and_one_edge_per_blob_read(rankdir: str) -> None:
    graph, root = _drawn(MODELS / "resnext50_32x4d.prototxt", rankdir=rankdir,
                         layout="builtin")
    layers = [g.get("data-layer") for g in _nodes(root) if g.get("data-layer")]
    assert layers == [n.name for n in graph.nodes]  # 230 layers, each once, in order
    assert [g.get("data-id") for g in _nodes(root, "input")] == ["input:data"]
    assert [g.get("data-id") for g in _nodes(root, "output")] == ["output:prob"]
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    reads = sum(len(n.inputs) for n in graph.nodes) + len(graph.outputs)
    assert len(edges) == reads
    conv0 = next(g for g in edges if g.get("data-to") == "layer:conv0")
    assert conv0.find(f"{SVG}text").text == "1x3x224x224"
    assert conv0.get("data-from") == "layer:scale_bn_data"  # bn_data, scale_bn_data in place
    texts = [t.text for t in _nodes(root)[3].iter(f"{SVG}text")]
    assert texts[:3] == ["conv0", "Convolution", "7x7 s2 p3 → 64"]
    assert root.get("data-layout") == "built-in layered layout"


def test_in_place_layers_are_their_own_kind_on_their_blob() -> None:
    graph, root = _drawn(MODELS / "resnext50_32x4d.prototxt", layout="builtin")
    in_place = {g.get("data-layer") for g in _nodes(root, "inplace")}
    assert in_place == {n.name for n in graph.nodes if n.in_place}
    assert {"bn0", "scale_bn0", "relu0"} <= in_place and "conv0" not in in_place
    edge = next(g for g in root.iter(f"{SVG}g") if g.get("data-to") == "layer:relu0")
    assert edge.get("data-blob") == "conv0"  # the blob conv0 wrote, through bn0 and scale


def test_the_units_are_clusters_named_as_check_names_them() -> None:
    _, root = _drawn(MODELS / "resnext50_32x4d.prototxt", layout="builtin")
    clusters = [g.get("data-unit") for g in root.iter(f"{SVG}g")
                if "cluster" in g.get("class", "")]
    want = [f"stage {s} unit {u} · 32x4d" for s, n in zip((1, 2, 3, 4), (3, 4, 6, 3))
            for u in range(1, n + 1)]
    assert clusters == want
    title = next(t for t in root.iter(f"{SVG}text") if t.get("class") == "headline")
    assert title.text == "ResNeXt-50 (32x4d): stages [3, 4, 6, 3], cardinality 32, " \
                         "bottleneck width 4, 25.0M params"


def test_a_deviation_is_drawn_at_its_layer_with_the_message(tmp_path) -> None:
    _, root = _drawn(broken_resnext50(tmp_path), layout="builtin")
    flagged = _nodes(root, "deviation")
    assert [g.get("data-layer") for g in flagged] == ["stage2_unit3_conv2"]
    message = "group 16, expected 32 (the net's cardinality)"
    assert flagged[0].get("data-deviation") == message
    drawn = [t.text for t in flagged[0].iter(f"{SVG}text")
             if t.get("class") == "deviation-message"]
    assert drawn == [f"⚠ {message}"]
    bad = [g.get("data-unit") for g in root.iter(f"{SVG}g")
           if g.get("class") == "cluster deviation"]
    assert bad == ["stage 2 unit 3 · 32x4d"]


def test_a_net_that_is_no_residual_net_says_so(tmp_path) -> None:
    net = ROOT / "tests" / "fixtures" / "numeric" / "conv_group_dilation.prototxt"
    _, root = _drawn(net, layout="builtin")
    sub = next(t for t in root.iter(f"{SVG}text") if "subline" in t.get("class", ""))
    assert "no two-input Eltwise: not a residual network" in sub.text
    assert list(g for g in root.iter(f"{SVG}g") if "cluster" in g.get("class", "")) == []


@pytest.mark.parametrize("model", ["resnext50_32x4d", "resnext101_32x8d", "resnet152"])
def test_the_collapsed_overview_has_a_box_per_unit_and_fits_a_screen(model: str) -> None:
    graph, root = _drawn(MODELS / f"{model}.prototxt", collapse=True)
    report = pc.check(graph)
    units = [g.get("data-id") for g in _nodes(root, "unit")]
    assert len(units) == sum(s.units for s in report.stages)
    assert units[0] == "unit:stage1_unit1"
    width, height = (float(v) for v in root.get("viewBox").split()[2:])
    assert width <= 1920 and height <= 1080, (width, height)
    assert root.get("data-layout") == "built-in layered layout (stage columns)"


def test_boxes_do_not_overlap_in_the_built_in_layout(tmp_path) -> None:
    for path in (MODELS / "resnext50_32x4d.prototxt",
                 ROOT / "tests" / "fixtures" / "numeric" / "net_inception.prototxt"):
        graph, errors = load_for_check(path)
        scene = build_scene(graph, pc.check(graph, "auto", errors))
        for rankdir in ("TB", "LR"):
            placed = layered_layout(scene, rankdir)
            rects = []
            for box in scene.boxes:
                x, y = placed.boxes[box.id]
                w, h = (box.width, box.height)
                rects.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2, box.id))
            rects.sort()
            for i, a in enumerate(rects):
                for b in rects[i + 1:]:
                    if b[0] >= a[2]:
                        break
                    assert a[3] <= b[1] or b[3] <= a[1], (rankdir, a[4], b[4])


def test_the_html_page_carries_everything_and_asks_for_nothing(tmp_path) -> None:
    graph, errors = load_for_check(broken_resnext50(tmp_path))
    page = draw(graph, pc.check(graph, "auto", errors), fmt="html", layout="builtin").text
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", page)  # only in-page links
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page
    data = json.loads(re.search(r'<script type="application/json" id="layer-data">(.*?)'
                                "</script>", page, re.S).group(1))
    conv = data["layer:stage2_unit3_conv2"]
    assert conv["deviations"] == ["group 16, expected 32 (the net's cardinality)"]
    assert ["group", "16"] in conv["params"]
    assert conv["cost"] == {"parameters": "36,864", "MACs": "28,901,376"}  # 256*16*9


@pytest.mark.skipif(dot_available() is not None, reason=f"Graphviz: {dot_available()}")
def test_dot_lays_out_the_same_boxes_when_installed() -> None:
    graph, root = _drawn(MODELS / "resnext50_32x4d.prototxt", layout="dot")
    assert root.get("data-layout").startswith("Graphviz dot ")
    assert [g.get("data-layer") for g in _nodes(root) if g.get("data-layer")] == \
        [n.name for n in graph.nodes]


def test_auto_uses_dot_where_it_runs_and_says_why_not_elsewhere() -> None:
    graph = pc.load(MODELS / "stage1.prototxt")
    drawing = draw(graph, pc.check(graph))
    why = dot_available()
    assert (drawing.fallback, drawing.engine.startswith("Graphviz dot")) == (why, why is None)


def test_bad_options_are_usage_errors() -> None:
    graph = pc.load(MODELS / "stage1.prototxt")
    for options in ({"fmt": "png"}, {"rankdir": "BT"}, {"layout": "neato"}):
        with pytest.raises(UsageError):
            draw(graph, None, **options)


def test_the_room_imports_only_ir_ops_checks_and_errors() -> None:
    from tests.test_layout import LEAVES, PACKAGE, rooms_imported

    bad = {str(p.relative_to(PACKAGE)): sorted(hits) for p in (PACKAGE / "draw").rglob("*.py")
           if (hits := rooms_imported(p) - {"ir", "ops", "checks", "errors", "draw"} - LEAVES)}
    assert bad == {}
