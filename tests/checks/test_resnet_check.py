"""The residual-network check: recognition of shipped and real-world nets, and one test per
kind of deviation on purpose-broken copies of models/resnext50_32x4d.prototxt, each message
naming the right layer."""
from __future__ import annotations

import json
import pathlib
import re

import pytest

from prototxt_compiler.api import check_file
from tests.conftest import corpus_path, run_cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "resnext50_32x4d.prototxt"
NUMERIC = ROOT / "tests" / "fixtures" / "numeric"


@pytest.mark.parametrize("path, architecture, stages, cardinality, width", [
    (MODEL, "ResNeXt-50 (32x4d)", [3, 4, 6, 3], 32, 4),
    (NUMERIC / "net_resnext_seed.prototxt", "ResNeXt-11 (4x2d)", [1, 2], 4, 2),
    (NUMERIC / "net_resnet_kaiming.prototxt", "ResNet-14", [2, 2], 1, 4),
], ids=["models-resnext50", "fixture-resnext", "fixture-resnet"])
def test_recognises_our_nets(path, architecture, stages, cardinality, width) -> None:
    report = check_file(path)
    assert report.deviations == []
    assert report.architecture == architecture
    assert [s.units for s in report.stages] == stages
    assert (report.cardinality, report.width) == (cardinality, width)


@pytest.mark.parametrize("name, architecture, stages, params", [
    ("resnet50_kaiming", "ResNet-50", [3, 4, 6, 3], "25.6M"),
    ("resnext50_32x4d_fork_ceil_mode", "ResNeXt-50 (32x4d)", [3, 4, 6, 3], "25.0M"),
    ("resnext101_32x4d_mxnet_names", "ResNeXt-101 (32x4d)", [3, 4, 23, 3], "44.2M"),
])
def test_recognises_the_corpus_nets(name, architecture, stages, params) -> None:
    report = check_file(corpus_path() / f"{name}.prototxt")
    assert report.deviations == []
    assert report.headline().startswith(f"{architecture}: stages {stages}")
    assert report.headline().endswith(f"{params} params")


def test_stage_table() -> None:
    report = check_file(MODEL)
    assert [(s.in_channels, s.out_channels, s.stride, s.output_size) for s in report.stages] == [
        (64, 256, 1, (56, 56)), (256, 512, 2, (28, 28)), (512, 1024, 2, (14, 14)),
        (1024, 2048, 2, (7, 7))]


def _layer_block(name: str) -> re.Pattern:
    return re.compile(r'layer \{\n  name: "' + re.escape(name) + r'"\n.*?\n\}\n', re.S)


def _without(text: str, name: str) -> str:
    new, count = _layer_block(name).subn("", text)
    assert count == 1, name
    return new


def _edit(text: str, name: str, old: str, new: str) -> str:
    block = _layer_block(name).search(text)
    assert block and old in block.group(0), (name, old)
    return text[:block.start()] + block.group(0).replace(old, new) + text[block.end():]


TEXT = MODEL.read_text()
DROPOUT = ('layer {\n  name: "stage1_unit3_drop"\n  type: "Dropout"\n  bottom: '
           '"stage1_unit3_conv2"\n  top: "stage1_unit3_conv2"\n}\n')
BROKEN = {
    "wrong-group": (_edit(TEXT, "stage2_unit3_conv2", "group: 32", "group: 16"),
                    "stage2_unit3_conv2: group 16, expected 32 (the net's cardinality)"),
    "missing-bn": (_without(TEXT, "stage3_unit2_bn2"),
                   "stage3_unit2_conv2: BatchNorm missing after this layer"),
    "missing-scale": (_without(TEXT, "scale_stage1_unit2_bn1"),
                      "stage1_unit2_bn1: Scale missing after this layer"),
    "missing-relu-after-sum": (_without(TEXT, "stage1_unit2_relu"),
                               "stage1_unit2_plus: ReLU after the Eltwise is missing"),
    "missing-relu-inside": (_without(TEXT, "stage2_unit1_relu1"),
                            "scale_stage2_unit1_bn1: ReLU missing after this layer"),
    "stride-mismatch": (_edit(TEXT, "stage3_unit1_sc", "stride: 2", "stride: 1"),
                        "stage3_unit1_plus: Eltwise inputs differ in shape: 1x1024x28x28 vs "
                        "1x1024x14x14 (shortcut stride 1, main path stride 2)"),
    "channel-mismatch": (_edit(TEXT, "stage2_unit2_conv2", "num_output: 256", "num_output: 512"),
                         "stage2_unit2_conv2: num_output 512, expected 256"),
    "broken-shortcut": (_edit(TEXT, "stage2_unit3_plus", 'bottom: "stage2_unit2_plus"',
                              'bottom: "stage2_unit1_plus"'),
                        "stage2_unit3_plus: "),
    "eltwise-prod": (_edit(TEXT, "stage4_unit2_plus", '  top: "stage4_unit2_plus"\n',
                           '  top: "stage4_unit2_plus"\n  eltwise_param { operation: PROD }\n'),
                     "stage4_unit2_plus: Eltwise PROD, expected SUM"),
    "extra-layer": (TEXT.replace('layer {\n  name: "stage1_unit3_bn2"',
                                 DROPOUT + 'layer {\n  name: "stage1_unit3_bn2"'),
                    "stage1_unit3_drop: unexpected Dropout inside the unit"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_each_deviation_names_its_layer(kind: str, tmp_path: pathlib.Path) -> None:
    text, expected = BROKEN[kind]
    net = tmp_path / f"{kind}.prototxt"
    net.write_text(text)
    report = check_file(net, "resnext")
    messages = [str(d) for d in report.deviations]
    assert not report.matches
    assert any(m.startswith(expected) for m in messages), messages


def test_cli_exit_codes_and_json(tmp_path: pathlib.Path) -> None:
    run = run_cli
    ok = run("check", str(MODEL))
    assert ok.returncode == 0 and ok.stdout.startswith(
        "ResNeXt-50 (32x4d): stages [3, 4, 6, 3], cardinality 32, bottleneck width 4, 25.0M")
    broken = tmp_path / "broken.prototxt"
    broken.write_text(BROKEN["eltwise-prod"][0])
    bad = run("check", str(broken), "--json")
    assert bad.returncode == 1
    data = json.loads(bad.stdout)
    assert data["matches"] is False
    assert {"layers": ["stage4_unit2_plus"], "message": "Eltwise PROD, expected SUM"} in \
        data["deviations"]
    assert run("check", str(tmp_path / "missing.prototxt")).returncode == 2
    out = tmp_path / "m.onnx"
    refused = run("compile", str(broken), "-o", str(out), "--template", "resnext")
    assert refused.returncode == 1 and "Eltwise PROD, expected SUM" in refused.stderr
    assert not out.exists()


def test_info_names_the_architecture() -> None:
    out = run_cli("info", str(MODEL)).stdout
    assert out.splitlines()[-1].startswith("recognised: ResNeXt-50 (32x4d)")


def test_pre_activation_template() -> None:
    report = check_file(ROOT / "tests" / "fixtures" / "shapes" / "check_preact_resnext.prototxt")
    assert report.deviations == []
    assert report.template == "bottleneck-preact"
    assert report.architecture == "ResNeXt-14 (4x2d)"


def test_folded_template_after_folding() -> None:
    from prototxt_compiler.api import fold_graph, load_with_weights
    from prototxt_compiler.checks import check

    graph = load_with_weights(NUMERIC / "net_resnext_seed.prototxt",
                              NUMERIC / "net_resnext_seed.caffemodel")
    fold_graph(graph)
    report = check(graph, "resnext")
    assert report.deviations == [] and report.template == "bottleneck-folded"
    assert report.architecture == "ResNeXt-11 (4x2d)"


def _basic_resnet(units: list[int]) -> str:
    def layer(name, kind, bottoms, top, body=""):
        return (f'layer {{ name: "{name}" type: "{kind}"' + "".join(f' bottom: "{b}"' for b in bottoms)
                + f' top: "{top}" {body} }}')

    def conv(name, bottom, n, k, s, p):
        return layer(name, "Convolution", [bottom], name, f"convolution_param {{ num_output: {n} "
                     f"kernel_size: {k} stride: {s} pad: {p} bias_term: false }}")

    def bn(name, blob):
        return [layer("bn_" + name, "BatchNorm", [blob], blob),
                layer("scale_" + name, "Scale", [blob], blob, "scale_param { bias_term: true }")]

    out = [layer("data", "Input", [], "data", "input_param { shape { dim: 1 dim: 3 dim: 64 dim: 64 } }"),
           conv("conv1", "data", 8, 7, 2, 3)] + bn("conv1", "conv1") + [
           layer("relu1", "ReLU", ["conv1"], "conv1"),
           layer("pool1", "Pooling", ["conv1"], "pool1", "pooling_param { pool: MAX kernel_size: 3 stride: 2 }")]
    x, channels = "pool1", 8
    for s, count in enumerate(units):
        width = 8 * 2 ** s
        for u in range(count):
            p, stride = f"s{s}u{u}", (2 if s and not u else 1)
            out += [conv(f"{p}a", x, width, 3, stride, 1)] + bn(f"{p}a", f"{p}a")
            out += [layer(f"{p}a_relu", "ReLU", [f"{p}a"], f"{p}a"), conv(f"{p}b", f"{p}a", width, 3, 1, 1)]
            out += bn(f"{p}b", f"{p}b")
            short = x
            if width != channels or stride != 1:
                out += [conv(f"{p}sc", x, width, 1, stride, 0)] + bn(f"{p}sc", f"{p}sc")
                short = f"{p}sc"
            out += [layer(f"{p}sum", "Eltwise", [short, f"{p}b"], f"{p}sum"),
                    layer(f"{p}relu", "ReLU", [f"{p}sum"], f"{p}sum")]
            x, channels = f"{p}sum", width
    out += [layer("pool5", "Pooling", [x], "pool5", "pooling_param { pool: AVE global_pooling: true }"),
            layer("fc", "InnerProduct", ["pool5"], "fc", "inner_product_param { num_output: 10 }")]
    return "\n".join(out) + "\n"


def test_basic_block_template(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "resnet18.prototxt"
    net.write_text(_basic_resnet([2, 2, 2, 2]))
    report = check_file(net, "resnet")
    assert report.deviations == [] and report.template == "basic"
    assert report.architecture == "ResNet-18"
    assert [s.units for s in report.stages] == [2, 2, 2, 2]


def test_stem_deviations(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "stem.prototxt"
    net.write_text(_edit(TEXT, "pooling0", "pooling_param {", "pooling_param {\n    pool: AVE"))
    messages = [str(d) for d in check_file(net).deviations]
    assert messages == ["pooling0: stem pooling AVE, expected MAX"]


def _check_text(tmp_path: pathlib.Path, text: str, template: str = "auto"):  # noqa: ANN202
    net = tmp_path / "net.prototxt"
    net.write_text(text)
    return check_file(net, template)


def test_every_unit_width_is_checked(tmp_path: pathlib.Path) -> None:
    # stage2_unit3's first 1x1 gives 192 channels instead of its neighbours' 256; the 3x3
    # after it still reads them (192 / 32 = 6 per group) and gives 256: shapes stay valid
    narrow = _edit(TEXT, "stage2_unit3_conv1", "num_output: 256", "num_output: 192")
    report = _check_text(tmp_path, narrow)
    assert [str(d) for d in report.deviations] == [
        "stage2_unit3_conv1: num_output 192, expected 256 (the bottleneck's width: cardinality "
        "32 x width 4, doubled in each stage after the first)"]
    # the 3x3 follows it: narrower too (192 = 32 x 6); both are named, the net stays 32x4d
    both = _edit(narrow, "stage2_unit3_conv2", "num_output: 256", "num_output: 192")
    both = _edit(both, "stage2_unit3_conv3", "num_output: 512", "num_output: 512")
    report = _check_text(tmp_path, both)
    assert {d.layers[0] for d in report.deviations} == {"stage2_unit3_conv1", "stage2_unit3_conv2"}
    assert report.architecture == "ResNeXt-50 (32x4d)"


def test_one_odd_group_is_blamed_not_the_majority(tmp_path: pathlib.Path) -> None:
    report = _check_text(tmp_path, BROKEN["wrong-group"][0], "resnext")
    assert report.architecture == "ResNeXt-50 (32x4d)"
    assert (report.cardinality, report.width) == (32, 4)
    assert [str(d) for d in report.deviations] == [
        "stage2_unit3_conv2: group 16, expected 32 (the net's cardinality)"]


def test_a_named_template_is_a_requirement(tmp_path: pathlib.Path) -> None:
    resnext_as_resnet = check_file(MODEL, "resnet")
    assert not resnext_as_resnet.matches
    assert [str(d) for d in resnext_as_resnet.deviations] == [
        "stage1_unit1_conv2: the 3x3 convolutions have group 32: a ResNeXt of cardinality 32, "
        "not the ResNet that --template resnet requires"]
    resnet = NUMERIC / "net_resnet_kaiming.prototxt"
    assert check_file(resnet, "resnet").matches and check_file(resnet, "auto").matches
    resnet_as_resnext = check_file(resnet, "resnext")
    assert not resnet_as_resnext.matches
    assert "cardinality 1): a ResNet, not the ResNeXt that --template resnext requires" in \
        str(resnet_as_resnext.deviations[0])


def test_stage_stride_comes_from_the_layers(tmp_path: pathlib.Path) -> None:
    # a padded, ceil-rounded stem pooling: 112 -> 57, then 57 -> 29 -> 15 -> 8; 57 // 29 is 1,
    # but each of those stages strides by 2
    padded = _edit(TEXT, "pooling0", "stride: 2", "stride: 2\n    pad: 1")
    report = _check_text(tmp_path, padded)
    assert report.deviations == []
    assert [(s.stride, s.output_size) for s in report.stages] == [
        (1, (57, 57)), (2, (29, 29)), (2, (15, 15)), (2, (8, 8))]


def test_a_fragment_is_checked_as_its_units(corpus: pathlib.Path) -> None:
    report = check_file(corpus / "seed_stage1_unit2.prototxt")
    assert report.matches, report.deviations
    assert report.headline() == ("1 ResNeXt bottleneck unit: cardinality 32, bottleneck "
                                 "width 4, identity shortcut")
    given = check_file(corpus / "seed_stage1_unit2.prototxt",
                       input_shapes={"stage1_unit1_plus": (1, 256, 56, 56)})
    assert given.headline() == report.headline()
    info = run_cli("info", str(corpus / "seed_stage1_unit2.prototxt"))
    assert info.returncode == 0, info.stderr
    assert info.stdout.splitlines()[-1] == f"recognised: {report.headline()}"


def test_a_fragment_of_several_units_with_a_projection(tmp_path: pathlib.Path) -> None:
    # stage 2's first two units, cut out of the shipped ResNeXt-50: its input is stage 1's sum
    lines = TEXT.split("layer {\n")
    keep = [b for b in lines[1:] if re.search(r'name: "(scale_)?stage2_unit[12]_', b)]
    report = _check_text(tmp_path, "layer {\n" + "layer {\n".join(keep))
    assert report.matches, report.deviations
    # a fragment's width is that of its own units: stage 2's 3x3 is 256 wide, 32 groups of 8
    assert report.headline() == ("2 ResNeXt bottleneck units: cardinality 32, bottleneck "
                                 "width 8, 1 projection and 1 identity shortcuts")
