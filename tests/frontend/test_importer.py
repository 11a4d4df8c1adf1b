"""Importing nets into the graph: phases, train-only layers, inputs, fragments, errors.

Caffe's own verdicts on these structures are in the golden cases tests/fixtures/shapes/net_*;
these tests check what our messages say and the notes we leave.
"""
from __future__ import annotations

import pathlib

import pytest

from prototxt_compiler import load
from prototxt_compiler.errors import (
    GraphError,
    LayerError,
    MissingInputShapeError,
    UnsupportedLayerError,
    UsageError,
)

INPUT = 'layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 4 dim: 4 } } }\n'


def write(tmp_path: pathlib.Path, body: str, name: str = "net.prototxt") -> pathlib.Path:
    path = tmp_path / name
    path.write_text(body)
    return path


def test_train_only_layers_are_dropped_with_a_note(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + '''
layer { name: "label" type: "Input" top: "label" input_param { shape { dim: 1 } } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 3 } }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "ip" bottom: "label" top: "loss" }
layer { name: "acc" type: "Accuracy" bottom: "ip" bottom: "label" top: "acc" }
''')
    graph = load(net)
    assert [n.name for n in graph.nodes] == ["ip"]
    assert graph.dropped == ["loss", "acc"]
    assert graph.removed_inputs == ["label"]
    assert [v.blob for v in graph.inputs] == ["data"]
    assert [v.blob for v in graph.outputs] == ["ip"]
    assert any("'loss' (SoftmaxWithLoss) has no place in a deploy graph" in n for n in graph.notes)
    assert any("input 'label' is read only by dropped layers: removed" in n for n in graph.notes)


def test_train_phase_keeps_train_layers(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + '''
layer { name: "t" type: "ReLU" bottom: "data" top: "x" include { phase: TRAIN } }
layer { name: "e" type: "TanH" bottom: "data" top: "x" include { phase: TEST } }
''')
    assert [n.name for n in load(net).nodes] == ["e"]
    assert [n.name for n in load(net, phase="TRAIN").nodes] == ["t"]
    assert [n.name for n in load(net, phase="TEST", stages=["s"]).nodes] == ["e"]
    with pytest.raises(UsageError):
        load(net, phase="DEPLOY")


def test_include_and_exclude_together_is_an_error(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + 'layer { name: "r" type: "ReLU" bottom: "data" top: "r" '
                'include { phase: TEST } exclude { phase: TRAIN } }\n')
    with pytest.raises(LayerError, match="layer 'r' .*either include or exclude"):
        load(net)


def test_top_written_twice_names_both_layers(tmp_path: pathlib.Path) -> None:
    with pytest.raises(GraphError, match="layer 'c2' .* writes top 'out', which layer 'c1' "
                                         "already produced"):
        load(pathlib.Path(__file__).parents[1] / "fixtures" / "shapes" / "net_top_twice.prototxt")


def test_cycle_is_reported_with_its_layers() -> None:
    path = pathlib.Path(__file__).parents[1] / "fixtures" / "shapes" / "net_order_cycle.prototxt"
    with pytest.raises(GraphError, match="net_order_cycle.prototxt:4:1: layers 'a' -> 'b' -> 'a' "
                                         "read each other's tops in a cycle"):
        load(path)


def test_a_read_before_the_write_says_which_layer_to_move(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + '''layer { name: "b" type: "ReLU" bottom: "a_out" top: "b_out" }
layer { name: "a" type: "TanH" bottom: "data" top: "a_out" }
''')
    with pytest.raises(GraphError, match=r"net.prototxt:2:1: layer 'b' reads 'a_out' before layer "
                                         r"'a' \(line 3\) writes it: .*move 'a' before 'b'"):
        load(net)


def test_a_net_with_declared_inputs_lists_every_unproduced_blob(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + '''
layer { name: "a" type: "ReLU" bottom: "dta" top: "a" }
layer { name: "b" type: "Eltwise" bottom: "dta" bottom: "y" top: "b" }
''')
    with pytest.raises(MissingInputShapeError) as info:
        load(net)
    assert info.value.missing == {"dta": ["a", "b"], "y": ["b"]}
    assert "'dta', read by 'a', 'b' (did you mean 'data'?)" in str(info.value)
    assert "--input-shape dta=N,C,H,W --input-shape y=N,C,H,W" in str(info.value)


def test_fragment_inputs_take_the_shapes_given(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, '''
layer { name: "a" type: "ReLU" bottom: "x" top: "a" }
layer { name: "b" type: "Eltwise" bottom: "x" bottom: "y" top: "b" }
''')
    graph = load(net, input_shapes={"x": (1, 2, 3, 3), "y": (1, 2, 3, 3)})
    assert [(v.blob, v.shape) for v in graph.inputs] == [("x", (1, 2, 3, 3)), ("y", (1, 2, 3, 3))]
    assert [v.shape for v in graph.outputs] == [(1, 2, 3, 3), (1, 2, 3, 3)]


def test_input_shape_overrides_declared_shape(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + 'layer { name: "c" type: "Convolution" bottom: "data" '
                'top: "c" convolution_param { num_output: 3 kernel_size: 3 } }\n')
    graph = load(net, input_shapes={"data": (8, 2, 10, 10)})
    assert graph.node("c").outputs[0].shape == (8, 3, 8, 8)
    with pytest.raises(UsageError, match="expected positive"):
        load(net, input_shapes={"data": (0, 2, 10, 10)})


def test_data_layer_without_a_fixed_shape_asks_for_one(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, '''
layer { name: "data" type: "Data" top: "data" top: "label" data_param { source: "db" batch_size: 4 } }
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip" inner_product_param { num_output: 2 } }
''')
    with pytest.raises(MissingInputShapeError, match="'data', top of Data layer 'data'"):
        load(net)
    graph = load(net, input_shapes={"data": (4, 3, 5, 5), "label": (4,)})
    # Caffe lists the unread label as an output too; a deploy graph has no use for it
    assert [v.blob for v in graph.outputs] == ["ip"]
    assert graph.removed_inputs == ["label"]
    assert "input 'label' is a label top of Data layer 'data' that no layer reads: removed" \
        in graph.notes


def test_memory_data_layer_fixes_its_shape(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, '''
layer { name: "data" type: "MemoryData" top: "data" top: "label"
  memory_data_param { batch_size: 2 channels: 3 height: 7 width: 5 } }
layer { name: "r" type: "ReLU" bottom: "data" top: "r" }
''')
    graph = load(net)
    assert [(v.blob, v.shape) for v in graph.inputs] == [("data", (2, 3, 7, 5))]
    assert graph.removed_inputs == ["label"] and [v.blob for v in graph.outputs] == ["r"]


def test_unsupported_types_are_all_listed(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + '''
layer { name: "p" type: "Python" bottom: "data" top: "p" }
layer { name: "q" type: "NoSuchLayer" bottom: "p" top: "q" }
''')
    with pytest.raises(UnsupportedLayerError) as info:
        load(net)
    assert [(name, kind) for name, kind, _ in info.value.layers] == [("p", "Python"),
                                                                    ("q", "NoSuchLayer")]
    assert "net.prototxt:3:1: layer 'p' has type 'Python'" in str(info.value)


def test_layer_errors_carry_the_source_position(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + '\nlayer { name: "c" type: "Convolution" bottom: "data" '
                'top: "c" convolution_param { num_output: 3 kernel_size: 3 group: 3 } }\n')
    with pytest.raises(LayerError) as info:
        load(net)
    assert str(info.value).startswith(f"{net}:3:1: layer 'c' (Convolution), field "
                                      "convolution_param.group:")


def test_bottom_and_top_counts_are_checked(tmp_path: pathlib.Path) -> None:
    net = write(tmp_path, INPUT + 'layer { name: "c" type: "Convolution" bottom: "data" '
                'convolution_param { num_output: 3 kernel_size: 1 } }\n')
    with pytest.raises(LayerError, match="has 0 tops, expected"):
        load(net)
