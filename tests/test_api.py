"""The public API: the README's five lines work, and torch stays optional."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NUMERIC = ROOT / "tests" / "fixtures" / "numeric"


def test_parsing_does_not_import_torch() -> None:
    code = ("import sys, prototxt_compiler as pc; pc.load('models/resnext50_32x4d.prototxt'); "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_readme_example() -> None:
    torch = pytest.importorskip("torch")
    import numpy as np

    import prototxt_compiler as pc
    from tests.tolerance import assert_close

    model = pc.load_torch(NUMERIC / "net_inception.prototxt", NUMERIC / "net_inception.caffemodel")
    ref = np.load(NUMERIC / "net_inception.npz")
    probs = model(torch.from_numpy(ref["input:data"]))
    assert_close(probs.detach().numpy(), ref["output:prob"], "prob")
    outs = pc.layer_outputs(model, torch.from_numpy(ref["input:data"]))
    assert_close(outs["i3a/output:i3a/output"].numpy(), ref["layer:i3a/output:i3a/output"],
                 "i3a/output")
    assert "i3a_output" in model.code


def test_no_weights_initialises_with_fillers_and_says_so() -> None:
    pytest.importorskip("torch")
    import prototxt_compiler as pc

    with pytest.warns(UserWarning, match="filler"):
        first = pc.load_torch(ROOT / "models" / "resnext50_32x4d.prototxt", seed=3)
    second = pc.load_torch(ROOT / "models" / "resnext50_32x4d.prototxt", seed=3)
    assert all((a == b).all() for a, b in zip(first.state_dict().values(),
                                              second.state_dict().values()))
