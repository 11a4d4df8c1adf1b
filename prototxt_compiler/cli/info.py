"""``prototxt-compiler info``: every layer with its output shape, parameters and MACs."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import add_net_arguments, load_net

__all__ = ["add_parser"]


def run(args: argparse.Namespace) -> int:
    from ..checks import check
    from ..info import info_rows, json_ready, render_table

    graph = load_net(args)
    rows, totals = info_rows(graph)
    report = check(graph)
    architecture = report.headline() if report.matches else None
    if args.json:
        json.dump({"name": graph.name, **json_ready(rows, totals),
                   "architecture": architecture}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(rows, totals))
        print(f"recognised: {architecture or 'no residual-network template matched'}")
    return 0


def add_parser(sub: Any) -> None:
    info = sub.add_parser("info", help="every layer with its output shape, parameters and "
                                       "multiply-accumulates")
    add_net_arguments(info)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=run)
