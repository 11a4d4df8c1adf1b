"""``prototxt-compiler check``: the net against the ResNeXt/ResNet templates."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import add_net_arguments, input_shapes, print_notes

__all__ = ["add_parser"]


def run(args: argparse.Namespace) -> int:
    from ..api import load_for_check
    from ..checks import check

    graph, errors = load_for_check(args.net, input_shapes=input_shapes(args), phase=args.phase,
                                   allow_unknown_fields=args.allow_unknown_fields,
                                   fork=args.fork)
    print_notes(graph, args)
    report = check(graph, args.template, errors)
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.render())
    return 0 if report.matches else 1


def add_parser(sub: Any) -> None:
    chk = sub.add_parser("check", help="verify a net against the ResNeXt/ResNet templates "
                                       "and explain every deviation")
    add_net_arguments(chk)
    chk.add_argument("--template", choices=("resnext", "resnet", "auto"), default="auto",
                     help="the architecture the net must be: resnext (cardinality > 1), "
                          "resnet (cardinality 1), or auto, the best fit (default: "
                          "%(default)s)")
    chk.add_argument("--json", action="store_true", help="print one JSON object")
    chk.set_defaults(func=run)
