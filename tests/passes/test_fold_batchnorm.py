"""BatchNorm/Scale folding: structure, numbers against real Caffe, and where it must not fire."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

from prototxt_compiler import load
from prototxt_compiler.frontend.weights import attach_weights, read_caffemodel
from prototxt_compiler.passes.fold_batchnorm import fold_batchnorm
from prototxt_compiler.passes.remove_identity import remove_identity_layers
from tests.tolerance import assert_close

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"


def loaded(name: str):
    graph = load(NUMERIC / f"{name}.prototxt")
    attach_weights(graph, read_caffemodel(NUMERIC / f"{name}.caffemodel"))
    return graph


def test_resnext_folds_every_bn_scale_pair_into_its_convolution() -> None:
    graph = loaded("net_resnext_seed")
    before = [n.type for n in graph.nodes]
    assert fold_batchnorm(graph)
    after = [n.type for n in graph.nodes]
    # bn_data + scale_bn_data read the input, not a convolution: merged into one Scale
    assert after.count("BatchNorm") == 0 and after.count("Scale") == 1
    assert graph.node("scale_bn_data").inputs[0] is graph.inputs[0]
    assert after.count("Convolution") == before.count("Convolution")
    assert len(after) == len(before) - 2 * (before.count("BatchNorm") - 1) - 1
    assert all(n.params.bias_term for n in graph.nodes if n.type == "Convolution")
    assert graph.lint() == []
    assert not fold_batchnorm(graph)  # nothing left to fold


def test_folded_net_matches_caffe() -> None:
    torch = pytest.importorskip("torch")
    from prototxt_compiler.backends.torch import to_torch

    ref = np.load(NUMERIC / "net_resnext_seed.npz")
    graph = loaded("net_resnext_seed")
    fold_batchnorm(graph)
    module = to_torch(graph)
    out = module(torch.from_numpy(ref["input:data"]))
    assert_close(out.detach().numpy(), ref["output:prob"], "prob")
    # the logits too: softmax can hide errors
    from prototxt_compiler.backends.torch import layer_outputs

    logits = layer_outputs(module, torch.from_numpy(ref["input:data"]))["fc1:fc1"]
    assert_close(logits.numpy(), ref["layer:fc1:fc1"], "fc1:fc1")


def test_does_not_fold_when_the_convolution_output_is_read_elsewhere(tmp_path) -> None:
    net = tmp_path / "net.prototxt"
    net.write_text('''
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 5 dim: 5 } } }
layer { name: "c" type: "Convolution" bottom: "data" top: "c" convolution_param { num_output: 3 kernel_size: 1 } }
layer { name: "other" type: "ReLU" bottom: "c" top: "other" }
layer { name: "bn" type: "BatchNorm" bottom: "c" top: "bn" }
layer { name: "bn_stats_local" type: "BatchNorm" bottom: "other" top: "other2" batch_norm_param { use_global_stats: false } }
''')
    graph = load(net)
    rng = np.random.default_rng(0)
    for node in graph.nodes:
        if node.type == "Convolution":
            node.blobs = (rng.normal(size=(3, 2, 1, 1)).astype(np.float32), np.zeros(3, np.float32))
        if node.type == "BatchNorm":
            node.blobs = (np.zeros(3, np.float32), np.ones(3, np.float32), np.ones(1, np.float32))
    assert not fold_batchnorm(graph)
    assert [n.type for n in graph.nodes] == ["Convolution", "ReLU", "BatchNorm", "BatchNorm"]


def test_fold_arithmetic_by_hand() -> None:
    """One channel: W = 2, b = 1; BatchNorm blobs mean 6, var 8, factor 2 (so m = 3, v = 4),
    eps 0; Scale gamma 3, beta 1. k = 3 / sqrt(4) = 1.5; W' = 3, b' = 1.5 * (1 - 3) + 1 = -2."""
    from prototxt_compiler.ir import Graph
    from prototxt_compiler.ops.conv import ConvolutionParams
    from prototxt_compiler.ops.norm import BatchNormParams, ScaleParams

    g = Graph("hand")
    x = g.add_input("x", (1, 1, 1, 1))
    conv = g.add_node("c", "Convolution", ConvolutionParams(num_output=1, kernel=(1, 1),
                      stride=(1, 1), pad=(0, 0), dilation=(1, 1)), [x], ["c"],
                      blobs=[np.full((1, 1, 1, 1), 2.0, np.float32), np.ones(1, np.float32)])
    conv.outputs[0].shape = (1, 1, 1, 1)
    bn = g.add_node("bn", "BatchNorm", BatchNormParams(eps=0.0), [conv.outputs[0]], ["c"],
                    blobs=[np.full(1, 6.0, np.float32), np.full(1, 8.0, np.float32),
                           np.full(1, 2.0, np.float32)])
    sc = g.add_node("sc", "Scale", ScaleParams(bias_term=True), [bn.outputs[0]], ["c"],
                    blobs=[np.full(1, 3.0, np.float32), np.ones(1, np.float32)])
    g.outputs = [sc.outputs[0]]
    assert fold_batchnorm(g)
    assert [n.name for n in g.nodes] == ["c"]
    assert g.outputs == [conv.outputs[0]]
    assert conv.blobs[0].reshape(-1).tolist() == [3.0]
    assert conv.blobs[1].tolist() == [-2.0]


def test_dropout_and_split_are_removed_and_readers_rewired() -> None:
    graph = loaded("net_inception")
    assert remove_identity_layers(graph)
    assert "Dropout" not in [n.type for n in graph.nodes]
    assert graph.node("loss3/classifier").inputs[0].producer.name == "pool5/5x5_s3"
    assert graph.lint() == []
    assert not remove_identity_layers(graph)


def test_folded_weights_are_within_two_float32_roundings_of_the_exact_product() -> None:
    """W' = float32(W * float32(k)): two roundings of at most 2^-24 each, so within a
    relative 2^-23 (plus 2^-48) of the exact W * k, with k computed here in float64 from the
    module docstring's formula; the biases are float64 arithmetic, rounded once. Deferred,
    the very same bits."""
    from prototxt_compiler.ir import Graph
    from prototxt_compiler.ops.conv import ConvolutionParams
    from prototxt_compiler.ops.norm import BatchNormParams, ScaleParams

    rng = np.random.default_rng(7)
    c, k_in = 64, 16
    weight = rng.normal(size=(c, k_in, 3, 3)).astype(np.float32)
    bias = rng.normal(size=c).astype(np.float32)
    mean, var = rng.normal(size=c).astype(np.float32), rng.uniform(0.1, 4, c).astype(np.float32)
    factor = np.array([0.999], np.float32)
    gamma, beta = rng.uniform(0.5, 2, c).astype(np.float32), rng.normal(size=c).astype(np.float32)

    def graph() -> Graph:
        g = Graph("hand")
        x = g.add_input("x", (1, k_in, 8, 8))
        conv = g.add_node("c", "Convolution", ConvolutionParams(
            num_output=c, kernel=(3, 3), stride=(1, 1), pad=(1, 1), dilation=(1, 1)), [x],
            ["c"], blobs=[weight, bias])
        conv.outputs[0].shape = (1, c, 8, 8)
        bn = g.add_node("bn", "BatchNorm", BatchNormParams(eps=1e-5), [conv.outputs[0]],
                        ["c"], blobs=[mean, var, factor])
        sc = g.add_node("sc", "Scale", ScaleParams(bias_term=True), [bn.outputs[0]], ["c"],
                        blobs=[gamma, beta])
        g.outputs = [sc.outputs[0]]
        return g

    s = 1 / np.float64(factor[0])
    m, v = mean.astype(np.float64) * s, var.astype(np.float64) * s
    k = gamma.astype(np.float64) / np.sqrt(v + 1e-5)
    exact = weight.astype(np.float64) * k[:, None, None, None]
    exact_bias = k * (bias.astype(np.float64) - m) + beta.astype(np.float64)
    eager, deferred = graph(), graph()
    assert fold_batchnorm(eager) and fold_batchnorm(deferred, deferred=lambda node: True)
    folded, folded_bias = eager.node("c").blobs
    assert folded.dtype == np.float32
    relative = np.abs(folded.astype(np.float64) - exact) / np.abs(exact)
    assert relative.max() <= 2.0 ** -23 + 2.0 ** -48
    assert np.abs(folded_bias.astype(np.float64) - exact_bias).max() <= \
        2.0 ** -24 * np.abs(exact_bias).max()
    lazy, lazy_bias = deferred.node("c").blobs
    assert np.asarray(lazy).tobytes() == folded.tobytes()
    assert lazy_bias.tobytes() == folded_bias.tobytes()
