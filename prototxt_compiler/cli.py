"""The ``prototxt-compiler`` command line.

The one place that turns exceptions into messages and exit codes: 0 success, 1 a check found
problems, 2 bad input or usage. No Python traceback reaches the user for bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from . import __version__
from .errors import CompilerError, UsageError
from .frontend.load import load
from .info import info_rows, render_table

__all__ = ["main"]


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


def _add_net_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("net", help="the net definition (.prototxt, current or legacy)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME=N,C,H,W",
                        help="shape of an input blob (repeatable): overrides a declared "
                             "shape, or gives one the net lacks (a fragment's inputs)")
    parser.add_argument("--phase", choices=("TEST", "TRAIN"), default="TEST",
                        help="which phase's layers to keep (include/exclude rules)")
    parser.add_argument("--allow-unknown-fields", action="store_true",
                        help="load the rest of a file with fields BVLC Caffe does not know, "
                             "listing each ignored field")


def _load(args: argparse.Namespace):  # noqa: ANN202
    shapes = dict(parse_input_shape(s) for s in args.input_shape)
    graph = load(args.net, input_shapes=shapes, phase=args.phase,
                 allow_unknown_fields=args.allow_unknown_fields)
    for note in graph.notes:
        print(f"note: {note}", file=sys.stderr)
    return graph


def cmd_info(args: argparse.Namespace) -> int:
    graph = _load(args)
    rows, totals = info_rows(graph)
    if args.json:
        json.dump({"name": graph.name, "layers": rows, **totals}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(rows, totals))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prototxt-compiler",
        description="Compile Caffe network definitions (prototxt + caffemodel).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = sub.add_parser("info", help="every layer with its output shape, parameters and "
                                       "multiply-accumulates")
    _add_net_arguments(info)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CompilerError as error:
        print(f"prototxt-compiler: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
