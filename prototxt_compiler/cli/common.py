"""What every command shares: the net arguments, ``--input-shape`` parsing, loading a net
as the arguments say, and printing the notes of a load."""
from __future__ import annotations

import argparse
import sys

from ..api import load
from ..errors import UsageError
from ..ir import Graph

__all__ = ["parse_input_shape", "add_net_arguments", "input_shapes", "load_net", "print_notes"]


def parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    name, sep, dims = text.partition("=")
    try:
        shape = tuple(int(d) for d in dims.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if not sep or not name or not shape or any(d <= 0 for d in shape):
        raise UsageError(f"--input-shape {text!r}: expected NAME=N,C,H,W with positive "
                         "integers, e.g. data=1,3,224,224")
    return name, shape


def input_shapes(args: argparse.Namespace) -> dict[str, tuple[int, ...]]:
    return dict(parse_input_shape(s) for s in args.input_shape)


def add_net_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("net", help="the net definition (.prototxt, current or legacy)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME=N,C,H,W",
                        help="shape of an input blob (repeatable): overrides a declared "
                             "shape, or gives one the net lacks (a fragment's inputs)")
    parser.add_argument("--phase", choices=("TEST", "TRAIN"), default="TEST",
                        help="which phase's layers to keep (include/exclude rules)")
    parser.add_argument("--allow-unknown-fields", action="store_true",
                        help="load the rest of a file with fields BVLC Caffe does not know, "
                             "listing each ignored field")


def print_notes(graph: Graph) -> None:
    for note in graph.notes:
        print(f"note: {note}", file=sys.stderr)


def load_net(args: argparse.Namespace) -> Graph:
    graph = load(args.net, input_shapes=input_shapes(args), phase=args.phase,
                 allow_unknown_fields=args.allow_unknown_fields)
    print_notes(graph)
    return graph
