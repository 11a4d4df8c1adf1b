"""The module load_torch returns: its interface (inputs, outputs, names, state_dict), batch
sizes other than the prototxt's, and torch's tracing/export/compile paths, on the
reduced-width seed ResNeXt whose every layer real Caffe computed."""
from __future__ import annotations

import pathlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from prototxt_compiler import layer_outputs, load_torch  # noqa: E402
from tests.tolerance import assert_close  # noqa: E402

NUMERIC = pathlib.Path(__file__).parents[1] / "fixtures" / "numeric"
NET = NUMERIC / "net_resnext_seed.prototxt"
WEIGHTS = NUMERIC / "net_resnext_seed.caffemodel"


@pytest.fixture(scope="module")
def module():
    return load_torch(NET, WEIGHTS)


@pytest.fixture(scope="module")
def ref() -> dict:
    return dict(np.load(NUMERIC / "net_resnext_seed.npz"))


def test_interface_names_come_from_caffe(module) -> None:
    assert module.input_names == ["data"]
    assert module.output_names == ["prob"]
    assert not module.training
    keys = set(module.state_dict())
    assert {"conv0.weight", "stage1_unit1_conv2.weight", "fc1.weight", "fc1.bias"} <= keys
    assert any(k.startswith("scale_stage1_unit1_bn1.") for k in keys)
    assert "stage1_unit1_conv2" in module.code


def test_other_batch_sizes_give_caffe_per_item_results(module, ref) -> None:
    x = torch.from_numpy(ref["input:data"])
    with torch.inference_mode():
        one = module(x[:1])
        five = module(torch.cat([x, x, x[:1]]))
    assert_close(one.numpy(), ref["output:prob"][:1], "prob (batch 1)")
    assert_close(five.numpy(), np.concatenate([ref["output:prob"]] * 2 + [ref["output:prob"][:1]]),
                 "prob (batch 5)")


def test_layer_outputs_names_every_caffe_top(module, ref) -> None:
    outs = layer_outputs(module, torch.from_numpy(ref["input:data"]))
    assert "stage1_unit1_bn1:stage1_unit1_conv1" in outs  # in-place layers seen one by one
    assert_close(outs["fc1:fc1"].numpy(), ref["layer:fc1:fc1"], "fc1:fc1")


def test_convolutions_run_channels_last_and_take_nchw_state_dicts(module, ref) -> None:
    convs = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs and all(c.weight.is_contiguous(memory_format=torch.channels_last)
                         for c in convs)
    x = torch.from_numpy(ref["input:data"])
    outs = layer_outputs(module, x)
    assert outs["conv0:conv0"].is_contiguous(memory_format=torch.channels_last)
    # a state_dict saved NCHW (as another module or an older version holds it) loads
    fresh = load_torch(NET)  # fillers: other values
    fresh.load_state_dict({k: v.contiguous() for k, v in module.state_dict().items()})
    with torch.inference_mode():
        assert_close(fresh(x).numpy(), ref["output:prob"], "prob (NCHW state_dict)")


def test_jit_trace(module, ref) -> None:
    x = torch.from_numpy(ref["input:data"])
    traced = torch.jit.trace(module, (x,))
    assert_close(traced(x).detach().numpy(), ref["output:prob"], "prob (traced)")


def test_export(module, ref) -> None:
    x = torch.from_numpy(ref["input:data"])
    exported = torch.export.export(module, (x,))
    assert_close(exported.module()(x).detach().numpy(), ref["output:prob"], "prob (exported)")


def test_compile(module, ref) -> None:
    x = torch.from_numpy(ref["input:data"])
    compiled = torch.compile(module, backend="aot_eager")
    with torch.no_grad():
        assert_close(compiled(x).numpy(), ref["output:prob"], "prob (compiled)")


def test_fold_gives_caffe_results_with_fewer_layers(module, ref) -> None:
    folded = load_torch(NET, WEIGHTS, fold=True)
    x = torch.from_numpy(ref["input:data"])
    with torch.inference_mode():
        assert_close(folded(x).numpy(), ref["output:prob"], "prob (folded)")
    names = dict(folded.named_children())
    assert "stage1_unit1_bn1" not in names and "stage1_unit1_conv1" in names
    assert len(names) < len(dict(module.named_children()))


def test_only_values_no_one_else_reads_are_overwritten(module, ref) -> None:
    """ReLU and Eltwise SUM run in place where the lowering allows it; the caller's input,
    and values other layers still read, are never written."""
    x = torch.from_numpy(ref["input:data"])
    copy = x.clone()
    relus = {name: m for name, m in module.named_children() if type(m).__name__ == "CaffeReLU"}
    assert any(m.writable_inputs[0] for m in relus.values())
    with torch.inference_mode():
        module(x)
    assert torch.equal(x, copy)
    for node in module.graph.nodes:
        if node.op == "call_module":
            sub = module.get_submodule(node.target)
            for arg, writable in zip(node.args, getattr(sub, "writable_inputs", ())):
                if writable:
                    assert len(arg.users) == 1 and arg.op != "placeholder"


@pytest.mark.parametrize("view", [
    'layer { name: "v" type: "Flatten" bottom: "data" top: "v" }',
    'layer { name: "v" type: "Reshape" bottom: "data" top: "v" reshape_param { shape { dim: 0 '
    'dim: -1 } } }',
    'layer { name: "v" type: "Dropout" bottom: "data" top: "v" }',
    'layer { name: "v" type: "Power" bottom: "data" top: "v" }',
], ids=["flatten", "reshape", "dropout", "identity-power"])
def test_in_place_never_writes_through_a_view(view: str, tmp_path: pathlib.Path) -> None:
    """A ReLU or a sum may run in place on a value only it reads; a value that views another
    (Flatten, Reshape) or is another (Dropout, an identity Power) is read-only, or the write
    would change what other layers read (here the Sigmoid of the same input)."""
    from prototxt_compiler import load, to_torch

    net = tmp_path / "net.prototxt"
    net.write_text('layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 '
                   'dim: 3 dim: 2 dim: 2 } } }\n' + view + "\n"
                   'layer { name: "relu" type: "ReLU" bottom: "v" top: "v" }\n'
                   'layer { name: "sig" type: "Sigmoid" bottom: "data" top: "sig" }\n')
    module = to_torch(load(net))
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2)).astype(np.float32)
    with torch.inference_mode():
        sig, relu = module(torch.from_numpy(x.copy()))  # Caffe's output order: by name
    assert np.array_equal(sig.numpy(), torch.sigmoid(torch.from_numpy(x)).numpy())
    assert np.allclose(relu.numpy().reshape(-1), np.maximum(x, 0).reshape(-1))


def test_in_place_still_runs_where_storage_is_its_own() -> None:
    from prototxt_compiler import to_torch
    from prototxt_compiler.api import load_with_weights

    graph = load_with_weights(NUMERIC / "net_resnext_seed.prototxt",
                              NUMERIC / "net_resnext_seed.caffemodel")
    module = to_torch(graph)
    relus = [m for name, m in module.named_children() if name.endswith("relu1")]
    assert relus and all(m.writable_inputs == (True,) for m in relus)
