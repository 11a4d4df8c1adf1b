"""Fork layers from ONNX: ``fork_layers.FORK_LAYERS`` held to the fork registry, fork layer
types written only where ``fork=`` names a fork that has them, and the check by the backend's
own export (``idioms.verify``) deciding what a matcher proposes."""
from __future__ import annotations

import pathlib

import onnx
import pytest

from prototxt_compiler.api import load_with_weights
from prototxt_compiler.backends.onnx import to_onnx
from prototxt_compiler.errors import UsageError
from prototxt_compiler.frontend.onnx import UnsupportedNodesError
from prototxt_compiler.frontend.onnx.fork_layers import FORK_LAYERS, fork_allows
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.extras import EXTRA_FIELDS, LAYER
from prototxt_compiler.to_caffe import from_onnx

FORK_NETS = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "fork_nets"


@pytest.mark.parametrize("layer_type", sorted(FORK_LAYERS))
def test_each_fork_layer_is_one_its_forks_define(layer_type: str) -> None:
    forks = FORK_LAYERS[layer_type]
    assert forks and set(forks) <= set(EXTRA_FIELDS.forks())
    assert layer_type in OPS
    param = OPS[layer_type].param
    extra = EXTRA_FIELDS.get(LAYER, param) if param else None
    if extra is not None:  # a fork's own *_param: each fork named defines it
        assert set(forks) <= set(extra.forks), (layer_type, extra.forks)


def test_bvlc_types_are_always_allowed_and_fork_types_only_for_their_forks() -> None:
    assert fork_allows("Convolution", None) and fork_allows("Convolution", "yolo")
    assert not fork_allows("Upsample", None) and not fork_allows("Upsample", "shufflenet")
    assert fork_allows("Upsample", "yolo")


def test_an_unknown_fork_is_a_usage_error() -> None:
    graph = load_with_weights(FORK_NETS / "yolo_neck.prototxt", fork="yolo", warn=False)
    with pytest.raises(UsageError, match="not a known fork"):
        from_onnx(to_onnx(graph, static_batch=True), fork="nosuchfork")


def _exported(stem: str, fork: str) -> tuple[object, onnx.ModelProto]:
    graph = load_with_weights(FORK_NETS / f"{stem}.prototxt", fork=fork, warn=False)
    return graph, to_onnx(graph, static_batch=True)


def assert_same_outputs(graph, back) -> None:  # noqa: ANN001
    """Both graphs compute the same outputs (PyTorch backend) on seeded inputs."""
    torch = pytest.importorskip("torch")
    from prototxt_compiler.backends.torch import to_torch

    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randn(v.shape, generator=generator) for v in graph.inputs]
    with torch.inference_mode():
        theirs, ours = to_torch(graph)(*inputs), to_torch(back)(*inputs)
    for a, b in zip(theirs if isinstance(theirs, tuple) else (theirs,),
                    ours if isinstance(ours, tuple) else (ours,)):
        assert torch.equal(a, b)


def test_shuffle_channel_comes_back_with_its_fork_and_as_bvlc_copies_without() -> None:
    graph, model = _exported("shufflenet_unit", "shufflenet")
    back = from_onnx(model, fork="shufflenet")
    ours = {n.name: n.params for n in back.nodes if n.type == "ShuffleChannel"}
    theirs = {n.name: n.params for n in graph.nodes if n.type == "ShuffleChannel"}
    assert ours == theirs and len(ours) == 4
    for fork in (None, "yolo"):  # yolo: a fork without ShuffleChannel
        bvlc = from_onnx(model, fork=fork)
        assert not any(n.type in FORK_LAYERS for n in bvlc.nodes)
        # one move per shuffle of more than one group (the group-1 one is a view)
        assert sum(n.type == "Slice" for n in bvlc.nodes) == 3
        assert_same_outputs(graph, bvlc)


@pytest.mark.parametrize("stem", ["se_axpy", "se_resnext_small"])
def test_axpy_comes_back_with_senet_and_as_bvlc_scale_and_sum_without(stem: str) -> None:
    graph, model = _exported(stem, "senet")
    theirs = [n.name for n in graph.nodes if n.type == "Axpy"]
    back = from_onnx(model, fork="senet")
    assert [n.name for n in back.nodes if n.type == "Axpy"] == theirs and theirs
    bvlc = from_onnx(model)
    assert not any(n.type in FORK_LAYERS for n in bvlc.nodes)
    assert_same_outputs(graph, back)
    assert_same_outputs(graph, bvlc)


def test_pspnets_bn_comes_back_with_its_fork_and_as_bvlc_batchnorm_without() -> None:
    graph, model = _exported("pspnet_pyramid", "pspnet")
    theirs = {n.name: n.params.eps for n in graph.nodes if n.type == "BN"}
    back = from_onnx(model, fork="pspnet")
    assert {n.name: n.params.eps for n in back.nodes if n.type == "BN"} == theirs and theirs
    assert all(n.params.form == "pspnet" and n.params.global_stats
               for n in back.nodes if n.type == "BN")
    assert_same_outputs(graph, back)


def test_upsample_comes_back_with_yolo_and_as_bvlc_deconvolution_without() -> None:
    graph, model = _exported("yolo_neck", "yolo")
    scales = {n.name: n.params.scale for n in graph.nodes if n.type == "Upsample"}
    back = from_onnx(model, fork="yolo")
    assert {n.name: n.params.scale for n in back.nodes if n.type == "Upsample"} == scales
    bvlc = from_onnx(model)
    assert not any(n.type in FORK_LAYERS for n in bvlc.nodes)
    # by 2 and 3 a grouped Deconvolution of unit weights; by 1 (upsample1) nothing to do
    assert {n.name: n.type for n in bvlc.nodes if n.name in ("upsample", "upsample3")} == \
        {"upsample": "Deconvolution", "upsample3": "Deconvolution"}


def test_verify_decides_an_edited_attribute_makes_the_group_nodes_again() -> None:
    """A Threshold is written Greater, Cast(to float); with the Cast's type edited to
    double, the matcher still proposes a Threshold, but the backend's export of it differs:
    the group is imported node by node, and Greater has no BVLC layer."""
    graph = load_with_weights(pathlib.Path(__file__).resolve().parents[2] / "fixtures"
                              / "numeric" / "act_threshold_clip.prototxt", warn=False)
    model = to_onnx(graph, static_batch=True)
    assert any(n.type == "Threshold" for n in from_onnx(model).nodes)
    casts = [n for n in model.graph.node if n.op_type == "Cast"]
    assert casts
    for attribute in casts[0].attribute:
        if attribute.name == "to":
            attribute.i = onnx.TensorProto.DOUBLE
    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(model)
    assert {op for _, op, _ in caught.value.nodes} == {"Greater"}
