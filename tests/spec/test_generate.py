"""Specs to prototxt: the builder, the family generator, TOML specs and their errors, the
generate command, and the model zoo in models/ (kept in sync, recognised by check with its
spec's numbers, the paper's parameter counts)."""
from __future__ import annotations

import pathlib

import pytest

from prototxt_compiler import load
from prototxt_compiler.api import check_file, generate
from prototxt_compiler.backends.prototxt import to_prototxt
from prototxt_compiler.errors import CompilerError
from prototxt_compiler.ops.cost import layer_costs
from prototxt_compiler.spec import NetBuilder, SpecError, read_spec, spec_from_mapping
from tests.conftest import run_cli

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "models").glob("*.toml"))


run = run_cli


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_models_are_in_sync_with_their_specs(spec: pathlib.Path) -> None:
    """Regenerating each spec gives its committed prototxt, byte for byte; emitting the
    parsed file again gives the same bytes (canonical text)."""
    committed = spec.with_suffix(".prototxt").read_text()
    assert generate(spec) == committed, f"{spec.name} is stale: run prototxt-compiler generate"
    assert to_prototxt(load(spec.with_suffix(".prototxt"))) == committed


# The papers' parameter counts (ResNeXt: Xie et al. 2017, Table 3/4 and 7; ResNet: He et
# al. 2016): the learned parameters, BatchNorm statistics excluded; the seed-style nets add
# the 6 parameters of their input Scale.
PAPER = {"resnext50_32x4d": 25.0, "resnext101_32x8d": 88.8, "resnext101_64x4d": 83.5,
         "resnet50": 25.6, "resnext29_8x64d": 34.4, "resnet101": 44.5, "resnet152": 60.2,
         "resnet18": 11.7, "resnet34": 21.8}


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_models_pass_check_with_their_specs_numbers(spec: pathlib.Path) -> None:
    s = read_spec(spec)
    report = check_file(spec.with_suffix(".prototxt"))
    assert report.deviations == []
    if s.fragment:
        assert report.headline() == (f"1 ResNeXt bottleneck unit: cardinality {s.cardinality}, "
                                     f"bottleneck width {s.bottleneck_width}, identity shortcut")
        return
    assert report.architecture == s.title()
    assert [st.units for st in report.stages] == list(s.units)
    if s.cardinality > 1:
        assert (report.cardinality, report.width) == (s.cardinality, s.bottleneck_width)
    if spec.stem in PAPER:
        params = sum(c.params for c in layer_costs(load(spec.with_suffix(".prototxt"))))
        assert round(params / 1e6, 1) == PAPER[spec.stem]


def test_naming_schemes() -> None:
    mx = generate({"depth": 50})
    assert 'name: "stage1_unit2_conv1"' in mx and 'name: "scale_stage1_unit2_bn1"' in mx
    assert 'name: "stage1_unit2_plus"' in mx
    caffe = generate({"family": "resnet", "depth": 101, "naming": "caffe"})
    for name in ("res2a_branch2a", "bn2a_branch2a", "scale2a_branch2a", "res2a",
                 "res4b22_branch2c", "res2a_branch1"):
        assert f'name: "{name}"' in caffe


def test_pre_activation_style_is_recognised(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "pre.prototxt"
    generate({"depth": 50, "style": "pre-activation"}, out)
    report = check_file(out)
    assert report.deviations == [] and report.template == "bottleneck-preact"


@pytest.mark.parametrize("data, key, why", [
    ({"depht": 50}, "depht", "did you mean 'depth'?"),
    ({"depth": 51}, "depth", "no standard imagenet net of depth 51"),
    ({}, "depth", "give 'depth' or 'units'"),
    ({"units": [3, 4], "depth": 50}, "depth", "disagrees with units"),
    ({"family": "resnet", "depth": 50, "cardinality": 32}, "cardinality", "cardinality 1"),
    ({"depth": 50, "naming": "keras"}, "naming", "'keras' is not one of mxnet, caffe"),
    ({"depth": 50, "cardinality": 0}, "cardinality", "positive integer"),
    ({"depth": 50, "input": [1, 3, 16, 16]}, "input", "smaller than the net's total stride 32"),
    ({"depth": 50, "input": [1, 3, 224]}, "input", "expected [N, C, H, W]"),
    ({"depth": 26, "stem_channels": 10**30}, "stem_channels", "past Caffe's 32-bit sizes"),
    # 12,501 units would be over 100,000 layers: refused before any is built
    ({"units": [10**8, 1, 1, 1]}, "units", "at most 12,500 units"),
], ids=["unknown-key", "unknown-depth", "no-depth", "depth-units", "resnet-cardinality",
        "bad-naming", "zero-cardinality", "small-input", "bad-input", "past-uint32",
        "too-many-units"])
def test_spec_errors_name_the_key(data: dict, key: str, why: str) -> None:
    with pytest.raises(SpecError) as info:
        spec_from_mapping(data, "s.toml")
    assert str(info.value).startswith(f"s.toml: key '{key}': ")
    assert why in str(info.value)


def test_invalid_toml_is_a_spec_error(tmp_path: pathlib.Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text("depth = = 50\n")
    result = run("generate", str(spec))
    assert result.returncode == 2 and "not valid TOML" in result.stderr
    assert "Traceback" not in result.stderr


def test_generate_cli(tmp_path: pathlib.Path) -> None:
    out = run("generate", "--family", "resnext", "--depth", "101", "--cardinality", "64",
              "--width", "4")
    assert out.returncode == 0 and out.stdout == generate(ROOT / "models" / "resnext101_64x4d.toml")
    target = tmp_path / "r.prototxt"
    assert run("generate", str(ROOT / "models" / "resnet50.toml"), "-o", str(target)).returncode == 0
    assert target.read_text() == (ROOT / "models" / "resnet50.prototxt").read_text()
    both = run("generate", str(ROOT / "models" / "resnet50.toml"), "--depth", "50")
    assert both.returncode == 2
    cifar = run("generate", "--depth", "29", "--cardinality", "8", "--width", "64", "--stem",
                "cifar", "--input", "1,3,32,32", "--classes", "10")
    assert cifar.stdout == (ROOT / "models" / "resnext29_8x64d.prototxt").read_text()


def test_builder_refuses_unknown_arguments_and_duplicate_names() -> None:
    b = NetBuilder("n")
    x = b.input("data", (1, 3, 8, 8))
    with pytest.raises(TypeError):
        b.conv(x, 8, kernel=3, name="c", dilation_typo=2)  # type: ignore[call-arg]
    b.conv(x, 8, kernel=3, name="c")
    with pytest.raises(CompilerError, match="'c' is used twice"):
        b.conv(x, 8, kernel=3, name="c")


def test_a_fragment_spec_names_a_unit_of_the_net() -> None:
    text = generate({"depth": 50, "fragment": "stage3_unit4"})
    assert 'type: "Input"' not in text and 'bottom: "stage3_unit3_plus"' in text
    assert text.count("layer {") == 13  # 3 x (conv, BN, Scale), 2 ReLU, the sum and its ReLU
    with pytest.raises(CompilerError, match="fragment .stage9_unit1.: the net has no unit of "
                                         "that name"):
        generate({"depth": 50, "fragment": "stage9_unit1"})
    with pytest.raises(CompilerError, match="key .fragment.: expected a unit's name"):
        generate({"depth": 50, "fragment": 3})


def test_basic_blocks_make_resnet_18_and_34() -> None:
    text = generate({"family": "resnet", "depth": 18, "naming": "caffe"})
    assert text.count('type: "Convolution"') == 1 + 2 * 8 + 3  # stem, 2 a unit, 3 projections
    assert 'name: "res2a_branch2b"' in text and 'name: "res2a_branch2c"' not in text
    with pytest.raises(CompilerError, match="key 'block': basic blocks make a ResNet"):
        generate({"depth": 18, "block": "basic"})
    with pytest.raises(CompilerError, match="basic blocks are written post-activation"):
        generate({"family": "resnet", "depth": 18, "style": "pre-activation"})
    with pytest.raises(CompilerError, match="depth 18 with bottleneck blocks"):
        generate({"family": "resnet", "depth": 18, "block": "bottleneck"})


def test_width_and_head_options() -> None:
    text = generate({"depth": 50, "stem_channels": 16, "stage1_channels": 32, "softmax": False})
    graph = load_text(text)
    assert graph.node("conv0").params.num_output == 16
    assert graph.node("stage1_unit1_conv3").params.num_output == 32
    assert graph.node("stage4_unit3_conv3").params.num_output == 256  # 32 x 2^3
    assert [v.blob for v in graph.outputs] == ["fc1"] and "Softmax" not in text
    with pytest.raises(CompilerError, match="key 'softmax': expected true or false"):
        generate({"depth": 50, "softmax": "no"})


def load_text(text: str):  # noqa: ANN201
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".prototxt", delete=False) as f:
        f.write(text)
    return load(f.name)


def test_the_reduced_fixture_net_is_generated_from_its_spec() -> None:
    fixture = ROOT / "tests" / "fixtures" / "numeric" / "net_resnext_seed.prototxt"
    body = "".join(line for line in fixture.read_text().splitlines(True)
                   if not line.startswith("#"))
    assert body == generate(fixture.with_suffix(".toml"))


def test_sizes_that_overflow_a_field_are_named_at_their_layer() -> None:
    """Each key fits 32 bits, but the widths a spec derives from them make blobs past the
    INT_MAX elements a Caffe blob holds: the first such top is named at its layer. A
    param past its 32-bit field with blobs that fit (a stride of 2^32, from the builder) is
    named by the emitter rather than failing inside protobuf."""
    from prototxt_compiler import NetBuilder, generate, to_prototxt
    from prototxt_compiler.errors import LayerError

    with pytest.raises(LayerError, match=r"layer 'stage1_unit1_conv3' \(Convolution\): top "
                                         r"'stage1_unit1_conv3' would have shape "
                                         r"1x2147483647x56x56: .* \(INT_MAX\)"):
        generate({"depth": 50, "stage1_channels": 2**31 - 1})
    b = NetBuilder("n")
    b.conv(b.input("data", (1, 3, 8, 8)), 4, kernel=1, stride=2**32, name="c")
    with pytest.raises(LayerError, match=r"layer 'c' \(Convolution\): its params do not fit "
                                         r"Caffe's convolution_param"):
        to_prototxt(b.graph)
