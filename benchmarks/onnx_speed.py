"""Speed of our ONNX export in onnxruntime against torch.onnx.export of a hand-written
model with the same weights, same process, same threads; and the compile time and peak
memory of a big net with weights.

    python benchmarks/onnx_speed.py [--threads N] [--runs 31]
    python benchmarks/onnx_speed.py --compile-only NET.prototxt NET.caffemodel

Inference: the seed-style ResNeXt-50 (32x4d) of models/ with seeded random weights
(benchmarks/torch_speed.py's, BatchNorm calibrated), exported by us (BatchNorm folded, the default of `compile`),
against the hand-written torchvision-architecture ResNeXt-50 loaded with the same weights
and exported by torch.onnx.export (TorchScript exporter, eval mode, which fuses BatchNorm
into the convolutions too). Both run in onnxruntime with the same session options and
thread count, batch 1, 224x224, runs alternated, median after warm-up; the outputs are
checked equal first. Compile: `prototxt-compiler compile NET -w WEIGHTS -o OUT` in a child
process, wall time and peak resident memory (ru_maxrss of the child).
"""
from __future__ import annotations

import argparse
import io
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import within_bar  # noqa: E402


def exports(batch: int = 1) -> dict[str, bytes]:
    """Our export (BatchNorm folded, as ``compile`` writes it) and torch.onnx.export's of the
    hand-written model with the same weights (``torch_speed.seeded_graph``), both at the
    batch's fixed shape."""
    import torch

    from benchmarks.handwritten_resnext import ResNeXt, load_from_graph
    from benchmarks.torch_speed import seeded_graph
    from prototxt_compiler.api import fold_graph
    from prototxt_compiler.backends.onnx import to_onnx

    graph = seeded_graph(input_shapes={"data": (batch, 3, 224, 224)})
    hand = ResNeXt([3, 4, 6, 3], 32, 4).eval()
    load_from_graph(hand, graph)
    fold_graph(graph)
    buffer = io.BytesIO()
    torch.onnx.export(hand, (torch.randn(batch, 3, 224, 224),), buffer, dynamo=False,
                      opset_version=17, input_names=["data"], output_names=["prob"])
    return {"torch.onnx.export": buffer.getvalue(), "ours": to_onnx(graph).SerializeToString()}


def sessions(threads: int):  # noqa: ANN201
    import onnxruntime as ort

    blobs = exports()
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    make = lambda blob: ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])  # noqa: E731
    return make(blobs["ours"]), make(blobs["torch.onnx.export"])


def bench(threads: int, runs: int) -> None:
    ours, theirs = sessions(threads)
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    a = ours.run(None, {"data": x})[0]
    b = theirs.run(None, {"data": x})[0]
    diff = float(np.abs(a - b).max())
    within_bar("ours against torch.onnx.export", diff, float(np.abs(b).max()))
    print(f"max |ours - torch.onnx.export| of probabilities: {diff:.2e} (max {b.max():.3f})")
    times: dict[str, list[float]] = {"ours": [], "torch.onnx.export": []}
    for _ in range(3):
        ours.run(None, {"data": x})
        theirs.run(None, {"data": x})
    for _ in range(runs):
        for name, session in (("ours", ours), ("torch.onnx.export", theirs)):
            start = time.perf_counter()
            session.run(None, {"data": x})
            times[name].append((time.perf_counter() - start) * 1e3)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"onnxruntime, ResNeXt-50 32x4d, batch 1, 224x224, {threads} threads, {runs} runs")
    for name, value in med.items():
        print(f"  {name:18s} median {value:8.1f} ms")
    print(f"  ratio ours / torch.onnx.export: {med['ours'] / med['torch.onnx.export']:.3f}")


def compile_cost(net: str, weights: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "model.onnx"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "prototxt_compiler", "compile", net, "-w", weights,
                        "-o", str(out)], check=True, cwd=ROOT)
        wall = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size = pathlib.Path(weights).stat().st_size / 2 ** 20
        print(f"compile {pathlib.Path(net).name} + weights ({size:.0f} MiB) -> .onnx "
              f"({out.stat().st_size / 2 ** 20:.0f} MiB): {wall:.1f} s, peak memory "
              f"{peak:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--compile-only", nargs=2, metavar=("NET", "WEIGHTS"))
    args = parser.parse_args()
    if args.compile_only:
        compile_cost(*args.compile_only)
    else:
        bench(args.threads, args.runs)


if __name__ == "__main__":
    main()
