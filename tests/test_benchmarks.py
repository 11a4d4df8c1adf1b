"""The benchmark that only a lent GPU machine runs in earnest (benchmarks/cuda_speed.py) runs
here dry, on the CPU, so that a change to the package cannot break it unseen: such a machine
comes with minutes of device time, none to spend on a script that no longer starts. Nothing
here is timed; the script itself stops where two models' outputs differ past the bar."""
from __future__ import annotations

import json
import math
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_cuda_speed_runs_dry_on_the_cpu(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    out = tmp_path / "report.json"
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cuda_speed.py"),
                           "--device", "cpu", "--batches", "1", "--runs", "1",
                           "--json", str(out)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    torch_run = report["torch"]["1"]
    assert {"hand-written", "compiled", "folded"} <= set(torch_run["ms"])
    assert all(math.isfinite(v) and v > 0 for v in torch_run["ms"].values())
    assert set(torch_run["diff"]) == {"compiled", "folded"}
    ort_run = report["onnxruntime"]["1"]  # a string here would say why it was not timed
    assert set(ort_run["ms"]) == {"torch.onnx.export", "ours"}
    assert ort_run["provider"] == "CPUExecutionProvider"
    assert "torch batch 1:" in done.stdout and "onnxruntime batch 1" in done.stdout


def test_calibrated_weights_are_not_one_hot() -> None:
    """The speed benchmarks compare models by their probabilities: with the seeded random
    weights calibrated those are spread (a wrong layer moves them past the bar); with the
    raw random statistics they came out one-hot, where only the argmax could differ."""
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks.handwritten_resnext import ResNeXt, load_from_graph
        from benchmarks.torch_speed import seeded_graph
    finally:
        sys.path.remove(str(ROOT))

    graph = seeded_graph()
    model = ResNeXt([3, 4, 6, 3], 32, 4).eval()
    load_from_graph(model, graph)
    with torch.inference_mode():
        prob = model(torch.randn(2, 3, 224, 224, generator=torch.Generator().manual_seed(3)))
    assert float(prob.max()) < 0.5
    assert int((prob > 1e-4).sum(dim=1).min()) > 100
