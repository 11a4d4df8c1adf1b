"""What a new user meets in the first hour, reproduced as they would meet it: the public API
and the command line (through tests.conftest.run_cli, as a terminal sees it)."""
from __future__ import annotations

import argparse
import io
import os
import pathlib
import re
import stat

import numpy as np
import pytest

import prototxt_compiler as pc
from prototxt_compiler.cli import build_parser, main
from prototxt_compiler.cli.common import Progress
from prototxt_compiler.errors import ParseError, WeightsError
from tests.conftest import run_cli
from tests.tolerance import assert_close

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "resnext50_32x4d.prototxt"
NUMERIC = ROOT / "tests" / "fixtures" / "numeric"


def test_to_onnx_of_a_graph_without_weights_says_what_to_do() -> None:
    graph = pc.load(NUMERIC / "net_inception.prototxt")
    with pytest.raises(WeightsError, match=r"have no parameter blobs: .*prototxt_compiler\.load"
                                           r"\(path, weights='NET\.caffemodel'\).*init_weights"):
        pc.to_onnx(graph)
    with_weights = pc.load(NUMERIC / "net_inception.prototxt",
                           weights=NUMERIC / "net_inception.caffemodel")
    assert len(pc.to_onnx(with_weights).graph.initializer) > 0
    filled = pc.init_weights(pc.load(NUMERIC / "net_inception.prototxt"), seed=1)
    assert any("initialised by their fillers (seed 1)" in n for n in filled.notes)
    assert len(pc.to_onnx(filled).graph.node) > 0


def test_public_api_names_and_signatures() -> None:
    import inspect

    for name in ("generate", "compile_onnx", "to_prototxt", "NetBuilder", "load", "load_torch",
                 "init_weights", "to_onnx", "to_torch", "layer_outputs", "check"):
        assert name in pc.__all__ and hasattr(pc, name), name
    assert "fold" in inspect.signature(pc.load_torch).parameters
    assert "weights" in inspect.signature(pc.load).parameters


def test_filler_warning_points_at_the_callers_line() -> None:
    pytest.importorskip("torch")
    with pytest.warns(UserWarning, match="initialised by their fillers") as caught:
        pc.load_torch(NUMERIC / "net_inception.prototxt")
    assert caught[0].filename == __file__


@pytest.mark.parametrize("args, message", [
    (["compile", str(MODEL), "-o", "x.onnx", "--seed", "-1"], "argument --seed: -1 is out of range"),
    (["compile", str(MODEL), "-o", "x.onnx", "--seed", "abc"], "argument --seed: 'abc' is not an"),
    (["compile", str(MODEL), "-o", "x.onnx", "--opset", "7"], "opset 7 is not supported"),
    (["info", str(MODEL), "--input-shape", "data=1,3,0,5"], "expected NAME=N,C,H,W"),
    (["info", str(MODEL), "--input-shape", "dta=1,3,224,224"], "(did you mean 'data'?)"),
    (["compile", str(MODEL), "-o", "x.onnx", "--input", "data=a.npy"], "add --verify"),
    (["generate", "--depth", "50", "--classes", "0"], "--classes: expected a positive integer"),
    (["generate", "--depth", "50", "--input", "1,3,224"], "--input: expected [N, C, H, W]"),
], ids=["negative-seed", "text-seed", "old-opset", "zero-dim", "unknown-input", "input-without-verify",
        "zero-classes", "three-dims"])
def test_bad_flags_are_usage_errors(args: list[str], message: str, tmp_path: pathlib.Path) -> None:
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (ROOT / "x.onnx").exists()


def test_an_empty_prototxt_is_an_error(tmp_path: pathlib.Path) -> None:
    for text in ("", "# nothing here\n", 'name: "empty"\n'):
        net = tmp_path / "empty.prototxt"
        net.write_text(text)
        result = run_cli("compile", str(net), "-o", str(tmp_path / "m.onnx"))
        assert result.returncode == 2
        assert f"{net}: the file defines no layers" in result.stderr
        assert not (tmp_path / "m.onnx").exists()


def test_written_files_honour_the_umask_and_keep_an_old_mode(tmp_path: pathlib.Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "new.prototxt"
        assert main(["generate", "--depth", "50", "-o", str(out), "-q"]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        out.chmod(0o640)
        assert main(["generate", "--depth", "101", "-o", str(out), "-q"]) == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640
        onnx_out = tmp_path / "m.onnx"
        assert main(["compile", str(NUMERIC / "net_inception.prototxt"), "-w",
                     str(NUMERIC / "net_inception.caffemodel"), "-o", str(onnx_out), "-q"]) == 0
        assert stat.S_IMODE(onnx_out.stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_an_output_over_an_input_is_refused(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_bytes((ROOT / "models" / "resnet50.toml").read_bytes())
    result = run_cli("generate", str(spec), "-o", str(spec))
    assert result.returncode == 2 and "is also an input of this command" in result.stderr
    assert spec.read_bytes() == (ROOT / "models" / "resnet50.toml").read_bytes()
    with pytest.raises(pc.CompilerError, match="is the spec itself"):
        pc.generate(spec, spec)
    net = tmp_path / "net.onnx"
    net.write_bytes((NUMERIC / "net_inception.prototxt").read_bytes())
    result = run_cli("compile", str(net), "-o", str(net))
    assert result.returncode == 2 and "is also an input of this command" in result.stderr


V1_MEMORY_DATA = '''layers {
  name: "data"
  type: MEMORY_DATA
  top: "data"
  top: "label"
  memory_data_param { batch_size: 2 channels: 3 height: 8 width: 8 }
}
'''


def test_a_v1_deploy_net_with_memory_data_drops_its_unread_label(tmp_path: pathlib.Path) -> None:
    twin = NUMERIC / "net_v1_memory_data_twin.prototxt"
    text = re.sub(r"input: \"data\"\n(input_dim: \d+\n){4}", V1_MEMORY_DATA, twin.read_text())
    assert "MEMORY_DATA" in text and "input_dim" not in text
    net = tmp_path / "deploy.prototxt"
    net.write_text(text)
    weights = NUMERIC / "net_v1_memory_data_twin.caffemodel"
    graph = pc.load(net, weights=weights)
    assert [v.blob for v in graph.inputs] == ["data"] and graph.removed_inputs == ["label"]
    assert "input 'label' is a label top of MemoryData layer 'data' that no layer reads: " \
           "removed" in graph.notes
    ref = np.load(NUMERIC / "net_v1_memory_data_twin.npz")
    torch = pytest.importorskip("torch")
    module = pc.load_torch(net, weights)
    assert module.input_names == ["data"]
    with torch.inference_mode():
        assert_close(module(torch.from_numpy(ref["input:data"])).numpy(), ref["output:prob"],
                     "prob:prob")
    ort = pytest.importorskip("onnxruntime")
    model, _, _ = pc.compile_onnx(net, None, weights)
    assert [i.name for i in model.graph.input] == ["data"]
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    assert_close(session.run(None, {"data": ref["input:data"]})[0], ref["output:prob"],
                 "prob:prob")


def test_a_caffemodel_given_as_the_net_is_refused(tmp_path: pathlib.Path) -> None:
    weights = NUMERIC / "net_inception.caffemodel"
    with pytest.raises(ParseError, match=r"this is a \.caffemodel \(trained weights: \d+ layer"):
        pc.load(weights)
    result = run_cli("compile", str(weights), "-o", str(tmp_path / "m.onnx"))
    assert result.returncode == 2 and "give the deploy .prototxt as the net" in result.stderr


def test_weights_of_another_net_are_summarised(tmp_path: pathlib.Path) -> None:
    result = run_cli("compile", str(ROOT / "models" / "resnext101_32x4d.prototxt"), "-w",
                     str(NUMERIC / "frag_conv.caffemodel"), "-o", str(tmp_path / "m.onnx"))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert "the weights have no layer names in common with the net" in lines[0]
    assert len(lines) <= 12 and lines[-1].startswith("  ... and ") and lines[-1].endswith(" more")


def test_no_filler_note_for_a_net_without_parameters(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "relu.prototxt"
    net.write_text('layer { name: "x" type: "Input" top: "x" input_param { shape { dim: 1 '
                   'dim: 2 } } }\nlayer { name: "r" type: "ReLU" bottom: "x" top: "r" }\n')
    result = run_cli("compile", str(net), "-o", str(tmp_path / "m.onnx"))
    assert result.returncode == 0, result.stderr
    assert "fillers" not in result.stderr


def test_generated_prototxts_carry_the_papers_fillers() -> None:
    text = MODEL.read_text()
    convs = text.count('type: "Convolution"')
    assert text.count('type: "msra"') == convs == 53
    assert 'weight_filler {\n      type: "gaussian"\n      std: 0.01\n' in text
    graph = pc.load(MODEL)
    assert graph.node("conv0").params.weight_filler.type == "msra"


def test_the_quick_starts_fresh_statistics_are_explained() -> None:
    """The README's quick start: ResNeXt-50 from its fillers computes inf and NaN, as the
    same new net does in Caffe, and a note says why (its 54 BatchNorms, the README's count)."""
    torch = pytest.importorskip("torch")
    graph = pc.init_weights(pc.load(MODEL))
    assert any("the 54 BatchNorm layer(s) use their stored statistics" in n for n in graph.notes)
    assert "its 54 BatchNorms" in (ROOT / "README.md").read_text()
    with torch.no_grad():
        y = pc.to_torch(graph)(torch.randn(1, 3, 224, 224, generator=torch.Generator()
                                           .manual_seed(0)))
    assert not torch.isfinite(y).any()


def test_verify_compares_every_output_and_layer(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    net = NUMERIC / "act_relu_prelu.prototxt"
    x = tmp_path / "x.npy"
    ref = np.load(NUMERIC / "act_relu_prelu.npz")
    inputs = [k[len("input:"):] for k in ref.files if k.startswith("input:")]
    np.save(x, ref[f"input:{inputs[0]}"])
    result = run_cli("compile", str(net), "-w", str(NUMERIC / "act_relu_prelu.caffemodel"),
                     "-o", str(tmp_path / "m.onnx"), "--verify", "--verify-layers",
                     "--input", f"{inputs[0]}={x}", "--rtol", "1e-5", "--atol", "1e-7")
    assert result.returncode == 0, result.stderr + result.stdout
    outputs = [line for line in result.stdout.splitlines() if line.startswith("verify: output ")]
    assert len(outputs) == len([k for k in ref.files if k.startswith("output:")]) > 1
    assert f"verify: input {inputs[0]}: {x}" in result.stdout
    assert f"verify: input {inputs[1]}: random N(0,1)" in result.stdout
    assert re.search(r"verify: \d+ of \d+ layer outputs within tolerance", result.stdout)
    assert "verify: worst: " in result.stdout


def test_verify_input_must_fit(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    bad = tmp_path / "bad.npy"
    np.save(bad, np.zeros((1, 2, 3), np.float32))
    result = run_cli("compile", str(NUMERIC / "net_inception.prototxt"), "-o",
                     str(tmp_path / "m.onnx"), "--verify", "--input", f"data={bad}")
    assert result.returncode == 2 and "shape [1, 2, 3], expected" in result.stderr


def test_every_flag_has_help_and_shows_its_default() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest}: no help"
            if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
                assert "default" in action.help, f"{name} {action.option_strings}: no default"


def test_check_prints_the_parse_notes(corpus: pathlib.Path) -> None:
    result = run_cli("check", str(corpus / "resnext50_32x4d_fork_ceil_mode.prototxt"))
    assert result.returncode == 0, result.stderr
    assert "(a Caffe fork's field) read as round_mode" in result.stderr
    quiet = run_cli("check", str(corpus / "resnext50_32x4d_fork_ceil_mode.prototxt"), "-q")
    assert quiet.returncode == 0 and quiet.stderr == ""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with Progress(argparse.Namespace(quiet=False, verbose=False)) as progress:
        progress("reading the net")
        progress("writing")
    assert "reading the net..." in terminal.getvalue() and "writing..." in terminal.getvalue()
    assert terminal.getvalue().endswith("\r\x1b[K")
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    with Progress(argparse.Namespace(quiet=False, verbose=False)) as progress:
        progress("reading the net")
    assert pipe.getvalue() == ""
    with Progress(argparse.Namespace(quiet=False, verbose=True)) as progress:
        progress("reading the net")
    assert re.fullmatch(r"reading the net: \d+\.\d\d s\n", pipe.getvalue())


def test_an_internal_error_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture,
                                                 tmp_path: pathlib.Path) -> None:
    import prototxt_compiler.info as info

    monkeypatch.setattr(info, "info_rows", lambda graph: 1 / 0)
    assert main(["info", str(NUMERIC / "net_inception.prototxt")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("prototxt-compiler: internal error (ZeroDivisionError: division by "
                          "zero); please report it") and "Traceback" not in err
    assert main(["info", str(NUMERIC / "net_inception.prototxt"), "-v"]) == 3
    assert "Traceback" in capsys.readouterr().err


def test_a_converter_bug_names_its_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    from prototxt_compiler.backends.onnx.registry import ONNX

    def broken(node, blobs, emit):  # noqa: ANN001, ANN202
        raise KeyError("oops")

    monkeypatch.setitem(ONNX._converters, "ReLU", broken)
    graph = pc.load(NUMERIC / "act_relu_prelu.prototxt",
                    weights=NUMERIC / "act_relu_prelu.caffemodel")
    with pytest.raises(pc.CompilerError) as info:
        pc.to_onnx(graph)
    assert info.value.exit_code == 3
    assert re.search(r"layer '\w+' \(ReLU\): internal error in the onnx backend while "
                     r"converting this layer: KeyError", str(info.value))


def test_without_o_each_command_writes_beside_the_user(tmp_path: pathlib.Path) -> None:
    """No -o: the input's file name with the command's suffix, in the current folder (a
    to-torch module's name made importable)."""
    pytest.importorskip("torch")
    net = tmp_path / "src" / "my-net.2.prototxt"
    net.parent.mkdir()
    net.write_text((NUMERIC / "net_inception.prototxt").read_text())
    work = tmp_path / "work"
    work.mkdir()
    for command, written in (("compile", ["my-net.2.onnx"]), ("draw", ["my-net.2.svg"]),
                             ("to-torch", ["my_net_2.py", "my_net_2.pt"])):
        result = run_cli(command, str(net), cwd=work)
        assert result.returncode == 0, result.stderr
        for name in written:
            assert (work / name).is_file(), (command, name)
            assert f"wrote {written[0]}" in result.stdout + result.stderr
    result = run_cli("from-onnx", "my-net.2.onnx", cwd=work)
    assert result.returncode == 0, result.stderr
    assert (work / "my-net.2.prototxt").is_file() and (work / "my-net.2.caffemodel").is_file()
    assert sorted(p.name for p in net.parent.iterdir()) == ["my-net.2.prototxt"]


@pytest.mark.parametrize("given, suggested", [
    ("models/stage1.prototxt", "`prototxt-compiler compile models/stage1.prototxt` writes it "
                               "as ONNX, `prototxt-compiler info models/stage1.prototxt`"),
    ("models/stage1.toml", "`prototxt-compiler generate models/stage1.toml`"),
    ("model.onnx", "`prototxt-compiler from-onnx model.onnx` converts it to Caffe"),
])
def test_a_model_file_in_place_of_a_command_says_which_to_type(given: str, suggested: str
                                                               ) -> None:
    result = run_cli(given, "-o", "x.onnx")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: '{given}' is a file, not a command: {suggested}" in result.stderr
    assert not (ROOT / "x.onnx").exists()
    unknown = run_cli("frobnicate")  # a word that is no file: argparse's own message
    assert unknown.returncode == 2 and "invalid choice: 'frobnicate'" in unknown.stderr
