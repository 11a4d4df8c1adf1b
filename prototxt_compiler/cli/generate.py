"""``prototxt-compiler generate``: a ResNeXt/ResNet prototxt from a spec or from flags."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import UsageError
from .common import add_output_arguments, refuse_overwriting_inputs

__all__ = ["add_parser"]

# spec key -> the flag that gives it
FLAGS = {"family": "--family", "depth": "--depth", "units": "--units",
         "cardinality": "--cardinality", "bottleneck_width": "--width", "input": "--input",
         "classes": "--classes", "naming": "--naming", "style": "--style", "stem": "--stem",
         "block": "--block", "se_reduction": "--se-reduction", "se_form": "--se-form"}


def _ints(flag: str, text: str) -> list[int]:
    try:
        return [int(d) for d in text.replace("x", ",").split(",")]
    except ValueError:
        raise UsageError(f"{flag} {text!r}: expected integers separated by commas") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: expected a reduction of 1 or more")
    return value


def run(args: argparse.Namespace) -> int:
    from ..api import generate
    from ..spec import spec_from_mapping

    given = {key: getattr(args, key if key.startswith("se_") else flag[2:])
             for key, flag in FLAGS.items()}
    given = {key: value for key, value in given.items() if value is not None}
    if args.spec is not None:
        if given:
            raise UsageError(f"give a spec file or {FLAGS[next(iter(given))]} and the other "
                             "flags, not both")
        refuse_overwriting_inputs(args.output, args.spec)
        spec: object = args.spec
    else:
        if "depth" not in given and "units" not in given:
            raise UsageError("give a spec file, or --depth or --units (with --family, "
                             "--cardinality, --width, ...)")
        for key in ("input", "units"):
            if key in given:
                given[key] = _ints(FLAGS[key], given[key])
        spec = spec_from_mapping(given, "command line", labels=FLAGS)
    text = generate(spec, args.output)
    if args.output is None:
        sys.stdout.write(text)
    elif not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def add_parser(sub: Any) -> None:
    gen = sub.add_parser("generate", help="write a ResNeXt/ResNet prototxt from a spec")
    gen.add_argument("spec", nargs="?", help="a TOML spec (see models/*.toml); or give the "
                                             "flags below instead")
    gen.add_argument("-o", "--output", metavar="NET.prototxt",
                     help="the file to write, atomically (default: standard output)")
    gen.add_argument("--family", choices=("resnext", "resnet"),
                     help="resnext, or resnet: cardinality 1 and bottleneck width 64 "
                          "(default: resnext)")
    gen.add_argument("--depth", type=int,
                     help="a standard depth: 26, 38, 50, 101, 152, 200 (ImageNet stem); "
                          "29, 38, 56 (CIFAR stem)")
    gen.add_argument("--units", metavar="3,4,6,3",
                     help="units per stage, for any depth (3 x units + 2)")
    gen.add_argument("--cardinality", type=int,
                     help="groups of the 3x3 convolutions (default: 32; 1 for resnet)")
    gen.add_argument("--width", type=int,
                     help="bottleneck width of one group in the first stage (default: 4; "
                          "64 for resnet)")
    gen.add_argument("--input", metavar="N,C,H,W",
                     help="the input shape (default: 1,3,224,224; 1,3,32,32 for the CIFAR "
                          "stem)")
    gen.add_argument("--classes", type=int, help="outputs of the classifier (default: 1000)")
    gen.add_argument("--naming", choices=("mxnet", "caffe"),
                     help="layer names: mxnet (stage1_unit2_conv1) or caffe (res2a_branch2a) "
                          "(default: mxnet)")
    gen.add_argument("--style", choices=("post-activation", "pre-activation"),
                     help="unit style (default: post-activation)")
    gen.add_argument("--block", choices=("bottleneck", "basic"),
                     help="unit kind: bottleneck, or basic (two 3x3, ResNet-18/34) "
                          "(default: bottleneck; basic for --depth 18 or 34)")
    gen.add_argument("--stem", choices=("imagenet", "cifar"),
                     help="imagenet (7x7/2 + pool, four stages) or cifar (3x3, three stages) "
                          "(default: imagenet)")
    gen.add_argument("--se-reduction", type=_positive, metavar="R",
                     help="squeeze-excitation units of reduction R (SE-ResNeXt; SENet's 16) "
                          "(default: none)")
    gen.add_argument("--se-form", choices=("axpy", "broadcastmul"),
                     help="how the excitation is written: SENet's Axpy, or the MXNet "
                          "conversions' Broadcastmul before the Eltwise (default: axpy)")
    add_output_arguments(gen)
    gen.set_defaults(func=run)
