"""Caffe's fillers: each one's statistics against values derived by hand, Caffe's refusals,
determinism by seed, and a filler for every parameter blob of every op."""
from __future__ import annotations

from math import sqrt

import numpy as np
import pytest

import prototxt_compiler as pc
from prototxt_compiler.errors import LayerError, OpError
from prototxt_compiler.frontend.weights import init_weights
from prototxt_compiler.ops import OPS
from prototxt_compiler.ops.fillers import Filler, fill


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def test_constant_is_exact() -> None:
    out = fill(Filler(value=0.3), (2, 3), _rng())
    assert out.dtype == np.float32 and out.shape == (2, 3)
    np.testing.assert_array_equal(out, np.float32(0.3))


def test_uniform_bounds() -> None:
    out = fill(Filler(type="uniform", min=-2.0, max=5.0), (10000,), _rng())
    assert out.min() >= -2.0 and out.max() <= 5.0
    assert out.min() < -1.9 and out.max() > 4.9  # the whole range is used
    assert abs(out.mean() - 1.5) < 0.1


def test_gaussian_moments_and_sparse() -> None:
    out = fill(Filler(type="gaussian", mean=1.0, std=2.0), (100000,), _rng())
    assert abs(out.mean() - 1.0) < 0.03 and abs(out.std() - 2.0) < 0.03
    # sparse 5 of shape[0] = 20 outputs: each value kept with probability 1/4
    sparse = fill(Filler(type="gaussian", std=1.0, sparse=5), (20, 5000), _rng())
    assert abs(np.mean(sparse != 0) - 0.25) < 0.01


def test_positive_unitball_rows_sum_to_one() -> None:
    out = fill(Filler(type="positive_unitball"), (6, 2, 3, 3), _rng())
    assert out.min() >= 0
    np.testing.assert_allclose(out.reshape(6, -1).sum(axis=1), 1.0, rtol=1e-6)


# (8, 4, 3, 3): count 288; fan_in = 288 / 8 = 36; fan_out = 288 / 4 = 72; average 54.
@pytest.mark.parametrize("norm, n", [("FAN_IN", 36), ("FAN_OUT", 72), ("AVERAGE", 54)])
def test_xavier_bound(norm: str, n: int) -> None:
    shape = (8, 4, 3, 3)
    draws = np.stack([fill(Filler(type="xavier", variance_norm=norm), shape, _rng(s))
                      for s in range(40)])
    bound = sqrt(3.0 / n)
    assert np.abs(draws).max() <= bound
    assert np.abs(draws).max() > 0.99 * bound


def test_xavier_of_a_vector_uses_count_as_fan_out() -> None:
    # (4,): fan_in = 4 / 4 = 1, fan_out = count = 4 (Caffe: one axis, no shape[1])
    out = fill(Filler(type="xavier", variance_norm="FAN_OUT"), (4000,), _rng())
    assert np.abs(out).max() <= sqrt(3.0 / 4000)


def test_msra_std() -> None:
    # (64, 32, 3, 3): fan_in = 32 * 9 = 288, std = sqrt(2 / 288) = 1/12; 589,824 samples
    out = fill(Filler(type="msra"), (64, 32, 3, 3), _rng())
    assert abs(out.std() - sqrt(2.0 / 288)) < 0.01 * sqrt(2.0 / 288)
    assert abs(out.mean()) < 1e-3


def test_bilinear_4x4() -> None:
    # w = 4: f = ceil(4 / 2) = 2, c = (4 - 1) / (2 * 2) = 0.75;
    # x = 0..3: 1 - |x/2 - 0.75| = 0.25, 0.75, 0.75, 0.25; the kernel is its outer product.
    ramp = np.array([0.25, 0.75, 0.75, 0.25])
    out = fill(Filler(type="bilinear"), (3, 1, 4, 4), _rng())
    for k in range(3):
        np.testing.assert_array_equal(out[k, 0], np.outer(ramp, ramp).astype(np.float32))


def test_bilinear_3x3() -> None:
    # w = 3: f = 2, c = 0.5; ramp 0.5, 1, 0.5 (what Caffe 1.0 gives; older code gave 0.25,
    # 0.75, 0.75)
    ramp = np.array([0.5, 1.0, 0.5])
    np.testing.assert_array_equal(fill(Filler(type="bilinear"), (1, 1, 3, 3), _rng())[0, 0],
                                  np.outer(ramp, ramp))


@pytest.mark.parametrize("filler, shape, message", [
    (Filler(type="orthogonal"), (2, 2), "unknown filler type 'orthogonal'"),
    (Filler(type="xavier"), (), "scalar"),
    (Filler(type="bilinear"), (1, 1, 3, 4), "square"),
    (Filler(type="bilinear"), (3, 3), "4-axis"),
    (Filler(type="uniform", sparse=2), (2, 2), "only the gaussian filler"),
    (Filler(type="uniform", min=2.0, max=1.0), (2,), "above max"),
    (Filler(type="gaussian", std=0.0), (2,), "std is 0.0"),
    (Filler(type="gaussian", sparse=5), (2, 3), "a probability above 1"),
], ids=["unknown", "xavier-scalar", "bilinear-square", "bilinear-4d", "sparse", "min-max",
        "std", "sparse-too-big"])
def test_refusals(filler: Filler, shape: tuple[int, ...], message: str) -> None:
    with pytest.raises(OpError, match=message):
        fill(filler, shape, _rng())


def test_every_op_with_blobs_has_fillers() -> None:
    for op in OPS:
        if op.blobs.__name__ != "no_blobs":
            assert op.fillers is not None, op.type


NET = """
input: "data" input_shape { dim: 1 dim: 3 dim: 8 dim: 8 }
layer { name: "conv" type: "Convolution" bottom: "data" top: "conv"
        convolution_param { num_output: 4 kernel_size: 3 weight_filler { type: "msra" }
                            bias_filler { type: "constant" value: 0.1 } } }
layer { name: "bn" type: "BatchNorm" bottom: "conv" top: "conv" }
layer { name: "sc" type: "Scale" bottom: "conv" top: "conv" scale_param { bias_term: true } }
layer { name: "pr" type: "PReLU" bottom: "conv" top: "conv" }
layer { name: "up" type: "Deconvolution" bottom: "conv" top: "up"
        convolution_param { num_output: 4 group: 4 kernel_size: 4 stride: 2 bias_term: false
                            weight_filler { type: "bilinear" } } }
layer { name: "fc" type: "InnerProduct" bottom: "up" top: "fc"
        inner_product_param { num_output: 3 weight_filler { type: "xavier" } } }
"""


@pytest.fixture
def net(tmp_path):
    path = tmp_path / "net.prototxt"
    path.write_text(NET)
    return path


def _blobs(graph) -> dict[str, tuple[np.ndarray, ...]]:
    return {n.name: n.blobs for n in graph.nodes if n.blobs is not None}


def test_init_weights_follows_each_layers_fillers(net) -> None:
    graph = pc.load(net)
    init_weights(graph, seed=1)
    blobs = _blobs(graph)
    assert list(blobs) == ["conv", "bn", "sc", "pr", "up", "fc"]
    np.testing.assert_array_equal(blobs["conv"][1], np.float32(0.1))
    for b in blobs["bn"]:
        np.testing.assert_array_equal(b, 0)  # Caffe's BatchNorm starts from zeros
    np.testing.assert_array_equal(blobs["sc"][0], 1)  # Scale: constant 1 when no filler
    np.testing.assert_array_equal(blobs["sc"][1], 0)
    np.testing.assert_array_equal(blobs["pr"][0], np.float32(0.25))  # PReLU default
    assert blobs["up"][0].shape == (4, 1, 4, 4) and blobs["up"][0][0, 0, 0, 0] == 0.0625
    # conv 8 -> 6, up (6 - 1) * 2 + 4 = 14: fc weight (3, 4*14*14 = 784), fan_in 784
    assert blobs["fc"][0].shape == (3, 784)
    assert np.abs(blobs["fc"][0]).max() <= sqrt(3.0 / 784)


def test_init_weights_is_deterministic_by_seed(net) -> None:
    first, second, other = pc.load(net), pc.load(net), pc.load(net)
    init_weights(first, seed=7)
    init_weights(second, seed=7)
    init_weights(other, seed=8)
    a, b, c = _blobs(first), _blobs(second), _blobs(other)
    for name in a:
        for x, y in zip(a[name], b[name]):
            np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a["conv"][0], c["conv"][0])


def test_init_weights_names_the_layer_of_a_bad_filler(tmp_path) -> None:
    path = tmp_path / "bad.prototxt"
    path.write_text('input: "data" input_shape { dim: 1 dim: 3 dim: 4 dim: 4 }\n'
                    'layer { name: "c" type: "Convolution" bottom: "data" top: "c" '
                    'convolution_param { num_output: 2 kernel_size: 1 '
                    'weight_filler { type: "glorot" } } }')
    with pytest.raises(LayerError, match=r"layer 'c' \(Convolution\).*unknown filler type "
                                         r"'glorot'"):
        init_weights(pc.load(path))
