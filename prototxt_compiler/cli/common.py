"""What every command shares: the net arguments, ``--input-shape`` parsing, ``-q``/``-v``,
progress on a terminal, loading a net as the arguments say, and printing its notes."""
from __future__ import annotations

import argparse
import os
import pathlib
import re
import sys
import time
from typing import Any

from ..errors import UsageError
from ..ir import Graph

__all__ = ["parse_input_shape", "add_net_arguments", "add_output_arguments", "input_shapes",
           "load_net", "print_notes", "Progress", "seed", "byte_size", "add_param_budget",
           "refuse_overwriting_inputs", "default_output", "MAX_SEED"]

MAX_SEED = 2**32 - 1
_DIMS = re.compile(r"\s*\d+\s*(?:[x,]\s*\d+\s*)*\Z")


def parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """``NAME=N,C,H,W`` (also ``NAME:N,C,H,W`` and ``x`` between the dimensions, as
    polygraphy, onnxsim and trtexec write them), or a bare shape for a net of one input
    (returned with the name "")."""
    name, dims = "", text
    if "=" in text:
        name, _, dims = text.partition("=")
    elif not _DIMS.match(text) and ":" in text:
        name, _, dims = text.rpartition(":")
    shape: tuple[int, ...] = ()
    if _DIMS.match(dims):
        shape = tuple(int(d) for d in re.split(r"[x,]", dims.replace(" ", "")))
    if ("=" in text or ":" in text) and not name.strip() or not shape or \
            any(d <= 0 or d > 2**31 - 1 for d in shape):
        raise UsageError(f"--input-shape {text!r}: expected NAME=N,C,H,W with positive "
                         "integers, e.g. data=1,3,224,224 (or data:1x3x224x224; a bare "
                         "1,3,224,224 for a net of one input)")
    return name.strip(), shape


def input_shapes(args: argparse.Namespace) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}
    for text in args.input_shape:
        name, shape = parse_input_shape(text)
        if name in shapes:
            what = f"'{name}'" if name else "the net's one input"
            raise UsageError(f"--input-shape gives {what} twice ({list(shapes[name])} and "
                             f"{list(shape)}): give each input once")
        shapes[name] = shape
    return shapes


def seed(text: str) -> int:
    """An argparse type: a seed numpy's generators take."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{value} is out of range: expected 0 to {MAX_SEED}")
    return value


_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def byte_size(text: str) -> int:
    """An argparse type: a number of bytes, bare or with K, M, G or T (binary: 4G is 4 GiB)."""
    digits = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = digits[-1:] if digits[-1:] in _UNITS and digits[-1:] else ""
    number = digits[:-1] if unit else digits
    if not number.isdigit() or len(number) > 15:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size: expected BYTES or a "
                                         "number with K, M, G or T (4G)")
    value = int(number) * _UNITS[unit]
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a size above 0")
    return value


def add_param_budget(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--param-budget", type=byte_size, default=None, metavar="BYTES",
                        help="the most bytes of parameters the fillers may make without -w "
                             "(default 2G); a larger net is refused before any allocation")


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """``-q``, ``-v`` and ``--plugin``, which every command takes."""
    parser.add_argument("--plugin", action="append", default=[], metavar="MODULE",
                        help="import MODULE first, a plugin that registers layer types "
                             "(repeatable; plugins of the entry-point group "
                             "prototxt_compiler.layers load by themselves)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true",
                       help="print only errors and the output asked for: no notes, no "
                            "progress")
    group.add_argument("-v", "--verbose", action="store_true",
                       help="say more: every note in full, the time of each step, and the "
                            "traceback of an internal error")


def add_net_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("net", help="the net definition (.prototxt, current or legacy; or a "
                                    "binary NetParameter)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME=N,C,H,W",
                        help="shape of an input blob (repeatable): overrides a declared "
                             "shape, or gives one the net lacks (a fragment's inputs); also "
                             "NAME:1x3x224x224, or a bare shape for a net of one input")
    parser.add_argument("--phase", choices=("TEST", "TRAIN"), default="TEST",
                        help="which phase's layers to keep by their include/exclude rules "
                             "(default: %(default)s)")
    parser.add_argument("--allow-unknown-fields", action="store_true",
                        help="load the rest of a file with fields BVLC Caffe does not know, "
                             "listing each ignored field")
    parser.add_argument("--fork", metavar="NAME", choices=_fork_names(),
                        help="the Caffe fork a binary NetParameter comes from, whose field "
                             "numbers differ from BVLC's: " + ", ".join(_fork_names())
                             + " (text needs none: a fork's fields are found by name)")
    add_output_arguments(parser)


def _fork_names() -> list[str]:
    from ..ops.extras import EXTRA_FIELDS

    return [name for name in EXTRA_FIELDS.forks() if not name.startswith("plugin:")]


def print_notes(graph: Graph, args: argparse.Namespace) -> None:
    if getattr(args, "quiet", False):
        return
    for note in graph.notes:
        print(f"note: {note}", file=sys.stderr)


def load_net(args: argparse.Namespace) -> Graph:
    from ..api import load

    graph = load(args.net, input_shapes=input_shapes(args), phase=args.phase,
                 allow_unknown_fields=args.allow_unknown_fields, fork=args.fork)
    print_notes(graph, args)
    return graph


def default_output(args: argparse.Namespace, source: str, suffix: str, *,
                   module: bool = False) -> str:
    """``args.output``, or, not given, the input file's name with ``suffix`` in the current
    folder (``net.prototxt`` -> ``net.onnx``); ``module``: made a Python module name."""
    if args.output is None:
        stem = pathlib.Path(source).stem
        if module:
            stem = re.sub(r"\W", "_", stem)
            stem = f"_{stem}" if not stem or stem[0].isdigit() else stem
        args.output = stem + suffix
    return str(args.output)


def refuse_overwriting_inputs(output: str | None, *inputs: str | None) -> None:
    """An output path that names one of the command's input files is a usage error."""
    if output is None:
        return
    for path in inputs:
        if path is not None and os.path.exists(path) and os.path.exists(output) and \
                os.path.samefile(path, output):
            raise UsageError(f"-o {output} is also an input of this command ({path}); "
                             "expected a new file name")


class Progress:
    """The step a long command is at, on one line of a terminal's stderr (nothing when
    stderr is not a terminal or under ``-q``); under ``-v`` each step's time, anywhere."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.verbose = bool(getattr(args, "verbose", False))
        self.live = sys.stderr.isatty() and not getattr(args, "quiet", False)
        self.step: str | None = None
        self.started = time.perf_counter()

    def __call__(self, step: str) -> None:
        self._finish()
        self.step = step
        self.started = time.perf_counter()
        if self.live:
            sys.stderr.write(f"\r\x1b[K{step}...")
            sys.stderr.flush()

    def _finish(self) -> None:
        if self.step is None:
            return
        if self.live:
            sys.stderr.write("\r\x1b[K")
        if self.verbose:
            print(f"{self.step}: {time.perf_counter() - self.started:.2f} s", file=sys.stderr)
        sys.stderr.flush()
        self.step = None

    def done(self) -> None:
        self._finish()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._finish()
