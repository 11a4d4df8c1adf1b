"""Im2col in ``ops``: what the Caffe-run fixtures do not show by themselves.

Shapes and refusals are held to Caffe by tests/fixtures/shapes/im2col_*.prototxt, values by
tests/fixtures/numeric/im2col_variants.prototxt. Here: C++'s truncating division by hand,
pad_h alone, Caffe's int range, in place, the tap limit of the backends, and the params
written back.
"""
from __future__ import annotations

import pathlib

import pytest
from google.protobuf import text_format

import prototxt_compiler as pc
from prototxt_compiler.errors import CompilerError, OpError
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.im2col import MAX_TAPS, c_div, im2col_plan
from prototxt_compiler.proto import caffe_pb2


def shape(params: str, bottom: tuple) -> tuple:
    op = OPS["Im2col"]
    message = caffe_pb2.LayerParameter()
    text_format.Parse(f'name: "im" type: "Im2col" bottom: "b" top: "t" '
                      f'convolution_param {{ {params} }}', message)
    return op.infer(op.bind(op.read(message), [bottom]), [bottom], 1)[0]


def test_c_division_truncates_toward_zero() -> None:
    assert [c_div(a, 2) for a in (-3, -2, -1, 0, 1, 3)] == [-1, -1, 0, 0, 0, 1]


@pytest.mark.parametrize("params,bottom,top", [
    # (2 + 0 - 3) / 2 = 0 in C++ (not -1): one row, its third tap past the input
    ("kernel_size: 3 stride: 2", (1, 2, 2, 5), (1, 18, 1, 2)),
    # pad_h alone: pad_w reads 0; (7 + 4 - 3) / 1 + 1 = 9, (6 - 3) + 1 = 4
    ("kernel_size: 3 pad_h: 2", (2, 3, 7, 6), (2, 27, 9, 4)),
    # dilation 0: an extent of 1, every tap at the same place
    ("kernel_size: 2 dilation: 0", (1, 1, 3, 3), (1, 4, 3, 3)),
    # channels on axis 2 of 5: the leading axes stay
    ("kernel_size: 2 axis: 2", (2, 3, 4, 5, 6), (2, 3, 16, 4, 5)),
])
def test_output_sizes_by_hand(params: str, bottom: tuple, top: tuple) -> None:
    assert shape(params, bottom) == top


def test_an_empty_output_is_refused() -> None:
    """(1 - 3) / 2 + 1 = 0 rows: Caffe stops on the empty top ('Check failed: data_')."""
    with pytest.raises(OpError, match="output size 0"):
        shape("kernel_size: 3 stride: 2", (1, 2, 1, 5))


def test_values_past_caffes_int_range_are_refused() -> None:
    with pytest.raises(OpError, match="int range"):
        shape("kernel_size: 3 pad: 2147483648", (1, 1, 4, 4))


def test_the_plan_pads_past_the_end_for_a_window_caffe_counts() -> None:
    """Height 2, kernel 3, stride 2: one window of rows 0..2, so one row of zeros after."""
    op = OPS["Im2col"]
    message = caffe_pb2.LayerParameter()
    text_format.Parse('name: "im" type: "Im2col" convolution_param { kernel_size: 3 stride: 2 }',
                      message)
    p = op.bind(op.read(message), [(1, 2, 2, 5)])
    pads, taps = im2col_plan(p, (1, 2, 2, 5))
    assert pads == [(0, 1), (0, 0)]
    assert len(taps) == 9 and taps[0] == ((0, 1, 2), (0, 3, 2)) and taps[-1] == ((2, 3, 2),
                                                                                (2, 5, 2))


def _net(tmp_path: pathlib.Path, body: str, dims: str = "dim: 1 dim: 2 dim: 5 dim: 5") -> str:
    net = tmp_path / "net.prototxt"
    net.write_text(f'layer {{ name: "data" type: "Input" top: "data" input_param {{ shape {{ '
                   f'{dims} }} }} }}\nlayer {{ name: "r" type: "ReLU" bottom: "data" '
                   f'top: "r" }}\n{body}\n')
    return str(net)


def test_in_place_is_refused(tmp_path: pathlib.Path) -> None:
    """Caffe reshapes the bottom it reads: other values (ReLU then Im2col in place) or a
    crash (Power then Im2col in place), when we ran it."""
    net = _net(tmp_path, 'layer { name: "im" type: "Im2col" bottom: "r" top: "r" '
                         'convolution_param { kernel_size: 3 } }')
    with pytest.raises(CompilerError, match="cannot run in place"):
        pc.load(net)


def test_a_kernel_past_the_tap_limit_is_refused_by_the_backends(tmp_path: pathlib.Path) -> None:
    side = 65
    assert side * side > MAX_TAPS
    net = _net(tmp_path, f'layer {{ name: "im" type: "Im2col" bottom: "r" top: "im" '
                         f'convolution_param {{ kernel_size: {side} }} }}',
               f"dim: 1 dim: 1 dim: {side} dim: {side}")
    graph = pc.load(net)  # Caffe's rule holds
    assert [v.shape for v in graph.outputs] == [(1, side * side, 1, 1)]
    with pytest.raises(CompilerError, match="taps"):
        pc.to_onnx(graph)


def test_params_are_written_back(tmp_path: pathlib.Path) -> None:
    from prototxt_compiler.backends.prototxt import to_prototxt

    net = _net(tmp_path, 'layer { name: "im" type: "Im2col" bottom: "r" top: "im" '
                         'convolution_param { kernel_h: 3 kernel_w: 2 pad_h: 1 dilation: 2 '
                         'num_output: 7 axis: -3 } }')
    text = to_prototxt(pc.load(net))
    block = text[text.index('name: "im"'):]
    for line in ("kernel_h: 3", "kernel_w: 2", "pad_h: 1", "pad_w: 0", "dilation: 2"):
        assert line in block
    assert "num_output" not in block and "axis" not in block  # ignored; -3 binds to 1
