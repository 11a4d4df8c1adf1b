"""Time and peak memory of converting torchvision's ResNeXt-101 (32x8d, 88.8M parameters,
the architecture of the WSL models on torch.hub) from ONNX to a Caffe prototxt +
.caffemodel, as a ratio to the weights' size, against a protobuf-based reference in the
same run.

    /work/tv-venv/bin/python benchmarks/to_caffe_memory.py [--cache DIR] [--repeat 3]

torchvision is needed only to export the model once (random weights, opset 17) into the
cache folder (default: a folder under the system temp dir); see the torchvision test's
docstring for its environment. Nothing is written into the repository.

Method. Each measurement runs in a fresh subprocess, which imports the package, numpy and
onnx, reads its resident set (``/proc/self/statm``) as the baseline, converts, and reads
``VmHWM`` from ``/proc/self/status``, the peak resident set of its life (file pages mapped
into the process and touched count). ``VmHWM`` starts afresh at ``exec``; ``ru_maxrss``
would not (Linux carries it over from the parent across fork and exec). The export runs in
a subprocess of its own too. Linux only.

Approaches:
- ``from_onnx``: ``from_onnx(path)`` + ``save_caffe(graph, prototxt, caffemodel)``: the
  initializers are views of the memory-mapped .onnx and the .caffemodel is streamed from
  them, so the weights are resident about once (the mapped file's pages).
- ``protobuf``: what converters usually do: ``onnx.load`` (the whole model parsed),
  ``numpy_helper.to_array`` per initializer, a ``caffe_pb2.NetParameter`` holding every
  blob, ``SerializeToString`` and a write: the parsed model, the arrays, the message and
  its bytes alive at once (only the weights: no layer parameters, a lower bound).
- ``from_torch``: ``from_torch(module, example)`` + ``save_caffe`` on the torchvision module
  in memory; the baseline is taken after the module is built, so it holds torch and the
  module's own 338 MiB, and the peak includes torch.onnx.export's own copy of the model.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
APPROACHES = ("from_onnx", "protobuf", "from_torch")

MEASURE = r"""
import json, os, sys, time
sys.path.insert(0, {root!r})
import numpy as np, onnx
import prototxt_compiler.frontend.onnx, prototxt_compiler.backends.prototxt.caffemodel
from prototxt_compiler.to_caffe import from_onnx, save_caffe
if {approach!r} == "from_torch":
    import torch, torchvision
    from prototxt_compiler.to_caffe import from_torch
    torch.manual_seed(0)
    module = torchvision.models.resnext101_32x8d(weights=None).eval()
page = os.sysconf("SC_PAGE_SIZE")
baseline = int(open("/proc/self/statm").read().split()[1]) * page
start = time.perf_counter()
model, out = {model!r}, {out!r}
if {approach!r} == "from_onnx":
    graph = from_onnx(model)
    save_caffe(graph, out + ".prototxt", out + ".caffemodel")
elif {approach!r} == "from_torch":
    graph = from_torch(module, torch.randn(1, 3, 224, 224), opset=17)
    save_caffe(graph, out + ".prototxt", out + ".caffemodel")
else:
    from onnx import numpy_helper
    from prototxt_compiler.proto import caffe_pb2
    proto = onnx.load(model)
    arrays = {{t.name: numpy_helper.to_array(t) for t in proto.graph.initializer}}
    net = caffe_pb2.NetParameter()
    for name, array in arrays.items():
        blob = net.layer.add(name=name).blobs.add()
        blob.shape.dim.extend(array.shape)
        blob.data.extend(np.asarray(array, np.float32).reshape(-1))
    data = net.SerializeToString()
    with open(out + ".caffemodel", "wb") as stream:
        stream.write(data)
seconds = time.perf_counter() - start
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
peak = int(status["VmHWM"].split()[0]) * 1024
print(json.dumps({{"baseline": baseline, "peak": peak, "seconds": seconds,
                  "written": os.path.getsize(out + ".caffemodel")}}))
"""


EXPORT = r"""
import warnings, torch, torchvision
torch.manual_seed(0)
model = torchvision.models.resnext101_32x8d(weights=None).eval()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(model, (torch.randn(1, 3, 224, 224),), {path!r}, opset_version=17,
                      input_names=["input"], output_names=["output"], dynamo=False)
"""


def export(cache: pathlib.Path) -> pathlib.Path:
    """resnext101_32x8d with random weights as ONNX (opset 17), made once per cache, in a
    subprocess (torch's memory stays out of this process)."""
    path = cache / "resnext101_32x8d.onnx"
    if path.exists():
        return path
    cache.mkdir(parents=True, exist_ok=True)
    partial = cache / "partial.onnx"
    subprocess.run([sys.executable, "-c", EXPORT.format(path=str(partial))], check=True)
    partial.rename(path)
    return path


def weights_bytes(path: pathlib.Path) -> tuple[int, int]:
    import onnx

    model = onnx.load(path, load_external_data=False)
    count = sum(int(__import__("math").prod(t.dims)) for t in model.graph.initializer)
    return count, count * 4


def measure(approach: str, model: pathlib.Path, out: str) -> dict:
    code = MEASURE.format(root=str(ROOT), model=str(model), out=out, approach=approach)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=pathlib.Path,
                        default=pathlib.Path(tempfile.gettempdir()) / "prototxt-compiler-bench")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    model = export(args.cache)
    params, size = weights_bytes(model)
    mib = 1024 ** 2
    print(f"model: {model} ({params / 1e6:.1f}M parameters, weights {size / mib:.1f} MiB, "
          f"file {model.stat().st_size / mib:.1f} MiB)")
    print("| approach | peak RSS | x weights | peak - baseline | x weights | seconds |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(dir=args.cache) as tmp:
        for approach in APPROACHES:
            runs = [measure(approach, model, os.path.join(tmp, approach))
                    for _ in range(args.repeat)]
            peak = statistics.median(r["peak"] for r in runs)
            extra = statistics.median(r["peak"] - r["baseline"] for r in runs)
            seconds = statistics.median(r["seconds"] for r in runs)
            print(f"| {approach} | {peak / mib:.1f} MiB | {peak / size:.2f} | "
                  f"{extra / mib:.1f} MiB | {extra / size:.2f} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
