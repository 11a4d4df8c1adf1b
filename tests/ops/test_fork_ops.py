"""The fork layers' shape rules, refusals and costs, loaded from prototxt text as a user's net
would be. Each expected size is worked out in a comment from the fork's own rule (the module
docstrings of ``ops.broadcast``, ``ops.mobilenet``, ``ops.channels``, ``ops.resample`` and
``ops.forknorm`` quote them); numbers Caffe itself gives for whole nets are in
tests/backends/test_fork_layers.py."""
from __future__ import annotations

import pathlib
import re

import pytest

from prototxt_compiler import layer_costs, load
from prototxt_compiler.errors import LayerError


def net(tmp_path: pathlib.Path, layers: str, *shapes: tuple[int, ...]) -> pathlib.Path:
    """A net whose inputs x0, x1, ... have ``shapes``, then ``layers``."""
    inputs = "".join(f'layer {{ name: "x{i}" type: "Input" top: "x{i}" input_param {{ shape {{ '
                     + " ".join(f"dim: {d}" for d in shape) + " } } }\n"
                     for i, shape in enumerate(shapes))
    path = tmp_path / "net.prototxt"
    path.write_text(f'name: "t"\n{inputs}{layers}\n')
    return path


def top(tmp_path: pathlib.Path, layers: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    graph = load(net(tmp_path, layers, *shapes))
    return graph.nodes[-1].outputs[0].shape


def refused(tmp_path: pathlib.Path, layers: str, *shapes: tuple[int, ...]) -> LayerError:
    with pytest.raises(LayerError) as error:
        load(net(tmp_path, layers, *shapes))
    return error.value


def layer(kind: str, bottoms: str, params: str = "", tops: str = 'top: "y"') -> str:
    wiring = " ".join(f'bottom: "{b}"' for b in bottoms.split())
    return f'layer {{ name: "l" type: "{kind}" {wiring} {tops} {params} }}'


# Axpy and Broadcastmul

def test_axpy_shapes(tmp_path: pathlib.Path) -> None:
    assert top(tmp_path, layer("Axpy", "x0 x1 x2"), (2, 8, 1, 1), (2, 8, 5, 5),
               (2, 8, 5, 5)) == (2, 8, 5, 5)
    assert top(tmp_path, layer("Axpy", "x0 x1 x2"), (2, 8), (2, 8, 5, 5),
               (2, 8, 5, 5)) == (2, 8, 5, 5)  # an InnerProduct's (N, C) excitation


@pytest.mark.parametrize("shapes,match", [
    (((2, 4, 1, 1), (2, 8, 5, 5), (2, 8, 5, 5)), r"expected \[2, 8, 1, 1\]"),
    (((2, 8, 2, 1), (2, 8, 5, 5), (2, 8, 5, 5)), "one value per sample and channel"),
    (((2, 8, 1, 1), (2, 8, 5, 5), (2, 8, 4, 5)), "must have x's shape"),
])
def test_axpy_refusals(tmp_path: pathlib.Path, shapes: tuple, match: str) -> None:
    error = refused(tmp_path, layer("Axpy", "x0 x1 x2"), *shapes)
    assert error.layer == "l"
    assert re.search(match, str(error))


def test_axpy_takes_three_bottoms(tmp_path: pathlib.Path) -> None:
    error = refused(tmp_path, layer("Axpy", "x0 x1"), (2, 8, 1, 1), (2, 8, 5, 5))
    assert "has 2 bottoms, expected exactly 3" in str(error)


@pytest.mark.parametrize("kind", ["Broadcastmul", "BroadcastMul"])
def test_broadcastmul_finds_the_scale_in_either_order(tmp_path: pathlib.Path, kind: str) -> None:
    assert top(tmp_path, layer(kind, "x0 x1"), (2, 8, 5, 7), (2, 8, 1, 1)) == (2, 8, 5, 7)
    assert top(tmp_path, layer(kind, "x0 x1"), (2, 8), (2, 8, 5, 7)) == (2, 8, 5, 7)
    error = refused(tmp_path, layer(kind, "x0 x1"), (2, 8, 5, 7), (2, 4, 1, 1))
    assert "one value per sample and channel" in str(error)


def test_broadcast_layers_count_no_macs(tmp_path: pathlib.Path) -> None:
    graph = load(net(tmp_path, layer("Axpy", "x0 x1 x2"), (2, 8, 1, 1), (2, 8, 5, 5),
                     (2, 8, 5, 5)))
    assert [(c.params, c.macs) for c in layer_costs(graph)] == [(0, 0)]


# depthwise convolutions and ReLU6

def test_convolution_depthwise_ignores_num_output_and_group(tmp_path: pathlib.Path) -> None:
    """farmingyard's layer convolves each of the C channels with its own kernel: top C
    channels whatever num_output says, weight (C, 1, kh, kw), bias (C,)."""
    text = layer("ConvolutionDepthwise", "x0",
                 "convolution_param { num_output: 5 group: 2 kernel_size: 3 pad: 1 stride: 2 }")
    graph = load(net(tmp_path, text, (2, 6, 9, 9)))
    node = graph.nodes[0]
    # (9 + 2*1 - 3) / 2 + 1 = 5
    assert node.outputs[0].shape == (2, 6, 5, 5)
    assert (node.params.num_output, node.params.group) == (6, 6)
    (cost,) = layer_costs(graph)
    assert cost.params == 6 * 1 * 3 * 3 + 6
    assert cost.macs == 2 * 6 * 5 * 5 * 9  # output elements x kernel area (1 channel a group)


def test_convolution_depthwise_spatial_forms(tmp_path: pathlib.Path) -> None:
    text = layer("ConvolutionDepthwise", "x0", "convolution_param { kernel_h: 3 kernel_w: 1 "
                 "stride_h: 2 stride_w: 1 pad_h: 1 pad_w: 0 dilation: 2 }")
    # H: (9 + 2 - (2*(3-1)+1)) / 2 + 1 = 4;  W: (7 - 1) / 1 + 1 = 7
    assert top(tmp_path, text, (1, 3, 9, 7)) == (1, 3, 4, 7)


def test_convolution_depthwise_is_2d(tmp_path: pathlib.Path) -> None:
    error = refused(tmp_path, layer("ConvolutionDepthwise", "x0",
                                    "convolution_param { kernel_size: 1 }"), (2, 6, 9))
    assert "4-D" in str(error)


def test_depthwise_convolution_is_a_convolution(tmp_path: pathlib.Path) -> None:
    text = layer("DepthwiseConvolution", "x0",
                 "convolution_param { num_output: 12 group: 6 kernel_size: 3 }")
    assert top(tmp_path, text, (1, 6, 5, 5)) == (1, 12, 3, 3)
    error = refused(tmp_path, layer("DepthwiseConvolution", "x0", "convolution_param { "
                                    "num_output: 4 group: 4 kernel_size: 1 }"), (1, 6, 5, 5))
    assert error.field == "convolution_param.group" and "not divisible" in str(error)


def test_relu6_keeps_the_shape(tmp_path: pathlib.Path) -> None:
    assert top(tmp_path, layer("ReLU6", "x0", tops='top: "x0"'), (2, 3, 4)) == (2, 3, 4)


# ShuffleChannel and Reorg

def test_shuffle_channel(tmp_path: pathlib.Path) -> None:
    params = "shuffle_channel_param { group: 3 }"
    assert top(tmp_path, layer("ShuffleChannel", "x0", params), (2, 12, 4, 4)) == (2, 12, 4, 4)
    error = refused(tmp_path, layer("ShuffleChannel", "x0", params), (2, 10, 4, 4))
    assert error.field == "shuffle_channel_param.group"
    assert "10 channels are not divisible by group 3" in str(error)
    error = refused(tmp_path, layer("ShuffleChannel", "x0", "shuffle_channel_param { group: 0 }"),
                    (2, 12, 4, 4))
    assert "expected > 0" in str(error)
    error = refused(tmp_path, layer("ShuffleChannel", "x0", params, 'top: "x0"'), (2, 12, 4, 4))
    assert "in place" in str(error)


def test_reorg_shapes(tmp_path: pathlib.Path) -> None:
    # (N, C s^2, H / s, W / s) and, reversed, (N, C / s^2, H s, W s)
    assert top(tmp_path, layer("Reorg", "x0", "reorg_param { stride: 2 }"),
               (2, 64, 26, 26)) == (2, 256, 13, 13)
    assert top(tmp_path, layer("Reorg", "x0", "reorg_param { stride: 3 reverse: true }"),
               (1, 18, 2, 3)) == (1, 2, 6, 9)


@pytest.mark.parametrize("params,shape,match", [
    ("reorg_param { stride: 2 }", (1, 6, 4, 4), "6 channels are not divisible by stride"),
    ("reorg_param { stride: 2 }", (1, 8, 5, 4), "height 5 is not divisible by stride 2"),
    ("reorg_param { stride: 2 reverse: true }", (1, 6, 4, 4), "not divisible by stride"),
    ("reorg_param { stride: 0 }", (1, 4, 4, 4), "expected > 0"),
    ("", (1, 4, 4, 4), "stride is required"),
])
def test_reorg_refusals(tmp_path: pathlib.Path, params: str, shape: tuple, match: str) -> None:
    error = refused(tmp_path, layer("Reorg", "x0", params), shape)
    assert match in str(error) and error.field == "reorg_param.stride"


# Upsample

def test_yolo_upsample(tmp_path: pathlib.Path) -> None:
    graph = load(net(tmp_path, layer("Upsample", "x0", "upsample_param { scale: 2 }"),
                     (2, 4, 13, 7)))
    node = graph.nodes[0]
    assert node.outputs[0].shape == (2, 4, 26, 14)
    assert node.params.mode == "nearest"
    assert "nearest" in node.params.reading()
    # the ports' default scale is 1 (SegNet's, the union message's, is 2)
    assert top(tmp_path, layer("Upsample", "x0"), (2, 4, 13, 7)) == (2, 4, 13, 7)
    error = refused(tmp_path, layer("Upsample", "x0", "upsample_param { scale: 0 }"),
                    (2, 4, 13, 7))
    assert error.field == "upsample_param.scale"


def _segnet(params: str) -> str:
    pool = ('layer { name: "pool" type: "Pooling" bottom: "x0" top: "p" top: "mask" '
            'pooling_param { pool: MAX kernel_size: 2 stride: 2 } }\n')
    return pool + layer("Upsample", "p mask", params)


def test_segnet_upsample_sizes(tmp_path: pathlib.Path) -> None:
    # pooled 9x11 -> ceil(7/2)+1 = 5 by ceil(9/2)+1 = 6
    graph = load(net(tmp_path, _segnet(""), (2, 3, 9, 11)))
    assert graph.nodes[-1].params.mode == "unpool"
    assert "max-unpooling" in graph.nodes[-1].params.reading()
    assert graph.nodes[-1].outputs[0].shape == (2, 3, 10, 12)  # SegNet's default scale 2
    # 5*2 - 1 = 9 rows, 6*2 - 1 = 11 columns: the pooling's input again
    assert top(tmp_path, _segnet("upsample_param { scale: 2 pad_out_h: true pad_out_w: true }"),
               (2, 3, 9, 11)) == (2, 3, 9, 11)
    assert top(tmp_path, _segnet("upsample_param { scale_h: 3 scale_w: 2 }"),
               (2, 3, 9, 11)) == (2, 3, 15, 12)
    assert top(tmp_path, _segnet("upsample_param { upsample_h: 9 upsample_w: 11 scale: 4 }"),
               (2, 3, 9, 11)) == (2, 3, 9, 11)


@pytest.mark.parametrize("params,match", [
    ("upsample_param { scale: 2 scale_h: 2 scale_w: 2 }", "not with scale"),
    ("upsample_param { scale_h: 2 }", "both scale_h and scale_w"),
    ("upsample_param { scale: 1 }", "expected > 1"),
    ("upsample_param { scale: 3 pad_out_h: true }", "pad_out_h needs a scale of 2"),
    ("upsample_param { upsample_h: 1 upsample_w: 8 }", "upsample_h is 1, expected > 1"),
])
def test_segnet_upsample_refusals(tmp_path: pathlib.Path, params: str, match: str) -> None:
    assert match in str(refused(tmp_path, _segnet(params), (2, 3, 8, 8)))


def test_segnet_upsample_mask_of_the_wrong_shape(tmp_path: pathlib.Path) -> None:
    error = refused(tmp_path, layer("Upsample", "x0 x1"), (2, 3, 4, 4), (2, 3, 4, 5))
    assert "the mask (bottom 1) has shape [2, 3, 4, 5]" in str(error)
    assert error.layer == "l"


# Interp

@pytest.mark.parametrize("params,size", [
    ("height: 7 width: 9", (7, 9)),
    ("zoom_factor: 3", (34, 34)),                # 12 + (12 - 1) * (3 - 1)
    ("shrink_factor: 3", (4, 4)),                # (12 - 1) / 3 + 1
    ("shrink_factor: 2 zoom_factor: 3", (16, 16)),  # 11 / 2 + 1 = 6, then 6 + 5 * 2
    ("zoom_factor: 2 height: 5 width: 5", (23, 23)),  # zoom only (no shrink) comes first
    ("shrink_factor: 2 height: 5 width: 5", (6, 6)),
    ("height: 5 width: 5 shrink_factor: 2 zoom_factor: 2", (5, 5)),  # height/width before both
    ("zoom_factor: 2 pad_beg: -1 pad_end: -2", (17, 17)),  # H_eff = 9: 9 + 8
    ("height: 1 width: 1", (1, 1)),
])
def test_interp_size_rule(tmp_path: pathlib.Path, params: str, size: tuple) -> None:
    text = layer("Interp", "x0", f"interp_param {{ {params} }}")
    assert top(tmp_path, text, (2, 3, 12, 12)) == (2, 3) + size


def test_interp_blob_size(tmp_path: pathlib.Path) -> None:
    text = layer("Interp", "x0 x1", "interp_param { use_blob_size: true zoom_factor: 3 }")
    assert top(tmp_path, text, (2, 3, 12, 12), (1, 1, 5, 6)) == (2, 3, 5, 6)
    error = refused(tmp_path, layer("Interp", "x0", "interp_param { use_blob_size: true }"),
                    (2, 3, 12, 12))
    assert "second bottom" in str(error)


@pytest.mark.parametrize("params,match,field", [
    ("", "Interp has no output size", "interp_param"),
    ("height: 5", "Interp has no output size", "interp_param"),
    ("height: 5 width: 5 pad_beg: 1", "crops only", "interp_param.pad_beg"),
    ("zoom_factor: 2 pad_beg: -6 pad_end: -6", "leave height 0", "interp_param.pad_end"),
    ("zoom_factor: 0", "zoom_factor is 0, expected >= 1", "interp_param.zoom_factor"),
    ("height: 0 width: 4", "output height 0", "interp_param.height"),
])
def test_interp_refusals(tmp_path: pathlib.Path, params: str, match: str, field: str) -> None:
    error = refused(tmp_path, layer("Interp", "x0", f"interp_param {{ {params} }}"),
                    (2, 3, 12, 12))
    assert match in str(error) and error.field == field


def test_interp_macs(tmp_path: pathlib.Path) -> None:
    graph = load(net(tmp_path, layer("Interp", "x0", "interp_param { zoom_factor: 2 }") + "\n"
                     + layer("Interp", "y", "interp_param { height: 23 width: 23 }",
                             'top: "z"').replace('"l"', '"same"'), (2, 3, 12, 12)))
    costs = layer_costs(graph)
    assert costs[0].macs == 4 * 2 * 3 * 23 * 23  # four taps per output element
    assert costs[1].macs == 0  # equal sizes: a copy


# BN

def test_bn_pspnet_blobs_and_params(tmp_path: pathlib.Path) -> None:
    graph = load(net(tmp_path, layer("BN", "x0", "bn_param { frozen: true }"), (2, 6, 5, 5)))
    node = graph.nodes[0]
    assert node.params.form == "pspnet" and node.params.eps == pytest.approx(1e-5)
    from prototxt_compiler.ops import OPS

    assert OPS["BN"].blobs(node.params, [(2, 6, 5, 5)]) == [(1, 6, 1, 1)] * 4
    (cost,) = layer_costs(graph)
    assert (cost.params, cost.macs) == (12, 0)  # slope and bias; mean and variance are stats


def test_bn_segnet_form(tmp_path: pathlib.Path) -> None:
    graph = load(net(tmp_path, layer("BN", "x0", "bn_param { bn_mode: INFERENCE }"), (2, 6)))
    node = graph.nodes[0]
    assert node.params.form == "segnet" and node.params.global_stats
    (cost,) = layer_costs(graph)
    assert cost.params == 12  # scale and shift


def test_bn_refusals(tmp_path: pathlib.Path) -> None:
    error = refused(tmp_path, layer("BN", "x0", "bn_param { eps: 0.001 bn_mode: INFERENCE }"),
                    (2, 6, 5, 5))
    assert "mixes the fields of two different BN layers" in str(error)
    error = refused(tmp_path, layer("BN", "x0"), (2, 6, 5, 5, 5))
    assert "2 to 4 axes" in str(error)


def test_info_says_which_upsample_was_read(tmp_path: pathlib.Path) -> None:
    """The bottom count decides which fork's Upsample a layer is; a note of the load (which
    info, compile and check print) says which, naming the layers."""
    from tests.conftest import run_cli

    text = _segnet("") + "\n" + layer("Upsample", "p", "upsample_param { scale: 3 }",
                                      'top: "z"').replace('"l"', '"nearest"')
    path = net(tmp_path, text, (2, 3, 9, 11))
    assert [n for n in load(path).notes if n.startswith("Upsample read as")] == [
        "Upsample read as SegNet's max-unpooling Upsample (two bottoms: the data and a pooling "
        "mask): layer 'l'",
        "Upsample read as the YOLO ports' nearest-neighbour Upsample by 3 (one bottom): "
        "layer 'nearest'"]
    done = run_cli("info", str(path))
    assert done.returncode == 0
    assert "note: Upsample read as SegNet's max-unpooling Upsample" in done.stderr


def _varint(n: int) -> bytes:
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([low])
        out += bytes([low | 0x80])


def test_binary_fork_net(tmp_path: pathlib.Path) -> None:
    """A binary NetParameter whose layers carry the YOLO ports' fields by their numbers
    (upsample_param 149, reorg_param 147) reads them with the fork named."""
    from prototxt_compiler.proto import caffe_pb2
    from prototxt_compiler.proto.forks import FORKS

    net = caffe_pb2.NetParameter(name="binary")
    data = net.layer.add(name="data", type="Input")
    data.top.append("data")
    data.input_param.shape.add(dim=[1, 9, 2, 2])
    body = net.SerializeToString()
    for name, kind, bottom, field, value in (("up", "Upsample", "data", "upsample_param", 3),
                                             ("reorg", "Reorg", "up", "reorg_param", 3)):
        layer_ = caffe_pb2.LayerParameter(name=name, type=kind, bottom=[bottom], top=[name])
        extra = FORKS["yolo"].layer_fields()
        message = getattr(extra, field)
        setattr(message, "scale" if kind == "Upsample" else "stride", value)
        raw = layer_.SerializeToString() + extra.SerializeToString()
        body += _varint((100 << 3) | 2) + _varint(len(raw)) + raw
    path = tmp_path / "net.caffemodel"
    path.write_bytes(body)
    graph = load(path, fork="yolo")
    # Upsample by 3: 2x2 -> 6x6; Reorg by 3: 9 * 9 channels of 2x2
    assert [n.outputs[0].shape for n in graph.nodes] == [(1, 9, 6, 6), (1, 81, 2, 2)]
