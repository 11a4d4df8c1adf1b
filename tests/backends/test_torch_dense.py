"""InnerProduct and Embed in the torch backend: parameter names and layout, Caffe's index
truncation, and a run-time batch size other than the prototxt's."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler import load_torch  # noqa: E402
from prototxt_compiler.backends.torch.dense import CaffeEmbed  # noqa: E402
from prototxt_compiler.frontend.weights import read_caffemodel  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
IP_CASE = NUMERIC / "ip_axis_transpose.prototxt"


def test_inner_product_state_dict_is_n_by_k() -> None:
    module = load_torch(IP_CASE, IP_CASE.with_suffix(".caffemodel"))
    state = module.state_dict()
    blobs = read_caffemodel(IP_CASE.with_suffix(".caffemodel"))
    assert sorted(state) == ["ip1.bias", "ip1.weight", "ip2.bias", "ip2.weight", "ip3.weight",
                             "ip4.weight"]
    assert tuple(state["ip2.weight"].shape) == (6, 20)  # stored (K, N) = (20, 6): transpose
    assert np.array_equal(state["ip2.weight"].numpy(), np.asarray(blobs["ip2"][0]).T)
    assert tuple(state["ip4.weight"].shape) == (3, 18)


def test_inner_product_any_batch() -> None:
    module = load_torch(IP_CASE, IP_CASE.with_suffix(".caffemodel"))
    x = torch.randn(5, 3, 4, 5)
    whole = module(x)
    for i in range(5):
        for got, expected in zip(module(x[i:i + 1]), whole):
            assert torch.allclose(got, expected[i:i + 1], atol=1e-6)


def test_embed_truncates_toward_zero() -> None:
    weight = np.arange(12, dtype=np.float32).reshape(4, 3)
    embed = CaffeEmbed(weight, np.ones(3, dtype=np.float32))
    top = embed(torch.tensor([[-0.7, 0.2], [2.99, 3.5]]))
    rows = torch.from_numpy(weight)[torch.tensor([[0, 0], [2, 3]])] + 1
    assert torch.equal(top, rows)
