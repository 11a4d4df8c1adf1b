"""Wall time of ``info`` and ``check`` on ResNeXt-101 64x4d, from process start to exit;
target: 0.5 s at most. The reference measured in the same run is the floor every command
of ours pays: a Python process that imports numpy and exits.

    python benchmarks/cli_time.py [--repeat 5] [--model models/resnext101_64x4d.prototxt]

Each run is a fresh process (``measure.run_python``) running the command line as the
installed script does; it also reports how long importing the command line took and how
long the command itself ran, so the time can be placed. Medians with their spread.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import load_average, machine, run_python, spread  # noqa: E402

TIMED = """
import contextlib, io, sys, time
_start = time.perf_counter()
from prototxt_compiler.cli import console
_imported = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = console(sys.argv[1:])
print(f"times {_imported - _start:.4f} {time.perf_counter() - _imported:.4f}")
sys.exit(code)
"""

FLOOR = "import numpy\n"
TARGET = 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--model", default=str(ROOT / "models" / "resnext101_64x4d.prototxt"))
    args = parser.parse_args()
    print(machine())
    print(f"load average before: {load_average()}")
    floor = [run_python(FLOOR).seconds for _ in range(args.repeat)]
    print(f"{'python + import numpy':24s} {spread(floor)} s")
    for command in ("info", "check"):
        runs = [run_python(TIMED, [command, args.model]) for _ in range(args.repeat)]
        wall = [r.seconds for r in runs]
        parts = [next(line.split()[1:] for line in r.output.splitlines()
                      if line.startswith("times ")) for r in runs]
        print(f"{command:24s} {spread(wall)} s (x{spread([w / TARGET for w in wall], 2)} "
              f"the {TARGET} s target; importing the CLI "
              f"{spread([float(p[0]) for p in parts])} s, the command "
              f"{spread([float(p[1]) for p in parts])} s)", flush=True)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
