"""What the compile benchmarks share: the models (a prototxt and the .caffemodel real Caffe
writes for it, made once into a cache folder outside the repository), and running one
measurement as a fresh process.

A measurement runs Python code in a new interpreter (``sys.executable``) and gives its wall
time, from before the process is started to after it has exited, and its peak resident
set: the child reads its own ``VmHWM`` from ``/proc/self/status`` as it exits (an
``atexit`` hook), the high-water mark of the resident set of the process image it runs,
mapped file pages that were touched included. (``ru_maxrss`` of a child would also count
the resident set of the parent it was forked from.) Linux only.
"""
from __future__ import annotations

import functools
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[1]
ORACLE = ROOT.parent / "shared" / "caffe-oracle" / "caffe-oracle"
DEFAULT_CACHE = pathlib.Path(tempfile.gettempdir()) / "prototxt-compiler-bench"
NETS = {"resnext101_64x4d": ROOT / "models" / "resnext101_64x4d.prototxt",
        "vgg16": ROOT / "benchmarks" / "nets" / "vgg16.prototxt"}

# Run in the child before its code: report the peak resident set on the way out.
_HOOK = """
import atexit, os, sys
def _report(path=os.environ["BENCH_PEAK_FILE"]):
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(path, "w") as out:
        out.write(str(peak * 1024))
atexit.register(_report)
sys.path.insert(0, os.environ["BENCH_ROOT"])
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_bytes: int
    output: str


@functools.cache
def compile_bytecode() -> None:
    """Byte-compiles the package's sources into ``__pycache__`` once, as ``pip install``
    does for an installed package, so that each measured process imports bytecode, as a
    user's does from the second run on. (Where ``PYTHONDONTWRITEBYTECODE`` is set, as on
    this project's machines, an editable install never writes it, and every process would
    compile the package again: 0.07-0.08 s of each run.)"""
    import compileall

    compileall.compile_dir(ROOT / "prototxt_compiler", quiet=1)


def run_python(code: str, args: Sequence[str] = ()) -> Run:
    """``code`` in a fresh interpreter with ``sys.argv[1:] == args``, the package's bytecode
    compiled first (``compile_bytecode``); fails loudly if the child fails."""
    compile_bytecode()
    with tempfile.TemporaryDirectory() as folder:
        peak_file = os.path.join(folder, "peak")
        env = dict(os.environ, BENCH_PEAK_FILE=peak_file, BENCH_ROOT=str(ROOT))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", _HOOK + code, *args], env=env,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"the measured process failed ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}")
        peak = int(pathlib.Path(peak_file).read_text())
    return Run(seconds, peak, done.stdout + done.stderr)


def run_child(script: str, args: Sequence[str]) -> Any:
    """``script --child ARGS`` in a fresh interpreter (a benchmark measuring in a process of
    its own), and what it printed, read as JSON; fails loudly if the child fails."""
    out = subprocess.run([sys.executable, script, "--child", *args], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


# The command line as the installed ``prototxt-compiler`` script runs it.
CLI = """
import sys
from prototxt_compiler.cli import console
sys.argv[0] = "prototxt-compiler"
sys.exit(console(sys.argv[1:]))
"""

OPENCV = """
import sys
import cv2
net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2])
assert not net.empty()
"""


def caffe_model(name: str, cache: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """The prototxt ``NETS[name]`` and the .caffemodel real Caffe writes for it (seeded
    random weights, BatchNorm calibrated; a minute or a few), made once per cache."""
    cache.mkdir(parents=True, exist_ok=True)
    net, weights = cache / f"{name}.prototxt", cache / f"{name}.caffemodel"
    if not net.exists() or net.read_bytes() != NETS[name].read_bytes():
        net.write_bytes(NETS[name].read_bytes())
        weights.unlink(missing_ok=True)
    if not weights.exists():
        partial = cache / f"{name}.partial.caffemodel"
        subprocess.run([str(ORACLE), "forward", str(net), "--lean", "--save-weights",
                        str(partial), "--out", str(cache / f"{name}.forward.npz")],
                       check=True, stdout=subprocess.DEVNULL)
        partial.rename(weights)
    return net, weights


def timed(fns: dict[str, Callable[[], Any]], runs: int, *, warmup: int = 3,
          sync: Callable[[], None] = lambda: None) -> dict:
    """Times the calls side by side: ``warmup`` rounds of every call, then ``runs`` rounds,
    each call first in turn, ``sync`` (a device's synchronise) before and after each timed
    call. {"ms": {name: median ms}, "ratio": {name: median of its ratios to the first call's
    time in the same round}} (the first left out): ratios of runs side by side, which a
    change of the machine's load between rounds does not move."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    sync()
    samples: dict[str, list[float]] = {k: [] for k in fns}
    order = list(fns)
    for i in range(runs):
        for name in order[i % len(order):] + order[:i % len(order)]:
            sync()
            start = time.perf_counter()
            fns[name]()
            sync()
            samples[name].append((time.perf_counter() - start) * 1e3)
    first = samples[order[0]]
    return {"ms": {k: statistics.median(v) for k, v in samples.items()},
            "ratio": {k: statistics.median(a / b for a, b in zip(v, first))
                      for k, v in samples.items() if k != order[0]}}


def within_bar(what: str, diff: float, ref_max: float) -> None:
    """Stops the benchmark (exit 1) where two models' outputs differ by more than the
    project's bar, max |diff| <= 1e-4 x max(1, max|ref|): a speed of a wrong model means
    nothing."""
    if not diff <= 1e-4 * max(1.0, ref_max):
        sys.exit(f"{what}: outputs differ by {diff:.3g} (max |ref| {ref_max:.3g}), past the "
                 "bar of 1e-4 x max(1, max|ref|)")


def spread(values: Sequence[float], digits: int = 3) -> str:
    """``median (min-max)`` of the runs."""
    return (f"{statistics.median(values):.{digits}f} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    """The interpreter, kernel, cores and the versions that matter, in one line."""
    import platform
    from importlib import metadata

    parts = [f"Python {platform.python_version()}", f"Linux {platform.release()}",
             f"{os.cpu_count()} cores"]
    for package in ("numpy", "protobuf", "onnx", "ml_dtypes", "opencv-python-headless",
                    "torch", "onnxruntime"):
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(parts)
