"""Speed on a GPU: the compiled PyTorch module on CUDA and our ONNX export in onnxruntime's
CUDA provider, ResNeXt-50 (32x4d) at batch 1 and 32, beside torchvision's resnext50_32x4d
and the hand-written model with the same weights, in one process.

    python benchmarks/cuda_speed.py [--device cuda] [--batches 1,32] [--runs 50] [--json F]
    python benchmarks/cuda_speed.py --device cpu --batches 1 --runs 2   # a dry run, any machine

Made to run as one short command on a lent GPU machine (a bare image with torch, torchvision
and onnxruntime, without this package installed: it imports the package from the checkout).
The seed-style ResNeXt-50 of models/ gets torch_speed.py's seeded random weights; the
hand-written torchvision-architecture model (handwritten_resnext.py) is loaded with them and
checked to give the same probabilities as the compiled modules, which are then timed against
it. torchvision's own ``resnext50_32x4d`` (where torchvision imports) takes the same weights
by name (it has no input BatchNorm, pads its stem pool and returns logits, so it is timed, not
compared). Torch models: "hand-written", "torchvision", "compiled" (``to_torch``'s default:
one submodule per Caffe layer, convolution weights channels-last), "folded" (BatchNorm +
Scale folded first), all fed the same NCHW input, fp32 with torch's default math settings
(which it prints). onnxruntime: our export (``to_onnx`` after ``fold_graph``, what ``compile``
writes) against ``torch.onnx.export`` of the hand-written model, both at the batch's fixed
shape, inputs and outputs bound on the device (I/O binding) on CUDA so that host copies are
not timed. Each timed run is synchronised before and after; models alternate, each first in
turn, after warm-up; times are medians, ratios the median of side-by-side ratios.
"""
from __future__ import annotations

import argparse
import json
import pathlib
import sys
from typing import Any, Callable

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.measure import machine, timed, within_bar  # noqa: E402

TORCH_MODELS = ("hand-written", "torchvision", "compiled", "folded")


def torch_models(graph, device: str) -> dict:  # noqa: ANN001
    from benchmarks.handwritten_resnext import ResNeXt, load_from_graph
    from prototxt_compiler.backends.torch import to_torch
    from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm

    hand = ResNeXt([3, 4, 6, 3], 32, 4).eval()
    load_from_graph(hand, graph)
    models = {"hand-written": hand, "compiled": to_torch(graph)}
    try:
        import torchvision
    except ImportError as exc:  # this project's own machines have none beside their torch
        print(f"torchvision: not importable here ({exc}); not timed")
    else:
        vision = torchvision.models.resnext50_32x4d(weights=None).eval()
        state = {k: v for k, v in hand.state_dict().items() if not k.startswith("bn_data.")}
        try:  # the same names as the hand-written model, bn_data aside
            vision.load_state_dict(state)
        except RuntimeError as exc:  # keep its own random weights: speed is what it is for
            print(f"torchvision: its weights stay random ({str(exc)[:200]})")
        models["torchvision"] = vision
    fold_batchnorm(graph)  # the modules above hold their own copies of the weights
    models["folded"] = to_torch(graph)
    return {k: models[k].to(device) for k in TORCH_MODELS if k in models}


def agreement(models: dict, x, device: str) -> dict[str, float]:  # noqa: ANN001
    """max |compiled - hand-written| of the probabilities, and the same for folded, computed
    in full fp32 (TF32 off, whatever the timing runs use); fails past the project's bar."""
    import torch

    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        ref = models["hand-written"](x)
        diff = {k: float((models[k](x) - ref).abs().max()) for k in ("compiled", "folded")}
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved
    for name, value in diff.items():
        within_bar(f"{name} on {device}, batch {len(x)}", value, float(ref.abs().max()))
    return diff


def bench_torch(graph, device: str, batches: list[int], runs: int) -> dict:  # noqa: ANN001
    import torch

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    models = torch_models(graph, device)
    out: dict = {}
    with torch.inference_mode():
        for batch in batches:
            x = torch.randn(batch, 3, 224, 224, generator=torch.Generator().manual_seed(0))
            x = x.to(device)
            diff = agreement(models, x, device)
            result = timed({k: (lambda m=m: m(x)) for k, m in models.items()}, runs,
                           sync=sync)
            result["diff"] = diff
            out[str(batch)] = result
    return out


def bench_ort(device: str, batches: list[int], runs: int) -> dict | str:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        return f"onnxruntime is not importable here ({exc})"
    from benchmarks.onnx_speed import exports

    provider = "CUDAExecutionProvider" if device == "cuda" else "CPUExecutionProvider"
    if provider not in ort.get_available_providers():
        return (f"onnxruntime {ort.__version__} here has no {provider} (it offers "
                f"{', '.join(ort.get_available_providers())}); the CUDA provider comes with "
                "the onnxruntime-gpu package")
    if device == "cuda" and hasattr(ort, "preload_dlls"):
        ort.preload_dlls()  # CUDA and cuDNN from the nvidia-* packages torch came with
    options = ort.SessionOptions()
    options.inter_op_num_threads = 1

    def session(blob: bytes, exact: bool):  # noqa: ANN202
        settings = {"use_tf32": "0"} if exact and device == "cuda" else {}
        made = ort.InferenceSession(blob, options, providers=[(provider, settings)])
        if made.get_providers()[0] != provider:  # it fell back to the CPU: say so, time nothing
            raise RuntimeError(f"onnxruntime could not start its {provider} here (it runs "
                               f"{made.get_providers()}); see its log above")
        return made

    out: dict = {}
    x = np.random.default_rng(0).standard_normal((max(batches), 3, 224, 224)).astype(np.float32)
    for batch in batches:
        blobs = exports(batch)
        try:
            exact = {k: session(b, exact=True).run(None, {"data": x[:batch]})[0]
                     for k, b in blobs.items()}  # full fp32 for the comparison
            sessions = {k: session(b, exact=False) for k, b in blobs.items()}
        except Exception as exc:  # onnxruntime's own errors are no RuntimeError
            return f"onnxruntime failed on {provider}: {exc}"
        ref = exact["torch.onnx.export"]
        diff = float(np.abs(exact["ours"] - ref).max())
        within_bar(f"onnxruntime {provider}, batch {batch}", diff, float(np.abs(ref).max()))
        fns: dict[str, Callable[[], Any]] = {}
        for name, made in sessions.items():
            if device == "cuda":  # input and output stay on the device
                binding = made.io_binding()
                binding.bind_ortvalue_input(
                    "data", ort.OrtValue.ortvalue_from_numpy(x[:batch], "cuda", 0))
                binding.bind_output("prob", "cuda")
                fns[name] = lambda s=made, b=binding: s.run_with_iobinding(b)
            else:
                fns[name] = lambda s=made, v=x[:batch]: s.run(None, {"data": v})
        result = timed(fns, runs)  # run_with_iobinding returns when the run is done
        result["diff"] = diff
        result["provider"] = provider
        out[str(batch)] = result
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    parser.add_argument("--batches", default="1,32")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--only", choices=("torch", "onnxruntime"),
                        help="time one runtime (by default both)")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]
    import torch

    from benchmarks.torch_speed import seeded_graph

    report: dict[str, Any] = {"machine": machine(), "device": args.device}
    print(report["machine"])
    if args.device == "cuda" and args.only != "onnxruntime":
        if not torch.cuda.is_available():
            sys.exit("cuda_speed: torch sees no CUDA device here; --device cpu runs it dry")
        print(f"GPU {torch.cuda.get_device_name(0)}, torch {torch.__version__}, "
              f"cuDNN {torch.backends.cudnn.version()}, TF32 convolutions "
              f"{torch.backends.cudnn.allow_tf32}, TF32 matmul "
              f"{torch.backends.cuda.matmul.allow_tf32}")
    if args.only != "onnxruntime":
        report["torch"] = bench_torch(seeded_graph(), args.device, batches, args.runs)
    if args.only != "torch":
        report["onnxruntime"] = bench_ort(args.device, batches, args.runs)
    print(f"ResNeXt-50 32x4d, 224x224, fp32, {args.device}; median ms of {args.runs} runs; "
          "ratios: median of side-by-side ratios")
    for batch in batches if "torch" in report else ():
        r = report["torch"][str(batch)]
        times = "  ".join(f"{k} {v:7.2f} ms" for k, v in r["ms"].items())
        ratios = "  ".join(f"{k} / hand {v:.3f}" for k, v in r["ratio"].items())
        print(f"torch batch {batch}: {times}  |  {ratios}  (max |diff| "
              f"{max(r['diff'].values()):.1e})", flush=True)
    ort = report.get("onnxruntime", {})
    if isinstance(ort, str):
        print(f"onnxruntime: not timed: {ort}")
    else:
        for batch in batches if ort else ():
            r = ort[str(batch)]
            times = "  ".join(f"{k} {v:7.2f} ms" for k, v in r["ms"].items())
            print(f"onnxruntime batch {batch} ({r['provider']}): {times}  |  ours / "
                  f"torch.onnx.export {r['ratio']['ours']:.3f}  (max |diff| {r['diff']:.1e})")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
