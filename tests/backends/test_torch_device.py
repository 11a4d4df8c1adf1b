"""The torch module runs on whatever device it is moved to (``model.cuda()``), which CI, having
no GPU, shows in two ways that fail where a CUDA run would:

- every tensor the modules hold is a parameter or a buffer, so ``.to(device)`` moves it, and
  the nets whose layers do not depend on their data's values run on the "meta" device with
  the CPU run's output shapes;
- no forward makes a tensor on the default device: run on CPU inputs with the default
  device set to "meta", a tensor made without ``device=`` would be a meta tensor meeting CPU
  ones (an error), as on CUDA it would be a CPU tensor meeting CUDA ones. The detection
  layers (PriorBox, DetectionOutput and its NMS, Proposal, ROIPooling), whose tensors depend
  on their inputs' sizes and values, are held to this on their own fixtures."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler import load_torch  # noqa: E402
from prototxt_compiler.backends.torch import to_torch  # noqa: E402
from tests.backends.test_fork_layers import NETS as FORK_NETS  # noqa: E402
from tests.backends.test_fork_layers import reference as fork_reference  # noqa: E402

FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures"
NUMERIC = sorted((FIXTURES / "numeric").glob("*.prototxt"))
DETECTION = sorted((FIXTURES / "detection").glob("*.prototxt"))
# Filter's output size is the count of its selector's nonzeros: no meta run can know it
DATA_DEPENDENT = {"filter_select"} | {p.stem for p in DETECTION}


def module_and_inputs(path: pathlib.Path):  # noqa: ANN201
    if path in FORK_NETS:
        graph, ref = fork_reference(path)
        module = to_torch(graph)
    else:
        weights = path.with_suffix(".caffemodel")
        module = load_torch(path, weights if weights.exists() else None)
        ref = dict(np.load(path.with_suffix(".npz")))
    return module, [torch.from_numpy(ref[f"input:{name}"]) for name in module.input_names]


def as_tuple(out):  # noqa: ANN001, ANN201
    return out if isinstance(out, tuple) else (out,)


ALL = NUMERIC + DETECTION + FORK_NETS


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_every_tensor_is_a_parameter_or_buffer(path: pathlib.Path) -> None:
    module, _ = module_and_inputs(path)
    loose = [f"{name or 'the module'}.{attr}" for name, sub in module.named_modules()
             for attr, value in vars(sub).items() if isinstance(value, torch.Tensor)]
    assert loose == []  # each would stay on the CPU through .to(device)


@pytest.mark.parametrize("path", [p for p in ALL if p.stem not in DATA_DEPENDENT],
                         ids=lambda p: p.stem)
def test_the_module_runs_where_it_is_moved(path: pathlib.Path) -> None:
    module, inputs = module_and_inputs(path)
    with torch.inference_mode():
        expected = as_tuple(module(*inputs))
        module.to("meta")
        got = as_tuple(module(*[x.to("meta") for x in inputs]))
    assert [t.device.type for t in got] == ["meta"] * len(expected)
    assert [t.shape for t in got] == [t.shape for t in expected]
    assert all(p.device.type == "meta" for p in [*module.parameters(), *module.buffers()])


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.stem)
def test_no_forward_makes_tensors_on_the_default_device(path: pathlib.Path) -> None:
    module, inputs = module_and_inputs(path)
    with torch.inference_mode():
        expected = as_tuple(module(*inputs))
        with torch.device("meta"):
            got = as_tuple(module(*inputs))
    assert len(got) == len(expected)
    for ours, want in zip(got, expected):
        assert ours.device.type == "cpu"
        torch.testing.assert_close(ours, want, rtol=0, atol=0, equal_nan=True)


# torch runs an operator's body with the default-device mode off, so the two operators'
# bodies are called directly here, on inputs that take every branch

def test_the_nms_body_makes_no_tensor_on_the_default_device() -> None:
    from prototxt_compiler.backends.torch.detection import nms_keep

    g = torch.Generator().manual_seed(0)
    corner = torch.rand(2, 3, 12, 2, generator=g) * 8
    boxes = torch.cat([corner, corner + 1 + torch.rand(2, 3, 12, 2, generator=g) * 4], dim=-1)
    valid = torch.rand(2, 3, 12, generator=g) > 0.2
    for eta, offset in ((1.0, 0.0), (0.7, 0.0), (1.0, 1.0)):
        expected = nms_keep(boxes, valid, 0.3, eta, offset)
        with torch.device("meta"):
            got = nms_keep(boxes, valid, 0.3, eta, offset)
        assert got.device.type == "cpu" and torch.equal(got, expected)
        assert 0 < int(expected.sum()) < int(valid.sum())  # some kept, some suppressed


def test_the_roi_pool_body_makes_no_tensor_on_the_default_device() -> None:
    from prototxt_compiler.backends.torch.roi import roi_max_pool

    features = torch.randn(2, 3, 10, 12, generator=torch.Generator().manual_seed(1))
    rois = torch.tensor([[0, 0, 0, 11, 9], [1, 2, 3, 7, 5], [0, 5, 5, 4, 4], [1, 8, 1, 40, 30]],
                        dtype=torch.float32)  # whole, inner, inverted (empty bins), past the edge
    expected = roi_max_pool(features, rois, 3, 2, 1.0)
    with torch.device("meta"):
        got = roi_max_pool(features, rois, 3, 2, 1.0)
    assert got.device.type == "cpu" and torch.equal(got, expected)
