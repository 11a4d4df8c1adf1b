"""The shared corpus' real fork nets (SE-ResNet-50 with SENet's Axpy; a MobileNet-YOLOv3 with
ConvolutionDepthwise and YOLO's Upsample) load with every ``LAYER:TOP`` shape equal to the
one real Caffe computed on their exact BVLC twins (../shared/corpus/forks/ref/), and compile
to ONNX models that pass the full checker and strict shape inference."""
from __future__ import annotations

import json

import onnx
import pytest

from prototxt_compiler import init_weights, load
from prototxt_compiler.backends.onnx import to_onnx
from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm
from prototxt_compiler.passes.remove_identity import remove_identity_layers
from tests.conftest import corpus_path
from tests.shape_compare import shape_mismatches

NAMES = ["se_resnet50_axpy_fork", "mobilenet_v1_yolov3_upsample_fork"]


def reference(name: str) -> dict:
    return json.loads((corpus_path() / "forks" / "ref" / f"{name}.shapes.json").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_fork_corpus_shapes_match_caffe(name: str) -> None:
    ref = reference(name)
    graph = load(corpus_path() / "forks" / f"{name}.prototxt")
    assert shape_mismatches(graph, ref["shapes"]) == []
    assert {v.blob: list(v.shape) for v in graph.inputs} == ref["inputs"]
    assert [v.blob for v in graph.outputs] == ref["outputs"]
    kinds = {n.type for n in graph.nodes}
    assert kinds & {"Axpy", "ConvolutionDepthwise", "Upsample"}


def test_se_resnet50_costs() -> None:
    """The SENet paper's SE-ResNet-50: 28.1M parameters, 3.87 GFLOPs (multiply-adds)."""
    from prototxt_compiler import layer_costs

    costs = layer_costs(load(corpus_path() / "forks" / "se_resnet50_axpy_fork.prototxt"))
    assert round(sum(c.params for c in costs) / 1e6, 1) == 28.1
    assert round(sum(c.macs for c in costs) / 1e9, 2) == 3.87


@pytest.mark.parametrize("name", NAMES)
def test_fork_corpus_compiles_to_onnx(name: str) -> None:
    graph = init_weights(load(corpus_path() / "forks" / f"{name}.prototxt"), seed=0)
    fold_batchnorm(graph)
    remove_identity_layers(graph)
    model = to_onnx(graph)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    assert {o.name for o in model.graph.output} == set(reference(name)["outputs"])


def test_yolo_corpus_net_has_no_pooling_the_ports_size_otherwise() -> None:
    """ChenYingpeng's port replaces Caffe's pooling with one that adds 1 to the output size
    when kernel - stride is odd (yolov3-tiny's 2x2/1 max pooling); BVLC's rule is the one
    implemented. The corpus' MobileNet-YOLOv3 has no pooling at all, so its shapes (held to
    Caffe's above) are the port's too."""
    graph = load(corpus_path() / "forks" / "mobilenet_v1_yolov3_upsample_fork.prototxt")
    odd = [n.name for n in graph.nodes if n.type == "Pooling"
           and (n.params.kernel[0] - n.params.stride[0]) % 2 == 1]
    assert odd == [] and not any(n.type == "Pooling" for n in graph.nodes)
