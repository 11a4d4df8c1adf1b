"""Peak memory of ``compile`` (reading, folding, the onnx.checker pass and the write) as a
ratio to the weights' size; target: 1.5x at most. OpenCV's ``readNetFromCaffe`` of the same
files, measured the same way in the same run, is the reference a user would otherwise use.

    python benchmarks/compile_memory.py [--cache DIR] [--repeat 3] [--skip-big]

Models (see ``benchmarks/measure.py`` for how the .caffemodels are made and cached):
- ResNeXt-101 64x4d, ``models/resnext101_64x4d.prototxt``, its .caffemodel (319 MiB) written
  by real Caffe;
- VGG-16 (configuration D), ``benchmarks/nets/vgg16.prototxt``, Caffe-written (528 MiB, one
  392 MiB InnerProduct);
- a net past 2 GB: ResNeXt-101 64x22d from the generator (569M parameters, 2.1 GiB of
  float32), initialised by Caffe's fillers. A .caffemodel holds at most 2 GiB, so this one
  runs ``compile_onnx`` in Python with the fillers' budget raised to 4 GiB; its tensors go
  to external data. Its ratio is over the blobs the fillers made.

Each measurement is a fresh process (``measure.run_python``): for the first two the
``prototxt-compiler compile NET -w NET.caffemodel -o OUT.onnx`` command line, for OpenCV
``cv2.dnn.readNetFromCaffe(NET, NET.caffemodel)``; its peak resident set is the process's
``VmHWM`` (touched pages of the mapped .caffemodel included). The output goes to a
temporary folder. Medians of ``--repeat`` runs with their spread.
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
    OPENCV,
    caffe_model,
    load_average,
    machine,
    run_python,
    spread,
)

MIB = 1 << 20

BIG_SPEC = {"family": "resnext", "depth": 101, "cardinality": 64, "bottleneck_width": 22}

BIG = """
import sys
from math import prod
from prototxt_compiler import limits, load
from prototxt_compiler.api import compile_onnx
from prototxt_compiler.ops import OPS
graph = load(sys.argv[1])
print(4 * sum(prod(s) for n in graph.nodes
              for s in OPS[n.type].blobs(n.params, [v.shape for v in n.inputs])))
del graph
limits.PARAM_BUDGET_BYTES = 4 << 30  # past the default 2 GiB of fillers
compile_onnx(sys.argv[1], sys.argv[2])
"""


def _row(name: str, size: int, ours: list, opencv: list | None) -> str:
    peaks = [r.peak_bytes / MIB for r in ours]
    line = (f"{name:18s} {size / MIB:9.1f} {spread(peaks, 1):>28s} "
            f"{spread([p * MIB / size for p in peaks]):>22s}")
    if opencv:
        cv = [r.peak_bytes / MIB for r in opencv]
        line += f" {spread(cv, 1):>28s} {spread([p * MIB / size for p in cv]):>22s}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=pathlib.Path, default=DEFAULT_CACHE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-big", action="store_true", help="leave out the 2 GB net")
    args = parser.parse_args()
    print(machine())
    print(f"load average before: {load_average()}")
    print(f"{'model':18s} {'MiB':>9s} {'compile peak MiB':>28s} {'x weights':>22s} "
          f"{'OpenCV peak MiB':>28s} {'x weights':>22s}")
    with tempfile.TemporaryDirectory() as folder:
        out = str(pathlib.Path(folder) / "out.onnx")
        for name in ("resnext101_64x4d", "vgg16"):
            net, weights = caffe_model(name, args.cache)
            ours, opencv = [], []
            for _ in range(args.repeat):  # alternated, so both see the same machine
                ours.append(run_python(CLI, ["compile", str(net), "-w", str(weights),
                                             "-o", out, "-q"]))
                opencv.append(run_python(OPENCV, [str(net), str(weights)]))
            print(_row(name, weights.stat().st_size, ours, opencv), flush=True)
        if not args.skip_big:
            from prototxt_compiler.api import generate

            net = pathlib.Path(folder) / "resnext101_64x22d.prototxt"
            generate(BIG_SPEC, net)
            runs = [run_python(BIG, [str(net), out]) for _ in range(args.repeat)]
            size = int(runs[0].output.split()[0])
            external = pathlib.Path(out + ".data").exists()
            print(_row("resnext101_64x22d", size, runs, None)
                  + f"  (fillers; {'external data' if external else 'one file'})")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
