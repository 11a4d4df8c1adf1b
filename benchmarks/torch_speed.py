"""Speed of the compiled PyTorch module against a hand-written one, same weights, same
process, same threads; target: the default module at most 1.0x the hand-written, folded
faster still.

    python benchmarks/torch_speed.py [--threads 1,2] [--batches 1,8] [--repeat 3]
                                     [--runs 15] [--model models/resnext50_32x4d.prototxt]

Loads the seed-style ResNeXt-50 from models/, gives it seeded random weights (BatchNorm
statistics with a moving-average factor, as Caffe stores them, calibrated on random images
so that activations stay O(1) and the probabilities are not one-hot), builds the hand-written
torchvision-architecture ResNeXt-50 (benchmarks/handwritten_resnext.py) with the same
weights, checks all compute the same probabilities, then times forward passes at 224x224
under ``torch.inference_mode``, the models run side by side (each first in turn), after
warm-up. "compiled" is ``load_torch``'s default module (one submodule per Caffe layer, its
convolutions' weights channels-last), "folded" the module with BatchNorm + Scale folded
into the convolutions (``fold=True``); "hand NHWC" is the hand-written model with its
weights made channels-last too (``model.to(memory_format=torch.channels_last)``), the
reference for what that layout alone gives. Every model takes the same NCHW input. Each
thread count runs in ``--repeat`` fresh processes; a process reports the median time of
each model and, as its ratio, the median of the ratios of runs made side by side (which a
change of the machine's load between runs does not move); the ratios are given as the
median over processes and their spread (min-max).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import (  # noqa: E402
    load_average,
    machine,
    run_child,
    spread,
    timed,
    within_bar,
)
from prototxt_compiler.ops import OPS  # noqa: E402

MODELS = ("hand-written", "hand NHWC", "compiled", "folded")
COMPARED = ("hand NHWC", "compiled", "folded")


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


def seeded_graph(path: str | pathlib.Path = ROOT / "models" / "resnext50_32x4d.prototxt",
                 input_shapes: dict | None = None):  # noqa: ANN201 - an ir.Graph
    """The seed-style ResNeXt-50 with the benchmarks' weights: ``random_blobs``, then every
    BatchNorm's statistics calibrated on random images (``handwritten_resnext.calibrate``)."""
    from benchmarks.handwritten_resnext import calibrate
    from prototxt_compiler import load

    graph = load(path, input_shapes=input_shapes)
    random_blobs(graph)
    calibrate(graph)
    return graph


def child(model_path: str, threads: int, batches: list[int], runs: int) -> dict:
    """One process's measurement: {batch: {model: median ms}}."""
    import torch

    from benchmarks.handwritten_resnext import ResNeXt, load_from_graph
    from prototxt_compiler.backends.torch import to_torch
    from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm

    torch.set_num_threads(threads)
    graph = seeded_graph(model_path)
    models = {"compiled": to_torch(graph)}
    hand = ResNeXt([3, 4, 6, 3], 32, 4).eval()
    load_from_graph(hand, graph)
    nhwc = ResNeXt([3, 4, 6, 3], 32, 4).eval()  # the same, its weights channels-last
    load_from_graph(nhwc, graph)
    nhwc.to(memory_format=torch.channels_last)
    fold_batchnorm(graph)
    models = {"hand-written": hand, "hand NHWC": nhwc, "compiled": models["compiled"],
              "folded": to_torch(graph)}
    result: dict = {"diff": {}, "ms": {}, "ratio": {}}
    with torch.inference_mode():
        for batch in batches:
            x = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(0))
            ref = hand(x)
            for name in COMPARED:
                diff = float((models[name](x) - ref).abs().max())
                within_bar(f"{name}, batch {batch}", diff, float(ref.abs().max()))
                result["diff"][f"{name}@{batch}"] = diff
            rounds = runs if batch == 1 else max(3, runs // 2)
            times = timed({k: (lambda m=m: m(x)) for k, m in models.items()}, rounds, warmup=2)
            result["ms"][str(batch)] = times["ms"]
            result["ratio"][str(batch)] = times["ratio"]  # to the hand-written, side by side
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "resnext50_32x4d.prototxt"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batches", default="1,8")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    if args.child:
        sys.stdout.write(json.dumps(child(args.model, int(args.threads), batches, args.runs)))
        return
    print(machine())
    print(f"load average before: {load_average()}")
    print("ResNeXt-50 32x4d, 224x224, median ms of each process; ratios of runs side by "
          f"side: median over {args.repeat} processes (min-max)")
    for threads in (int(t) for t in args.threads.split(",")):
        reports = [run_child(__file__, ["--model", args.model, "--threads", str(threads),
                                        "--batches", args.batches, "--runs", str(args.runs)])
                   for _ in range(args.repeat)]
        worst = max(max(r["diff"].values()) for r in reports)
        for batch in batches:
            ms = [r["ms"][str(batch)] for r in reports]
            times = "  ".join(f"{m} {statistics.median(x[m] for x in ms):7.1f} ms"
                              for m in MODELS)
            ratios = "  ".join(
                f"{m} / hand {spread([r['ratio'][str(batch)][m] for r in reports])}"
                for m in COMPARED)
            print(f"threads {threads} batch {batch}: {times}  |  {ratios}", flush=True)
        print(f"    (max |diff| of probabilities against the hand-written: {worst:.1e})")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
