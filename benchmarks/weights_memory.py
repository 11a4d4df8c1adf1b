"""Peak memory of loading a .caffemodel, as a ratio to the file's size: the in-place reader
(``read_caffemodel`` + ``attach_weights``) against a protobuf parse, in the same run.

    python benchmarks/weights_memory.py [--cache DIR] [--repeat 3]

The model is ResNeXt-101 (64x4d), ``models/resnext101_64x4d.prototxt``;
its .caffemodel is written by real Caffe (``../shared/caffe-oracle/caffe-oracle forward NET
--lean --save-weights W``, a minute or two) into the cache folder (default: a folder under
the system temp dir) and reused by later runs. Nothing is written into the repository.

Method. Each measurement runs in a fresh subprocess, which imports the package, numpy and
protobuf and loads the graph (``prototxt_compiler.load``), then reads its current resident
set (``/proc/self/statm``) as the baseline; then it loads the weights and reads
``getrusage(RUSAGE_SELF).ru_maxrss``, the peak resident set of the process's life. Peak minus
baseline is the memory the load needed at its worst moment, including every page of the
memory-mapped file that was touched (file pages mapped into the process count in the
resident set). Should the graph load itself have peaked above the baseline, the figure is
an over-estimate, never an under-estimate. Linux only (ru_maxrss in KiB, /proc).

Approaches:
- ``mmap``: ``read_caffemodel`` + ``attach_weights``: the arrays are views of the map and
  no parameter value is read.
- ``mmap+read``: the same, then every value read once (a sum per blob), as converting to
  another framework does: the mapped pages become resident, about 1x the file.
- ``protobuf``: the file's bytes, ``caffe_pb2.NetParameter.FromString`` and a float32 numpy
  copy of every blob (the first version of ``frontend/weights.py``), then attached.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import run_child  # noqa: E402

ORACLE = ROOT.parent / "shared" / "caffe-oracle" / "caffe-oracle"
APPROACHES = ("mmap", "mmap+read", "protobuf")


def make_model(cache: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """The ResNeXt-101 64x4d prototxt and its Caffe-written weights, made once per cache."""
    cache.mkdir(parents=True, exist_ok=True)
    net, weights = cache / "resnext101_64x4d.prototxt", cache / "resnext101_64x4d.caffemodel"
    if not net.exists():
        net.write_bytes((ROOT / "models" / "resnext101_64x4d.prototxt").read_bytes())
    if not weights.exists():
        partial = cache / "partial.caffemodel"
        subprocess.run([str(ORACLE), "forward", str(net), "--lean", "--save-weights",
                        str(partial), "--out", str(cache / "forward.npz")], check=True,
                       stdout=subprocess.DEVNULL)
        partial.rename(weights)
    return net, weights


def _resident_kib() -> int:
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _protobuf_blobs(path: pathlib.Path) -> dict:
    import numpy as np

    from prototxt_compiler.proto import caffe_pb2
    net = caffe_pb2.NetParameter.FromString(path.read_bytes())
    out = {}
    for layer in list(net.layer) + list(net.layers):
        arrays = []
        for blob in layer.blobs:
            shape = tuple(blob.shape.dim) or (blob.num, blob.channels, blob.height, blob.width)
            data = blob.double_data if len(blob.double_data) else blob.data
            arrays.append(np.asarray(data, np.float32).reshape(shape))
        out[layer.name] = arrays
    return out


def child(approach: str, net: pathlib.Path, weights: pathlib.Path) -> dict:
    """One measurement, in this (fresh) process."""
    sys.path.insert(0, str(ROOT))
    import prototxt_compiler as pc
    from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel
    graph = pc.load(net)
    baseline = _resident_kib()
    start = time.perf_counter()
    blobs = _protobuf_blobs(weights) if approach == "protobuf" else read_caffemodel(weights)
    attach_weights(graph, blobs)
    if approach == "mmap+read":
        total = sum(float(b.sum()) for n in graph.nodes for b in n.blobs or ())
        assert total == total  # read, not optimised away
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"approach": approach, "extra_kib": peak - baseline, "seconds": seconds}


def measure(approach: str, net: pathlib.Path, weights: pathlib.Path) -> dict:
    return run_child(__file__, [approach, str(net), str(weights)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=pathlib.Path,
                        default=pathlib.Path(tempfile.gettempdir()) / "prototxt-compiler-bench")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        approach, net, weights = args.child
        sys.stdout.write(json.dumps(child(approach, pathlib.Path(net), pathlib.Path(weights))))
        return
    net, weights = make_model(args.cache)
    size = weights.stat().st_size
    sys.stdout.write(f"{weights.name}: {size / 2**20:.1f} MiB\n")
    sys.stdout.write(f"{'approach':<12} {'peak extra MiB':>15} {'x file size':>12} "
                     f"{'seconds':>8}\n")
    for approach in APPROACHES:
        runs = [measure(approach, net, weights) for _ in range(args.repeat)]
        extra = statistics.median(r["extra_kib"] for r in runs) * 1024
        seconds = statistics.median(r["seconds"] for r in runs)
        sys.stdout.write(f"{approach:<12} {extra / 2**20:>15.1f} {extra / size:>12.3f} "
                         f"{seconds:>8.3f}\n")


if __name__ == "__main__":
    main()
