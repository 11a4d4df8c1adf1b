"""The fork tables against the shared corpus' real fork nets: every fork parameter those nets
write is a field the fork's messages know, with the value Caffe's twin of the net confirms."""
from __future__ import annotations

import json
import re

from google.protobuf import text_format

from prototxt_compiler.proto import caffe_pb2
from prototxt_compiler.proto.forks import FORKS, caffe_priv_pb2
from tests.conftest import corpus_path


def closing(text: str, start: int) -> int:
    """The index just past the brace that closes the one at START."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index + 1
    raise ValueError("unbalanced braces")


def blocks(text: str, name: str) -> list[str]:
    """The bodies of the ``NAME { ... }`` blocks at the top of TEXT (not inside others)."""
    out, index = [], 0
    pattern = re.compile(r"\b(\w+)\s*\{")
    while (found := pattern.search(text, index)) is not None:
        end = closing(text, found.end() - 1)
        if found.group(1) == name:
            out.append(text[found.end():end - 1])
        index = end
    return out


def layer_type(layer: str) -> str:
    return field(layer, "type")


def field(layer: str, key: str) -> str:
    return re.search(rf'^\s*{key}:\s*"([^"]+)"', layer, re.MULTILINE).group(1)


def param_names(layer: str) -> list[str]:
    return [name for name in re.findall(r"\b(\w+_param)\s*\{", layer)]


def test_yolo_upsample_scale_is_what_caffe_twin_computes() -> None:
    root = corpus_path() / "forks"
    text = (root / "mobilenet_v1_yolov3_upsample_fork.prototxt").read_text()
    shapes = json.loads((root / "ref" / "mobilenet_v1_yolov3_upsample_fork.shapes.json")
                        .read_text())["shapes"]
    checked = 0
    for layer in blocks(text, "layer"):
        if layer_type(layer) != "Upsample":
            continue
        (body,) = blocks(layer, "upsample_param")
        fields = text_format.Parse(f"upsample_param {{{body}}}", FORKS["yolo"].layer_fields())
        name, bottom, top = (field(layer, key) for key in ("name", "bottom", "top"))
        out = shapes[f"{name}:{top}"]
        into = next(shape for key, shape in shapes.items() if key.endswith(f":{bottom}"))
        assert out[2:] == [into[2] * fields.upsample_param.scale,
                           into[3] * fields.upsample_param.scale], name
        checked += 1
    assert checked == 2


def test_depthwise_layers_read_bvlc_convolution_param_only() -> None:
    text = (corpus_path() / "forks" / "mobilenet_v1_yolov3_upsample_fork.prototxt").read_text()
    depthwise = [layer for layer in blocks(text, "layer")
                 if layer_type(layer) == "ConvolutionDepthwise"]
    assert len(depthwise) == 13
    for layer in depthwise:
        assert param_names(layer) == ["convolution_param"]
        (body,) = blocks(layer, "convolution_param")
        text_format.Parse(body, caffe_pb2.ConvolutionParameter())
    assert len(FORKS["mobilenet"].layer_fields.DESCRIPTOR.fields) == 0


def test_senet_axpy_layers_carry_no_parameters() -> None:
    text = (corpus_path() / "forks" / "se_resnet50_axpy_fork.prototxt").read_text()
    axpy = [layer for layer in blocks(text, "layer") if layer_type(layer) == "Axpy"]
    assert len(axpy) == 16  # one per bottleneck unit of ResNet-50 (3 + 4 + 6 + 3)
    assert all(param_names(layer) == [] for layer in axpy)
    assert len(FORKS["senet"].layer_fields.DESCRIPTOR.fields) == 0


def test_ceil_mode_is_caffe_privs_pooling_field() -> None:
    text = (corpus_path() / "resnext50_32x4d_fork_ceil_mode.prototxt").read_text()
    bvlc = caffe_pb2.PoolingParameter.DESCRIPTOR.fields_by_name
    fork = FORKS["caffe_priv"].changed["caffe.PoolingParameter"]
    seen = []
    for layer in blocks(text, "layer"):
        for body in blocks(layer, "pooling_param"):
            names = re.findall(r"^\s*(\w+)\s*:", body, re.MULTILINE)
            assert set(names) <= set(bvlc) | set(fork), names
            extra = "\n".join(line for line in body.splitlines()
                              if line.split(":")[0].strip() in fork)
            if extra:
                parsed = text_format.Parse(extra, caffe_priv_pb2.BvlcChanges.PoolingParameter())
                seen.append(parsed.ceil_mode)
    assert seen == [False]  # the stem's max pooling, which Caffe's twin runs as FLOOR
    assert fork["ceil_mode"].number == 13
