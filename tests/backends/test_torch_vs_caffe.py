"""Every golden numeric fixture through the PyTorch backend, layer by layer, against the
outputs real Caffe computed with the same .caffemodel and inputs."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler import layer_outputs, load_torch  # noqa: E402
from tests.shape_compare import CAFFE_SPLIT  # noqa: E402
from tests.tolerance import mismatch  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
CASES = sorted(NUMERIC.glob("*.prototxt"))


def run_case(case: pathlib.Path) -> tuple[dict, dict]:
    weights = case.with_suffix(".caffemodel")
    module = load_torch(case, weights if weights.exists() else None)
    ref = dict(np.load(case.with_suffix(".npz")))
    inputs = [torch.from_numpy(ref[f"input:{name}"]) for name in module.input_names]
    ours = {k: v.numpy() for k, v in layer_outputs(module, *inputs).items()}
    return ours, ref


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_layer_matches_caffe(case: pathlib.Path) -> None:
    ours, ref = run_case(case)
    problems = []
    compared = 0
    for key, expected in ref.items():
        if not key.startswith("layer:"):
            continue
        name = key[len("layer:"):]
        if CAFFE_SPLIT.match(name) or name.split(":")[0] == "input":
            continue
        if name not in ours:
            if name.split(":")[0] in _dropped(case):
                continue
            problems.append(f"{name}: missing from our outputs")
            continue
        problem = mismatch(ours[name], expected, name)
        compared += 1
        if problem:
            problems.append(problem)
    assert problems == []
    assert compared >= len([k for k in ours if not k.startswith("input:")]) - len(
        [k for k in ref if k.startswith("input:")])  # every layer of ours had a reference


def _dropped(case: pathlib.Path) -> list[str]:
    from prototxt_compiler import load

    return load(case).dropped
