"""``prototxt-compiler from-onnx``: an ONNX model as a Caffe prototxt and .caffemodel."""
from __future__ import annotations

import argparse
import os
from collections import Counter
from typing import Any

from ..errors import UsageError
from .common import add_output_arguments, default_output, input_shapes, print_notes

__all__ = ["add_parser"]


def run(args: argparse.Namespace) -> int:
    from ..to_caffe import from_onnx, save_caffe, verify_caffe

    if not default_output(args, args.model, ".prototxt").endswith(".prototxt"):
        raise UsageError(f"-o {args.output}: expected a .prototxt file name")
    weights = args.weights or args.output[:-len(".prototxt")] + ".caffemodel"
    for path in (args.output, weights):
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise UsageError(f"{path}: the folder {folder} does not exist")
    if not os.path.isfile(args.model):
        raise UsageError(f"{args.model}: no such file")
    shapes = input_shapes(args)
    graph = from_onnx(args.model, input_shapes=shapes, fork=args.fork)
    save_caffe(graph, args.output, weights)
    print_notes(graph, args)
    kinds = Counter(node.type for node in graph.nodes)
    print(f"wrote {args.output}: {len(graph.nodes) + len(graph.inputs)} layers ("
          + ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()) + ")")
    print(f"wrote {weights}: {os.path.getsize(weights):,} bytes")
    if not args.verify:
        return 0
    reference, results = verify_caffe(args.model, graph, args.output, weights)
    print(f"verify: reference: {reference}, against onnxruntime on {args.model}")
    ok = True
    for result in results:
        ok &= result.ok
        print(f"verify: {result.name}: max |converted - onnxruntime| {result.max_diff:.3g} "
              f"(tolerance {result.bound:.3g}) {'ok' if result.ok else 'FAILED'}")
    return 0 if ok else 1


def _fork_layers_help() -> str:
    from ..frontend.onnx.fork_layers import FORK_LAYERS

    forks: dict[str, list[str]] = {}
    for layer_type, names in FORK_LAYERS.items():
        for name in names:
            forks.setdefault(name, []).append(layer_type)
    return "; ".join(f"{name}: {', '.join(types)}" for name, types in sorted(forks.items()))


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("from-onnx", help="convert an ONNX model to a Caffe prototxt and "
                                           ".caffemodel (BVLC layers)")
    cmd.add_argument("model", metavar="MODEL.onnx",
                     help="the ONNX model (opset 9 to the newest the installed onnx knows)")
    cmd.add_argument("-o", "--output", metavar="NET.prototxt",
                     help="the Caffe net definition to write (default: the model's file "
                          "name with .prototxt, in the current folder)")
    cmd.add_argument("-w", "--weights", metavar="NET.caffemodel",
                     help="where the weights go (default: beside the prototxt, same name)")
    cmd.add_argument("--input-shape", action="append", default=[], metavar="NAME=N,C,H,W",
                     help="fix a graph input's shape (repeatable; a bare N,C,H,W for a "
                          "model of one input); an unknown batch is taken as 1")
    cmd.add_argument("--fork", metavar="NAME",
                     help="also write the layers of this Caffe fork where BVLC Caffe has "
                          "none: " + _fork_layers_help())
    cmd.add_argument("--verify", action="store_true",
                     help="run the written files in real Caffe (when set up) or else the "
                          "PyTorch backend, against onnxruntime on the model (exit 1 on a "
                          "mismatch)")
    add_output_arguments(cmd)
    cmd.set_defaults(func=run)
