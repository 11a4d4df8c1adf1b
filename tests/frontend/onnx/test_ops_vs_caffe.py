"""Every ONNX test model, converted, equals real Caffe: the prototxt and .caffemodel the
converter writes today are the ones Caffe ran (text equal, .caffemodel SHA-256 equal), and
onnxruntime on the ONNX model gives Caffe's outputs (committed in tests/fixtures/onnx/, made
by make_onnx_fixtures.py) within 1e-4 x max(1, max |ref|).

The helper-built models run at every opset from 9 (10 where ceil_mode is used, 13 for
Softmax's axis semantics) to the newest the installed onnx knows (the Caffe files must not
depend on it; Softmax's earlier semantics is a case of its own, to 12); the torch.nn models are the .onnx files torch.onnx.export wrote at opsets 11, 13
and 17."""
from __future__ import annotations

import hashlib
import pathlib

import numpy as np
import onnx
import pytest

from prototxt_compiler.to_caffe import from_onnx, save_caffe
from tests.frontend.onnx.cases import CASES
from tests.tolerance import mismatch

ort = pytest.importorskip("onnxruntime")

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "onnx"
TORCH_CASES = sorted(p.stem for p in FIXTURES.glob("*_opset*.onnx"))


def run_onnx(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def check_against_caffe(name: str, model: onnx.ModelProto, tmp: pathlib.Path) -> None:
    graph = from_onnx(model)
    save_caffe(graph, tmp / "net.prototxt", tmp / "net.caffemodel")
    assert (tmp / "net.prototxt").read_text() == (FIXTURES / f"{name}.prototxt").read_text()
    ref = np.load(FIXTURES / f"{name}.npz")
    digest = hashlib.sha256((tmp / "net.caffemodel").read_bytes()).hexdigest()
    assert digest == str(ref["caffemodel_sha256"]), "the .caffemodel differs from Caffe's run"
    feeds = {i.name: ref[f"input:{i.name}"] for i in model.graph.input}
    outputs = run_onnx(model, feeds)
    problems = [p for out, ours in zip(model.graph.output, outputs)
                if (p := mismatch(ref[f"caffe:{out.name}"], ours, out.name))]
    assert problems == []
    assert len(outputs) == len(graph.outputs) > 0


@pytest.mark.parametrize("case,opset", [(c, o) for c in CASES for o in c.opsets],
                         ids=lambda v: v.name if hasattr(v, "name") else f"opset{v}")
def test_helper_model_equals_caffe(case, opset: int, tmp_path: pathlib.Path) -> None:
    check_against_caffe(case.name, case.build(opset), tmp_path)


@pytest.mark.parametrize("name", TORCH_CASES)
def test_torch_export_equals_caffe(name: str, tmp_path: pathlib.Path) -> None:
    check_against_caffe(name, onnx.load(FIXTURES / f"{name}.onnx"), tmp_path)


def test_every_torch_model_and_opset_has_a_fixture() -> None:
    pytest.importorskip("torch")
    from tests.frontend.onnx.torch_models import MODELS, OPSETS

    assert TORCH_CASES == sorted(f"{m}_opset{o}" for m in MODELS for o in OPSETS)


def test_every_case_has_a_fixture() -> None:
    names = {c.name for c in CASES}
    kept = {p.stem for p in FIXTURES.glob("*.prototxt")} - set(TORCH_CASES)
    assert kept == names


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.prototxt")))
def test_the_written_prototxt_is_canonical(name: str) -> None:
    """Parsing it and emitting again gives the same bytes (the emitter's canonical form)."""
    from prototxt_compiler import load
    from prototxt_compiler.backends.prototxt import to_prototxt

    text = (FIXTURES / f"{name}.prototxt").read_text()
    assert to_prototxt(load(FIXTURES / f"{name}.prototxt")) == text
