"""The check's squeeze-excitation units: SE-ResNet and SE-ResNeXt recognised in SENet's form
(Axpy) and the MXNet conversions' (Broadcastmul, or a Scale with two bottoms, then the
Eltwise), with the reduction named; deviations inside the SE branch named at their layer."""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from prototxt_compiler import load
from prototxt_compiler.api import check_file, generate
from prototxt_compiler.checks import check
from prototxt_compiler.errors import LayerError
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel
from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm
from tests.conftest import corpus_path, run_cli
from tests.fixtures.fork_twins import FORK_NETS, NUMERIC, fork_blobs

SMALL = {"family": "resnext", "units": [1, 2], "cardinality": 4, "bottleneck_width": 2,
         "stage1_channels": 32, "stem_channels": 8, "input": [2, 3, 16, 16], "classes": 10,
         "se_reduction": 4}


def write(tmp_path: pathlib.Path, text: str) -> pathlib.Path:
    path = tmp_path / "net.prototxt"
    path.write_text(text)
    return path


def generated(**keys: object) -> str:
    return generate({**SMALL, **keys})


def _layer_block(text: str, name: str) -> re.Match:
    found = re.search(r'layer \{\n  name: "' + re.escape(name) + r'"\n.*?\n\}\n', text, re.S)
    assert found, name
    return found


def edit(text: str, name: str, old: str, new: str) -> str:
    block = _layer_block(text, name)
    assert old in block.group(0), (name, old)
    return text[:block.start()] + block.group(0).replace(old, new) + text[block.end():]


def without(text: str, name: str) -> str:
    block = _layer_block(text, name)
    return text[:block.start()] + text[block.end():]


def test_senet_se_resnet50() -> None:
    report = check_file(corpus_path() / "forks" / "se_resnet50_axpy_fork.prototxt")
    assert report.deviations == []
    assert report.headline() == "SE-ResNet-50: stages [3, 4, 6, 3], reduction 16, 28.1M params"
    assert report.template == "bottleneck-se"


@pytest.mark.parametrize("form", ["axpy", "broadcastmul"])
@pytest.mark.parametrize("naming", ["mxnet", "caffe"])
def test_generated_se_resnext50(form: str, naming: str, tmp_path: pathlib.Path) -> None:
    """SENet's SE-ResNeXt-50 (32x4d): 27.56M parameters (the paper's 27.5M), 4.24 G
    multiply-adds (its 4.25 GFLOPs)."""
    spec = {"family": "resnext", "depth": 50, "se_reduction": 16, "se_form": form,
            "naming": naming}
    report = check_file(write(tmp_path, generate(spec)))
    assert report.deviations == []
    assert report.headline() == ("SE-ResNeXt-50 (32x4d): stages [3, 4, 6, 3], cardinality 32, "
                                 "bottleneck width 4, reduction 16, 27.6M params")


def test_the_small_generated_net_is_the_fixture_caffe_ran(tmp_path: pathlib.Path) -> None:
    """tests/fixtures/fork_nets/se_resnext_small.prototxt is the generator's text (its twin
    is a numeric fixture, so Caffe ran the generated SE units layer by layer)."""
    text = (FORK_NETS / "se_resnext_small.prototxt").read_text()
    assert generated() == text
    report = check_file(FORK_NETS / "se_resnext_small.prototxt")
    assert report.deviations == [] and report.reduction == 4
    assert report.architecture == "SE-ResNeXt-11 (4x2d)"


def test_scale_with_two_bottoms_form(tmp_path: pathlib.Path) -> None:
    """The excitation flattened to (N, C) and applied by a Scale on axis 0 (BVLC's own way to
    write Broadcastmul), then the Eltwise."""
    text = generated(se_form="broadcastmul")
    for unit in ("stage1_unit1", "stage2_unit1", "stage2_unit2"):
        text = edit(text, f"{unit}_se_scale", 'type: "Broadcastmul"', 'type: "Scale"')
        text = edit(text, f"{unit}_se_scale", f'bottom: "{unit}_se_up"',
                    f'bottom: "{unit}_se_flat"\n  scale_param {{\n    axis: 0\n  }}')
        block = _layer_block(text, f"{unit}_se_sigmoid")
        flat = (f'layer {{\n  name: "{unit}_se_flat"\n  type: "Flatten"\n  bottom: '
                f'"{unit}_se_up"\n  top: "{unit}_se_flat"\n}}\n')
        text = text[:block.end()] + flat + text[block.end():]
    report = check_file(write(tmp_path, text))
    assert report.deviations == [] and report.reduction == 4


def test_folded_se_net() -> None:
    graph = load(FORK_NETS / "se_resnext_small.prototxt")
    twin = read_caffemodel(NUMERIC / "fork_se_resnext_small.caffemodel")
    attach_weights(graph, fork_blobs(graph, twin))
    assert fold_batchnorm(graph)
    report = check(graph)
    assert report.deviations == [] and report.template == "bottleneck-se-folded"
    assert report.architecture == "SE-ResNeXt-11 (4x2d)"


BROKEN = {
    "max-pool": (lambda t: edit(t, "stage2_unit1_se_pool", "pool: AVE", "pool: MAX"),
                 "stage2_unit1_se_pool: MAX pooling of kernel 2x2, expected a global AVE "
                 "pooling (squeeze-excitation)"),
    "missing-relu": (lambda t: without(t, "stage1_unit1_se_relu"),
                     "stage1_unit1_se_down: ReLU missing after this layer (squeeze-excitation)"),
    "tanh": (lambda t: edit(t, "stage2_unit2_se_sigmoid", 'type: "Sigmoid"', 'type: "TanH"'),
             "stage2_unit2_se_sigmoid: TanH, expected Sigmoid (squeeze-excitation)"),
    "odd-reduction": (lambda t: edit(t, "stage2_unit2_se_down", "num_output: 16",
                                     "num_output: 8"),
                      "stage2_unit2_se_down: num_output 8, expected 16 (C / 4: the net's "
                      "reduction 4)"),
    "3x3-squeeze": (lambda t: edit(t, "stage1_unit1_se_down", "kernel_size: 1",
                                   "kernel_size: 3\n    pad: 1"),
                    "stage1_unit1_se_down: expected a 1x1 convolution of group 1 "
                    "(squeeze-excitation)"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_se_deviation(case: str, tmp_path: pathlib.Path) -> None:
    change, expected = BROKEN[case]
    report = check_file(write(tmp_path, change(generated())))
    assert report.template == "bottleneck-se"
    assert [str(d) for d in report.deviations] == [expected]
    assert report.architecture == "SE-ResNeXt-11 (4x2d)"


def test_an_excitation_of_the_wrong_width_is_refused(tmp_path: pathlib.Path) -> None:
    """SENet's Axpy checks a's channels against x's: a net whose excitation does not give
    the channels it scales is bad input (as it is for the fork), named at the Axpy."""
    text = edit(generated(), "stage2_unit2_se_up", "num_output: 64", "num_output: 1")
    with pytest.raises(LayerError, match="bottom 0 .the scale a. has shape .2, 1, 1, 1.") as error:
        check_file(write(tmp_path, text))
    assert error.value.layer == "stage2_unit2_plus"


def test_a_unit_without_excitation_in_an_se_net(tmp_path: pathlib.Path) -> None:
    """One unit written plain (an Eltwise of its main path and shortcut) among SE units."""
    text = generated(se_form="broadcastmul")
    for layer in ("se_pool", "se_down", "se_relu", "se_up", "se_sigmoid", "se_scale"):
        text = without(text, f"stage2_unit2_{layer}")
    text = edit(text, "stage2_unit2_plus", 'bottom: "stage2_unit2_se_scale"',
                'bottom: "stage2_unit2_conv3"')
    report = check_file(write(tmp_path, text))
    assert [str(d) for d in report.deviations] == [
        "stage2_unit2_plus: squeeze-excitation missing: expected the main path's output "
        "scaled by its excitation (Axpy, Broadcastmul or Scale)"]


def test_a_plain_net_keeps_its_plain_template() -> None:
    report = check_file(pathlib.Path(__file__).parents[2] / "models" / "resnext50_32x4d.prototxt")
    assert report.deviations == [] and report.template == "bottleneck"
    assert report.reduction is None and "reduction" not in report.headline()


def test_fragment_of_an_se_net(tmp_path: pathlib.Path) -> None:
    text = generate({"family": "resnext", "depth": 50, "se_reduction": 16,
                     "fragment": "stage1_unit2"})
    report = check_file(write(tmp_path, text))
    assert report.deviations == []
    assert report.headline() == ("1 SE-ResNeXt bottleneck unit: cardinality 32, bottleneck "
                                 "width 4, reduction 16, identity shortcut")


def test_cli_json_and_exit_codes(tmp_path: pathlib.Path) -> None:
    path = corpus_path() / "forks" / "se_resnet50_axpy_fork.prototxt"
    done = run_cli("check", str(path), "--json")
    assert done.returncode == 0
    found = json.loads(done.stdout)
    assert found["matches"] and found["reduction"] == 16
    assert found["architecture"] == "SE-ResNet-50"
    broken = write(tmp_path, BROKEN["tanh"][0](generated()))
    done = run_cli("check", str(broken))
    assert done.returncode == 1
    assert "deviation: stage2_unit2_se_sigmoid: TanH, expected Sigmoid" in done.stdout


@pytest.mark.parametrize("form", ["axpy", "broadcastmul"])
def test_a_shortcut_of_the_wrong_stride_is_explained_in_both_forms(
        form: str, tmp_path: pathlib.Path) -> None:
    """A unit's sum whose paths differ in shape (the shortcut lost its stride) is a deviation
    at the sum, an Axpy as an Eltwise; the sizes after it are unknown, not wrong (no
    excitation width or pooling is blamed for them, and the SE template still fits)."""
    text = generate({"depth": 26, "se_reduction": 16, "se_form": form})
    start = text.index('name: "stage2_unit1_sc"')
    cut = text.index("stride: 2", start)
    net = tmp_path / "net.prototxt"
    net.write_text(text[:cut] + text[cut + len("stride: 2"):])
    report = check_file(net)
    sum_type = "Axpy" if form == "axpy" else "Eltwise"
    main, short = "1x512x28x28", "1x512x56x56"
    pair = f"{main} vs {short}" if form == "axpy" else f"{short} vs {main}"
    assert [str(d) for d in report.deviations] == [
        "stage2_unit1_sc: stride 1, expected 2 (the main path's stride)",
        f"stage2_unit1_plus: {sum_type} inputs differ in shape: {pair} (shortcut stride 1, "
        "main path stride 2)"]
    assert report.architecture == "SE-ResNeXt-26 (32x4d)" and report.reduction == 16
    assert "params unknown" in report.headline()
    result = run_cli("check", str(net))
    assert result.returncode == 1 and "Traceback" not in result.stderr
