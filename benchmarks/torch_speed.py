"""Speed of the compiled PyTorch module against a hand-written one, same weights, same
process, same threads.

    python benchmarks/torch_speed.py [--threads N] [--runs 15] [--model models/resnext50_32x4d.prototxt]

Loads the seed-style ResNeXt-50 from models/, gives it seeded random weights (BatchNorm
statistics with a moving-average factor, as Caffe stores them), builds the hand-written
torchvision-architecture ResNeXt-50 (benchmarks/handwritten_resnext.py) with the same
weights, checks both compute the same probabilities, then times forward passes at batch 1,
224x224, alternating the two models run by run, after warm-up. Reports the median of each
and the ratio compiled / hand-written, for the module as load_torch returns it (one module
per Caffe layer) and with BatchNorm + Scale folded into the convolutions (fold=True).
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.handwritten_resnext import ResNeXt, load_from_graph  # noqa: E402
from prototxt_compiler import load  # noqa: E402
from prototxt_compiler.backends.torch import to_torch  # noqa: E402
from prototxt_compiler.ops import OPS  # noqa: E402
from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm  # noqa: E402


def random_blobs(graph, seed: int = 0) -> None:  # noqa: ANN001
    rng = np.random.default_rng(seed)
    for node in graph.nodes:
        shapes = OPS[node.type].blobs(node.params, [v.shape for v in node.inputs])
        if not shapes:
            continue
        if node.type == "BatchNorm":
            c = shapes[0][0]
            factor = rng.uniform(0.5, 2.0)
            blobs = [rng.normal(0, 0.1, c) * factor, rng.uniform(0.5, 1.5, c) * factor,
                     np.array([factor])]
        elif node.type == "Scale":
            blobs = [rng.uniform(0.5, 1.5, s) if i == 0 else rng.normal(0, 0.1, s)
                     for i, s in enumerate(shapes)]
        else:
            blobs = [rng.normal(0, np.sqrt(2.0 / max(1, int(np.prod(s[1:])))), s)
                     if len(s) > 1 else rng.normal(0, 0.01, s) for s in shapes]
        node.blobs = tuple(np.asarray(b, np.float32).reshape(s) for b, s in zip(blobs, shapes))


def median_ms(fn, x: torch.Tensor, runs: int) -> list[float]:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - start) * 1e3)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=str(ROOT / "models" / "resnext50_32x4d.prototxt"))
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    graph = load(args.model)
    random_blobs(graph)
    compiled = to_torch(graph)
    hand = ResNeXt([3, 4, 6, 3], 32, 4).eval()
    load_from_graph(hand, graph)
    fold_batchnorm(graph)
    folded = to_torch(graph)
    x = torch.randn(1, 3, 224, 224)
    with torch.inference_mode():
        ref = hand(x)
        for name, model in (("compiled", compiled), ("folded", folded)):
            diff = float((model(x) - ref).abs().max())
            print(f"{name} vs hand-written: max |diff| of probabilities {diff:.2e}")
        models = {"hand-written": hand, "compiled": compiled, "folded": folded}
        for model in models.values():
            for _ in range(3):
                model(x)
        samples: dict[str, list[float]] = {k: [] for k in models}
        for _ in range(args.runs):
            for name, model in models.items():
                samples[name] += median_ms(model, x, 1)
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f"ResNeXt-50 32x4d, batch 1, 224x224, {args.threads} threads, {args.runs} runs each, "
          f"torch {torch.__version__}")
    for name in models:
        print(f"  {name:13s} median {med[name]:8.1f} ms")
    for name in ("compiled", "folded"):
        print(f"  ratio {name} / hand-written: {med[name] / med['hand-written']:.3f}")


if __name__ == "__main__":
    main()
