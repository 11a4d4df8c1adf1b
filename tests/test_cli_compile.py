"""`prototxt-compiler compile`: the ONNX file, its names and ops, atomic writing, verify."""
from __future__ import annotations

import pathlib
from collections import Counter

import numpy as np
import onnx
import pytest

from prototxt_compiler.cli import main
from tests.conftest import run_cli

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "resnext50_32x4d.prototxt"
NUMERIC = ROOT / "tests" / "fixtures" / "numeric"


run = run_cli


def test_resnext50_exports_folded_with_caffe_names(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "model.onnx"
    result = run("compile", str(MODEL), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "initialised by their fillers" in result.stderr  # no weights: the user is told
    model = onnx.load(out)
    onnx.checker.check_model(model, full_check=True)
    ops = Counter(n.op_type for n in model.graph.node)
    # 16 Eltwise sums + the merged input normalisation (bn_data + scale_bn_data: Mul + Add;
    # it cannot fold into conv0, whose zero padding is not normalised)
    assert ops == Counter({"Conv": 53, "Relu": 49, "Add": 17, "Mul": 1, "MaxPool": 1,
                           "GlobalAveragePool": 1, "Flatten": 1, "Gemm": 1, "Softmax": 1})
    assert "BatchNormalization" not in ops
    assert [i.name for i in model.graph.input] == ["data"]
    assert [o.name for o in model.graph.output] == ["prob"]
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [3, 224, 224]
    names = {n.name for n in model.graph.node}
    assert {"conv0", "stage1_unit1_conv2", "stage1_unit1_plus", "fc1", "prob"} <= names
    assert {"conv0.weight", "conv0.bias", "fc1.weight"} <= {t.name for t in model.graph.initializer}


def test_no_fold_static_batch_and_opset(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "net.onnx"
    assert main(["compile", str(NUMERIC / "net_resnext_seed.prototxt"), "-w",
                 str(NUMERIC / "net_resnext_seed.caffemodel"), "-o", str(out), "--no-fold",
                 "--static-batch", "--opset", "13"]) == 0
    model = onnx.load(out)
    assert model.opset_import[0].version == 13
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 2
    ops = Counter(n.op_type for n in model.graph.node)
    assert ops["BatchNormalization"] == 13  # every Caffe BatchNorm, bn_data included
    # in-place Caffe layers: inner values carry the version suffix, outputs the top name
    assert "stage1_unit1_conv1@1" in {o for n in model.graph.node for o in n.output}


def test_verify_compares_onnxruntime_with_torch(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    out = tmp_path / "net.onnx"
    result = run("compile", str(NUMERIC / "net_inception.prototxt"), "-w",
                 str(NUMERIC / "net_inception.caffemodel"), "-o", str(out), "--verify")
    assert result.returncode == 0, result.stderr
    assert "verify: output prob: max |onnxruntime - torch|" in result.stdout
    assert " ok" in result.stdout


def test_verify_refuses_a_run_past_its_budget_before_it_runs(tmp_path: pathlib.Path) -> None:
    # a 1x3x5x5 input upsampled by a stride of 5,000: (5 - 1) x 5000 + 1 = 20001 rows and
    # columns, 3 x 20001^2 = 1,200,120,003 elements (a blob Caffe holds: <= INT_MAX) x 4 =
    # 4,800,480,012 bytes, and the input's 300
    net = tmp_path / "big.prototxt"
    net.write_text('input: "data" input_shape { dim: 1 dim: 3 dim: 5 dim: 5 }\n'
                   'layer { name: "up" type: "Deconvolution" bottom: "data" top: "up" '
                   'convolution_param { num_output: 3 group: 3 kernel_size: 1 '
                   'stride: 5000 bias_term: false } }\n')
    result = run("compile", str(net), "-o", str(tmp_path / "big.onnx"), "--verify")
    assert result.returncode == 2, result.stderr
    assert "verifying runs the net, whose blobs take 4,800,480,312 bytes at these input " \
           "sizes (layer 'up' is 1x3x20001x20001: 4,800,480,012 bytes); a " \
           "verification takes at most 4,294,967,296" in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_fails_with_exit_1_beyond_tolerance(tmp_path: pathlib.Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch")
    import prototxt_compiler.verify as verify

    real = verify.compare
    monkeypatch.setattr(verify, "compare",
                        lambda a, b, name, rtol=1e-4, atol=0.0: real(a + 1.0, b, name))
    code = main(["compile", str(NUMERIC / "net_inception.prototxt"), "-w",
                 str(NUMERIC / "net_inception.caffemodel"), "-o", str(tmp_path / "n.onnx"),
                 "--verify"])
    assert code == 1


def test_errors_leave_no_file_and_keep_the_old_one(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "model.onnx"
    bad = tmp_path / "bad.caffemodel"
    bad.write_bytes(b"\x0a\x05short")  # a NetParameter whose name field is cut short
    result = run("compile", str(NUMERIC / "net_inception.prototxt"), "-w", str(bad), "-o", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == [bad]
    out.write_bytes(b"old")
    result = run("compile", str(NUMERIC / "net_inception.prototxt"), "-w", str(bad), "-o", str(out))
    assert result.returncode == 2 and out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.caffemodel", "model.onnx"]


@pytest.mark.parametrize("args, message", [
    (["--opset", "12"], "opset 12 is not supported: expected 13 to"),
    (["--opset", "99"], "opset 99 is not supported"),
], ids=["too-old", "too-new"])
def test_bad_opset_is_a_usage_error(tmp_path: pathlib.Path, args: list[str], message: str) -> None:
    result = run("compile", str(NUMERIC / "net_inception.prototxt"), "-o",
                 str(tmp_path / "m.onnx"), *args)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "m.onnx").exists()


def test_symbolic_batch_runs_at_batch_1_and_4(tmp_path: pathlib.Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    out = tmp_path / "net.onnx"
    assert main(["compile", str(NUMERIC / "net_resnext_seed.prototxt"), "-w",
                 str(NUMERIC / "net_resnext_seed.caffemodel"), "-o", str(out)]) == 0
    ref = np.load(NUMERIC / "net_resnext_seed.npz")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x = ref["input:data"]
    one = session.run(None, {"data": x[:1]})[0]
    four = session.run(None, {"data": np.concatenate([x, x])})[0]
    from tests.tolerance import assert_close

    assert_close(one, ref["output:prob"][:1], "prob (batch 1)")
    assert_close(four, np.concatenate([ref["output:prob"]] * 2), "prob (batch 4)")


def test_big_models_keep_their_tensors_beside_the_file(tmp_path: pathlib.Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Past 2 GB (here: past 1 KB, by lowering the threshold) tensors go to MODEL.onnx.data,
    named after the final file although they are written before the rename."""
    import prototxt_compiler.backends.onnx.lower as lower

    monkeypatch.setattr(lower, "TWO_GB", 1024)
    out = tmp_path / "big.onnx"
    assert main(["compile", str(NUMERIC / "net_inception.prototxt"), "-w",
                 str(NUMERIC / "net_inception.caffemodel"), "-o", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.onnx", "big.onnx.data"]
    model = onnx.load(out)  # loads the external data from beside it
    onnx.checker.check_model(str(out), full_check=True)
    assert all(t.HasField("raw_data") for t in model.graph.initializer)


def test_unwritable_output_is_a_usage_error(tmp_path: pathlib.Path) -> None:
    result = run("compile", str(NUMERIC / "net_inception.prototxt"), "-o",
                 str(tmp_path / "no" / "such" / "m.onnx"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr
