"""How ``compile`` grows with depth: time and peak memory of generated nets of about 1k, 5k
and 10k layers, each step timed on its own; target: linear (time per layer the same at
every size, the slope reported).

    python benchmarks/compile_scale.py [--repeat 3] [--units 77,384,768]

The nets are deep CIFAR-style ResNeXt specs from the generator (``prototxt_compiler.api.
generate``: 3x3 stem of 16 channels, three stages of bottleneck units, cardinality 2,
bottleneck width 4, 32 channels out of stage 1; 13 Caffe layers a unit), so every pass
sees what a real residual net has: BatchNorm + Scale pairs to fold, Eltwise sums, the
template check's units. Each measurement is a fresh process running ``compile_onnx`` on
the prototxt (Caffe's fillers for the weights, which are small), with the step names it
reports timed, and its peak resident set (``VmHWM``). The reference is the smallest net:
per-layer time at each size over the smallest's (1.00 is linear); the slope is the
least-squares fit of the median total time against the layer count.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from benchmarks.measure import load_average, machine, run_python, spread  # noqa: E402

CHILD = """
import json, sys, time
import onnx  # imported before the clock starts: a constant, not the net's
import prototxt_compiler.backends.onnx
from prototxt_compiler.api import compile_onnx
marks = []
start = time.perf_counter()
model, graph, _ = compile_onnx(sys.argv[1], sys.argv[2],
                               progress=lambda s: marks.append((s, time.perf_counter())))
marks.append(("end", time.perf_counter()))
steps = {a: t2 - t1 for (a, t1), (_, t2) in zip(marks, marks[1:])}
print(json.dumps({"total": marks[-1][1] - start, "steps": steps}))
"""


def _spec(units: int) -> dict:
    split = [units // 3 + (1 if i < units % 3 else 0) for i in range(3)]
    return {"family": "resnext", "units": split, "cardinality": 2, "bottleneck_width": 4,
            "stem": "cifar", "input": [1, 3, 32, 32], "classes": 10, "stem_channels": 16,
            "stage1_channels": 32}


def _fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return slope, my - slope * mx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--units", default="77,384,768")
    args = parser.parse_args()
    from prototxt_compiler import load
    from prototxt_compiler.api import generate

    print(machine())
    print(f"load average before: {load_average()}")
    sizes, works = [], []
    steps: dict[str, float] = {}  # ms per layer of each step on the smallest net
    with tempfile.TemporaryDirectory() as folder:
        for units in (int(u) for u in args.units.split(",")):
            net = pathlib.Path(folder) / f"deep{units}.prototxt"
            generate(_spec(units), net)
            layers = len(load(net).nodes)
            runs = [run_python(CHILD, [str(net), str(pathlib.Path(folder) / "out.onnx")])
                    for _ in range(args.repeat)]
            reports = [json.loads(r.output.strip().splitlines()[-1]) for r in runs]
            work = [r["total"] for r in reports]
            sizes.append(layers)
            works.append(statistics.median(work))
            per_layer = works[-1] / layers * 1e3
            print(f"{layers:6d} layers: compile_onnx {spread(work)} s, {per_layer:.3f} ms/layer "
                  f"(x{per_layer / (works[0] / sizes[0] * 1e3):.2f} the smallest's); process "
                  f"{spread([r.seconds for r in runs])} s; peak "
                  f"{spread([r.peak_bytes / 2**20 for r in runs], 1)} MiB", flush=True)
            for step in reports[0]["steps"]:
                times = [r["steps"][step] for r in reports]
                per = statistics.median(times) / layers * 1e3
                first = steps.setdefault(step, per)
                print(f"    {step:32s} {spread(times)} s  {per:.4f} ms/layer "
                      f"(x{per / first if first else 1.0:.2f})")
    slope, intercept = _fit([float(s) for s in sizes], works)
    print(f"fit: compile_onnx = {intercept:.3f} s + {slope * 1e3:.3f} ms x layers")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
