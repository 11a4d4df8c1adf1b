"""The legacy upgrade against real Caffe: golden fixtures, corpus facts, errors, origins, notes.

Each tests/fixtures/upgrade/NAME.prototxt was upgraded by BVLC Caffe's own
upgrade_net_proto_text into NAME.caffe.prototxt (make_upgrade_fixtures.py remakes them); ours
must give the same message. Corpus facts below were read off the oracle's upgrade of each file.
"""
from __future__ import annotations

import os
import pathlib

import pytest
from google.protobuf import text_format

from prototxt_compiler.errors import UpgradeError
from prototxt_compiler.frontend.upgrade import V1_TYPES, needs_upgrade, upgrade_net
from prototxt_compiler.proto import caffe_pb2

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "upgrade"
CORPUS = pathlib.Path(__file__).parents[2].parent / "shared" / "corpus"
CASES = sorted(p for p in FIXTURES.glob("*.prototxt") if not p.name.endswith(".caffe.prototxt"))


def parse(text: str) -> caffe_pb2.NetParameter:
    return text_format.Parse(text, caffe_pb2.NetParameter())


def load(path: pathlib.Path) -> caffe_pb2.NetParameter:
    return parse(path.read_text())


def caffe_output(case: pathlib.Path) -> caffe_pb2.NetParameter:
    return load(case.with_name(case.stem + ".caffe.prototxt"))


def test_cases_exist() -> None:
    assert len(CASES) >= 10
    for case in CASES:
        assert case.with_name(case.stem + ".caffe.prototxt").exists(), case.name


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_upgrade_matches_caffe(case: pathlib.Path) -> None:
    ours = upgrade_net(load(case), filename=case.name).net
    if ours != caffe_output(case):
        diff = text_format.MessageToString(ours)
        pytest.fail(f"{case.name}: our upgrade differs from Caffe's; ours:\n{diff}")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_argument_not_mutated(case: pathlib.Path) -> None:
    net = load(case)
    before = net.SerializeToString(deterministic=True)
    upgrade_net(net)
    assert net.SerializeToString(deterministic=True) == before


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_upgrade_is_idempotent(case: pathlib.Path) -> None:
    once = upgrade_net(load(case)).net
    assert needs_upgrade(load(case))
    assert not needs_upgrade(once)
    twice = upgrade_net(once)
    assert twice.net == once
    assert twice.notes == ()
    assert twice.origin == tuple(("layer", i) for i in range(len(once.layer)))


def test_modern_net_is_left_alone() -> None:
    net = parse('layer { name: "in" type: "Input" top: "x" input_param { shape { dim: 1 } } }'
                'layer { name: "r" type: "ReLU" bottom: "x" top: "y" }')
    assert not needs_upgrade(net)
    result = upgrade_net(net)
    assert result.net == net and result.net is not net
    assert result.origin == (("layer", 0), ("layer", 1))
    assert result.notes == ()


# --- origin and notes ----------------------------------------------------------------------

def test_origin_of_v1_net_with_inputs() -> None:
    result = upgrade_net(load(FIXTURES / "two_inputs.prototxt"))
    assert result.origin == (None, ("layers", 0), ("layers", 1))
    assert result.net.layer[0].name == "input" and list(result.net.layer[0].top) == ["a", "b"]
    assert result.notes == ("V1 'layers' upgraded to 'layer' (2 layers)",
                            "input/input_dim upgraded to an Input layer ('a', 'b')")


def test_origin_skips_folded_padding_layer() -> None:
    result = upgrade_net(load(FIXTURES / "v0_padding.prototxt"))
    # layers[0] is the padding layer, folded into conv1 (layers[1]).
    assert result.origin == (None, *(("layers", i) for i in range(1, 8)))
    assert result.notes[0] == ("V0 'layers { layer { } }' upgraded to V1 (7 layers, 1 padding "
                               "layer(s) folded into conv/pool pad)")
    assert "debug_info dropped by the V0 upgrade, as Caffe does" in result.notes


def test_origin_of_modern_layers_behind_input_layer() -> None:
    result = upgrade_net(load(FIXTURES / "input_shape.prototxt"))
    assert result.origin == (None, ("layer", 0), ("layer", 1))
    assert result.notes == ("input/input_shape upgraded to an Input layer ('data')",)


def test_notes_name_dropped_fields_and_moved_transforms() -> None:
    v0 = upgrade_net(load(FIXTURES / "v0_data.prototxt")).notes
    assert ("V0 layer 'relu': field 'num_output' means nothing for type 'relu' and was "
            "dropped, as Caffe does") in v0
    data = upgrade_net(load(FIXTURES / "v1_data_transform.prototxt")).notes
    assert data[0] == "data transformation fields moved to transform_param (2 layer(s))"
    bn = upgrade_net(load(FIXTURES / "batchnorm_params.prototxt")).notes
    assert bn == ("BatchNorm 'bn': its 3 param specs set to lr_mult 0, decay_mult 0",
                  "BatchNorm 'bn_named': its 3 param specs set to lr_mult 0, decay_mult 0")


def test_input_without_shape_is_dropped_with_a_note() -> None:
    result = upgrade_net(load(FIXTURES / "input_without_shape.prototxt"))
    assert [layer.type for layer in result.net.layer] == ["ReLU"]
    assert "dropped, as Caffe does" in result.notes[0]


# --- tables --------------------------------------------------------------------------------

def test_every_v1_type_but_none_has_a_v2_name() -> None:
    values = set(caffe_pb2.V1LayerParameter.LayerType.values())
    assert set(V1_TYPES) == values - {caffe_pb2.V1LayerParameter.NONE}


def test_every_v1_param_message_is_copied() -> None:
    layer = caffe_pb2.V1LayerParameter(name="x", type=caffe_pb2.V1LayerParameter.RELU)
    names = [f.name for f in layer.DESCRIPTOR.fields
             if f.name.endswith("_param") and f.message_type is not None]
    for name in names:
        getattr(layer, name).SetInParent()
    net = caffe_pb2.NetParameter()
    net.layers.append(layer)
    upgraded = upgrade_net(net).net.layer[0]
    assert sorted(f.name for f, _ in upgraded.ListFields() if f.name.endswith("_param")) \
        == sorted(names)


# --- errors (each checked against what Caffe says or does) --------------------------------

ERRORS = {
    # Caffe: F upgrade_proto.cpp "Refusing to upgrade inconsistent NetParameter input; the
    # definition includes both 'layer' and 'layers' fields..."
    "mixed_v1": ('layers { name: "a" type: RELU bottom: "x" top: "y" }'
                 'layer { name: "b" type: "ReLU" bottom: "y" top: "z" }', "mixes 'layer' and"),
    # Caffe silently drops the 'layer' entries of a V0 net; we refuse, as for V1.
    "mixed_v0": ('input: "x" layers { layer { name: "a" type: "relu" } bottom: "x" top: "y" }'
                 'layer { name: "b" type: "ReLU" bottom: "y" top: "z" }', "mixes 'layer' and"),
    # Caffe writes type: "" (or no type) and fails later building the layer.
    "v1_type_none": ('layers { name: "a" type: NONE bottom: "x" top: "y" }', "has NONE"),
    "v1_no_type": ('layers { name: "a" bottom: "x" top: "y" }', "has no type"),
    # Caffe reads past the end of input_dim (garbage dims).
    "input_dim_short": ('input: "x" input: "y" input_dim: 1 input_dim: 2 input_dim: 3 '
                        'input_dim: 4 input_dim: 5', "expected 4 per input"),
    # Caffe 1.0 ignores the extra values; older Caffe refused them.
    "input_dim_long": ('input: "x" input_dim: 1 input_dim: 2 input_dim: 3 input_dim: 4 '
                       'input_dim: 5', "expected 4 per input"),
    # Caffe 1.0 takes input_shape and ignores input_dim.
    "input_dim_and_shape": ('input: "x" input_dim: 1 input_dim: 2 input_dim: 3 input_dim: 4 '
                            'input_shape { dim: 7 }', "expected one of them"),
    # Caffe crashes (segmentation fault) on too few shapes, ignores extra ones.
    "input_shape_short": ('input: "x" input: "y" input_shape { dim: 7 }',
                          "expected exactly one input_shape per input"),
    "input_shape_long": ('input: "x" input_shape { dim: 7 } input_shape { dim: 8 }',
                         "expected exactly one input_shape per input"),
    # Caffe: F "Unknown layer name: prelu".
    "v0_unknown_type": ('input: "x" layers { layer { name: "p" type: "prelu" } bottom: "x" '
                        'top: "y" }', "unknown type 'prelu'"),
    # Caffe: F "Unknown blob input data to layer 0".
    "v0_unknown_bottom": ('layers { layer { name: "r" type: "relu" } bottom: "data" top: "y" }',
                          "reads blob 'data', which no earlier layer or input produces"),
    # Caffe: F "Padding layer input to non-convolutional / non-pooling layer type relu".
    "v0_padding_into_relu": ('input: "x" layers { layer { name: "p" type: "padding" pad: 1 } '
                             'bottom: "x" top: "p" } layers { layer { name: "r" type: "relu" } '
                             'bottom: "p" top: "r" }', "expected a 'conv' or 'pool' layer"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name: str) -> None:
    text, expected = ERRORS[name]
    with pytest.raises(UpgradeError) as info:
        upgrade_net(parse(text), filename="bad.prototxt")
    assert info.value.where == "bad.prototxt"
    assert expected in info.value.message


# --- the corpus (facts read off the oracle's upgrade of each file) ------------------------

ALEXNET_TYPES = ["Input"] + ["Convolution", "ReLU", "LRN", "Pooling"] * 2 + [
    "Convolution", "ReLU"] * 3 + ["Pooling"] + ["InnerProduct", "ReLU", "Dropout"] * 2 + [
    "InnerProduct", "Softmax"]
CAFFENET_TYPES = ["Input"] + ["Convolution", "ReLU", "Pooling", "LRN"] * 2 + [
    "Convolution", "ReLU"] * 3 + ["Pooling"] + ["InnerProduct", "ReLU", "Dropout"] * 2 + [
    "InnerProduct", "Softmax"]

CORPUS_FACTS = {
    # file: (layer count, types or None, Input shape)
    "alexnet_v1_2014.prototxt": (24, ALEXNET_TYPES, [10, 3, 227, 227]),
    "caffenet_input_shape.prototxt": (24, CAFFENET_TYPES, [10, 3, 227, 227]),
    "conv_bn_scale_relu_pool.prototxt": (6, None, [1, 3, 224, 224]),
    "mobilenet_v1.prototxt": (112, None, [1, 3, 224, 224]),
    "resnet50_kaiming.prototxt": (229, None, [1, 3, 224, 224]),
}


def corpus_file(name: str) -> pathlib.Path:
    path = CORPUS / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"corpus file {path} is missing (CI=true)")
        pytest.skip(f"corpus file {path} is absent (../shared/corpus is not checked out)")
    return path


@pytest.mark.parametrize("name", sorted(CORPUS_FACTS))
def test_corpus_upgrade_facts(name: str) -> None:
    count, types, shape = CORPUS_FACTS[name]
    result = upgrade_net(load(corpus_file(name)), filename=name)
    layers = result.net.layer
    assert len(layers) == count
    if types is not None:
        assert [layer.type for layer in layers] == types
    first = layers[0]
    assert (first.name, first.type, list(first.top)) == ("input", "Input", ["data"])
    assert [list(s.dim) for s in first.input_param.shape] == [shape]
    assert result.origin[0] is None
    assert not (result.net.input or result.net.input_dim or result.net.input_shape)


def test_corpus_alexnet_v1_params() -> None:
    result = upgrade_net(load(corpus_file("alexnet_v1_2014.prototxt")))
    assert result.origin[1:] == tuple(("layers", i) for i in range(23))
    conv1 = result.net.layer[1]
    assert [(p.lr_mult, p.decay_mult) for p in conv1.param] == [(1, 1), (2, 0)]
    assert not result.net.layers


def test_corpus_mobilenet_batchnorm_specs() -> None:
    result = upgrade_net(load(corpus_file("mobilenet_v1.prototxt")))
    batchnorms = [layer for layer in result.net.layer if layer.type == "BatchNorm"]
    assert len(batchnorms) == 27
    for layer in batchnorms:
        assert [(p.lr_mult, p.decay_mult) for p in layer.param] == [(0, 0)] * 3
