"""``prototxt-compiler from-onnx``: what a user at a terminal sees, files and exit codes."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import onnx
import pytest

from prototxt_compiler.cli import main
from prototxt_compiler.frontend.weights import read_caffemodel
from tests.conftest import ROOT
from tests.frontend.onnx.test_import_errors import symbolic, unconvertible

FIXTURES = ROOT / "tests" / "fixtures" / "onnx"
MODEL = FIXTURES / "resnext_unit_opset13.onnx"


def run(*args: str, oracle: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if oracle is not None:
        env["CAFFE_ORACLE"] = oracle
    return subprocess.run([sys.executable, "-m", "prototxt_compiler", *args],
                          capture_output=True, text=True, cwd=ROOT, env=env, check=False)


def test_writes_the_prototxt_and_its_caffemodel_beside_it(tmp_path: pathlib.Path) -> None:
    result = run("from-onnx", str(MODEL), "-o", str(tmp_path / "net.prototxt"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "net.prototxt").read_text() == \
        (FIXTURES / "resnext_unit_opset13.prototxt").read_text()
    weights = read_caffemodel(tmp_path / "net.caffemodel")
    assert "conv1/Conv" in weights and len(weights["conv1/Conv"]) == 2
    assert f"wrote {tmp_path / 'net.prototxt'}: 9 layers (4 Convolution, 3 ReLU, " \
           "1 Eltwise)" in result.stdout


def test_weights_go_where_w_says(tmp_path: pathlib.Path) -> None:
    result = run("from-onnx", str(MODEL), "-o", str(tmp_path / "net.prototxt"), "-w",
                 str(tmp_path / "elsewhere.caffemodel"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.caffemodel",
                                                         "net.prototxt"]


def test_verify_without_caffe_uses_the_torch_backend(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    result = run("from-onnx", str(MODEL), "-o", str(tmp_path / "net.prototxt"), "--verify",
                 oracle="none")
    assert result.returncode == 0, result.stderr
    assert "verify: reference: prototxt-compiler's PyTorch backend (real Caffe is not set " \
           "up here)" in result.stdout
    assert "verify: output: max |converted - onnxruntime|" in result.stdout
    assert result.stdout.rstrip().endswith("ok")


def test_verify_with_caffe_says_so(tmp_path: pathlib.Path) -> None:
    from prototxt_compiler.to_caffe import caffe_oracle

    if caffe_oracle() is None:
        pytest.skip("real Caffe (caffe-oracle) is not set up here")
    result = run("from-onnx", str(MODEL), "-o", str(tmp_path / "net.prototxt"), "--verify")
    assert result.returncode == 0, result.stderr
    assert "verify: reference: real BVLC Caffe (caffe-oracle)" in result.stdout


def test_a_failed_verification_exits_1(tmp_path: pathlib.Path, monkeypatch, capsys) -> None:
    from prototxt_compiler import to_caffe
    from prototxt_compiler.verify import Comparison

    monkeypatch.setattr(to_caffe, "verify_caffe", lambda *a, **k: (
        "a reference", [Comparison("output", 0.5, 1e-4, (0, 1))]))
    code = main(["from-onnx", str(MODEL), "-o", str(tmp_path / "net.prototxt"), "--verify"])
    assert code == 1
    assert "verify: output: max |converted - onnxruntime| 0.5 (tolerance 0.0001) FAILED" in \
        capsys.readouterr().out


def test_an_unconvertible_model_lists_its_nodes_and_writes_nothing(tmp_path: pathlib.Path
                                                                    ) -> None:
    onnx.save_model(unconvertible(), tmp_path / "bad.onnx")
    (tmp_path / "net.prototxt").write_text("old")
    result = run("from-onnx", str(tmp_path / "bad.onnx"), "-o", str(tmp_path / "net.prototxt"))
    assert result.returncode == 2
    assert "5 ONNX node(s) have no exact BVLC Caffe form" in result.stderr
    assert "node 'bicubic' (Resize): it resizes by cubic interpolation" in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "net.prototxt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.onnx", "net.prototxt"]


def test_input_shape_fixes_symbolic_dims(tmp_path: pathlib.Path) -> None:
    onnx.save_model(symbolic(), tmp_path / "sym.onnx")
    out = str(tmp_path / "net.prototxt")
    missing = run("from-onnx", str(tmp_path / "sym.onnx"), "-o", out)
    assert missing.returncode == 2 and "--input-shape data=" in missing.stderr
    given = run("from-onnx", str(tmp_path / "sym.onnx"), "-o", out, "--input-shape",
                "data=2,3,5,4")
    assert given.returncode == 0, given.stderr
    bare = run("from-onnx", str(tmp_path / "sym.onnx"), "-o", out, "--input-shape", "1x3x6x4")
    assert bare.returncode == 0, bare.stderr
    assert "dim: 6" in (tmp_path / "net.prototxt").read_text()


@pytest.mark.parametrize("args,message", [
    (["-o", "net.txt"], "expected a .prototxt file name"),
    (["-o", "no/such/folder/net.prototxt"], "does not exist"),
])
def test_usage_errors(args: list[str], message: str, tmp_path: pathlib.Path) -> None:
    result = run("from-onnx", str(MODEL), *[str(tmp_path / a) if a.endswith("prototxt")
                                            else a for a in args])
    assert result.returncode == 2 and message in result.stderr


def test_a_missing_model_is_a_usage_error(tmp_path: pathlib.Path) -> None:
    result = run("from-onnx", str(tmp_path / "none.onnx"), "-o", str(tmp_path / "n.prototxt"))
    assert result.returncode == 2 and "no such file" in result.stderr


def test_quiet_hides_notes(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "batch.onnx"
    from tests.frontend.onnx.builder import Builder

    b = Builder("batch", 13)
    b.output(b.node("Relu", [b.input("data", ("N", 3))], "r"))
    onnx.save_model(b.model(), path)
    loud = run("from-onnx", str(path), "-o", str(tmp_path / "a.prototxt"))
    quiet = run("from-onnx", str(path), "-o", str(tmp_path / "b.prototxt"), "-q")
    assert "batch dimension N is taken as 1" in loud.stderr
    assert quiet.returncode == 0 and quiet.stderr == ""


def _fork_onnx(tmp_path: pathlib.Path, stem: str, fork: str) -> pathlib.Path:
    """The ONNX our backend writes for a fork net of tests/fixtures/fork_nets."""
    from prototxt_compiler.api import load_with_weights
    from prototxt_compiler.backends.onnx import to_onnx

    graph = load_with_weights(ROOT / "tests" / "fixtures" / "fork_nets" / f"{stem}.prototxt",
                              fork=fork, warn=False)
    path = tmp_path / f"{stem}.onnx"
    onnx.save_model(to_onnx(graph, static_batch=True), path)
    return path


def test_without_fork_a_fork_layer_is_refused(tmp_path: pathlib.Path) -> None:
    # PSPNet's Interp to sizes no BVLC deconvolution makes (1 to 12 with corners aligned)
    model = _fork_onnx(tmp_path, "pspnet_pyramid", "pspnet")
    out = tmp_path / "net.prototxt"
    refused = run("from-onnx", str(model), "-o", str(out))
    assert refused.returncode == 2
    assert "(Resize): it resizes axis 2 from 1 to 12 with corners aligned" in refused.stderr
    assert "the fork layer Interp any (--fork pspnet)" in refused.stderr
    assert not out.exists() and not out.with_suffix(".caffemodel").exists()
    written = run("from-onnx", str(model), "-o", str(out), "--fork", "pspnet")
    assert written.returncode == 0, written.stderr
    assert 'type: "Interp"' in out.read_text()


def test_fork_writes_that_forks_layers(tmp_path: pathlib.Path) -> None:
    model = _fork_onnx(tmp_path, "shufflenet_unit", "shufflenet")
    out = tmp_path / "net.prototxt"
    result = run("from-onnx", str(model), "-o", str(out), "--fork", "shufflenet")
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.count('type: "ShuffleChannel"') == 4
    assert "shuffle_channel_param {\n    group: 3\n  }" in text
    assert "4 ShuffleChannel" in result.stdout


def test_fork_verify_runs_the_torch_backend_and_says_why(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    model = _fork_onnx(tmp_path, "yolo_neck", "yolo")
    result = run("from-onnx", str(model), "-o", str(tmp_path / "net.prototxt"), "--fork",
                 "yolo", "--verify")
    assert result.returncode == 0, result.stderr
    assert 'type: "Upsample"' in (tmp_path / "net.prototxt").read_text()
    assert "verify: reference: prototxt-compiler's PyTorch backend (the net has fork layers " \
           "BVLC Caffe lacks: Upsample)" in result.stdout
    assert result.stdout.rstrip().endswith("ok")


def test_an_unknown_fork_is_a_usage_error(tmp_path: pathlib.Path) -> None:
    result = run("from-onnx", str(MODEL), "-o", str(tmp_path / "net.prototxt"), "--fork",
                 "nosuchfork")
    assert result.returncode == 2
    assert "--fork 'nosuchfork': not a known fork (known: " in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_refuses_a_run_past_its_budget_before_it_runs(tmp_path: pathlib.Path) -> None:
    # a bilinear resize of 1x3x4x4 to 20000x20000 (PSPNet's Interp): 3 x 20000^2 =
    # 1,200,000,000 elements (a blob Caffe holds: <= INT_MAX) x 4 = 4,800,000,000 bytes of
    # top, and the input's 192
    from tests.frontend.onnx.builder import Builder

    b = Builder("huge", 13)
    x = b.input("data", (1, 3, 4, 4))
    b.output(b.node("Resize", [x, "", "", b.ints("sizes", [1, 3, 20000, 20000])], "up",
                    mode="linear", coordinate_transformation_mode="align_corners"))
    model = tmp_path / "huge.onnx"
    onnx.save(b.model(), model)
    result = run("from-onnx", str(model), "-o", str(tmp_path / "net.prototxt"), "--fork",
                 "pspnet", "--verify")
    assert result.returncode == 2, result.stderr
    assert "verifying runs the net, whose blobs take 4,800,000,192 bytes at these input " \
           "sizes (layer 'up' is 1x3x20000x20000: 4,800,000,000 bytes)" in result.stderr
    assert "Traceback" not in result.stderr
