"""``prototxt-compiler compile``: the net as an ONNX file, optionally verified."""
from __future__ import annotations

import argparse
import os
from typing import Any

from ..errors import UsageError
from .common import add_net_arguments, input_shapes, print_notes

__all__ = ["add_parser"]


def run(args: argparse.Namespace) -> int:
    from collections import Counter

    from ..api import compile_onnx

    shapes = input_shapes(args)
    if not args.output.endswith(".onnx"):
        raise UsageError(f"-o {args.output}: expected a .onnx file name")
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        raise UsageError(f"-o {args.output}: the folder {folder} does not exist")
    model, graph, report = compile_onnx(
        args.net, args.output, args.weights, shapes, opset=args.opset, fold=not args.no_fold,
        static_batch=args.static_batch, phase=args.phase, seed=args.seed,
        template=args.template)
    print(f"recognised: {report.headline()}" if report.matches
          else "recognised: no residual-network template matched")
    print_notes(graph)
    ops = Counter(node.op_type for node in model.graph.node)
    print(f"wrote {args.output}: opset {args.opset}, {len(model.graph.node)} nodes ("
          + ", ".join(f"{n} {op}" for op, n in ops.most_common()) + ")")
    if args.verify:
        return verify(args, model, shapes)
    return 0


def verify(args: argparse.Namespace, model: Any, shapes: dict[str, tuple[int, ...]]) -> int:
    """Runs the export in onnxruntime and, when torch is installed, the PyTorch backend on
    the unfolded graph, on one seeded random input; exit 1 beyond the tolerance."""
    import numpy as np

    from ..api import load_with_weights
    from ..verify import compare

    try:
        import onnxruntime
    except ImportError as error:
        raise UsageError("--verify needs onnxruntime: pip install onnxruntime") from error
    graph = load_with_weights(args.net, args.weights, shapes, phase=args.phase, seed=args.seed,
                              warn=False)
    rng = np.random.default_rng(0)
    feeds = {v.blob: rng.standard_normal(v.shape).astype(np.float32) for v in graph.inputs}
    session = onnxruntime.InferenceSession(model.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    ours = session.run(None, feeds)
    try:
        import torch

        from ..backends.torch import to_torch
    except ImportError:
        print("verify: onnxruntime ran the model; torch is not installed, so there is no "
              "reference to compare with")
        return 0
    module = to_torch(graph)
    with torch.inference_mode():
        ref = module(*[torch.from_numpy(feeds[v.blob]) for v in graph.inputs])
    refs = ref if isinstance(ref, tuple) else (ref,)
    ok = True
    for output, a, b in zip(model.graph.output, ours, refs):
        result = compare(a, b.numpy(), output.name)
        if np.ptp(b.numpy()) == 0:
            print(f"verify: {output.name}: the reference output is constant (untrained "
                  "weights?), so this comparison shows little; give -w for a real check")
        ok &= result.ok
        print(f"verify: {output.name}: max |onnxruntime - torch| {result.max_diff:.3g} "
              f"(tolerance {result.bound:.3g}) {'ok' if result.ok else 'FAILED'}")
    return 0 if ok else 1


def add_parser(sub: Any) -> None:
    comp = sub.add_parser("compile", help="export the net as ONNX (BatchNorm folded)")
    add_net_arguments(comp)
    comp.add_argument("-o", "--output", required=True, metavar="MODEL.onnx")
    comp.add_argument("-w", "--weights", metavar="NET.caffemodel",
                      help="trained weights; without them Caffe's fillers initialise the net")
    comp.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    comp.add_argument("--no-fold", action="store_true",
                      help="keep BatchNorm, Scale, Dropout and Split: one-to-one with Caffe")
    comp.add_argument("--static-batch", action="store_true",
                      help="fix the batch dimension (symbolic 'N' by default)")
    comp.add_argument("--seed", type=int, default=0, help="seed of the fillers without -w")
    comp.add_argument("--verify", action="store_true",
                      help="run the export in onnxruntime against the PyTorch backend")
    comp.add_argument("--template", choices=("resnext", "resnet", "auto"),
                      help="refuse to write anything (exit 1) when the net deviates from it")
    comp.set_defaults(func=run)
