"""``from_torch`` with the installed torch: each small torch.nn model, exported live (every
model at the default opset 17, one at 11 and 13 too), converts, and the Caffe graph (run in
the PyTorch backend, itself held to Caffe) computes what the module computes. (Every
model's exports at opsets 11, 13 and 17 by a fixed torch run in real Caffe in
test_ops_vs_caffe.)"""
from __future__ import annotations

import pathlib

import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler.backends.torch import to_torch  # noqa: E402
from prototxt_compiler.to_caffe import from_torch, save_caffe  # noqa: E402
from tests.frontend.onnx.torch_models import MODELS, OPSETS, make  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

CASES = [(name, 17) for name in sorted(MODELS)] + [("resnext_unit", o) for o in OPSETS if o != 17]


@pytest.mark.parametrize("name,opset", CASES)
def test_from_torch_computes_the_module(name: str, opset: int, tmp_path: pathlib.Path) -> None:
    module, example = make(name)
    graph = from_torch(module, example, opset=opset)
    assert [v.blob for v in graph.inputs] == ["input"]
    assert [v.blob for v in graph.outputs] == ["output"]
    assert not module.training
    with torch.inference_mode():
        expected = module(example).numpy()
        ours = to_torch(graph)(example).numpy()
    assert_close(ours, expected, name)
    save_caffe(graph, tmp_path / "net.prototxt", tmp_path / "net.caffemodel")
    assert (tmp_path / "net.caffemodel").stat().st_size > 1000


def test_from_torch_names_several_inputs_and_outputs() -> None:
    class Two(torch.nn.Module):
        def forward(self, a, b):
            return torch.relu(a) + b, torch.sigmoid(a)

    graph = from_torch(Two().train(), (torch.randn(1, 3, 4, 4), torch.randn(1, 3, 4, 4)))
    assert [v.blob for v in graph.inputs] == ["input0", "input1"]
    assert [v.blob for v in graph.outputs] == ["output0", "output1"]
