"""Wall time of ``compile -w`` from process start to the file written, against OpenCV's
``readNetFromCaffe`` of the same prototxt + .caffemodel, side by side in the same run;
target: compile / OpenCV at most 1.0.

    python benchmarks/compile_time.py [--cache DIR] [--repeat 5] [--out-dir DIR]

Models: ResNeXt-101 64x4d and VGG-16 with Caffe-written weights (``benchmarks/measure.py``).
Each run is a fresh process, the two alternated: ``prototxt-compiler compile NET -w
NET.caffemodel -o OUT.onnx -q`` (BatchNorm folded, the onnx.checker pass, the write), and
``python -c "import cv2; cv2.dnn.readNetFromCaffe(NET, NET.caffemodel)"``. Both are timed
from before the process starts to after it exits (the interpreter's start and imports
included: that is what a user waits for); the OpenCV process also reports the call alone,
and ours how long ``import onnx`` took in it, since that import (ml_dtypes registering
its numpy types) is a fixed cost no work of ours can remove. The output goes to a fresh
folder in ``--out-dir`` (the system's temp folder by default: a disk; ``/dev/shm`` is
tmpfs, memory), a new file each run (the last run's is removed
before the run starts: replacing a file of 318 MiB frees its pages in the rename, 0.05 s
on tmpfs, which is the old file's cost, not the compile's). The package is byte-compiled
first (``measure.compile_bytecode``). Medians with their spread.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.measure import (  # noqa: E402
    CLI,
    DEFAULT_CACHE,
    caffe_model,
    load_average,
    machine,
    run_python,
    spread,
)

TIMED_CLI = """
import time
_start = time.perf_counter()
import onnx
print(f"import-onnx {time.perf_counter() - _start:.4f}")
""" + CLI

TIMED_OPENCV = """
import sys, time
import cv2
_start = time.perf_counter()
net = cv2.dnn.readNetFromCaffe(sys.argv[1], sys.argv[2])
print(f"read {time.perf_counter() - _start:.4f}")
assert not net.empty()
"""


def _value(output: str, key: str) -> float:
    return next(float(line.split()[1]) for line in output.splitlines()
                if line.startswith(key + " "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=pathlib.Path, default=DEFAULT_CACHE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out-dir", default=None, help="where the .onnx is written")
    args = parser.parse_args()
    print(machine())
    print(f"load average before: {load_average()}")
    print(f"output folder in {args.out_dir or tempfile.gettempdir()}")
    print(f"{'model':18s} {'compile s':>22s} {'import onnx s':>22s} {'OpenCV s':>22s} "
          f"{'OpenCV call s':>22s} {'compile / OpenCV':>22s} {'/ OpenCV call':>22s}")
    with tempfile.TemporaryDirectory(dir=args.out_dir) as folder:
        out = str(pathlib.Path(folder) / "out.onnx")
        for name in ("resnext101_64x4d", "vgg16"):
            net, weights = caffe_model(name, args.cache)
            ours, opencv = [], []
            for _ in range(args.repeat):
                pathlib.Path(out).unlink(missing_ok=True)  # each run writes a new file
                ours.append(run_python(TIMED_CLI, ["compile", str(net), "-w", str(weights),
                                                   "-o", out, "-q"]))
                opencv.append(run_python(TIMED_OPENCV, [str(net), str(weights)]))
            ours_s = [r.seconds for r in ours]
            cv_s = [r.seconds for r in opencv]
            call_s = [_value(r.output, "read") for r in opencv]
            print(f"{name:18s} {spread(ours_s):>22s} "
                  f"{spread([_value(r.output, 'import-onnx') for r in ours]):>22s} "
                  f"{spread(cv_s):>22s} {spread(call_s):>22s} "
                  f"{spread([a / b for a, b in zip(ours_s, cv_s)]):>22s} "
                  f"{spread([a / b for a, b in zip(ours_s, call_s)]):>22s}", flush=True)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
