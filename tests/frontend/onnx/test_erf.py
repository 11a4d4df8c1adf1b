"""Erf as BVLC layers (``frontend.onnx.erf``): Abramowitz and Stegun's 7.1.26, within 6e-7
of erf in float32 (1.5e-7 in exact arithmetic) for every float, +-1 at the infinities, NaN
for NaN. Held to Python's ``math.erf`` (in double) through the PyTorch backend, which is
itself held to Caffe; tests/fixtures/onnx's ``erf`` and ``gelu`` hold the layers to real
Caffe."""
from __future__ import annotations

import math

import numpy as np
import pytest
from onnx import TensorProto, helper

from prototxt_compiler.frontend.onnx.erf import ERF_A, ERF_P
from prototxt_compiler.to_caffe import from_onnx

torch = pytest.importorskip("torch")


def erf_model(n: int, op: str = "Erf", **attrs: object):  # noqa: ANN201
    node = helper.make_node(op, ["x"], ["y"], name="erf", **attrs)
    graph = helper.make_graph([node], "erf", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [1, n])], [helper.make_tensor_value_info(
            "y", TensorProto.FLOAT, [1, n])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])


def run(model, x: np.ndarray) -> np.ndarray:  # noqa: ANN001
    from prototxt_compiler import to_torch

    with torch.inference_mode():
        return to_torch(from_onnx(model))(torch.from_numpy(x[None])).numpy()[0]


def test_the_coefficients_give_erf_0_and_its_slope() -> None:
    # P(1) = a1 + ... + a5 is 1 - 1e-9: erf(0) = 1 - P(1) e^0 is 0 to 1e-9
    assert abs(1 - sum(ERF_A)) < 2e-9
    # d/dy [1 - t P(t) e^{-y^2}] at 0 (t = 1/(1 + p y)) is p (a1 + 2 a2 + ... + 5 a5),
    # which must be erf's slope 2 / sqrt(pi) to the approximation's accuracy
    slope = ERF_P * sum((k + 1) * a for k, a in enumerate(ERF_A))
    assert abs(slope - 2 / math.sqrt(math.pi)) < 1e-5


def test_erf_over_every_magnitude() -> None:
    grid = np.linspace(-6, 6, 120001, dtype=np.float32)
    tiny = np.array([0.0, -0.0, 1e-30, -1e-30, 1e-45, 3e-8, -3e-8], np.float32)
    big = np.array([6.5, -9.0, 30.0, -1e30, 3.4e38], np.float32)
    x = np.concatenate([grid, tiny, big])
    got = run(erf_model(x.size), x)
    want = np.array([math.erf(float(v)) for v in x])
    assert np.abs(got - want).max() < 6e-7
    assert got[-5:].tolist() == [1.0, -1.0, 1.0, -1.0, 1.0]


def test_erf_of_infinities_and_nan() -> None:
    x = np.array([np.inf, -np.inf, np.nan], np.float32)
    got = run(erf_model(3), x)
    assert got[:2].tolist() == [1.0, -1.0] and np.isnan(got[2])


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_is_its_definition(approximate: str) -> None:
    x = np.linspace(-8, 8, 4001, dtype=np.float32)
    got = run(erf_model(x.size, "Gelu", approximate=approximate), x)
    if approximate == "none":
        want = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x.tolist()])
    else:
        want = np.array([0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi)
                                                  * (v + 0.044715 * v ** 3)))
                         for v in x.tolist()])
    assert np.abs(got - want).max() < 1e-4 * max(1.0, float(np.abs(want).max())) / 10


def test_an_unknown_gelu_approximation_is_refused() -> None:
    from prototxt_compiler.frontend.onnx import UnsupportedNodesError

    with pytest.raises(UnsupportedNodesError) as caught:
        from_onnx(erf_model(4, "Gelu", approximate="sigmoid"))
    assert "'sigmoid' is not 'none' or 'tanh'" in str(caught.value)
