"""``prototxt-compiler generate``: a ResNeXt/ResNet prototxt from a spec or from flags."""
from __future__ import annotations

import argparse
import sys
from typing import Any

from ..errors import UsageError

__all__ = ["add_parser"]


def run(args: argparse.Namespace) -> int:
    from ..api import generate

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


def add_parser(sub: Any) -> None:
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
    gen.set_defaults(func=run)
