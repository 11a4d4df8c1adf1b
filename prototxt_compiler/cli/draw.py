"""``prototxt-compiler draw``: the net as a self-contained SVG, or an HTML page with pan,
zoom and a hover panel, the ``check`` report drawn on it."""
from __future__ import annotations

import argparse
import os
import pathlib
from typing import Any

from ..errors import UsageError
from .common import (
    add_net_arguments,
    default_output,
    input_shapes,
    print_notes,
    refuse_overwriting_inputs,
)

__all__ = ["add_parser"]


def run(args: argparse.Namespace) -> int:
    from ..api import load_for_check, write_atomically
    from ..checks import check
    from ..draw import draw

    suffix = pathlib.Path(default_output(args, args.net, ".svg")).suffix.lower()
    if suffix not in (".svg", ".html", ".htm"):
        raise UsageError(f"-o {args.output}: expected a .svg or .html file name")
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        raise UsageError(f"-o {args.output}: the folder {folder} does not exist")
    refuse_overwriting_inputs(args.output, args.net)
    graph, errors = load_for_check(args.net, input_shapes=input_shapes(args), phase=args.phase,
                                   allow_unknown_fields=args.allow_unknown_fields,
                                   fork=args.fork)
    print_notes(graph, args)
    report = check(graph, args.template, errors)
    drawing = draw(graph, report, fmt="svg" if suffix == ".svg" else "html",
                   rankdir=args.rankdir, collapse=args.collapse_units, layout=args.layout)
    write_atomically(args.output, lambda tmp: pathlib.Path(tmp).write_text(
        drawing.text, encoding="utf-8"))
    if not args.quiet:
        why = f" ({drawing.fallback})" if drawing.fallback else ""
        found = f"; {drawing.deviations} deviation(s) from the template drawn in red" \
            if drawing.deviations else ""
        print(f"wrote {args.output}: {drawing.boxes} boxes, layout: {drawing.engine}{why}"
              f"{found}")
    return 0


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("draw", help="the net as an SVG or an HTML page (pan, zoom, a hover "
                                      "panel), with check's units and deviations on it")
    add_net_arguments(cmd)
    cmd.add_argument("-o", "--output", metavar="NET.svg|NET.html",
                     help="the drawing to write: .svg (self-contained) or .html (one file, "
                          "no external request); default: the net's file name with .svg, "
                          "in the current folder")
    cmd.add_argument("--rankdir", choices=("TB", "LR"), default="TB",
                     help="layers from top to bottom or left to right (default: %(default)s)")
    cmd.add_argument("--collapse-units", action="store_true",
                     help="one box per residual unit: an overview that fits a screen")
    cmd.add_argument("--layout", choices=("auto", "dot", "builtin"), default="auto",
                     help="Graphviz's dot (needs the graphviz package and program), the "
                          "built-in layered layout, or auto: dot where it runs (default: "
                          "%(default)s); the output says which was used")
    cmd.add_argument("--template", choices=("resnext", "resnet", "auto"), default="auto",
                     help="the template check holds the net to (default: %(default)s)")
    cmd.set_defaults(func=run)
