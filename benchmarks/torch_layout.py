"""What the default torch module's channels-last convolutions give, net by net: the module
``load_torch`` returns (2-D convolutions' weights channels-last, so that oneDNN runs them and
the layers after them in NHWC) against the same module with those weights made NCHW again,
same process, same threads, runs alternated; ratio below 1.0: the layout is faster.

    python benchmarks/torch_layout.py [--threads 2] [--runs 7] [--repeat 3] [NET.prototxt ...]

The nets default to the public-zoo prototxts of ``../shared/corpus/`` where that folder is
(AlexNet, CaffeNet, GoogLeNet, SqueezeNet 1.1, MobileNet v1, ResNet-50), else the model zoo
of ``models/``; each at the batch its prototxt declares, with Caffe's fillers for weights
(the layout's speed does not depend on the values). Each net runs in ``--repeat`` fresh
processes; a process reports the median time of each form and the median of the ratios of
runs made side by side; the ratio is the median over processes with its spread (min-max).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import load_average, machine, run_child, spread  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS_NETS = ("alexnet_v1_2014.prototxt", "caffenet_input_shape.prototxt",
               "googlenet.prototxt", "squeezenet_v1.1.prototxt", "mobilenet_v1.prototxt",
               "resnet50_kaiming.prototxt")
ZOO_NETS = ("resnet18.prototxt", "resnet50.prototxt", "resnext50_32x4d.prototxt")


def child(net: str, threads: int, runs: int) -> dict:
    import copy
    import warnings

    import torch

    import prototxt_compiler as pc

    warnings.simplefilter("ignore")  # the fillers' note: not trained, and that is fine here
    torch.set_num_threads(threads)
    nhwc = pc.load_torch(net)
    nchw = copy.deepcopy(nhwc)
    for module in nchw.modules():
        if isinstance(module, torch.nn.Conv2d):
            module.to(memory_format=torch.contiguous_format)
    shapes = [tuple(1 if not isinstance(d, int) else d for d in v.shape)
              for v in pc.load(net).inputs]
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randn(*s, generator=generator) for s in shapes]
    samples: dict[str, list[float]] = {"nhwc": [], "nchw": []}
    with torch.inference_mode():
        first, second = nhwc(*inputs), nchw(*inputs)
        outs = first if isinstance(first, tuple) else (first,)
        again = second if isinstance(second, tuple) else (second,)
        # fillers can overflow a deep net to inf and NaN: NaN where both are counts as equal
        diff = max(float((a - b).abs().masked_fill(a.isnan() & b.isnan(), 0).max())
                   for a, b in zip(outs, again))
        for _ in range(2):
            nhwc(*inputs), nchw(*inputs)
        for i in range(runs):
            order = (("nhwc", nhwc), ("nchw", nchw))[::1 if i % 2 else -1]
            for name, model in order:
                start = time.perf_counter()
                model(*inputs)
                samples[name].append((time.perf_counter() - start) * 1e3)
    return {"ms": {k: statistics.median(v) for k, v in samples.items()},
            "ratio": statistics.median(a / b for a, b in zip(samples["nhwc"], samples["nchw"])),
            "shapes": shapes, "diff": diff}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("nets", nargs="*")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.stdout.write(json.dumps(child(args.nets[0], args.threads, args.runs)))
        return
    nets = args.nets or ([str(CORPUS / n) for n in CORPUS_NETS if (CORPUS / n).exists()]
                         or [str(ROOT / "models" / n) for n in ZOO_NETS])
    print(machine())
    print(f"load average before: {load_average()}")
    print(f"{args.threads} thread(s); median ms of each process; channels-last / NCHW of runs "
          f"side by side, median over {args.repeat} processes (min-max)")
    for net in nets:
        reports = [run_child(__file__, [net, "--threads", str(args.threads), "--runs",
                                        str(args.runs)]) for _ in range(args.repeat)]
        ms = {k: statistics.median(r["ms"][k] for r in reports) for k in ("nhwc", "nchw")}
        print(f"{pathlib.Path(net).stem:32s} {str(reports[0]['shapes']):24s} "
              f"channels-last {ms['nhwc']:8.1f} ms  NCHW {ms['nchw']:8.1f} ms  "
              f"ratio {spread([r['ratio'] for r in reports])}  "
              f"max |diff| {max(r['diff'] for r in reports):.1e}", flush=True)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
