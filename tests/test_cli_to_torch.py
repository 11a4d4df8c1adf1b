"""``prototxt-compiler to-torch`` as a user runs it: model.py and model.pt written, the
module run in a fresh interpreter that imports only it and torch, equal to real Caffe and
to ``load_torch``; errors leave nothing behind."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.tolerance import mismatch

torch = pytest.importorskip("torch")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NUMERIC = ROOT / "tests" / "fixtures" / "numeric"
DETECTION = ROOT / "tests" / "fixtures" / "detection"
SEED_UNIT = ROOT / "models" / "stage1.prototxt"
DOCS_MODEL = ROOT / "docs" / "stage1_model.py"

RUN = """
import json, sys
import numpy as np, torch
sys.path.insert(0, sys.argv[1])
import model
net = getattr(model, sys.argv[2])()
net.load_state_dict(torch.load(sys.argv[3]))
net.eval()
xs = np.load(sys.argv[4])
with torch.no_grad():
    y = net(*(torch.from_numpy(xs[f"x{i}"]) for i in range(len(xs.files))))
ys = y if isinstance(y, tuple) else (y,)
np.savez(sys.argv[5], *(t.numpy() for t in ys))
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
                        ("prototxt_compiler", "numpy", "onnx", "google"))))
"""


def _run_all(folder: pathlib.Path, cls: str, weights: pathlib.Path,
             *xs: np.ndarray) -> tuple[list[np.ndarray], list[str]]:
    """model.py run on xs by a fresh interpreter from its own folder; every output, and
    which of our package, onnx or protobuf it imported (numpy is the test's own)."""
    np.savez(folder / "x.npz", **{f"x{i}": x for i, x in enumerate(xs)})
    result = subprocess.run([sys.executable, "-c", RUN, str(folder), cls, str(weights),
                             str(folder / "x.npz"), str(folder / "y.npz")],
                            capture_output=True, text=True, cwd=folder)
    assert result.returncode == 0, result.stderr
    with np.load(folder / "y.npz") as ys:
        outputs = [ys[f"arr_{i}"] for i in range(len(ys.files))]
    return outputs, json.loads(result.stdout.splitlines()[-1])


def _run_module(folder: pathlib.Path, cls: str, weights: pathlib.Path,
                x: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The first output of model.py on one input, and what it imported (see _run_all)."""
    outputs, imported = _run_all(folder, cls, weights, x)
    return outputs[0], imported


def test_the_seeds_unit_with_fillers_runs_as_load_torch_does(tmp_path) -> None:
    out = tmp_path / "model.py"
    result = run_cli("to-torch", str(SEED_UNIT), "-o", str(out))
    assert result.returncode == 0, result.stderr
    # 3 convolution weights, 3 BatchNorms x (running_mean, running_var,
    # num_batches_tracked), 3 Scales x (weight, bias): 3 + 9 + 6 = 18 tensors
    assert result.stdout.startswith(f"wrote {out}: class Stage1Unit2, 13 layers; weights "
                                    f"(18 tensors) in {tmp_path / 'model.pt'}")
    assert "initialised by their fillers (seed 0)" in result.stderr
    text = out.read_text()
    assert "stage1_unit1_plus: Nx256xHxW (an input of this fragment" in text
    x = np.random.default_rng(0).standard_normal((2, 256, 9, 7)).astype(np.float32)
    y, imported = _run_module(tmp_path, "Stage1Unit2", tmp_path / "model.pt", x)
    assert [m for m in imported if not m.startswith("numpy")] == []
    import prototxt_compiler as pc

    with pytest.warns(UserWarning):
        reference = pc.load_torch(SEED_UNIT)  # the same fillers, the same seed
    with torch.no_grad():
        want = reference(torch.from_numpy(x)).numpy()
    assert mismatch(y, want, "stage1_unit2_plus") is None


def test_trained_weights_give_what_caffe_computed(tmp_path) -> None:
    case = NUMERIC / "net_resnext_seed.prototxt"
    out = tmp_path / "model.py"
    weights = tmp_path / "trained.pt"
    result = run_cli("to-torch", str(case), "-w", str(case.with_suffix(".caffemodel")),
                     "-o", str(out), "--weights-out", str(weights), "--class-name", "Tiny")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.py", "trained.pt"]
    text = out.read_text()
    assert 'model.load_state_dict(torch.load("trained.pt"))' in text
    assert "Weights (trained, from" in text
    ref = dict(np.load(case.with_suffix(".npz")))
    y, _ = _run_module(tmp_path, "Tiny", weights, ref["input:data"])
    assert mismatch(y, ref["layer:prob:prob"], "prob") is None


def test_bad_requests_are_one_error_and_leave_nothing(tmp_path) -> None:
    case = NUMERIC / "net_resnext_seed.prototxt"
    result = run_cli("to-torch", str(case), "-o", str(tmp_path / "model.txt"))
    assert result.returncode == 2 and "expected a .py file name" in result.stderr
    result = run_cli("to-torch", str(case), "-o", str(tmp_path / "m.py"), "--weights-out",
                     str(tmp_path / "m.npz"))
    assert result.returncode == 2 and "expected a .pt, .pth or .safetensors" in result.stderr
    net = tmp_path / "broken.prototxt"
    net.write_text('input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }\n'
                   'layer { name: "relu" type: "ReLU" bottom: "data" top: "relu" '
                   'relu_param { negative_slope: fast } }\n')
    result = run_cli("to-torch", str(net), "-o", str(tmp_path / "m.py"))
    assert result.returncode == 2, result.stderr
    assert f"{net}:2:91: expected a number for float field 'negative_slope'" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("to-torch", str(case), "-w", str(tmp_path / "absent.caffemodel"),
                     "-o", str(tmp_path / "m.py"))
    assert result.returncode == 2 and "absent.caffemodel" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_cli("to-torch", str(case), "-o", str(tmp_path / "m.py"), "--class-name",
                     "my net")
    assert result.returncode == 2 and "class name 'my net': expected a Python identifier" \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.prototxt"]


@pytest.mark.parametrize("stem, inputs, tops", [
    ("ssd_tiny", ["data"], ["detection_out"]),
    ("faster_rcnn_tiny", ["data", "im_info"], ["bbox_pred", "cls_prob"])])
def test_detection_nets_are_written_and_run_as_opencv_computed(
        tmp_path, stem, inputs, tops) -> None:
    """PriorBox, DetectionOutput, Proposal and ROIPooling are written out as plain source
    (helpers in model.py, nothing of ours imported): the module a fresh interpreter runs
    gives what OpenCV dnn computed for the trained net, at the fixture's size and at its
    second size (the references in the fixture)."""
    from tests.backends.test_detection_vs_reference import opencv_rows

    case = DETECTION / f"{stem}.prototxt"
    out = tmp_path / "model.py"
    result = run_cli("to-torch", str(case), "-w", str(case.with_suffix(".caffemodel")),
                     "-o", str(out), "--class-name", "Detector")
    assert result.returncode == 0, result.stderr
    assert "class PriorBox" in out.read_text() or "class ProposalLayer" in out.read_text()
    ref = dict(np.load(case.with_suffix(".npz")))
    for given, made in (("input", "opencv"), ("input2", "opencv2")):
        ys, imported = _run_all(tmp_path, "Detector", tmp_path / "model.pt",
                                *(ref[f"{given}:{name}"] for name in inputs))
        assert [m for m in imported if not m.startswith("numpy")] == []
        wanted = {top: ref[k] for top in tops for k in ref
                  if k.startswith(f"{made}:") and k.endswith(f":{top}")}
        if not wanted:
            continue
        assert len(ys) == len(tops)
        for top, y in zip(tops, ys):
            if top == "detection_out":  # OpenCV pads and orders its rows its own way
                y, wanted[top] = y.reshape(-1, 7), opencv_rows(wanted[top])
            if top in wanted:
                assert mismatch(y, wanted[top], top) is None, (given, top)


def test_the_committed_seed_unit_module_is_fresh(tmp_path) -> None:
    """docs/stage1_model.py, shown in the README, is what the command writes today:
    python -m prototxt_compiler to-torch models/stage1.prototxt -o docs/stage1_model.py
    --weights-out /tmp/stage1_model.pt (the weights are not committed)."""
    out = tmp_path / "stage1_model.py"
    result = run_cli("to-torch", "models/stage1.prototxt", "-o", str(out), "--weights-out",
                     str(tmp_path / "stage1_model.pt"))
    assert result.returncode == 0, result.stderr
    assert DOCS_MODEL.read_text() == out.read_text(), (
        "docs/stage1_model.py is stale: regenerate it with python -m prototxt_compiler "
        "to-torch models/stage1.prototxt -o docs/stage1_model.py --weights-out "
        "/tmp/stage1_model.pt")
