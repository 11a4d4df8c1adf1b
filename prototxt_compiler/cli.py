"""The ``prototxt-compiler`` command line.

The one place that turns exceptions into messages and exit codes: 0 success, 1 a check found
problems, 2 bad input or usage. No Python traceback reaches the user for bad input.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from . import __version__
from .errors import CompilerError, UsageError
from .api import load
from .info import info_rows, render_table

__all__ = ["main"]


def parse_input_shape(text: str) -> tuple[str, tuple[int, ...]]:
    name, sep, dims = text.partition("=")
    try:
        shape = tuple(int(d) for d in dims.replace("x", ",").split(","))
    except ValueError:
        shape = ()
    if not sep or not name or not shape or any(d <= 0 for d in shape):
        raise UsageError(f"--input-shape {text!r}: expected NAME=N,C,H,W with positive "
                         "integers, e.g. data=1,3,224,224")
    return name, shape


def _add_net_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("net", help="the net definition (.prototxt, current or legacy)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME=N,C,H,W",
                        help="shape of an input blob (repeatable): overrides a declared "
                             "shape, or gives one the net lacks (a fragment's inputs)")
    parser.add_argument("--phase", choices=("TEST", "TRAIN"), default="TEST",
                        help="which phase's layers to keep (include/exclude rules)")
    parser.add_argument("--allow-unknown-fields", action="store_true",
                        help="load the rest of a file with fields BVLC Caffe does not know, "
                             "listing each ignored field")


def _load(args: argparse.Namespace):  # noqa: ANN202
    shapes = dict(parse_input_shape(s) for s in args.input_shape)
    graph = load(args.net, input_shapes=shapes, phase=args.phase,
                 allow_unknown_fields=args.allow_unknown_fields)
    for note in graph.notes:
        print(f"note: {note}", file=sys.stderr)
    return graph


def cmd_info(args: argparse.Namespace) -> int:
    from .checks import check

    graph = _load(args)
    rows, totals = info_rows(graph)
    report = check(graph)
    architecture = report.headline() if report.matches else None
    if args.json:
        json.dump({"name": graph.name, "layers": rows, **totals,
                   "architecture": architecture}, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(rows, totals))
        print(f"recognised: {architecture or 'no residual-network template matched'}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .api import check_file

    shapes = dict(parse_input_shape(s) for s in args.input_shape)
    report = check_file(args.net, args.template, input_shapes=shapes, phase=args.phase,
                        allow_unknown_fields=args.allow_unknown_fields)
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(report.render())
    return 0 if report.matches else 1


def cmd_compile(args: argparse.Namespace) -> int:
    from collections import Counter

    from .api import compile_onnx

    shapes = dict(parse_input_shape(s) for s in args.input_shape)
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
    for note in graph.notes:
        print(f"note: {note}", file=sys.stderr)
    ops = Counter(node.op_type for node in model.graph.node)
    print(f"wrote {args.output}: opset {args.opset}, {len(model.graph.node)} nodes ("
          + ", ".join(f"{n} {op}" for op, n in ops.most_common()) + ")")
    if args.verify:
        return verify(args, model, shapes)
    return 0


def verify(args: argparse.Namespace, model, shapes) -> int:  # noqa: ANN001
    """Runs the export in onnxruntime and, when torch is installed, the PyTorch backend on
    the unfolded graph, on one seeded random input; exit 1 beyond the tolerance."""
    import numpy as np

    from .api import load_with_weights
    from .verify import compare

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

        from .backends.torch import to_torch
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


def cmd_generate(args: argparse.Namespace) -> int:
    from .api import generate

    if args.spec is not None:
        flags = [f for f in ("family", "depth", "cardinality", "width", "input", "classes",
                             "naming", "style", "stem") if getattr(args, f) is not None]
        if flags:
            raise UsageError(f"give a spec file or --{flags[0]} and the other flags, not both")
        spec: object = args.spec
    else:
        if args.depth is None:
            raise UsageError("give a spec file, or --depth (with --family, --cardinality, "
                             "--width, ...)")
        spec = {"family": args.family or "resnext", "depth": args.depth}
        for flag, key in (("cardinality", "cardinality"), ("width", "bottleneck_width"),
                          ("classes", "classes"), ("naming", "naming"), ("style", "style"),
                          ("stem", "stem")):
            if getattr(args, flag) is not None:
                spec[key] = getattr(args, flag)
        if args.input is not None:
            spec["input"] = [int(d) for d in args.input.replace("x", ",").split(",")]
    text = generate(spec, args.output)
    if args.output is None:
        sys.stdout.write(text)
    else:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="prototxt-compiler",
        description="Compile Caffe network definitions (prototxt + caffemodel).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = sub.add_parser("info", help="every layer with its output shape, parameters and "
                                       "multiply-accumulates")
    _add_net_arguments(info)
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.set_defaults(func=cmd_info)
    comp = sub.add_parser("compile", help="export the net as ONNX (BatchNorm folded)")
    _add_net_arguments(comp)
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
    comp.set_defaults(func=cmd_compile)
    chk = sub.add_parser("check", help="verify a net against the ResNeXt/ResNet templates "
                                       "and explain every deviation")
    _add_net_arguments(chk)
    chk.add_argument("--template", choices=("resnext", "resnet", "auto"), default="auto")
    chk.add_argument("--json", action="store_true", help="print one JSON object")
    chk.set_defaults(func=cmd_check)
    gen = sub.add_parser("generate", help="write a ResNeXt/ResNet prototxt from a spec")
    gen.add_argument("spec", nargs="?", help="a TOML spec (see models/*.toml)")
    gen.add_argument("-o", "--output", metavar="NET.prototxt", help="default: stdout")
    gen.add_argument("--family", choices=("resnext", "resnet"))
    gen.add_argument("--depth", type=int)
    gen.add_argument("--cardinality", type=int)
    gen.add_argument("--width", type=int, help="bottleneck width of one group")
    gen.add_argument("--input", metavar="N,C,H,W")
    gen.add_argument("--classes", type=int)
    gen.add_argument("--naming", choices=("mxnet", "caffe"))
    gen.add_argument("--style", choices=("post-activation", "pre-activation"))
    gen.add_argument("--stem", choices=("imagenet", "cifar"))
    gen.set_defaults(func=cmd_generate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CompilerError as error:
        print(f"prototxt-compiler: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
