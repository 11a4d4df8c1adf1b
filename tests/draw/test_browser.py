"""The drawings of ResNeXt-50 and of a broken copy opened in a real browser (headless
Chromium, Debian's package): a screenshot of each, the DOM as the browser built it (one node
per layer, the deviation highlighted in red), the HTML page's hover panel and zoom, and no
network request from any page. Skipped, saying so, where Chromium is not installed
(``.ci/run`` installs it, so CI runs these)."""
from __future__ import annotations

import json
import struct

import pytest

import prototxt_compiler as pc
from prototxt_compiler.api import load_for_check
from prototxt_compiler.draw import draw
from tests.draw.chromium import Browser, chromium_path
from tests.draw.test_draw import MODELS, broken_resnext50

CHROMIUM = chromium_path()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium): the "
                             "browser tests of draw need it")

DEVIATION = "group 16, expected 32 (the net's cardinality)"


@pytest.fixture(scope="module")
def browser():  # noqa: ANN201
    opened = Browser(CHROMIUM)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def pages(tmp_path_factory):  # noqa: ANN001, ANN201
    """The SVG (built-in layout) and the HTML page (auto layout) of both nets."""
    folder = tmp_path_factory.mktemp("drawings")
    out = {}
    for name, path in (("resnext50", MODELS / "resnext50_32x4d.prototxt"),
                       ("broken", broken_resnext50(folder))):
        graph, errors = load_for_check(path)
        report = pc.check(graph, "auto", errors)
        for fmt, layout in (("svg", "builtin"), ("html", "auto")):
            target = folder / f"{name}.{fmt}"
            target.write_text(draw(graph, report, fmt=fmt, layout=layout).text)
            out[name, fmt] = (target, graph)
    return out


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


DOM = """JSON.stringify({
  layers: Array.from(document.querySelectorAll('g.node[data-layer]'))
               .map(n => n.getAttribute('data-layer')),
  inputs: document.querySelectorAll('g.node.input').length,
  outputs: document.querySelectorAll('g.node.output').length,
  units: document.querySelectorAll('g.cluster').length,
  flagged: Array.from(document.querySelectorAll('g.node.deviation')).map(n => [
      n.getAttribute('data-layer'), n.getAttribute('data-deviation'),
      getComputedStyle(n.querySelector('rect')).stroke,
      Array.from(n.querySelectorAll('text.deviation-message')).map(t => t.textContent)]),
  red_units: Array.from(document.querySelectorAll('g.cluster.deviation'))
                  .map(n => n.getAttribute('data-unit'))})"""


@pytest.mark.parametrize("fmt", ["svg", "html"])
@pytest.mark.parametrize("name", ["resnext50", "broken"])
def test_the_browser_builds_one_node_per_layer_and_flags_the_deviation(
        browser, pages, name: str, fmt: str, tmp_path) -> None:  # noqa: ANN001
    path, graph = pages[name, fmt]
    page = browser.open(path.as_uri())
    shot = page.screenshot()
    (tmp_path / f"{name}-{fmt}.png").write_bytes(shot)
    assert _png_size(shot) == (1400, 900) and len(shot) > 20_000  # drawn, not blank
    dom = json.loads(page.evaluate(DOM))
    assert dom["layers"] == [n.name for n in graph.nodes]
    assert (dom["inputs"], dom["outputs"], dom["units"]) == (1, 1, 16)
    if name == "resnext50":
        assert dom["flagged"] == [] and dom["red_units"] == []
    else:
        assert dom["flagged"] == [["stage2_unit3_conv2", DEVIATION, "rgb(204, 31, 31)",
                                   [f"⚠ {DEVIATION}"]]]
        assert dom["red_units"] == ["stage 2 unit 3 · 32x4d"]
    assert page.requests() == [path.as_uri()]  # the page itself, nothing else


def test_the_page_opens_at_a_layer_shows_it_on_hover_and_zooms(browser, pages) -> None:
    path, _ = pages["broken", "html"]
    page = browser.open(path.as_uri() + "#layer:stage2_unit3_conv2")
    x, y = page.evaluate("""(function () {
        var r = document.querySelector('g.node.deviation rect').getBoundingClientRect();
        return [r.x + r.width / 2, r.y + r.height / 2]; })()""")
    view = page.evaluate("document.getElementById('view').getBoundingClientRect().width")
    assert 0 < x < view and 0 < y < 900  # the address put the flagged layer in sight
    page.evaluate("document.getElementById('panel').textContent = ''")
    page.mouse("mouseMoved", x - 300, y - 300)
    page.mouse("mouseMoved", x, y)
    panel = page.evaluate("document.getElementById('panel').innerText")
    for line in ("stage2_unit3_conv2", "Convolution", DEVIATION, "group\n16",
                 "stage2_unit3_conv1: 1x256x28x28", "36,864", "28,901,376"):
        assert line in panel, (line, panel)
    before = page.evaluate("document.querySelector('#view svg').getAttribute('viewBox')")
    page.mouse("mouseWheel", x, y, deltaX=0, deltaY=-240)
    after = page.evaluate("document.querySelector('#view svg').getAttribute('viewBox')")
    assert float(after.split()[2]) < float(before.split()[2])  # zoomed in
    assert page.requests() == [path.as_uri()]  # the document (without its #) alone


def test_the_request_check_sees_a_page_that_asks_for_more(browser, tmp_path) -> None:
    """The counter is not blind: a page with an external image, stylesheet and fetch is
    caught (the proxy on a closed local port keeps them from leaving the machine)."""
    page_file = tmp_path / "asks.html"
    page_file.write_text('<!DOCTYPE html><html><head><link rel="stylesheet" '
                         'href="http://example.invalid/style.css"></head><body>'
                         '<img src="http://example.invalid/logo.png">'
                         "<script>fetch('http://example.invalid/data.json').catch(() => 0)"
                         "</script></body></html>")
    page = browser.open(page_file.as_uri())
    asked = page.requests()
    assert asked[0] == page_file.as_uri()
    assert {"http://example.invalid/style.css", "http://example.invalid/logo.png",
            "http://example.invalid/data.json"} <= set(asked[1:])
