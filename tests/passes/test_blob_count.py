"""A blob of more than INT_MAX elements: real Caffe aborts in ``Blob::Reshape`` ("blob size
exceeds INT_MAX"), so the net is refused when it is loaded, naming the layer (or the input)
and the shape; ``from-onnx`` refuses the node that would make one."""
from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from prototxt_compiler import load
from prototxt_compiler.errors import GraphError, LayerError
from prototxt_compiler.limits import MAX_BLOB_COUNT
from prototxt_compiler.to_caffe import caffe_oracle

# 2 x 65536 x 16384 = 2^31 elements: one past INT_MAX
PAST = 'layer { name: "d" type: "Input" top: "d" input_param { shape { dim: 1 dim: 65536 ' \
       'dim: 16384 } } }\nlayer { name: "t" type: "Tile" bottom: "d" top: "t" ' \
       'tile_param { axis: 0 tiles: 2 } }\n'


def test_a_top_past_int_max_is_refused_at_its_layer(tmp_path: pathlib.Path) -> None:
    net = tmp_path / "net.prototxt"
    net.write_text(PAST)
    with pytest.raises(LayerError) as caught:
        load(net)
    text = str(caught.value)
    assert "net.prototxt:2:1: layer 't' (Tile)" in text
    assert "2x65536x16384: 2,147,483,648 elements" in text and "INT_MAX" in text


def test_an_input_past_int_max_is_refused_and_int_max_itself_is_not(tmp_path) -> None:
    net = tmp_path / "net.prototxt"
    net.write_text('input: "d"\ninput_shape { dim: 2 dim: 1073741824 }\n')
    with pytest.raises(GraphError, match="input 'd' would have shape 2x1073741824"):
        load(net)
    net.write_text(f'input: "d"\ninput_shape {{ dim: {MAX_BLOB_COUNT} }}\n')
    assert load(net).inputs[0].shape == (MAX_BLOB_COUNT,)  # nothing is allocated to load


def test_real_caffe_aborts_on_that_net(tmp_path: pathlib.Path) -> None:
    oracle = caffe_oracle()
    if oracle is None:
        pytest.skip("real Caffe (caffe-oracle) is not set up here")
    net = tmp_path / "net.prototxt"
    net.write_text(PAST)
    run = subprocess.run([sys.executable, oracle, "forward", str(net), "--out",
                          str(tmp_path / "out.npz")], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode != 0 and "blob size exceeds INT_MAX" in run.stderr


def test_from_onnx_refuses_the_node_that_would_make_one() -> None:
    pytest.importorskip("onnx")
    from prototxt_compiler.frontend.onnx import UnsupportedNodesError
    from prototxt_compiler.to_caffe import from_onnx
    from tests.frontend.onnx.builder import Builder

    b = Builder("huge", 13)
    x = b.input("x", (1, 1))
    b.output(b.node("Expand", [x, b.ints("to", [100000, 100000, 100000])], "y"))
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(b.model())
    [(name, op, why)] = caught.value.nodes
    assert (name, op) == ("y", "Expand") and "10,000,000,000 elements" in why
