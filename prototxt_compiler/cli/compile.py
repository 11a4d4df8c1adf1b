"""``prototxt-compiler compile``: the net as an ONNX file, optionally verified."""
from __future__ import annotations

import argparse
import os
from collections import Counter
from typing import Any

from ..backends import DEFAULT_OPSET
from ..errors import UsageError
from .common import (
    Progress,
    add_net_arguments,
    add_param_budget,
    default_output,
    input_shapes,
    print_notes,
    refuse_overwriting_inputs,
    seed,
)

__all__ = ["add_parser"]


def run(args: argparse.Namespace) -> int:
    from ..api import compile_onnx

    shapes = input_shapes(args)
    default_output(args, args.net, ".onnx")
    if not args.output.endswith(".onnx"):
        raise UsageError(f"-o {args.output}: expected a .onnx file name")
    folder = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(folder):
        raise UsageError(f"-o {args.output}: the folder {folder} does not exist")
    refuse_overwriting_inputs(args.output, args.net, args.weights)
    files = dict(_input_file(text) for text in args.input)
    if files and not args.verify:
        raise UsageError("--input gives the inputs of a verification: add --verify")
    with Progress(args) as progress:
        model, graph, report = compile_onnx(
            args.net, args.output, args.weights, shapes, opset=args.opset,
            fold=not args.no_fold, static_batch=args.static_batch, phase=args.phase,
            seed=args.seed, template=args.template,
            allow_unknown_fields=args.allow_unknown_fields, fork=args.fork, progress=progress,
            budget=args.param_budget)
    if not args.quiet:
        print(f"recognised: {report.headline()}" if report.matches
              else "recognised: no residual-network template matched")
    print_notes(graph, args)
    if not args.quiet:
        ops = Counter(node.op_type for node in model.graph.node)
        print(f"wrote {args.output}: opset {args.opset}, {len(model.graph.node)} nodes ("
              + ", ".join(f"{n} {op}" for op, n in ops.most_common()) + ")")
    if args.verify:
        return verify(args, model, shapes, files)
    return 0


def _input_file(text: str) -> tuple[str, str]:
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise UsageError(f"--input {text!r}: expected NAME=FILE.npy")
    return name, path


def verify(args: argparse.Namespace, model: Any, shapes: dict[str, tuple[int, ...]],
           files: dict[str, str]) -> int:
    """Runs the export in onnxruntime and the PyTorch backend on the unfolded graph, on the
    user's inputs or seeded random ones; compares every output (and, with --verify-layers,
    every layer); exit 1 beyond the tolerance."""
    from ..api import load_with_weights
    from ..verify import verify_inputs, verify_onnx, worst

    try:
        import onnxruntime  # noqa: F401
    except ImportError as error:
        raise UsageError("--verify needs onnxruntime: pip install onnxruntime") from error
    try:
        import torch  # noqa: F401
    except ImportError:
        print("verify: torch is not installed, so there is no reference to compare with "
              "(pip install torch); the model was written and passed onnx.checker")
        return 0
    with Progress(args) as progress:
        progress("verifying: loading the reference")
        graph = load_with_weights(args.net, args.weights, shapes, phase=args.phase,
                                  seed=args.seed, warn=False,
                                  allow_unknown_fields=args.allow_unknown_fields,
                                  fork=args.fork, budget=args.param_budget)
        feeds, lines = verify_inputs(graph, files, seed=args.seed)
        progress("verifying: running onnxruntime and the PyTorch backend")
        results = verify_onnx(model, graph, feeds, layers=args.verify_layers,
                              rtol=args.rtol, atol=args.atol, opset=args.opset,
                              path=args.output)
    for line in lines:
        print(f"verify: {line}")
    outputs = results[:len(graph.outputs)]
    for result in outputs:
        print(f"verify: output {result.name}: max |onnxruntime - torch| {result.max_diff:.3g} "
              f"(tolerance {result.bound:.3g}) {'ok' if result.ok else 'FAILED'}")
    layers = results[len(graph.outputs):]
    if layers:
        bad = [r for r in layers if not r.ok]
        print(f"verify: {len(layers) - len(bad)} of {len(layers)} layer outputs within "
              "tolerance")
        for result in bad[:20]:
            print(f"verify: layer {result.name}: max diff {result.max_diff:.3g} (tolerance "
                  f"{result.bound:.3g}) FAILED")
        if len(bad) > 20:
            print(f"verify: ... and {len(bad) - 20} more layers FAILED")
    furthest = worst(results)
    if furthest is not None:
        print(f"verify: worst: {furthest.name}, max diff {furthest.max_diff:.3g} against "
              f"{furthest.bound:.3g}")
    if not files and not args.weights:
        print("verify: the weights are untrained fillers; give -w NET.caffemodel for a "
              "check that means something")
    for result in outputs:
        if result.constant:
            print(f"verify: output {result.name} is the same value throughout (untrained "
                  "weights?), so its comparison shows little")
    return 0 if all(r.ok for r in results) else 1


def add_parser(sub: Any) -> None:
    comp = sub.add_parser("compile", help="export the net as ONNX (BatchNorm folded)")
    add_net_arguments(comp)
    comp.add_argument("-o", "--output", metavar="MODEL.onnx",
                      help="the ONNX file to write (atomically: on any error no file, or "
                           "the old one untouched, remains; default: the net's file name "
                           "with .onnx, in the current folder)")
    comp.add_argument("-w", "--weights", metavar="NET.caffemodel",
                      help="trained weights; without them Caffe's fillers initialise the "
                           "net, with a note")
    comp.add_argument("--opset", type=int, default=DEFAULT_OPSET,
                      help="ONNX opset, 13 up to the newest the installed onnx knows "
                           "(default: %(default)s)")
    comp.add_argument("--no-fold", action="store_true",
                      help="keep BatchNorm, Scale, Dropout and Split: one-to-one with Caffe")
    comp.add_argument("--static-batch", action="store_true",
                      help="fix the batch dimension (symbolic 'N' by default)")
    comp.add_argument("--seed", type=seed, default=0,
                      help="seed of the fillers without -w, and of --verify's random "
                           "inputs (default: %(default)s)")
    add_param_budget(comp)
    comp.add_argument("--template", choices=("resnext", "resnet", "auto"),
                      help="refuse to write anything (exit 1) when the net deviates from "
                           "this template (default: no requirement)")
    check = comp.add_argument_group("verification")
    check.add_argument("--verify", action="store_true",
                       help="run the export in onnxruntime against the PyTorch backend and "
                            "compare every output; exit 1 beyond the tolerance")
    check.add_argument("--verify-layers", action="store_true",
                       help="with --verify, compare every layer's output too (through an "
                            "unfolded export) and report the worst")
    check.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy",
                       help="with --verify, an input of yours instead of a random one "
                            "(repeatable)")
    check.add_argument("--rtol", type=float, default=1e-4,
                       help="relative tolerance: max |diff| <= atol + rtol x max(1, max "
                            "|ref|) (default: %(default)s)")
    check.add_argument("--atol", type=float, default=0.0,
                       help="absolute tolerance (default: %(default)s)")
    comp.set_defaults(func=run)
