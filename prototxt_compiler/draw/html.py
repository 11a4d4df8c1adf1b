"""The drawing as one HTML page that needs nothing else: the SVG inline, pan (drag) and zoom
(wheel, or + and -; 0 fits the page; it opens at full size from the top), and a panel that shows the hovered box's every param,
its bottoms and tops with their shapes, its cost and any deviation. The layers' data is a
JSON block in the page; the script is inline and makes no request.
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

from .layout import Placement
from .scene import Scene

__all__ = ["render_html"]

_CSS = """
html, body { margin: 0; height: 100%; font-family: 'DejaVu Sans', Arial, sans-serif; }
body { display: flex; flex-direction: column; }
header { padding: 6px 12px; background: #22304a; color: #fff; font-size: 13px; }
header .engine { color: #b9c6dd; margin-left: 1em; font-size: 12px; }
header button { margin-left: 1em; }
header a { color: #ffb3b3; }
main { flex: 1; display: flex; min-height: 0; }
#view { flex: 1; overflow: hidden; cursor: grab; background: #fff; }
#view svg { width: 100%; height: 100%; }
#panel { width: 340px; overflow: auto; border-left: 1px solid #ccd; padding: 8px 12px;
         font-size: 12px; background: #fafafe; }
#panel h2 { font-size: 14px; margin: 4px 0; word-break: break-all; }
#panel dt { font-weight: bold; margin-top: 4px; }
#panel dd { margin-left: 12px; word-break: break-all; }
#panel .deviation { color: #cc1f1f; font-weight: bold; }
.node:hover rect { stroke-width: 3; }
"""

_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('layer-data').textContent);
  var svg = document.querySelector('#view svg');
  var full = svg.viewBox.baseVal;
  var box = {x: full.x, y: full.y, w: full.width, h: full.height};
  svg.removeAttribute('width'); svg.removeAttribute('height');
  function show() { svg.setAttribute('viewBox', [box.x, box.y, box.w, box.h].join(' ')); }
  function fit() { box = {x: full.x, y: full.y, w: full.width, h: full.height}; show(); }
  function zoom(f, cx, cy) {
    box.x = cx - (cx - box.x) * f; box.y = cy - (cy - box.y) * f;
    box.w *= f; box.h *= f; show();
  }
  function point(e) {
    var r = svg.getBoundingClientRect();
    var s = Math.max(box.w / r.width, box.h / r.height);
    return {x: box.x + (e.clientX - r.left) * s, y: box.y + (e.clientY - r.top) * s, s: s};
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault(); var p = point(e); zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, p.x, p.y);
  }, {passive: false});
  var drag = null;
  svg.addEventListener('mousedown', function (e) { drag = point(e); });
  window.addEventListener('mouseup', function () { drag = null; });
  svg.addEventListener('mousemove', function (e) {
    if (!drag) return;
    var p = point(e); box.x -= p.x - drag.x; box.y -= p.y - drag.y; show();
  });
  window.addEventListener('keydown', function (e) {
    var c = {x: box.x + box.w / 2, y: box.y + box.h / 2};
    if (e.key === '+' || e.key === '=') zoom(1 / 1.25, c.x, c.y);
    if (e.key === '-') zoom(1.25, c.x, c.y);
    if (e.key === '0') fit();
  });
  document.getElementById('fit').addEventListener('click', fit);
  function focus(id) {  // the box at full size in the middle of the view
    var node = null;
    Array.prototype.forEach.call(svg.querySelectorAll('.node'), function (n) {
      if (n.getAttribute('data-id') === id) node = n;
    });
    if (!node) return false;
    var b = node.getBBox(), r = svg.getBoundingClientRect();
    box = {x: b.x + b.width / 2 - r.width / 2, y: b.y + b.height / 2 - r.height / 2,
           w: r.width, h: r.height};
    show(); describe(id); return true;
  }
  function start() {  // the box the address names, else 1:1 from the top (or all of it)
    var id = decodeURIComponent(location.hash.slice(1));
    if (id && focus(id)) return;
    var r = svg.getBoundingClientRect();
    if (full.width <= r.width && full.height <= r.height) return fit();
    box = {x: full.x + Math.max(0, (full.width - r.width) / 2), y: full.y, w: r.width,
           h: r.height};
    show();
  }
  window.addEventListener('hashchange', start);
  var panel = document.getElementById('panel');
  function text(tag, value, cls) {
    var el = document.createElement(tag); el.textContent = value;
    if (cls) el.className = cls; return el;
  }
  function describe(id) {
    var d = data[id]; if (!d) return;
    panel.textContent = '';
    panel.appendChild(text('h2', d.name));
    var dl = document.createElement('dl');
    function row(k, v, cls) { dl.appendChild(text('dt', k, cls)); dl.appendChild(text('dd', v, cls)); }
    row('type', d.type);
    (d.deviations || []).forEach(function (m) { row('deviation', m, 'deviation'); });
    Object.keys(d).forEach(function (k) {
      if (['name', 'type', 'deviations'].indexOf(k) >= 0) return;
      var v = d[k];
      if (Array.isArray(v)) v.forEach(function (item) {
        if (Array.isArray(item)) row(item[0], item[1]); else row(k, item);
      });
      else if (v && typeof v === 'object') Object.keys(v).forEach(function (j) { row(j, v[j]); });
      else row(k, v);
    });
    panel.appendChild(dl);
  }
  Array.prototype.forEach.call(document.querySelectorAll('#view .node'), function (n) {
    n.addEventListener('mouseenter', function () { describe(n.getAttribute('data-id')); });
  });
  start();
})();
"""


def _json(value: object) -> str:
    """JSON that cannot end the script element it sits in."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def render_html(scene: Scene, placement: Placement, svg: str) -> str:
    data = {b.id: {**b.info, "deviations": b.deviations} for b in scene.boxes}
    headline = scene.headline or "no residual-network template matched"
    if headline.startswith(scene.title):
        headline = headline[len(scene.title):].lstrip(": ")
    deviations = sum(len(b.deviations) for b in scene.boxes) + len(scene.messages)
    note = f"{deviations} deviation(s), in red:" if deviations else "no deviation"
    links = "".join(f' <a href="#{escape(b.id)}">{escape(b.layer or b.id)}</a>'
                    for b in scene.boxes if b.deviations)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{escape(scene.title)}</title>", f"<style>{_CSS}</style>", "</head>",
        "<body>",
        f"<header><b>{escape(scene.title)}</b>: {escape(headline)} · {escape(note)}{links}"
        f'<span class="engine">layout: {escape(placement.engine)}</span>'
        '<button id="fit" type="button">fit (0)</button></header>',
        '<main><div id="view">', svg.strip(), "</div>",
        '<aside id="panel"><p>Hover a box for its params, shapes and costs. Drag to pan, '
        "wheel or + / - to zoom.</p></aside></main>",
        f'<script type="application/json" id="layer-data">{_json(data)}</script>',
        f"<script>{_SCRIPT}</script>", "</body>", "</html>", ""])
