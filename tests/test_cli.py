"""The command line: output, exit codes, and errors without tracebacks."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tomllib

import pytest

from prototxt_compiler.cli import main
from tests.conftest import run_cli
from tests.shape_compare import CAFFE_SPLIT

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "resnext50_32x4d.prototxt"
SHAPES = ROOT / "tests" / "fixtures" / "shapes"


run = run_cli


def test_info_table_lists_layers_and_totals(capsys: pytest.CaptureFixture) -> None:
    assert main(["info", str(SHAPES / "conv_group_dilation.prototxt")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["layer", "type", "bottoms", "->", "tops", "output", "shape",
                              "params", "MACs"]
    # c1: weights 4x(6/2)x3x2 = 72 + bias 4; MACs = 2*4*9*12 outputs x 3 channels x 6 taps
    assert out[3].split() == ["c1", "Convolution", "data", "->", "c1", "2x4x9x12", "76",
                              "15,552"]
    assert out[-2].startswith("total: 4 layers, 754 parameters")
    assert out[-1] == "recognised: no residual-network template matched"


def test_info_json_matches_caffe_shapes_for_every_blob(capsys: pytest.CaptureFixture) -> None:
    assert main(["info", str(MODEL), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    caffe = json.loads((ROOT / "tests" / "fixtures" / "models" /
                        "resnext50_32x4d.json").read_text())["shapes"]
    ours = {f"{row['name']}:{top}": shape for row in report["layers"]
            for top, shape in zip(row["tops"], row["shapes"])}
    assert ours == {k: v for k, v in caffe.items() if not CAFFE_SPLIT.match(k)}
    assert set(report["layers"][0]) == {"name", "type", "bottoms", "tops", "shapes", "params",
                                        "macs"}
    assert report["params"] == sum(r["params"] for r in report["layers"])
    # The paper's ResNeXt-50 (32x4d): 25.0M parameters, ~4.2 GFLOPs (multiply-adds).
    assert round(report["params"] / 1e6, 1) == 25.0
    assert 4.1e9 < report["macs"] < 4.3e9


def test_fragment_without_shapes_is_symbolic_and_takes_given_shapes(
        tmp_path: pathlib.Path) -> None:
    net = tmp_path / "frag.prototxt"
    net.write_text('layer { name: "a" type: "ReLU" bottom: "x" top: "a" }\n')
    result = run("info", str(net))
    assert result.returncode == 0, result.stderr
    assert "note: 'x' is read (by 'a') but written by no layer: an input of this fragment, " \
           "NxCxHxW" in result.stderr
    assert result.stdout.splitlines()[3].split() == ["a", "ReLU", "x", "->", "a", "NxCxHxW",
                                                     "0", "0"]
    result = run("info", str(net), "--input-shape", "x=1,3,5,5")
    assert result.returncode == 0, result.stderr
    assert "1x3x5x5" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["info", "no/such/file.prototxt"], "no/such/file.prototxt: cannot read the file"),
    (["info", str(MODEL), "--input-shape", "data"], "expected NAME=N,C,H,W"),
    (["info", str(MODEL), "--input-shape", "data=1,x"], "expected NAME=N,C,H,W"),
], ids=["missing-file", "shape-without-dims", "shape-not-integers"])
def test_bad_input_exits_2_without_traceback(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_syntax_error_names_file_line_and_column(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "bad.prototxt"
    net.write_text('layer {\n  name: "c"\n  type: "Convolution"\n  convolution_param { kernal_size: 3 }\n}\n')
    result = run("info", str(net))
    assert result.returncode == 2
    assert f"{net}:4:23:" in result.stderr
    assert "kernal_size" in result.stderr and "kernel_size" in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    assert run("frobnicate").returncode == 2


def test_allow_unknown_fields_lists_what_it_ignored(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "fork.prototxt"
    net.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { '
                   'dim: 1 dim: 3 dim: 8 dim: 8 } } }\nlayer { name: "p" type: "Pooling" '
                   'bottom: "data" top: "p"\n  pooling_param { pool: MAX kernel_size: 3 '
                   'stride: 2 ceil_mode: false foo: 3 } }\n')
    refused = run("info", str(net))
    assert refused.returncode == 2
    assert f"{net}:3:71: unknown field 'foo' in PoolingParameter" in refused.stderr
    loaded = run("info", str(net), "--allow-unknown-fields")
    assert loaded.returncode == 0, loaded.stderr
    assert f"note: {net}:3:71: ignored unknown field layer[1].pooling_param.foo" in loaded.stderr
    assert "read as round_mode: FLOOR" in loaded.stderr
    # floor((8 - 3) / 2) + 1 = 3 (ceil would also give 3 here; the fixture pool_* cases
    # check the rounding itself against Caffe)
    assert "1x3x3x3" in loaded.stdout


def test_legacy_file_says_what_was_upgraded(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "v1.prototxt"
    net.write_text('input: "data"\ninput_dim: 1\ninput_dim: 3\ninput_dim: 5\ninput_dim: 5\n'
                   'layers { name: "c" type: CONVOLUTION bottom: "data" top: "c" blobs_lr: 1 '
                   'convolution_param { num_output: 2 kernel_size: 3 } }\n')
    result = run("info", str(net), "--json")
    assert result.returncode == 0, result.stderr
    assert "note:" in result.stderr and "layers" in result.stderr
    report = json.loads(result.stdout)
    assert [(r["name"], r["type"], r["shapes"]) for r in report["layers"]] == [
        ("input", "Input", [[1, 3, 5, 5]]), ("c", "Convolution", [[1, 2, 3, 3]])]


def test_binary_net_parameter_loads_like_its_text(tmp_path: pathlib.Path) -> None:
    from google.protobuf import text_format

    from prototxt_compiler import load
    from prototxt_compiler.proto import caffe_pb2

    text = (SHAPES / "conv_group_dilation.prototxt").read_text()
    binary = tmp_path / "net.binaryproto"
    binary.write_bytes(text_format.Parse(text, caffe_pb2.NetParameter()).SerializeToString())
    assert str(load(binary)) == str(load(SHAPES / "conv_group_dilation.prototxt"))
    broken = tmp_path / "broken.caffemodel"
    broken.write_bytes(binary.read_bytes()[:-7])
    result = run("info", str(broken))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(broken) in result.stderr


def test_info_names_which_upsample_each_layer_was_read_as(capsys: pytest.CaptureFixture) -> None:
    """Two forks each call a layer Upsample; the table says which one a layer is, the JSON
    keeps the type and adds the reading."""
    forks = ROOT / "tests" / "fixtures" / "fork_nets"
    assert main(["info", str(forks / "yolo_neck.prototxt")]) == 0
    table = capsys.readouterr().out
    assert "Upsample (YOLO nearest)" in table and "SegNet" not in table
    assert main(["info", str(forks / "segnet_pair.prototxt"), "--json"]) == 0
    rows = [r for r in json.loads(capsys.readouterr().out)["layers"] if r["type"] == "Upsample"]
    assert rows and {r["reading"] for r in rows} == {"SegNet unpooling"}


def test_the_installed_command_is_main_then_a_frozen_collector() -> None:
    """``prototxt-compiler`` and ``python -m prototxt_compiler`` run ``console``: ``main``'s
    exit code, and the cyclic collector frozen for the exit (a fresh process: freezing this
    one's would keep the test run's garbage)."""
    code = ("import gc, sys\nfrom prototxt_compiler.cli import console\n"
            "status = console(['info', sys.argv[1], '-q'])\n"
            "print(status, gc.get_freeze_count() > 0)\n")
    model = str(ROOT / "models" / "stage1.prototxt")
    done = subprocess.run([sys.executable, "-c", code, model], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split()[-2:] == ["0", "True"], done.stderr
    missing = subprocess.run([sys.executable, "-c", code, "no-such.prototxt"],
                             capture_output=True, text=True, timeout=120)
    assert missing.stdout.split()[-2:] == ["2", "True"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["prototxt-compiler"] == "prototxt_compiler.cli:console"
