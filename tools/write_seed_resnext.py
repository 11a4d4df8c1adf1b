"""Writes a ResNeXt prototxt in the seed's block style (MXNet names, in-place BN/Scale/ReLU).

    python tools/write_seed_resnext.py 3,4,6,3 32 4 > models/resnext50_32x4d.prototxt
    python tools/write_seed_resnext.py 1,2 4 2 --input 2,3,32,32 --classes 10 --stem 16 \
        --outer 32 > tests/fixtures/numeric/net_resnext_seed.prototxt     # reduced width

A first-day model for models/; the spec generator (spec/) takes this job over. Layout: a
BatchNorm+Scale on the data, conv0 7x7/2 + BN + Scale + ReLU, MAX pool 3x3/2, then stages of
bottleneck units (1x1 conv, grouped 3x3 conv carrying the stride, 1x1 conv; each followed by
BatchNorm + Scale, ReLU after the first two), a projection shortcut (1x1 conv + BN + Scale)
on each stage's first unit, Eltwise SUM + ReLU; global AVE pool, InnerProduct, Softmax.
"""
from __future__ import annotations

import argparse
import sys


def layer(name: str, type_: str, bottoms: list[str], top: str, body: str = "") -> str:
    lines = [f'layer {{', f'  name: "{name}"', f'  type: "{type_}"']
    lines += [f'  bottom: "{b}"' for b in bottoms] + [f'  top: "{top}"']
    if body:
        lines.append("  " + body)
    return "\n".join(lines + ["}"])


def conv(name: str, bottom: str, out: int, k: int, stride: int, pad: int, group: int = 1) -> str:
    g = f" group: {group}" if group > 1 else ""
    return layer(name, "Convolution", [bottom], name,
                 f"convolution_param {{ num_output: {out} kernel_size: {k} stride: {stride} "
                 f"pad: {pad}{g} bias_term: false }}")


def bn_scale(bn: str, scale: str, blob: str, eps: str = "2e-5") -> list[str]:
    return [layer(bn, "BatchNorm", [blob], blob,
                  f"batch_norm_param {{ use_global_stats: true eps: {eps} }}"),
            layer(scale, "Scale", [blob], blob, "scale_param { bias_term: true }")]


def resnext(units: list[int], cardinality: int, width: int, classes: int = 1000,
            shape: tuple[int, ...] = (1, 3, 224, 224), stem: int = 64, outer0: int = 256,
            softmax: bool = True) -> str:
    name = f"ResNeXt-{sum(units) * 3 + 2} ({cardinality}x{width}d)"
    dims = " ".join(f"dim: {d}" for d in shape)
    out = [f'name: "{name}"',
           layer("data", "Input", [], "data", f"input_param {{ shape {{ {dims} }} }}")]
    out += bn_scale("bn_data", "scale_bn_data", "data")
    out += [conv("conv0", "data", stem, 7, 2, 3)] + bn_scale("bn0", "scale_bn0", "conv0")
    out += [layer("relu0", "ReLU", ["conv0"], "conv0"),
            layer("pooling0", "Pooling", ["conv0"], "pooling0",
                  "pooling_param { pool: MAX kernel_size: 3 stride: 2 }")]
    x = "pooling0"
    for s, count in enumerate(units, 1):
        inner = cardinality * width * 2 ** (s - 1)
        outer = outer0 * 2 ** (s - 1)
        for u in range(1, count + 1):
            p = f"stage{s}_unit{u}"
            stride = 2 if u == 1 and s > 1 else 1
            out += [conv(f"{p}_conv1", x, inner, 1, 1, 0)]
            out += bn_scale(f"{p}_bn1", f"scale_{p}_bn1", f"{p}_conv1")
            out += [layer(f"{p}_relu1", "ReLU", [f"{p}_conv1"], f"{p}_conv1")]
            out += [conv(f"{p}_conv2", f"{p}_conv1", inner, 3, stride, 1, cardinality)]
            out += bn_scale(f"{p}_bn2", f"scale_{p}_bn2", f"{p}_conv2")
            out += [layer(f"{p}_relu2", "ReLU", [f"{p}_conv2"], f"{p}_conv2")]
            out += [conv(f"{p}_conv3", f"{p}_conv2", outer, 1, 1, 0)]
            out += bn_scale(f"{p}_bn3", f"scale_{p}_bn3", f"{p}_conv3")
            shortcut = x
            if u == 1:
                shortcut = f"{p}_sc"
                out += [conv(shortcut, x, outer, 1, stride, 0)]
                out += bn_scale(f"{p}_sc_bn", f"scale_{p}_sc_bn", shortcut)
            out += [layer(f"{p}_plus", "Eltwise", [shortcut, f"{p}_conv3"], f"{p}_plus",
                          "eltwise_param { operation: SUM }"),
                    layer(f"{p}_relu", "ReLU", [f"{p}_plus"], f"{p}_plus")]
            x = f"{p}_plus"
    out += [layer("pool1", "Pooling", [x], "pool1",
                  "pooling_param { pool: AVE global_pooling: true }"),
            layer("fc1", "InnerProduct", ["pool1"], "fc1",
                  f"inner_product_param {{ num_output: {classes} }}")]
    if softmax:
        out.append(layer("prob", "Softmax", ["fc1"], "prob"))
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("units", help="units per stage, e.g. 3,4,6,3")
    parser.add_argument("cardinality", type=int)
    parser.add_argument("width", type=int, help="bottleneck width of one group")
    parser.add_argument("--input", default="1,3,224,224")
    parser.add_argument("--classes", type=int, default=1000)
    parser.add_argument("--stem", type=int, default=64, help="channels of conv0")
    parser.add_argument("--outer", type=int, default=256, help="output channels of stage 1")
    parser.add_argument("--no-softmax", action="store_true", help="end at the logits (fc1)")
    args = parser.parse_args(argv)
    sys.stdout.write(resnext([int(u) for u in args.units.split(",")], args.cardinality,
                             args.width, args.classes,
                             tuple(int(d) for d in args.input.split(",")), args.stem,
                             args.outer, not args.no_softmax))


if __name__ == "__main__":
    main(sys.argv[1:])
