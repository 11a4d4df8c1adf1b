"""The ``prototxt-compiler`` command line: one module per command.

The one place that turns exceptions into messages and exit codes: 0 success, 1 a check found
problems, 2 bad input or usage, 3 an internal error (a bug: one line asking for a report, the
traceback only under ``-v``). No Python traceback reaches the user for bad input. A command
module has ``add_parser(subparsers)``, which registers its parser with ``func`` set to a
function of the parsed arguments returning the exit code; ``COMMANDS`` lists them in the
order ``--help`` shows them.
"""
from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from ..version import __version__
from ..errors import CompilerError
from . import check, compile, from_onnx, generate, info

__all__ = ["main", "build_parser", "COMMANDS"]

COMMANDS = (info, compile, check, generate, from_onnx)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prototxt-compiler",
        description="Compile Caffe network definitions (prototxt + caffemodel).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


INTERNAL_ERROR = 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CompilerError as error:
        print(f"prototxt-compiler: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except (MemoryError, RecursionError) as error:
        what = "memory" if isinstance(error, MemoryError) else "stack"
        print(f"prototxt-compiler: error: out of {what} (the input is too large to process)",
              file=sys.stderr)
        return 2
    except Exception as error:  # a bug of ours: say so, with its own exit code
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"prototxt-compiler: internal error ({type(error).__name__}: {error}); please "
              "report it with the input that caused it" +
              ("" if getattr(args, "verbose", False) else " (-v shows the traceback)"),
              file=sys.stderr)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
